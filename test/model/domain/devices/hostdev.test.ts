/** <hostdev>: exact XML in/out for each host device kind and the rules libvirt enforces. */
import { Hostdev, validateHostdev, validateHostdevs, sameHostDevice } from '../../../../model/domain/devices/hostdev';
import { Disk } from '../../../../model/domain/devices/disk';
import { parseDevice, roundTrip, brief } from './device-xml';

const hd = (xml: string) => parseDevice(Hostdev, xml);
const problems = (...xml: string[]) => validateHostdevs(xml.map(hd)).map((i) => i.problem);

describe('hostdev XML', () => {
  it('prints a PCI VF with its driver, source address in hex, teaming, ROM and guest address', () => {
    expect(
      roundTrip(
        Hostdev,
        'hostdev',
        `<hostdev managed='yes' type='pci' mode='subsystem'>
  <address type='pci' domain='0' bus='0' slot='5' function='0'/>
  <rom file='/etc/fake/boot.bin' bar='on'/>
  <teaming persistent='ua-backup0' type='transient'/>
  <source writeFiltering='no'>
    <address function='5' slot='18' bus='6' domain='0' multifunction='on'/>
  </source>
  <driver name='vfio'/>
  <boot order='2'/>
</hostdev>`,
      ),
    ).toBe(`<hostdev mode='subsystem' type='pci' managed='yes'>
  <driver name='vfio'/>
  <source writeFiltering='no'>
    <address domain='0x0000' bus='0x06' slot='0x12' function='0x5'/>
  </source>
  <teaming type='transient' persistent='ua-backup0'/>
  <boot order='2'/>
  <rom bar='on' file='/etc/fake/boot.bin'/>
  <address type='pci' domain='0x0000' bus='0x00' slot='0x05' function='0x0'/>
</hostdev>
`);
  });

  it('prints USB devices by bus/device or vendor/product (ids in hex)', () => {
    expect(
      roundTrip(Hostdev, 'hostdev', `<hostdev mode='subsystem' type='usb' managed='no'><source guestReset='uninitialized' startupPolicy='optional'><address device='6' bus='14'/></source></hostdev>`),
    ).toBe(`<hostdev mode='subsystem' type='usb' managed='no'>
  <source startupPolicy='optional' guestReset='uninitialized'>
    <address bus='14' device='6'/>
  </source>
</hostdev>
`);
    expect(roundTrip(Hostdev, 'hostdev', `<hostdev mode='subsystem' type='usb'><source><product id='4660'/><vendor id='0x46d'/></source></hostdev>`)).toBe(
      `<hostdev mode='subsystem' type='usb'>
  <source>
    <vendor id='0x046d'/>
    <product id='0x1234'/>
  </source>
</hostdev>
`,
    );
  });

  it('prints SCSI LUNs from a host adapter and from iSCSI, vhost-scsi targets and mediated devices', () => {
    expect(
      roundTrip(
        Hostdev,
        'hostdev',
        `<hostdev mode='subsystem' type='scsi' managed='no' rawio='yes' sgio='filtered'>
  <source><address unit='1' target='0' bus='0'/><adapter name='scsi_host0'/></source>
  <shareable/>
  <readonly/>
  <address type='drive' controller='0' bus='0' target='0' unit='4'/>
</hostdev>`,
      ),
    ).toBe(`<hostdev mode='subsystem' type='scsi' managed='no' sgio='filtered' rawio='yes'>
  <source>
    <adapter name='scsi_host0'/>
    <address bus='0' target='0' unit='1'/>
  </source>
  <readonly/>
  <shareable/>
  <address type='drive' controller='0' bus='0' target='0' unit='4'/>
</hostdev>
`);
    expect(
      roundTrip(
        Hostdev,
        'hostdev',
        `<hostdev mode='subsystem' type='scsi'>
  <source protocol='iscsi' name='iqn.1992-01.com.example:storage/1'>
    <initiator><iqn name='iqn.2020-07.com.example:test'/></initiator>
    <auth username='myname'><secret type='iscsi' usage='mycluster_myname'/></auth>
    <host port='3260' name='example.org'/>
  </source>
</hostdev>`,
      ),
    ).toBe(`<hostdev mode='subsystem' type='scsi'>
  <source protocol='iscsi' name='iqn.1992-01.com.example:storage/1'>
    <host name='example.org' port='3260'/>
    <auth username='myname'>
      <secret type='iscsi' usage='mycluster_myname'/>
    </auth>
    <initiator>
      <iqn name='iqn.2020-07.com.example:test'/>
    </initiator>
  </source>
</hostdev>
`);
    expect(roundTrip(Hostdev, 'hostdev', `<hostdev mode='subsystem' type='scsi_host' model='virtio-transitional' managed='no'><source wwpn='naa.5123456789abcde0' protocol='vhost'/></hostdev>`)).toBe(
      `<hostdev mode='subsystem' type='scsi_host' managed='no' model='virtio-transitional'>\n  <source protocol='vhost' wwpn='naa.5123456789abcde0'/>\n</hostdev>\n`,
    );
    expect(
      roundTrip(Hostdev, 'hostdev', `<hostdev mode='subsystem' type='mdev' ramfb='on' display='on' model='vfio-pci'><source><address uuid='53764D0E-85A0-42B4-AF5C-2046B460B1DC'/></source></hostdev>`),
    ).toBe(`<hostdev mode='subsystem' type='mdev' model='vfio-pci' display='on' ramfb='on'>
  <source>
    <address uuid='53764d0e-85a0-42b4-af5c-2046b460b1dc'/>
  </source>
</hostdev>
`);
  });

  it('prints capabilities-mode devices for containers', () => {
    expect(roundTrip(Hostdev, 'hostdev', `<hostdev mode='capabilities' type='storage'><source><block>/dev/sdf1</block></source></hostdev>`)).toBe(
      `<hostdev mode='capabilities' type='storage'>\n  <source>\n    <block>/dev/sdf1</block>\n  </source>\n</hostdev>\n`,
    );
    expect(
      roundTrip(Hostdev, 'hostdev', `<hostdev mode='capabilities' type='net'><route address='0.0.0.0' gateway='10.0.0.1'/><ip address='10.0.0.2' prefix='24'/><source><interface>eth0</interface></source></hostdev>`),
    ).toBe(`<hostdev mode='capabilities' type='net'>
  <source>
    <interface>eth0</interface>
  </source>
  <ip address='10.0.0.2' prefix='24'/>
  <route address='0.0.0.0' gateway='10.0.0.1'/>
</hostdev>
`);
  });

  it('rejects a malformed vhost-scsi WWPN', () => {
    expect(() => hd(`<hostdev mode='subsystem' type='scsi_host'><source protocol='vhost' wwpn='5123456789abcde0'/></hostdev>`)).toThrow(
      "attribute 'wwpn' has value '5123456789abcde0', which must be a WWPN such as 'naa.5123456789abcde0'",
    );
  });
});

