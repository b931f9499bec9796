import { buildHostdevs } from '../../../../provider/qemu/argv/sections/hostdevs';
import { buildFilesystems } from '../../../../provider/qemu/argv/sections/filesystems';
import { domainWith, runSection, testCtx } from './storage-fixture';

const pci = (bus: number, slot: number) => `<address type='pci' domain='0x0000' bus='${bus}' slot='${slot}' function='0x0'/>`;
const BASE = `
  <controller type='pci' index='0' model='pci-root'><alias name='pci.0'/></controller>
  <controller type='usb' index='0' model='piix3-uhci'><alias name='usb'/></controller>
  <controller type='scsi' index='0' model='virtio-scsi'><alias name='scsi0'/>${pci(0, 2)}</controller>`;
const host = { ...testCtx().host, scsiGenericDevice: () => '/dev/sg0', vhostScsiFd: 3 };

describe('hostdevs section', () => {
  it('passes PCI functions, mdevs (ramfb needs vfio-pci-nohotplug) and USB devices', () => {
    const def = domainWith(`${BASE}
      <hostdev mode='subsystem' type='pci' managed='yes'><source><address domain='0x0000' bus='0x06' slot='0x12' function='0x5'/></source><alias name='hostdev0'/><rom bar='off'/>${pci(0, 3)}</hostdev>
      <hostdev mode='subsystem' type='mdev' model='vfio-pci' display='on' ramfb='on'><source><address uuid='53764d0e-85a0-42b4-af5c-2046b460b1dc'/></source><alias name='hostdev1'/>${pci(0, 4)}</hostdev>
      <hostdev mode='subsystem' type='usb' managed='no'><source guestReset='uninitialized'><address bus='14' device='6'/></source><boot order='1'/><alias name='hostdev2'/><address type='usb' bus='0' port='1'/></hostdev>`);
    expect(runSection(buildHostdevs, def)).toEqual([
      `-device {"driver":"vfio-pci","host":"0000:06:12.5","id":"hostdev0","bus":"pci.0","addr":"0x3","rombar":0}`,
      `-device {"driver":"vfio-pci-nohotplug","id":"hostdev1","sysfsdev":"/sys/bus/mdev/devices/53764d0e-85a0-42b4-af5c-2046b460b1dc","display":"on","ramfb":true,"bus":"pci.0","addr":"0x4"}`,
      `-device {"driver":"usb-host","hostdevice":"/dev/bus/usb/014/006","id":"hostdev2","guest-reset":true,"guest-resets-all":false,"bootindex":1,"bus":"usb.0","port":"1"}`,
    ]);
  });

  it('backs SCSI hostdevs with -blockdev nodes numbered after the disks, iSCSI login secret first', () => {
    const def = domainWith(`${BASE}
      <disk type='block' device='disk'><source dev='/dev/vg/a'/><target dev='hda' bus='ide'/></disk>
      <hostdev mode='subsystem' type='scsi' managed='yes'><source><adapter name='scsi_host0'/><address bus='0' target='4' unit='8'/></source><readonly/><alias name='hostdev0'/><address type='drive' controller='0' bus='0' target='4' unit='8'/></hostdev>
      <hostdev mode='subsystem' type='scsi' managed='yes'><source protocol='iscsi' name='iqn.1992-01.com.example:storage/2'><host name='example.org' port='3260'/>
        <auth username='myname'><secret type='iscsi' usage='mycluster_myname'/></auth><initiator><iqn name='iqn.2020-07.com.example:test'/></initiator></source>
        <alias name='hostdev1'/><address type='drive' controller='0' bus='0' target='3' unit='5'/></hostdev>`);
    expect(runSection(buildHostdevs, def, testCtx({ host }))).toEqual([
      `-blockdev {"driver":"host_device","filename":"/dev/sg0","node-name":"libvirt-2-backend","read-only":true}`,
      `-device {"driver":"scsi-generic","drive":"libvirt-2-backend","id":"hostdev0","bus":"scsi0.0","channel":0,"scsi-id":4,"lun":8}`,
      `-object {"qom-type":"secret","id":"libvirt-3-backend-secret0","data":"9eao5F8qtkGt+seB1HYivWIxbtwUu6MQtg1zpj/oDtUsPr1q8wBYM91uEHCn6j/1","keyid":"masterKey0","iv":"AAECAwQFBgcICQoLDA0ODw==","format":"base64"}`,
      `-blockdev {"driver":"iscsi","portal":"example.org:3260","target":"iqn.1992-01.com.example:storage","lun":2,"transport":"tcp","user":"myname","password-secret":"libvirt-3-backend-secret0","initiator-name":"iqn.2020-07.com.example:test","node-name":"libvirt-3-backend","read-only":false}`,
      `-device {"driver":"scsi-generic","drive":"libvirt-3-backend","id":"hostdev1","bus":"scsi0.0","channel":0,"scsi-id":3,"lun":5}`,
    ]);
  });

  it('finds a USB device named by vendor and product on the host', () => {
    const def = domainWith(`${BASE}
      <hostdev mode='subsystem' type='usb'><source><vendor id='0x1234'/><product id='0xbeef'/></source><alias name='hostdev0'/><address type='usb' bus='0' port='2'/></hostdev>`);
    const withUsb = { ...host, findUsbDevice: (v: number, p: number) => (v === 0x1234 && p === 0xbeef ? { bus: 3, device: 17 } : undefined) };
    expect(runSection(buildHostdevs, def, testCtx({ host: withUsb }))).toEqual([
      `-device {"driver":"usb-host","hostdevice":"/dev/bus/usb/003/017","id":"hostdev0","bus":"usb.0","port":"2"}`,
    ]);
    expect(() => runSection(buildHostdevs, def, testCtx({ host }))).toThrow('internal error: Did not find USB device 1234:beef');
  });

  it('passes vhost-scsi targets with the vhost fd', () => {
    const def = domainWith(`${BASE}
      <hostdev mode='subsystem' type='scsi_host' managed='no' model='virtio-transitional'><source protocol='vhost' wwpn='naa.5123456789abcde0'/><alias name='hostdev0'/>${pci(0, 6)}</hostdev>`);
    expect(runSection(buildHostdevs, def, testCtx({ host }))).toEqual([
      `-device {"driver":"vhost-scsi-pci-transitional","wwpn":"naa.5123456789abcde0","vhostfd":"3","id":"hostdev0","bus":"pci.0","addr":"0x6"}`,
    ]);
  });
});

