import { validateStorage } from '../../../provider/qemu/validate/storage';
import { domainWith, testCaps, testCtx } from './argv/storage-fixture';

function errorOf(devices: string): string | undefined {
  try {
    validateStorage(domainWith(devices), testCaps(), testCtx());
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

const disk = (inner: string, attrs = "type='file' device='disk'") => `<disk ${attrs}>${inner}</disk>`;

describe('storage validation (libvirt messages)', () => {
  it('accepts ordinary disks', () => {
    expect(errorOf(disk("<source file='/a.img'/><target dev='vda' bus='virtio'/>"))).toBeUndefined();
  });

  it('names the first of two disks with the same target, in libvirt disk order', () => {
    expect(
      errorOf(
        disk("<source dev='/dev/hda'/><target dev='hda' bus='ide'/>", "type='block' device='disk'") +
          disk("<source file='/tmp/usbdisk.img'/><target dev='sda' bus='usb'/>") +
          disk("<source file='/tmp/idedisk.img'/><target dev='sda' bus='ide'/>"),
      ),
    ).toBe("XML error: target 'sda' duplicated for disk sources '/tmp/idedisk.img' and '/tmp/usbdisk.img'");
  });

  it('rejects drive addresses used twice, and SCSI hostdevs on a disk address', () => {
    const addr = "<address type='drive' controller='0' bus='0' target='0' unit='0'/>";
    expect(errorOf(disk(`<source file='/a'/><target dev='sda' bus='sata'/>${addr}`) + disk(`<source file='/b'/><target dev='sdb' bus='sata'/>${addr}`))).toBe(
      "unsupported configuration: Found duplicate drive address for disk with target name 'sda' controller='0' bus='0' target='0' unit='0'",
    );
    const hostdev = `<hostdev mode='subsystem' type='scsi'><source><adapter name='scsi_host2'/><address bus='0' target='0' unit='1'/></source>${addr}</hostdev>`;
    const hostdev2 = `<hostdev mode='subsystem' type='scsi'><source><adapter name='scsi_host2'/><address bus='0' target='0' unit='2'/></source>${addr}</hostdev>`;
    expect(errorOf(disk(`<source file='/a'/><target dev='sda' bus='scsi'/>${addr}`) + hostdev)).toBe(
      "unsupported configuration: using disk target name 'sda' conflicts with SCSI host device address controller='0' bus='0' target='0' unit='0",
    );
    expect(errorOf(hostdev + hostdev2)).toBe(
      "unsupported configuration: SCSI host address controller='0' bus='0' target='0' unit='0' in use by another SCSI host device",
    );
  });

  it('checks targets, auth and encryption placement and secret types', () => {
    expect(errorOf(disk("<source dev='/dev/vg/a'/>", "type='block' device='disk'"))).toBe('missing target information for device /dev/vg/a');
    expect(errorOf(disk("<source file='/a'/><target dev='vdb1' bus='virtio'/>"))).toBe(
      "unsupported configuration: invalid disk target 'vdb1', partitions can't appear in disk targets",
    );
    const iscsi = (secret: string, where: 'disk' | 'source' | 'both') => {
      const auth = `<auth username='me'><secret ${secret} usage='u'/></auth>`;
      return disk(
        `${where !== 'source' ? auth : ''}<source protocol='iscsi' name='iqn.x/1'><host name='h'/>${where !== 'disk' ? auth : ''}</source><target dev='vda' bus='virtio'/>`,
        "type='network' device='disk'",
      );
    };
    expect(errorOf(iscsi("type='iscsi'", 'both'))).toBe('unsupported configuration: an <auth> definition already found for disk source');
    expect(errorOf(iscsi('', 'disk'))).toBe("unsupported configuration: unknown secret type '<null>'");
    expect(errorOf(iscsi("type='ceph'", 'source'))).toBe("unsupported configuration: invalid secret type 'ceph'");
    const enc = "<encryption format='luks'><secret type='passphrase' uuid='0a81f5b2-8403-7b23-c8d6-21ccc2f80d6f'/></encryption>";
    expect(errorOf(disk(`<driver name='qemu' type='vmdk'/><source file='/a'>${enc}</source><target dev='vda' bus='virtio'/>`))).toBe(
      "unsupported configuration: encryption is supported only with 'raw' and 'qcow2' image format",
    );
    expect(errorOf(disk(`<source file='/a'>${enc}</source><target dev='vda' bus='virtio'/>${enc}`))).toBe(
      'unsupported configuration: an <encryption> definition already found for disk source',
    );
  });

  it('checks formats, LUN sources, bus addresses, vendor/product and sharing', () => {
    const fmt = (t: string) => errorOf(disk(`<driver name='qemu' type='${t}'/><source file='/a'/><target dev='hda' bus='ide'/>`));
    expect(fmt('cow')).toBe("unsupported configuration: 'cow' storage format is not supported");
    expect(fmt('dir')).toBe("unsupported configuration: 'directory' storage format is not directly supported by QEMU, use 'dir' disk type instead");
    expect(fmt('iso')).toBe("unsupported configuration: storage format 'iso' is not directly supported by QEMU, use 'raw' instead");
    expect(errorOf(disk("<source file='/a'/><target dev='vda' bus='virtio'/>", "type='file' device='lun'"))).toBe(
      "unsupported configuration: disk device='lun' is only valid for block type disk source",
    );
    const pci = "<address type='pci' domain='0x0000' bus='0x00' slot='0x06' function='0x0'/>";
    expect(errorOf(disk(`<source file='/a'/><target dev='fda' bus='fdc'/>${pci}`, "type='file' device='floppy'"))).toBe(
      "unsupported configuration: Invalid address type 'pci' for the disk 'fda' with the bus type 'fdc'",
    );
    expect(errorOf(disk(`<source file='/a'/><target dev='sda' bus='usb'/>${pci}`))).toBe('internal error: unexpected address type for usb disk');
    expect(errorOf(disk("<source file='/a'/><target dev='vda' bus='virtio'/><vendor>SEAGATE</vendor>"))).toBe(
      'unsupported configuration: Only scsi disk supports vendor and product',
    );
    expect(errorOf(disk("<driver name='qemu' type='qcow2'/><source file='/a'/><target dev='hda' bus='ide'/><shareable/>"))).toBe(
      "unsupported configuration: shared access for disk 'hda' requires use of supported storage format",
    );
  });

  it('requires shared guest memory for vhost-user backends', () => {
    const fs = "<filesystem type='mount'><driver type='virtiofs'/><source dir='/p'/><target dir='t'/></filesystem>";
    expect(errorOf(fs)).toBe("unsupported configuration: 'virtiofs' requires shared memory");
    expect(() => validateStorage(domainWith(fs, 'pc', "<memoryBacking><access mode='shared'/></memoryBacking>"), testCaps(), testCtx())).not.toThrow();
    expect(errorOf("<disk type='vhostuser' device='disk'><source type='unix' path='/s'/><target dev='vda' bus='virtio'/></disk>")).toBe(
      "unsupported configuration: 'vhostuser disk' requires shared memory",
    );
  });

  it('checks mdev ramfb, vhost-scsi boot and read-only virtiofs', () => {
    const mdev = (uuid: string) =>
      `<hostdev mode='subsystem' type='mdev' model='vfio-pci' display='on' ramfb='on'><source><address uuid='${uuid}'/></source></hostdev>`;
    expect(errorOf("<graphics type='vnc'/>" + mdev('53764d0e-85a0-42b4-af5c-2046b460b1dc') + mdev('53764d0e-85a0-42b4-af5c-2046b460b1dd'))).toBe(
      "unsupported configuration: Only one vgpu device can have 'ramfb' enabled",
    );
    expect(errorOf("<hostdev mode='subsystem' type='scsi_host'><source protocol='vhost' wwpn='naa.5123456789abcde0'/><boot order='1'/></hostdev>")).toBe(
      'unsupported configuration: booting from assigned devices is not supported by vhost SCSI devices',
    );
    expect(errorOf("<filesystem type='mount'><driver type='virtiofs'/><source dir='/p'/><target dir='t'/><readonly/></filesystem>")).toBe(
      'unsupported configuration: virtiofs does not yet support read-only mode',
    );
  });
});

describe('controller and hostdev validation (libvirt messages)', () => {
  it('checks root buses, duplicate indexes, xHCI ports, USB companions and disabled USB', () => {
    expect(errorOf("<controller type='pci' index='1' model='pci-root'/>")).toBe('XML error: pci-root and pcie-root controllers should have index 0');
    expect(errorOf("<controller type='pci' index='0' model='pci-root'><address type='pci' domain='0x0000' bus='0x00' slot='0x05' function='0x0'/></controller>")).toBe(
      'unsupported configuration: pci-root and pcie-root controllers should not have an address',
    );
    expect(errorOf("<controller type='pci' index='1' model='pci-bridge'/><controller type='pci' index='1' model='pci-bridge'/>")).toBe(
      "XML error: Multiple 'pci' controllers with index '1'",
    );
    expect(errorOf("<controller type='usb' index='0' model='qemu-xhci' ports='16'/>")).toBe("unsupported configuration: 'qemu-xhci' controller only supports up to '15' ports");
    expect(errorOf("<controller type='usb' index='0' model='ich9-uhci2'><master startport='2'/></controller>")).toBe('No master USB controller specified');
    expect(errorOf("<controller type='usb' index='0' model='none'/><controller type='usb' index='0'/>")).toBe("Can't add another USB controller: USB is disabled for this domain");
    expect(errorOf("<controller type='pci' index='1' model='pci-expander-bus'><target busNr='254'><node>1</node></target></controller>")).toBe(
      "XML error: pci-expander-bus with index 1 is configured for a NUMA node (1) not present in the domain's <cpu><numa> array (0)",
    );
  });

  it('rejects a host device passed twice and mdev misconfigurations', () => {
    const pciDev = "<hostdev mode='subsystem' type='pci'><source><address domain='0x0000' bus='0x06' slot='0x12' function='0x5'/></source></hostdev>";
    expect(errorOf(pciDev + pciDev)).toBe('XML error: Hostdev already exists in the domain configuration');
    const mdev = (extra: string, attrs = '') =>
      `<hostdev mode='subsystem' type='mdev' model='vfio-pci'${attrs}><source><address uuid='53764d0e-85a0-42b4-af5c-2046b460b1dc'/></source>${extra}</hostdev>`;
    expect(errorOf(mdev("<address type='drive' controller='0' bus='0' target='0' unit='0'/>"))).toBe(
      "XML error: Unsupported address type 'drive' with mediated device model 'vfio-pci'",
    );
    expect(errorOf(mdev('', " display='on'"))).toBe("unsupported configuration: graphics device is needed for attribute value 'display=on' in <hostdev>");
  });
});

describe('controller models the QEMU binary lacks', () => {
  const without = (flag: string) => {
    const caps = testCaps();
    return { ...caps, flags: new Set([...caps.flags].filter((f) => f !== flag)) };
  };
  const check = (devices: string, flag: string) => {
    try {
      validateStorage(domainWith(devices), without(flag), testCtx());
      return undefined;
    } catch (e) {
      return (e as Error).message;
    }
  };
  it('names the USB or SCSI model that cannot be used', () => {
    expect(check("<controller type='usb' index='0' model='nec-xhci'/>", 'nec-usb-xhci')).toBe(
      "unsupported configuration: USB controller model 'nec-xhci' not supported in this QEMU binary",
    );
    expect(check("<controller type='scsi' index='0' model='lsisas1078'/>", 'megasas')).toBe(
      "unsupported configuration: This QEMU doesn't support the LSI SAS1078 (MegaRAID) controller",
    );
    expect(check("<controller type='scsi' index='0' model='buslogic'/>", 'lsi')).toBe('unsupported configuration: Unsupported controller model: buslogic');
    expect(check("<controller type='usb' index='0' model='qemu-xhci'/>", 'nec-usb-xhci')).toBeUndefined();
  });
});
