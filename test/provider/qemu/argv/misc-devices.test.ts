import { buildTpms } from '../../../../provider/qemu/argv/sections/tpms';
import { buildWatchdogs } from '../../../../provider/qemu/argv/sections/watchdogs';
import { buildRngs } from '../../../../provider/qemu/argv/sections/rngs';
import { buildMemballoon } from '../../../../provider/qemu/argv/sections/memballoon';
import { buildPanics } from '../../../../provider/qemu/argv/sections/panics';
import { buildIommu } from '../../../../provider/qemu/argv/sections/iommu';
import { buildVsock } from '../../../../provider/qemu/argv/sections/vsock';
import { buildShmems } from '../../../../provider/qemu/argv/sections/shmems';
import { buildSmartcards } from '../../../../provider/qemu/argv/sections/smartcards';
import { buildRedirdevs } from '../../../../provider/qemu/argv/sections/redirdevs';
import { buildNvram } from '../../../../provider/qemu/argv/sections/nvram';
import { parseDomainXml } from '../../../../model/domain/domain';
import { domainWith, runSection } from './storage-fixture';
import { harnessCtx, virtformCtx } from './device-fixture';

const ROOT = `<controller type='pci' index='0' model='pci-root'><alias name='pci.0'/></controller>`;
const PCIE = `<controller type='pci' index='0' model='pcie-root'><alias name='pcie.0'/></controller>`;
const USB = `<controller type='usb' index='0' model='piix3-uhci'><alias name='usb'/></controller>`;
const pci = (slot: number) => `<address type='pci' domain='0x0000' bus='0x00' slot='${slot}' function='0x0'/>`;

describe('tpm section', () => {
  it('passes the host TPM and its cancel file as fd sets (libvirt) or paths (virtform)', () => {
    const xml = `<tpm model='tpm-crb'><backend type='passthrough'><device path='/dev/tpm0'/></backend><alias name='tpm0'/></tpm>`;
    expect(runSection(buildTpms, domainWith(xml), harnessCtx())).toEqual([
      '-add-fd set=0,fd=1730,opaque=tpm0-tpm',
      '-add-fd set=1,fd=1731,opaque=tpm0-cancel',
      '-tpmdev passthrough,id=tpm-tpm0,path=/dev/fdset/0,cancel-path=/dev/fdset/1',
      `-device {"driver":"tpm-crb","tpmdev":"tpm-tpm0","id":"tpm0"}`,
    ]);
    expect(runSection(buildTpms, domainWith(xml), virtformCtx())[0]).toBe('-tpmdev passthrough,id=tpm-tpm0,path=/dev/tpm0,cancel-path=/sys/class/tpm/tpm0/device/cancel');
  });

  it("connects an emulated TPM to swtpm's socket and an external one to the given socket", () => {
    expect(runSection(buildTpms, domainWith(`<tpm model='tpm-tis'><backend type='emulator' version='2.0'/><alias name='tpm0'/></tpm>`), virtformCtx())).toEqual([
      '-chardev socket,id=chrtpm,path=/run/virtform/guest/-1-guest-swtpm.sock',
      '-tpmdev emulator,id=tpm-tpm0,chardev=chrtpm',
      `-device {"driver":"tpm-tis","tpmdev":"tpm-tpm0","id":"tpm0"}`,
    ]);
    expect(
      runSection(buildTpms, domainWith(`<tpm model='tpm-tis'><backend type='external'><source type='unix' mode='connect' path='/tmp/path.sock'/></backend><alias name='tpm0'/></tpm>`), harnessCtx()),
    ).toEqual(['-chardev socket,id=chrtpm,path=/tmp/path.sock', '-tpmdev emulator,id=tpm-tpm0,chardev=chrtpm', `-device {"driver":"tpm-tis","tpmdev":"tpm-tpm0","id":"tpm0"}`]);
  });
});