describe('filesystems section', () => {
  it('shares 9p directories through -fsdev local with the security model and modes', () => {
    const def = domainWith(`${BASE}
      <filesystem type='mount' accessmode='mapped' multidevs='remap' fmode='644' dmode='0755'><driver type='path' wrpolicy='immediate' iommu='on'/><source dir='/export/a,b'/><target dir='fs0'/><readonly/><alias name='fs0'/>${pci(0, 3)}</filesystem>
      <filesystem type='mount' accessmode='passthrough'><source dir='/export/to/guest'/><target dir='/import/from/host'/><alias name='fs1'/>${pci(0, 4)}</filesystem>`);
    expect(runSection(buildFilesystems, def)).toEqual([
      '-fsdev local,security_model=mapped,multidevs=remap,fmode=0644,dmode=0755,writeout=immediate,id=fsdev-fs0,path=/export/a,,b,readonly=on',
      `-device {"driver":"virtio-9p-pci","iommu_platform":true,"id":"fs0","fsdev":"fsdev-fs0","mount_tag":"fs0","bus":"pci.0","addr":"0x3"}`,
      '-fsdev local,security_model=passthrough,id=fsdev-fs1,path=/export/to/guest',
      `-device {"driver":"virtio-9p-pci","id":"fs1","fsdev":"fsdev-fs1","mount_tag":"/import/from/host","bus":"pci.0","addr":"0x4"}`,
    ]);
  });

  it('connects virtiofs to the daemon socket in the domain lib dir', () => {
    const def = domainWith(`${BASE}
      <filesystem type='mount' accessmode='passthrough'><driver type='virtiofs' queue='1024'/><binary path='/usr/libexec/virtiofsd'/><source dir='/path'/><target dir='mount_tag'/><boot order='2'/><alias name='fs0'/>${pci(0, 2)}</filesystem>`);
    expect(runSection(buildFilesystems, def)).toEqual([
      '-chardev socket,id=chr-vu-fs0,path=/tmp/lib/domain--1-guest/fs0-fs.sock',
      `-device {"driver":"vhost-user-fs-pci","id":"fs0","chardev":"chr-vu-fs0","queue-size":1024,"tag":"mount_tag","bootindex":2,"bus":"pci.0","addr":"0x2"}`,
    ]);
  });
});
