/** watchdog, memballoon, panic, nvram, vsock, iommu, shmem */
import { Watchdog } from '../../../../model/domain/devices/watchdog';
import { Memballoon } from '../../../../model/domain/devices/memballoon';
import { Panic } from '../../../../model/domain/devices/panic';
import { NvramDevice } from '../../../../model/domain/devices/nvram';
import { Vsock, validateVsock } from '../../../../model/domain/devices/vsock';
import { Iommu, validateIommu } from '../../../../model/domain/devices/iommu';
import { Shmem, validateShmem } from '../../../../model/domain/devices/shmem';
import { parseDevice, roundTrip, brief } from './device-xml';

describe('small devices', () => {
  it('watchdog: model and action', () => {
    expect(roundTrip(Watchdog, 'watchdog', `<watchdog action='inject-nmi' model='ib700'/>`)).toBe(`<watchdog model='ib700' action='inject-nmi'/>\n`);
    expect(() => parseDevice(Watchdog, `<watchdog model='ib700' action='explode'/>`)).toThrow("attribute 'action' has value 'explode'");
  });

  it('memballoon: stats, then the address, then the virtio driver', () => {
    expect(
      roundTrip(Memballoon, 'memballoon', `<memballoon model='virtio' freePageReporting='on' autodeflate='on'>
  <driver iommu='on' ats='on' packed='on' page_per_vq='on'/>
  <address type='pci' domain='0' bus='0' slot='18' function='0'/>
  <stats period='10'/>
</memballoon>`),
    ).toBe(`<memballoon model='virtio' autodeflate='on' freePageReporting='on'>
  <stats period='10'/>
  <address type='pci' domain='0x0000' bus='0x00' slot='0x12' function='0x0'/>
  <driver iommu='on' ats='on' packed='on' page_per_vq='on'/>
</memballoon>
`);
    expect(() => parseDevice(Memballoon, `<memballoon model='virtio'><stats period='0'/></memballoon>`)).toThrow(
      "attribute 'period' has value '0', which must be an unsigned integer of at least 1",
    );
  });

  it('panic and the pSeries nvram device', () => {
    expect(roundTrip(Panic, 'panic', `<panic model='isa'><address type='isa' iobase='0x505'/></panic>`)).toBe(
      `<panic model='isa'>\n  <address type='isa' iobase='0x505'/>\n</panic>\n`,
    );
    expect(roundTrip(NvramDevice, 'nvram', `<nvram><address type='spapr-vio' reg='0x3000'/></nvram>`)).toBe(
      `<nvram>\n  <address type='spapr-vio' reg='0x00003000'/>\n</nvram>\n`,
    );
  });

  it('vsock: cid, address, driver; CIDs 1 and 2 are reserved', () => {
    expect(roundTrip(Vsock, 'vsock', `<vsock model='virtio'><driver iommu='on'/><cid address='4' auto='no'/></vsock>`)).toBe(
      `<vsock model='virtio'>\n  <cid auto='no' address='4'/>\n  <driver iommu='on'/>\n</vsock>\n`,
    );
    expect(brief(validateVsock(parseDevice(Vsock, `<vsock model='virtio'>\n<cid address='2'/></vsock>`)))).toEqual([
      '2: /vsock/cid/@address: guest CIDs must be >= 3',
    ]);
  });

  it('iommu: intel driver options and the rules for other models', () => {
    expect(
      roundTrip(Iommu, 'iommu', `<iommu model='intel'><driver aw_bits='48' iotlb='on' eim='on' caching_mode='on' intremap='on'/></iommu>`),
    ).toBe(`<iommu model='intel'>\n  <driver intremap='on' caching_mode='on' eim='on' iotlb='on' aw_bits='48'/>\n</iommu>\n`);
    const problems = (xml: string, ioapicDriver?: string) =>
      validateIommu(parseDevice(Iommu, xml), { features: { ioapicDriver } }).map((i) => i.problem);
    expect(problems(`<iommu model='virtio'><driver iotlb='on'/></iommu>`)).toEqual(["iommu model 'virtio' doesn't support additional attributes"]);
    expect(problems(`<iommu model='intel'><address type='pci' domain='0' bus='0' slot='3' function='0'/></iommu>`)).toEqual([
      "iommu model 'intel' can't have address",
    ]);
    expect(problems(`<iommu model='intel'><driver intremap='on'/></iommu>`)).toEqual([
      "IOMMU interrupt remapping requires split I/O APIC (ioapic driver='qemu')",
    ]);
    expect(problems(`<iommu model='intel'><driver intremap='on'/></iommu>`, 'qemu')).toEqual([]);
    expect(problems(`<iommu model='intel'><driver eim='on'/></iommu>`, 'qemu')).toEqual(['IOMMU eim requires interrupt remapping to be enabled']);
  });

  it("shmem: size printed in M as libvirt does, server and msi; libvirt's name rules", () => {
    expect(
      roundTrip(Shmem, 'shmem', `<shmem role='master' name='shmem1'>
  <msi ioeventfd='on' vectors='32'/>
  <server path='/tmp/shmem1-sock'/>
  <size unit='GiB'>1</size>
  <model type='ivshmem-doorbell'/>
</shmem>`),
    ).toBe(`<shmem name='shmem1' role='master'>
  <model type='ivshmem-doorbell'/>
  <size unit='M'>1024</size>
  <server path='/tmp/shmem1-sock'/>
  <msi vectors='32' ioeventfd='on'/>
</shmem>
`);
    expect(validateShmem(parseDevice(Shmem, `<shmem name='a/b'/>`)).map((i) => i.problem)).toEqual(["shmem name cannot include '/' character"]);
    expect(validateShmem(parseDevice(Shmem, `<shmem name='..'/>`)).map((i) => i.problem)).toEqual(["shmem name cannot be equal to '..'"]);
  });
});