describe('watchdog section', () => {
  it('adds the device and the action, passing dump as pause', () => {
    expect(runSection(buildWatchdogs, domainWith(`${ROOT}<watchdog model='i6300esb' action='poweroff'><alias name='watchdog0'/>${pci(3)}</watchdog>`), harnessCtx())).toEqual([
      `-device {"driver":"i6300esb","id":"watchdog0","bus":"pci.0","addr":"0x3"}`,
      '-watchdog-action poweroff',
    ]);
    expect(runSection(buildWatchdogs, domainWith(`<watchdog model='ib700' action='dump'><alias name='watchdog0'/></watchdog>`), harnessCtx())).toEqual([
      `-device {"driver":"ib700","id":"watchdog0"}`,
      '-watchdog-action pause',
    ]);
  });
});

describe('rng section', () => {
  it('adds the backend object, then the device with its rate limit', () => {
    const def = domainWith(`${ROOT}
      <rng model='virtio'><rate bytes='123' period='1234'/><backend model='random'>/dev/random</backend><alias name='rng0'/>${pci(3)}</rng>
      <rng model='virtio-transitional'><rate bytes='1024'/><backend model='builtin'/><alias name='rng1'/>${pci(4)}</rng>
      <rng model='virtio'><backend model='egd' type='unix'><source mode='bind' path='/tmp/rng.socket'/></backend><driver iommu='on'/><alias name='rng2'/>${pci(5)}</rng>`);
    expect(runSection(buildRngs, def, harnessCtx())).toEqual([
      `-object {"qom-type":"rng-random","id":"objrng0","filename":"/dev/random"}`,
      `-device {"driver":"virtio-rng-pci","rng":"objrng0","id":"rng0","max-bytes":123,"period":1234,"bus":"pci.0","addr":"0x3"}`,
      `-object {"qom-type":"rng-builtin","id":"objrng1"}`,
      `-device {"driver":"virtio-rng-pci-transitional","rng":"objrng1","id":"rng1","max-bytes":1024,"period":1000,"bus":"pci.0","addr":"0x4"}`,
      '-chardev socket,id=charrng2,fd=1729,server=on,wait=off',
      `-object {"qom-type":"rng-egd","id":"objrng2","chardev":"charrng2"}`,
      `-device {"driver":"virtio-rng-pci","iommu_platform":true,"rng":"objrng2","id":"rng2","bus":"pci.0","addr":"0x5"}`,
    ]);
  });
});

describe('memballoon section', () => {
  it('adds virtio-balloon with deflate-on-oom and free page reporting; nothing for model none', () => {
    const def = domainWith(`${ROOT}<memballoon model='virtio' autodeflate='on' freePageReporting='on'><stats period='10'/><alias name='balloon0'/>${pci(3)}<driver packed='on'/></memballoon>`);
    expect(runSection(buildMemballoon, def, harnessCtx())).toEqual([
      `-device {"driver":"virtio-balloon-pci","packed":true,"id":"balloon0","deflate-on-oom":true,"free-page-reporting":true,"bus":"pci.0","addr":"0x3"}`,
    ]);
    expect(runSection(buildMemballoon, domainWith(`<memballoon model='none'/>`), harnessCtx())).toEqual([]);
  });
});

