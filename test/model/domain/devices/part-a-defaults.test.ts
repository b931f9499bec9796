/** The generic (hypervisor-independent) defaults libvirt gives disks, controllers and the other part-A devices. */
import { Disk, applyDiskDefaults } from '../../../../model/domain/devices/disk';
import { Controller, applyControllerDefaults } from '../../../../model/domain/devices/controller';
import { Filesystem, applyFilesystemDefaults } from '../../../../model/domain/devices/filesystem';
import { Hostdev, applyHostdevDefaults } from '../../../../model/domain/devices/hostdev';
import { Interface, applyInterfaceDefaults } from '../../../../model/domain/devices/interface';
import { Smartcard, applySmartcardDefaults } from '../../../../model/domain/devices/smartcard';
import { parseDevice, formatDevice } from './device-xml';

const disk = (xml: string) => parseDevice(Disk, xml);
const ctl = (xml: string) => parseDevice(Controller, xml);

describe('disk defaults', () => {
  it('fills type, device, bus, iSCSI LUN and drive addresses, and orders disks as libvirt does', () => {
    const ds = applyDiskDefaults([
      disk(`<disk><source file='/b'/><target dev='hdb'/></disk>`),
      disk(`<disk type='network'><source protocol='iscsi' name='iqn.1992-01.com.example'><host name='h'/></source><target dev='vda'/></disk>`),
      disk(`<disk><source file='/a'/><target dev='hda'/></disk>`),
      disk(`<disk><source file='/s'/><target dev='sdh' bus='scsi'/></disk>`),
    ]);
    expect(ds.map((d) => formatDevice(Disk, 'disk', d))).toEqual([
      `<disk type='file' device='disk'>\n  <source file='/a'/>\n  <target dev='hda' bus='ide'/>\n  <address type='drive' controller='0' bus='0' target='0' unit='0'/>\n</disk>\n`,
      `<disk type='file' device='disk'>\n  <source file='/b'/>\n  <target dev='hdb' bus='ide'/>\n  <address type='drive' controller='0' bus='0' target='0' unit='1'/>\n</disk>\n`,
      `<disk type='network' device='disk'>\n  <source protocol='iscsi' name='iqn.1992-01.com.example/0'>\n    <host name='h'/>\n  </source>\n  <target dev='vda' bus='virtio'/>\n</disk>\n`,
      `<disk type='file' device='disk'>\n  <source file='/s'/>\n  <target dev='sdh' bus='scsi'/>\n  <address type='drive' controller='1' bus='0' target='0' unit='0'/>\n</disk>\n`,
    ]);
    const again = applyDiskDefaults(ds);
    expect(again).toEqual(ds);
    const [cdrom] = applyDiskDefaults([disk(`<disk device='cdrom' snapshot='no'><source file='/iso'/><target dev='hdc' tray='closed'/><readonly/></disk>`)]);
    expect(formatDevice(Disk, 'disk', cdrom)).toBe(
      `<disk type='file' device='cdrom'>\n  <source file='/iso'/>\n  <target dev='hdc' bus='ide'/>\n  <readonly/>\n  <address type='drive' controller='0' bus='1' target='0' unit='0'/>\n</disk>\n`,
    );
  });
});