describe('hostdev rules', () => {
  it('matches the guest address type to the host device kind', () => {
    const one = (xml: string) => validateHostdev(hd(xml)).map((i) => i.problem);
    expect(one(`<hostdev mode='subsystem' type='usb'><source><address bus='1' device='2'/></source><address type='pci'/></hostdev>`)).toEqual([
      "USB host device must use 'usb' address type",
    ]);
    expect(one(`<hostdev mode='subsystem' type='pci'><source><address bus='1'/></source><address type='unassigned'/></hostdev>`)).toEqual([]);
    expect(one(`<hostdev mode='subsystem' type='scsi'><source><adapter name='a'/><address bus='0' target='0' unit='0'/></source><address type='pci'/></hostdev>`)).toEqual([
      "SCSI host device must use 'drive' address type",
    ]);
    expect(brief(validateHostdev(hd(`<hostdev mode='subsystem' type='mdev' model='vfio-pci'>\n<source><address uuid='53764d0e-85a0-42b4-af5c-2046b460b1dc'/></source>\n<address type='drive' controller='0' bus='0' target='0' unit='1'/></hostdev>`)))).toEqual([
      "3: /hostdev/address/@type: Unsupported address type 'drive' with mediated device model 'vfio-pci'",
    ]);
    expect(one(`<hostdev mode='subsystem' type='mdev' model='vfio-pci'><source><address domain='0' bus='6' slot='18' function='5'/></source></hostdev>`)).toEqual([
      "Missing 'uuid' attribute for element <address>",
    ]);
  });

  it('checks the teaming of a failover VF', () => {
    const one = (team: string, type = 'pci') => validateHostdev(hd(`<hostdev mode='subsystem' type='${type}'><source/>${team}</hostdev>`)).map((i) => i.problem);
    expect(one(`<teaming type='persistent'/>`)).toEqual(["teaming hostdev devices must have type='transient'"]);
    expect(one(`<teaming type='transient'/>`)).toEqual(['missing required persistent attribute in hostdev teaming element']);
    expect(one(`<teaming type='transient' persistent='ua-net0'/>`, 'usb')).toEqual(['teaming is only supported for pci hostdev devices']);
  });

  it('refuses the same host device twice and more than one ramfb vGPU', () => {
    const pci = `<hostdev mode='subsystem' type='pci' managed='yes'><source><address domain='0x0000' bus='0x06' slot='0x12' function='0x5'/></source></hostdev>`;
    expect(problems(pci, pci.replace("managed='yes'", "managed='no'"))).toEqual(['Hostdev already exists in the domain configuration']);
    const usb = (a: string) => hd(`<hostdev mode='subsystem' type='usb'><source>${a}</source></hostdev>`);
    expect(sameHostDevice(usb(`<address bus='14' device='6'/>`), usb(`<address bus='14' device='6'/>`))).toBe(true);
    expect(sameHostDevice(usb(`<vendor id='0x1234'/><product id='0xbeef'/>`), usb(`<vendor id='0x1234'/><product id='0xbeef'/>`))).toBe(true);
    expect(sameHostDevice(usb(`<address bus='14' device='6'/>`), usb(`<address bus='14' device='7'/>`))).toBe(false);
    const vgpu = (uuid: string) => `<hostdev mode='subsystem' type='mdev' model='vfio-pci' display='on' ramfb='on'><source><address uuid='${uuid}'/></source></hostdev>`;
    expect(problems(vgpu('53764d0e-85a0-42b4-af5c-2046b460b1dc'), vgpu('53764d0e-85a0-42b4-af5c-2046b460b1dd'))).toEqual([
      "Only one vgpu device can have 'ramfb' enabled",
    ]);
  });

  it('refuses a SCSI drive address used by another SCSI hostdev or disk', () => {
    const scsi = (unit: number) =>
      `<hostdev mode='subsystem' type='scsi' managed='no'><source><adapter name='scsi_host2'/><address bus='0' target='0' unit='${unit}'/></source><address type='drive' controller='0' bus='0' target='0' unit='0'/></hostdev>`;
    expect(problems(scsi(1), scsi(2))).toEqual(["SCSI host address controller='0' bus='0' target='0' unit='0' in use by another SCSI host device"]);
    const disk = parseDevice(Disk, `<disk type='block'><source dev='/dev/a'/><target dev='sda' bus='scsi'/></disk>`);
    expect(validateHostdevs([hd(scsi(1))], { disks: [disk] }).map((i) => i.problem)).toEqual([
      "SCSI host address controller='0' bus='0' target='0' unit='0' in use by another SCSI disk",
    ]);
  });
});