describe('panic, iommu, vsock, nvram sections', () => {
  it('adds pvpanic at its I/O port, and nothing for the Hyper-V notifier', () => {
    const def = domainWith(`<panic model='isa'><address type='isa' iobase='0x505'/></panic><panic model='hyperv'/>`);
    expect(runSection(buildPanics, def, harnessCtx())).toEqual([`-device {"driver":"pvpanic","ioport":1285}`]);
  });

  it('writes the intel IOMMU options in libvirt order and places virtio-iommu on PCI', () => {
    const intel = domainWith(`<iommu model='intel'><driver intremap='on' caching_mode='on' eim='on' iotlb='on' aw_bits='48'/><alias name='iommu0'/></iommu>`, 'q35');
    expect(runSection(buildIommu, intel, harnessCtx())).toEqual([
      `-device {"driver":"intel-iommu","id":"iommu0","intremap":"on","caching-mode":true,"eim":"on","device-iotlb":true,"aw-bits":48}`,
    ]);
    const virtio = domainWith(`${PCIE}<iommu model='virtio'><alias name='iommu0'/>${pci(3)}</iommu>`, 'q35');
    expect(runSection(buildIommu, virtio, harnessCtx())).toEqual([`-device {"driver":"virtio-iommu","id":"iommu0","bus":"pcie.0","addr":"0x3"}`]);
  });

  it('gives vhost-vsock its CID and the passed vhost fd (libvirt) or lets QEMU open it (virtform)', () => {
    const xml = `${ROOT}<vsock model='virtio'><cid auto='no' address='4'/><alias name='vsock0'/>${pci(7)}</vsock>`;
    expect(runSection(buildVsock, domainWith(xml), harnessCtx())).toEqual([
      `-device {"driver":"vhost-vsock-pci","id":"vsock0","guest-cid":4,"vhostfd":"6789","bus":"pci.0","addr":"0x7"}`,
    ]);
    expect(runSection(buildVsock, domainWith(xml), virtformCtx())).toEqual([`-device {"driver":"vhost-vsock-pci","id":"vsock0","guest-cid":4,"bus":"pci.0","addr":"0x7"}`]);
    const auto = domainWith(`${ROOT}<vsock model='virtio'><cid auto='yes'/><alias name='vsock0'/>${pci(2)}</vsock>`);
    expect(runSection(buildVsock, auto, harnessCtx({ host: { ...harnessCtx().host, vsockCid: 42 } }))).toEqual([
      `-device {"driver":"vhost-vsock-pci","id":"vsock0","guest-cid":42,"vhostfd":"6789","bus":"pci.0","addr":"0x2"}`,
    ]);
  });

  it('adds the pSeries NVRAM device at its spapr-vio address', () => {
    const def = parseDomainXml(`<domain type='qemu'><name>p</name><memory unit='KiB'>524288</memory>
      <os><type arch='ppc64' machine='pseries'>hvm</type></os><devices><nvram><address type='spapr-vio' reg='0x3000'/></nvram></devices></domain>`);
    expect(runSection(buildNvram, def, harnessCtx())).toEqual([`-device {"driver":"spapr-nvram","reg":12288}`]);
  });
});

describe('shmem section', () => {
  it('backs ivshmem-plain with a shared file and puts the doorbell chardev after its device', () => {
    const def = domainWith(`${ROOT}
      <shmem name='shmem0'><model type='ivshmem-plain'/><alias name='shmem0'/>${pci(2)}</shmem>
      <shmem name='shmem2' role='master'><model type='ivshmem-plain'/><size unit='M'>256</size><alias name='shmem2'/>${pci(4)}</shmem>
      <shmem name='shmem3'><model type='ivshmem-doorbell'/><server/><alias name='shmem3'/>${pci(5)}</shmem>
      <shmem name='shmem6'><model type='ivshmem-doorbell'/><server path='/tmp/shmem6-sock'/><msi vectors='16' ioeventfd='off'/><alias name='shmem6'/>${pci(8)}</shmem>`);
    expect(runSection(buildShmems, def, harnessCtx())).toEqual([
      `-object {"qom-type":"memory-backend-file","id":"shmmem-shmem0","mem-path":"/dev/shm/shmem0","size":4194304,"share":true}`,
      `-device {"driver":"ivshmem-plain","id":"shmem0","memdev":"shmmem-shmem0","bus":"pci.0","addr":"0x2"}`,
      `-object {"qom-type":"memory-backend-file","id":"shmmem-shmem2","mem-path":"/dev/shm/shmem2","size":268435456,"share":true}`,
      `-device {"driver":"ivshmem-plain","id":"shmem2","memdev":"shmmem-shmem2","master":"on","bus":"pci.0","addr":"0x4"}`,
      `-device {"driver":"ivshmem-doorbell","id":"shmem3","chardev":"charshmem3","ioeventfd":true,"bus":"pci.0","addr":"0x5"}`,
      '-chardev socket,id=charshmem3,path=/var/lib/libvirt/shmem-shmem3-sock',
      `-device {"driver":"ivshmem-doorbell","id":"shmem6","chardev":"charshmem6","vectors":16,"ioeventfd":false,"bus":"pci.0","addr":"0x8"}`,
      '-chardev socket,id=charshmem6,path=/tmp/shmem6-sock',
    ]);
  });
});