describe('controller defaults', () => {
  it('numbers controllers without an index, keeping USB2 companion sets together', () => {
    const devices = {
      controllers: [
        `<controller type='pci' model='pcie-root'/>`,
        `<controller type='pci' model='pcie-root-port'/>`,
        `<controller type='usb' model='ich9-ehci1'/>`,
        `<controller type='usb' model='ich9-uhci1'/>`,
        `<controller type='usb' model='ich9-uhci1'/>`,
        `<controller type='usb' model='ich9-ehci1'/>`,
        `<controller type='usb' model='nec-xhci'/>`,
        `<controller type='scsi' index='0'/>`,
        `<controller type='scsi'/>`,
      ].map(ctl),
    };
    applyControllerDefaults(devices);
    expect(devices.controllers.map((c) => `${c.type}/${c.index}/${c.model ?? ''}`)).toEqual([
      'pci/0/pcie-root',
      'pci/1/pcie-root-port',
      'usb/0/ich9-ehci1',
      'usb/0/ich9-uhci1',
      'usb/1/ich9-uhci1',
      'usb/1/ich9-ehci1',
      'usb/2/nec-xhci',
      'scsi/0/',
      'scsi/1/',
    ]);
  });

  it('adds the controllers disks, SCSI hostdevs, smartcards and virtio channels address, after the others', () => {
    const disks = applyDiskDefaults([
      disk(`<disk><source file='/a'/><target dev='hdc'/></disk>`),
      disk(`<disk><source file='/b'/><target dev='sda' bus='sata'/><address type='drive' controller='1' bus='0' target='0' unit='0'/></disk>`),
    ]);
    const hostdevs = [
      parseDevice(Hostdev, `<hostdev mode='subsystem' type='scsi'><source><adapter name='a'/><address bus='0' target='0' unit='0'/></source><address type='drive' controller='1' bus='0' target='0' unit='0'/></hostdev>`),
    ];
    const smartcards = [parseDevice(Smartcard, `<smartcard mode='host'/>`)];
    applySmartcardDefaults(smartcards);
    const channels = [{ target: { type: 'virtio' } }];
    const devices = { controllers: [ctl(`<controller type='usb' index='0'/>`)], disks, hostdevs, smartcards, channels };
    applyControllerDefaults(devices);
    expect(devices.controllers.map((c) => formatDevice(Controller, 'controller', c).trim())).toEqual([
      "<controller type='usb' index='0'/>",
      "<controller type='ide' index='0'/>",
      "<controller type='sata' index='0'/>",
      "<controller type='sata' index='1'/>",
      "<controller type='virtio-serial' index='0'/>",
      "<controller type='ccid' index='0'/>",
      "<controller type='scsi' index='0'/>",
      "<controller type='scsi' index='1'/>",
    ]);
    expect(formatDevice(Smartcard, 'smartcard', smartcards[0])).toBe(`<smartcard mode='host'>\n  <address type='ccid' controller='0' slot='0'/>\n</smartcard>\n`);
  });
});

describe('filesystem, hostdev and interface defaults', () => {
  it('fill what libvirt always prints', () => {
    const fs9p = parseDevice(Filesystem, `<filesystem><source dir='/a'/><target dir='a'/></filesystem>`);
    const vfs = parseDevice(Filesystem, `<filesystem><driver type='virtiofs'/><source dir='/a'/><target dir='a'/></filesystem>`);
    applyFilesystemDefaults(fs9p);
    applyFilesystemDefaults(vfs);
    expect(formatDevice(Filesystem, 'filesystem', fs9p)).toMatch(/^<filesystem type='mount' accessmode='passthrough'>/);
    expect(formatDevice(Filesystem, 'filesystem', vfs)).toMatch(/^<filesystem type='mount'>/);

    const mdev = parseDevice(Hostdev, `<hostdev type='mdev' model='vfio-pci'><source><address uuid='53764d0e-85a0-42b4-af5c-2046b460b1dc'/></source></hostdev>`);
    applyHostdevDefaults(mdev);
    expect(formatDevice(Hostdev, 'hostdev', mdev)).toMatch(/^<hostdev mode='subsystem' type='mdev' managed='no' model='vfio-pci'>/);

    const nic = parseDevice(Interface, `<interface><model type='virtio'/></interface>`);
    applyInterfaceDefaults(nic, { newMac: () => '52:54:00:12:34:56' });
    expect(formatDevice(Interface, 'interface', nic)).toBe(`<interface type='user'>\n  <mac address='52:54:00:12:34:56'/>\n  <model type='virtio'/>\n</interface>\n`);
  });
});
