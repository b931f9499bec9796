/**
 * libvirt 9.0's QEMU post-parse defaults on representative guests, as exact XML: what
 * `virsh define` + `virsh dumpxml --inactive` print for them (and, for the launch path, the
 * aliases and addresses libvirt uses when it starts them).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { formatDomainXml, parseDomainXml } from '../../../../model/domain/domain';
import { asInactive, prepareDomainXml, type PrepareOptions } from '../../../../provider/qemu/prepare';
import { applyQemuDefaults, assignAliases, loadFirmwareDescriptors, selectFirmware, FirmwareSelectionError } from '../../../../provider/qemu/defaults';
import { applyDomainDefaults } from '../../../../model/domain/defaults';
import { testCaps } from './caps-fixture';

function define(xml: string, opts: PrepareOptions = {}): string {
  return formatDomainXml(asInactive(prepareDomainXml(xml, testCaps(), opts)));
}

function devicesOf(out: string): string {
  return out.slice(out.indexOf('  <devices>'));
}

const HEAD = (name: string, machine: string, type = 'kvm') => `<domain type='${type}'>
  <name>${name}</name>
  <uuid>6ba7b810-9dad-11d1-80b4-00c04fd430c8</uuid>
  <memory unit='MiB'>1024</memory>
  <os>
    <type arch='x86_64' machine='${machine}'>hvm</type>
  </os>
`;

describe('i440FX (pc) guest', () => {
  const xml = `${HEAD('vm1', 'pc')}  <devices>
    <disk type='file' device='disk'>
      <source file='/var/lib/vf/vm1.qcow2'/>
      <driver name='qemu' type='qcow2'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <disk type='file' device='cdrom'>
      <target dev='hdc' bus='ide'/>
      <readonly/>
    </disk>
    <interface type='user'>
      <mac address='52:54:00:12:34:56'/>
    </interface>
  </devices>
</domain>
`;

  test('machine alias, default CPU, PIIX3 functions, IDE drive address, NIC model, default devices', () => {
    expect(define(xml)).toBe(`<domain type='kvm'>
  <name>vm1</name>
  <uuid>6ba7b810-9dad-11d1-80b4-00c04fd430c8</uuid>
  <memory unit='KiB'>1048576</memory>
  <currentMemory unit='KiB'>1048576</currentMemory>
  <vcpu placement='static'>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc-i440fx-8.0'>hvm</type>
    <boot dev='hd'/>
  </os>
  <cpu mode='custom' match='exact' check='none'>
    <model fallback='forbid'>qemu64</model>
  </cpu>
  <clock offset='utc'/>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='/var/lib/vf/vm1.qcow2'/>
      <target dev='vda' bus='virtio'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x03' function='0x0'/>
    </disk>
    <disk type='file' device='cdrom'>
      <driver name='qemu' type='raw'/>
      <target dev='hdc' bus='ide'/>
      <readonly/>
      <address type='drive' controller='0' bus='1' target='0' unit='0'/>
    </disk>
    <controller type='usb' index='0' model='piix3-uhci'>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x2'/>
    </controller>
    <controller type='pci' index='0' model='pci-root'/>
    <controller type='ide' index='0'>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x1'/>
    </controller>
    <interface type='user'>
      <mac address='52:54:00:12:34:56'/>
      <model type='rtl8139'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x0'/>
    </interface>
    <input type='mouse' bus='ps2'/>
    <input type='keyboard' bus='ps2'/>
    <audio id='1' type='none'/>
    <memballoon model='virtio'>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x04' function='0x0'/>
    </memballoon>
  </devices>
</domain>
`);
  });

  test('applying the pass again changes nothing', () => {
    const once = define(xml);
    const def = parseDomainXml(once);
    applyDomainDefaults(def);
    applyQemuDefaults(def, testCaps());
    expect(formatDomainXml(def)).toBe(once);
  });

  test('without machine aliases in the caps, pc stays pc', () => {
    const caps = testCaps();
    const noAlias = { ...caps, accel: { kvm: { machines: caps.accel.kvm!.machines.map(({ alias: _a, ...m }) => m), cpuModels: [] } } };
    const def = prepareDomainXml(xml, noAlias);
    expect(def.os.type.machine).toBe('pc');
  });
});

describe('Q35 guest', () => {
  const xml = `${HEAD('vm2', 'q35')}  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='/var/lib/vf/vm2.qcow2'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <disk type='file' device='cdrom'>
      <source file='/var/lib/vf/seed.iso'/>
      <target dev='sdb' bus='sata'/>
      <readonly/>
    </disk>
    <interface type='network'>
      <mac address='52:54:00:00:00:01'/>
      <source network='default'/>
      <model type='virtio'/>
    </interface>
    <interface type='network'>
      <mac address='52:54:00:00:00:02'/>
      <source network='default'/>
      <model type='e1000'/>
    </interface>
  </devices>
</domain>
`;

  test('root ports for PCIe devices plus one spare, a pcie-to-pci-bridge for the legacy NIC, SATA at 1f.2', () => {
    expect(devicesOf(define(xml))).toBe(`  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='/var/lib/vf/vm2.qcow2'/>
      <target dev='vda' bus='virtio'/>
      <address type='pci' domain='0x0000' bus='0x05' slot='0x00' function='0x0'/>
    </disk>
    <disk type='file' device='cdrom'>
      <driver name='qemu' type='raw'/>
      <source file='/var/lib/vf/seed.iso'/>
      <target dev='sdb' bus='sata'/>
      <readonly/>
      <address type='drive' controller='0' bus='0' target='0' unit='1'/>
    </disk>
    <controller type='usb' index='0' model='qemu-xhci'>
      <address type='pci' domain='0x0000' bus='0x04' slot='0x00' function='0x0'/>
    </controller>
    <controller type='sata' index='0'>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x1f' function='0x2'/>
    </controller>
    <controller type='pci' index='0' model='pcie-root'/>
    <controller type='pci' index='1' model='pcie-root-port'>
      <model name='pcie-root-port'/>
      <target chassis='1' port='0x8'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x0' multifunction='on'/>
    </controller>
    <controller type='pci' index='2' model='pcie-root-port'>
      <model name='pcie-root-port'/>
      <target chassis='2' port='0x9'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x1'/>
    </controller>
    <controller type='pci' index='3' model='pcie-to-pci-bridge'>
      <model name='pcie-pci-bridge'/>
      <address type='pci' domain='0x0000' bus='0x01' slot='0x00' function='0x0'/>
    </controller>
    <controller type='pci' index='4' model='pcie-root-port'>
      <model name='pcie-root-port'/>
      <target chassis='4' port='0xa'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x2'/>
    </controller>
    <controller type='pci' index='5' model='pcie-root-port'>
      <model name='pcie-root-port'/>
      <target chassis='5' port='0xb'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x3'/>
    </controller>
    <controller type='pci' index='6' model='pcie-root-port'>
      <model name='pcie-root-port'/>
      <target chassis='6' port='0xc'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x4'/>
    </controller>
    <controller type='pci' index='7' model='pcie-root-port'>
      <model name='pcie-root-port'/>
      <target chassis='7' port='0xd'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x5'/>
    </controller>
    <interface type='network'>
      <mac address='52:54:00:00:00:01'/>
      <source network='default'/>
      <model type='virtio'/>
      <address type='pci' domain='0x0000' bus='0x02' slot='0x00' function='0x0'/>
    </interface>
    <interface type='network'>
      <mac address='52:54:00:00:00:02'/>
      <source network='default'/>
      <model type='e1000'/>
      <address type='pci' domain='0x0000' bus='0x03' slot='0x01' function='0x0'/>
    </interface>
    <input type='mouse' bus='ps2'/>
    <input type='keyboard' bus='ps2'/>
    <audio id='1' type='none'/>
    <memballoon model='virtio'>
      <address type='pci' domain='0x0000' bus='0x06' slot='0x00' function='0x0'/>
    </memballoon>
  </devices>
</domain>
`);
  });

  test('root ports fill functions 0-7 of a slot, then the next slot starts a new multifunction device', () => {
    const nics = Array.from({ length: 9 }, (_, i) => `    <interface type='user'>
      <mac address='52:54:00:00:01:0${i}'/>
      <model type='virtio'/>
    </interface>
`).join('');
    const def = prepareDomainXml(`${HEAD('vm4', 'pc-q35-8.0')}  <devices>
${nics}    <controller type='usb' model='none'/>
    <memballoon model='none'/>
  </devices>
</domain>
`, testCaps());
    const ports = (def.devices?.controllers ?? []).filter((c) => c.model === 'pcie-root-port');
    // 9 NICs + 1 spare root port.
    expect(ports.map((c) => [c.index, c.address?.slot, c.address?.function, c.address?.multifunction ?? '', c.target?.port])).toEqual([
      [1, 1, 0, 'on', 0x8],
      [2, 1, 1, '', 0x9],
      [3, 1, 2, '', 0xa],
      [4, 1, 3, '', 0xb],
      [5, 1, 4, '', 0xc],
      [6, 1, 5, '', 0xd],
      [7, 1, 6, '', 0xe],
      [8, 1, 7, '', 0xf],
      [9, 2, 0, 'on', 0x10],
      [10, 2, 1, '', 0x11],
    ]);
    expect((def.devices?.interfaces ?? []).map((n) => n.address?.bus)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  test('user-given root ports are used as they are, with no spare added', () => {
    const def = prepareDomainXml(`${HEAD('vm5', 'q35')}  <devices>
    <controller type='pci' model='pcie-root'/>
    <controller type='pci' model='pcie-root-port'/>
    <controller type='usb' model='none'/>
    <memballoon model='virtio'/>
  </devices>
</domain>
`, testCaps());
    expect((def.devices?.controllers ?? []).filter((c) => c.type === 'pci').map((c) => `${c.index}:${c.model}`)).toEqual(['0:pcie-root', '1:pcie-root-port']);
    expect(def.devices?.memballoon?.address).toEqual({ type: 'pci', domain: 0, bus: 1, slot: 0, function: 0 });
  });

  test('a QEMU without non-transitional virtio and pcie-pci-bridge puts virtio devices behind DMI and PCI bridges (plus the spare ioh3420 port)', () => {
    const flags = ['pci-bridge', 'dmi-to-pci-bridge', 'ioh3420', 'ich9-ahci', 'ich9-usb-ehci1'];
    const def = prepareDomainXml(`${HEAD('vm8', 'q35')}  <devices>
    <controller type='usb' model='none'/>
  </devices>
</domain>
`, testCaps(flags));
    expect((def.devices?.controllers ?? []).filter((c) => c.type === 'pci').map((c) => [c.index, c.model, c.pciModel?.name, c.address?.bus, c.address?.slot])).toEqual([
      [0, 'pcie-root', undefined, undefined, undefined],
      [1, 'dmi-to-pci-bridge', 'i82801b11-bridge', 0, 0x1e],
      [2, 'pci-bridge', 'pci-bridge', 1, 0],
      [3, 'pcie-root-port', 'ioh3420', 0, 1],
    ]);
    expect(def.devices?.memballoon?.address).toEqual({ type: 'pci', domain: 0, bus: 2, slot: 1, function: 0 });
  });

  test('a controller index=0 of the wrong PCI root model is rejected with libvirt\'s message', () => {
    expect(() => prepareDomainXml(`${HEAD('vm6', 'q35')}  <devices>
    <controller type='pci' index='0' model='pci-root'/>
  </devices>
</domain>
`, testCaps())).toThrow("The PCI controller with index='0' must be model='pcie-root' for this machine type, but model='pci-root' was found instead");
  });
});

describe('launch preparation', () => {
  const xml = `${HEAD('vm3', 'q35', 'qemu')}  <devices>
    <disk type='file' device='disk'>
      <source file='/var/lib/vf/data.raw'/>
      <target dev='sda' bus='scsi'/>
    </disk>
    <controller type='usb' model='qemu-xhci' ports='8'/>
    <channel type='unix'>
      <target type='virtio' name='org.qemu.guest_agent.0'/>
    </channel>
    <input type='tablet' bus='usb'/>
    <hostdev mode='subsystem' type='usb'>
      <source>
        <vendor id='0x1234'/>
        <product id='0xbeef'/>
      </source>
    </hostdev>
    <memballoon model='none'/>
  </devices>
</domain>
`;

  test('defining leaves USB devices without ports when some have none, and prints no aliases', () => {
    const out = define(xml);
    expect(out).not.toContain("<address type='usb'");
    expect(out).not.toContain('<alias');
    expect(out).toContain("<address type='virtio-serial' controller='0' bus='0' port='1'/>");
  });

  test('aliases, USB ports (host devices before inputs), SCSI drive address, virtio-serial port', () => {
    const def = prepareDomainXml(xml, testCaps(), { launch: true });
    const d = def.devices!;
    expect(d.disks!.map((x) => [x.alias?.name, x.address])).toEqual([['scsi0-0-0', { type: 'drive', controller: 0, bus: 0, target: 0, unit: 0 }]]);
    expect(d.controllers!.map((c) => c.alias?.name)).toEqual(['usb', 'ide', 'pcie.0', 'scsi0', 'virtio-serial0', 'pci.1', 'pci.2', 'pci.3', 'pci.4', 'pci.5']);
    expect(d.hostdevs!.map((h) => [h.alias?.name, h.address])).toEqual([['hostdev0', { type: 'usb', bus: 0, port: '1' }]]);
    expect(d.inputs!.map((i) => [i.alias?.name, i.bus, i.address])).toEqual([
      ['input0', 'usb', { type: 'usb', bus: 0, port: '2' }],
      ['input1', 'ps2', undefined],
      ['input2', 'ps2', undefined],
    ]);
    expect(d.channels!.map((c) => [c.alias?.name, c.address])).toEqual([['channel0', { type: 'virtio-serial', controller: 0, bus: 0, port: '1' }]]);
    // The legacy LSI HBA sits behind the pcie-to-pci-bridge (index 3) on slot 1.
    expect(d.controllers!.find((c) => c.type === 'scsi')!.address).toEqual({ type: 'pci', domain: 0, bus: 3, slot: 1, function: 0 });
  });

  test('a new domain with more USB devices than ports gets a hub first', () => {
    const def = prepareDomainXml(`${HEAD('vm9', 'pc')}  <devices>
    <controller type='usb' index='0' model='piix3-uhci'/>
    <input type='mouse' bus='usb'/>
    <input type='mouse' bus='usb'/>
    <input type='tablet' bus='usb'/>
  </devices>
</domain>
`, testCaps(), { launch: true });
    expect(def.devices?.hubs?.map((h) => [h.alias?.name, h.address?.port])).toEqual([['hub0', '1']]);
    expect(def.devices?.inputs?.filter((i) => i.bus === 'usb').map((i) => i.address?.port)).toEqual(['2', '1.1', '1.2']);
  });

  test('user aliases are kept', () => {
    const def = parseDomainXml(`${HEAD('vm7', 'pc')}  <devices>
    <disk type='file' device='disk'>
      <source file='/a.img'/>
      <target dev='vda' bus='virtio'/>
      <alias name='ua-boot'/>
    </disk>
    <disk type='file' device='disk'>
      <source file='/b.img'/>
      <target dev='vdb' bus='virtio'/>
    </disk>
  </devices>
</domain>
`);
    assignAliases(def);
    expect(def.devices!.disks!.map((x) => x.alias?.name)).toEqual(['ua-boot', 'virtio-disk1']);
  });
});

describe('inactive view', () => {
  test('runtime values of a live definition are not printed', () => {
    const def = parseDomainXml(`<domain type='kvm' id='7'>
  <name>live</name>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
  </os>
  <devices>
    <disk type='file' device='disk'>
      <source file='/top.qcow2' index='2'/>
      <backingStore type='file' index='1'>
        <format type='raw'/>
        <source file='/base.raw'/>
      </backingStore>
      <target dev='vda' bus='virtio'/>
    </disk>
    <channel type='unix'>
      <source mode='bind' path='/var/lib/libvirt/qemu/channel/target/domain-7-live/org.qemu.guest_agent.0'/>
      <target type='virtio' name='org.qemu.guest_agent.0' state='connected'/>
    </channel>
  </devices>
</domain>
`);
    applyDomainDefaults(def);
    applyQemuDefaults(def, testCaps());
    asInactive(def);
    expect(def.id).toBeUndefined();
    expect(def.devices?.disks?.[0].source).toEqual({ file: '/top.qcow2' });
    expect(def.devices?.disks?.[0].backingStore?.index).toBeUndefined();
    expect(def.devices?.channels?.[0].sources).toBeUndefined();
    expect(def.devices?.channels?.[0].target).toEqual({ type: 'virtio', name: 'org.qemu.guest_agent.0' });
  });
});

describe('firmware autoselection', () => {
  let dir: string;
  const descriptor = (o: object) => JSON.stringify({ 'interface-types': ['uefi'], targets: [{ architecture: 'x86_64', machines: ['pc-q35-*'] }], ...o });
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vf-fw-'));
    for (const d of ['etc', 'usr']) fs.mkdirSync(path.join(dir, d));
    fs.writeFileSync(
      path.join(dir, 'usr', '50-ovmf-sb.json'),
      descriptor({
        mapping: { device: 'flash', executable: { filename: '/usr/share/OVMF/OVMF_CODE.secboot.fd', format: 'raw' }, 'nvram-template': { filename: '/usr/share/OVMF/OVMF_VARS.secboot.fd', format: 'raw' } },
        features: ['acpi-s3', 'enrolled-keys', 'requires-smm', 'secure-boot'],
      }),
    );
    fs.writeFileSync(
      path.join(dir, 'usr', '60-ovmf.json'),
      descriptor({
        mapping: { device: 'flash', executable: { filename: '/usr/share/OVMF/OVMF_CODE.fd', format: 'raw' }, 'nvram-template': { filename: '/usr/share/OVMF/OVMF_VARS.fd', format: 'raw' } },
        features: ['acpi-s3'],
      }),
    );
    fs.writeFileSync(
      path.join(dir, 'usr', '40-bios.json'),
      JSON.stringify({ 'interface-types': ['bios'], mapping: { device: 'memory', filename: '/usr/share/seabios/bios-256k.bin' }, targets: [{ architecture: 'x86_64', machines: ['pc-i440fx-*', 'pc-q35-*'] }], features: [] }),
    );
    // An empty file in a more important folder hides the descriptor of the same name.
    fs.writeFileSync(path.join(dir, 'etc', '40-bios.json'), '');
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const efiGuest = (firmware: string) => `<domain type='kvm'>
  <name>fw</name>
  <memory unit='MiB'>512</memory>
  <os firmware='efi'>
    <type arch='x86_64' machine='pc-q35-8.0'>hvm</type>${firmware}
  </os>
  <devices/>
</domain>
`;

  test('descriptors: more important folders override and mask, then file name order', () => {
    const fws = loadFirmwareDescriptors([path.join(dir, 'etc'), path.join(dir, 'usr')]);
    expect(fws.map((f) => path.basename(f.path))).toEqual(['50-ovmf-sb.json', '60-ovmf.json']);
  });

  test('the first fitting firmware fills loader, variable store, SMM and the firmware features', () => {
    const firmware = loadFirmwareDescriptors([path.join(dir, 'etc'), path.join(dir, 'usr')]);
    const def = prepareDomainXml(efiGuest(''), testCaps(), { launch: true, firmware });
    expect(def.os.loader).toEqual({ type: 'pflash', readonly: 'yes', path: '/usr/share/OVMF/OVMF_CODE.secboot.fd', secure: 'yes' });
    expect(def.os.nvram).toEqual({ template: '/usr/share/OVMF/OVMF_VARS.secboot.fd', path: '/var/lib/libvirt/qemu/nvram/fw_VARS.fd' });
    expect(def.features?.smm).toEqual({ state: 'on' });
    expect(def.os.firmwareInfo?.features).toEqual([
      { enabled: 'yes', name: 'enrolled-keys' },
      { enabled: 'yes', name: 'secure-boot' },
    ]);
  });

  test('secure boot turned off picks the plain OVMF build; no firmware fits a stateless request', () => {
    const firmware = loadFirmwareDescriptors([path.join(dir, 'usr')]);
    const def = prepareDomainXml(efiGuest(`
    <firmware>
      <feature enabled='no' name='secure-boot'/>
    </firmware>`), testCaps(), { launch: true, firmware, config: { nvramDir: '/srv/nvram' } });
    expect(def.os.loader?.path).toBe('/usr/share/OVMF/OVMF_CODE.fd');
    expect(def.os.nvram?.path).toBe('/srv/nvram/fw_VARS.fd');
    expect(def.features?.smm).toBeUndefined();
    const stateless = parseDomainXml(efiGuest(`
    <loader stateless='yes'/>`));
    expect(() => selectFirmware(stateless, testCaps(), firmware)).toThrow(new FirmwareSelectionError("Unable to find any firmware to satisfy 'efi'"));
  });

  test('BIOS autoselection uses the memory-mapped image', () => {
    const firmware = loadFirmwareDescriptors([path.join(dir, 'usr')]);
    const def = prepareDomainXml(efiGuest('').replace("firmware='efi'", "firmware='bios'"), testCaps(), { launch: true, firmware });
    expect(def.os.loader).toEqual({ type: 'rom', path: '/usr/share/seabios/bios-256k.bin' });
    expect(def.os.nvram).toBeUndefined();
  });
});