describe('smartcard and redirdev sections', () => {
  const CCID = `<controller type='ccid' index='0'><alias name='ccid0'/></controller>`;
  const slot0 = `<address type='ccid' controller='0' slot='0'/>`;

  it('emulates a card from the host reader or certificates, or passes one through a chardev', () => {
    expect(runSection(buildSmartcards, domainWith(`${CCID}<smartcard mode='host'><alias name='smartcard0'/>${slot0}</smartcard>`), harnessCtx())).toEqual([
      `-device {"driver":"ccid-card-emulated","backend":"nss-emulated","id":"smartcard0","bus":"ccid0.0"}`,
    ]);
    const certs = `${CCID}<smartcard mode='host-certificates'><certificate>cert1,foo</certificate><certificate>cert2</certificate><certificate>cert3</certificate><alias name='smartcard0'/>${slot0}</smartcard>`;
    expect(runSection(buildSmartcards, domainWith(certs), harnessCtx())).toEqual([
      `-device {"driver":"ccid-card-emulated","backend":"certificates","cert1":"cert1,foo","cert2":"cert2","cert3":"cert3","db":"/etc/pki/nssdb","id":"smartcard0","bus":"ccid0.0"}`,
    ]);
    const pass = `${CCID}<smartcard mode='passthrough' type='spicevmc'><alias name='smartcard0'/>${slot0}</smartcard>`;
    expect(runSection(buildSmartcards, domainWith(pass), harnessCtx())).toEqual([
      '-chardev spicevmc,id=charsmartcard0,name=smartcard',
      `-device {"driver":"ccid-card-passthru","chardev":"charsmartcard0","id":"smartcard0","bus":"ccid0.0"}`,
    ]);
  });

  it('refuses a second card', () => {
    const def = domainWith(`${CCID}<smartcard mode='host'><alias name='smartcard0'/>${slot0}</smartcard><smartcard mode='host'><alias name='smartcard1'/><address type='ccid' controller='0' slot='1'/></smartcard>`);
    expect(() => runSection(buildSmartcards, def, harnessCtx())).toThrow('unsupported configuration: this QEMU binary lacks multiple smartcard support');
  });

  it('redirects USB over spicevmc or a socket with the domain filter and boot order', () => {
    const def = domainWith(`${USB}
      <redirdev bus='usb' type='spicevmc'><alias name='redir0'/><address type='usb' bus='0' port='1'/></redirdev>
      <redirdev bus='usb' type='tcp'><source mode='connect' host='localhost' service='4000'/><protocol type='raw'/><boot order='1'/><alias name='redir1'/><address type='usb' bus='0' port='2'/></redirdev>
      <redirfilter><usbdev class='0x08' vendor='0x15E1' product='0x2007' version='1.09' allow='yes'/><usbdev allow='no'/></redirfilter>`);
    expect(runSection(buildRedirdevs, def, harnessCtx())).toEqual([
      '-chardev spicevmc,id=charredir0,name=usbredir',
      `-device {"driver":"usb-redir","chardev":"charredir0","id":"redir0","filter":"0x08:0x15E1:0x2007:0x0109:1|-1:-1:-1:-1:0","bus":"usb.0","port":"1"}`,
      '-chardev socket,id=charredir1,host=localhost,port=4000',
      `-device {"driver":"usb-redir","chardev":"charredir1","id":"redir1","filter":"0x08:0x15E1:0x2007:0x0109:1|-1:-1:-1:-1:0","bootindex":1,"bus":"usb.0","port":"2"}`,
    ]);
  });
});
