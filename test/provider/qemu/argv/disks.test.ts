import { buildDisks } from '../../../../provider/qemu/argv/sections/disks';
import { buildManagedPr } from '../../../../provider/qemu/argv/sections/managed-pr';
import { domainWith, runSection, testCtx } from './storage-fixture';

const PC_CONTROLLERS = `
  <controller type='ide' index='0'><alias name='ide'/></controller>
  <controller type='pci' index='0' model='pci-root'><alias name='pci.0'/></controller>
  <controller type='usb' index='0' model='piix3-uhci'><alias name='usb'/></controller>`;
const drive = (c: number, b: number, t: number, u: number) => `<address type='drive' controller='${c}' bus='${b}' target='${t}' unit='${u}'/>`;
const pci = (slot: number) => `<address type='pci' domain='0x0000' bus='0x00' slot='${slot}' function='0x0'/>`;
const SECRET =
  '"data":"9eao5F8qtkGt+seB1HYivWIxbtwUu6MQtg1zpj/oDtUsPr1q8wBYM91uEHCn6j/1","keyid":"masterKey0","iv":"AAECAwQFBgcICQoLDA0ODw==","format":"base64"';

describe('disks section', () => {
  it('numbers nodes from the last disk down, gives empty drives a number and no nodes, uses host_cdrom for block CD-ROMs', () => {
    const def = domainWith(
      `<disk type='block' device='cdrom'><driver name='qemu' type='raw'/><source dev='/dev/cdrom'/><target dev='hda' bus='ide'/><readonly/><alias name='ide0-0-0'/>${drive(0, 0, 0, 0)}</disk>
       <disk type='file' device='cdrom'><driver name='qemu' type='raw'/><source file='/root/boot.iso'/><target dev='hdb' bus='ide'/><readonly/><alias name='ide0-0-1'/>${drive(0, 0, 0, 1)}</disk>
       <disk type='file' device='cdrom'><driver name='qemu' type='raw' cache='none'/><target dev='hdc' bus='ide'/><readonly/><alias name='ide0-1-0'/>${drive(0, 1, 0, 0)}</disk>
       <disk type='file' device='cdrom'><driver name='qemu' type='raw'/><target dev='hdd' bus='ide'/><readonly/><alias name='ide0-1-1'/>${drive(0, 1, 0, 1)}</disk>
       ${PC_CONTROLLERS}`,
    );
    expect(runSection(buildDisks, def)).toEqual([
      `-blockdev {"driver":"host_cdrom","filename":"/dev/cdrom","node-name":"libvirt-4-storage","auto-read-only":true,"discard":"unmap"}`,
      `-blockdev {"node-name":"libvirt-4-format","read-only":true,"driver":"raw","file":"libvirt-4-storage"}`,
      `-device {"driver":"ide-cd","bus":"ide.0","unit":0,"drive":"libvirt-4-format","id":"ide0-0-0"}`,
      `-blockdev {"driver":"file","filename":"/root/boot.iso","node-name":"libvirt-3-storage","auto-read-only":true,"discard":"unmap"}`,
      `-blockdev {"node-name":"libvirt-3-format","read-only":true,"driver":"raw","file":"libvirt-3-storage"}`,
      `-device {"driver":"ide-cd","bus":"ide.0","unit":1,"drive":"libvirt-3-format","id":"ide0-0-1"}`,
      `-device {"driver":"ide-cd","bus":"ide.1","unit":0,"id":"ide0-1-0","write-cache":"on"}`,
      `-device {"driver":"ide-cd","bus":"ide.1","unit":1,"id":"ide0-1-1"}`,
    ]);
  });

  it('links backing chains deepest first, with backing null for a terminated chain', () => {
    const def = domainWith(
      `<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>
         <source file='/img/top.qcow2'/>
         <backingStore type='block'><format type='qcow2'/><source dev='/dev/vg/base'/>
           <backingStore type='file'><format type='raw'/><source file='/img/base.iso'/><backingStore/></backingStore>
         </backingStore>
         <target dev='vda' bus='virtio'/><alias name='virtio-disk0'/>${pci(2)}</disk>
       <disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='/img/b.qcow2'/>
         <backingStore type='file'><format type='qcow2'/><source file='/img/b-base.qcow2'/><backingStore/></backingStore>
         <target dev='vdb' bus='virtio'/><alias name='virtio-disk1'/>${pci(3)}</disk>
       ${PC_CONTROLLERS}`,
      'pc',
      `<os><boot dev='hd'/></os>`.replace(/.*/, ''),
    );
    def.os!.boots = [{ dev: 'hd' }];
    expect(runSection(buildDisks, def)).toEqual([
      `-blockdev {"driver":"file","filename":"/img/base.iso","node-name":"libvirt-5-storage","auto-read-only":true,"discard":"unmap"}`,
      `-blockdev {"node-name":"libvirt-5-format","read-only":true,"driver":"raw","file":"libvirt-5-storage"}`,
      `-blockdev {"driver":"host_device","filename":"/dev/vg/base","node-name":"libvirt-4-storage","auto-read-only":true,"discard":"unmap"}`,
      `-blockdev {"node-name":"libvirt-4-format","read-only":true,"driver":"qcow2","file":"libvirt-4-storage","backing":"libvirt-5-format"}`,
      `-blockdev {"driver":"file","filename":"/img/top.qcow2","node-name":"libvirt-3-storage","auto-read-only":true,"discard":"unmap"}`,
      `-blockdev {"node-name":"libvirt-3-format","read-only":false,"driver":"qcow2","file":"libvirt-3-storage","backing":"libvirt-4-format"}`,
      `-device {"driver":"virtio-blk-pci","bus":"pci.0","addr":"0x2","drive":"libvirt-3-format","id":"virtio-disk0","bootindex":1}`,
      `-blockdev {"driver":"file","filename":"/img/b-base.qcow2","node-name":"libvirt-2-storage","auto-read-only":true,"discard":"unmap"}`,
      `-blockdev {"node-name":"libvirt-2-format","read-only":true,"driver":"qcow2","file":"libvirt-2-storage","backing":null}`,
      `-blockdev {"driver":"file","filename":"/img/b.qcow2","node-name":"libvirt-1-storage","auto-read-only":true,"discard":"unmap"}`,
      `-blockdev {"node-name":"libvirt-1-format","read-only":false,"driver":"qcow2","file":"libvirt-1-storage","backing":"libvirt-2-format"}`,
      `-device {"driver":"virtio-blk-pci","bus":"pci.0","addr":"0x3","drive":"libvirt-1-format","id":"virtio-disk1"}`,
    ]);
  });

  it('passes cache modes to both nodes and write-cache, error policies, serial escaping, geometry and wwn', () => {
    const def = domainWith(
      `<disk type='block' device='disk'><driver name='qemu' type='qcow2' cache='unsafe' error_policy='stop'/><source dev='/dev/vg/a'/>
         <geometry cyls='16383' heads='16' secs='63' trans='lba'/><target dev='hda' bus='ide'/><serial>  WD 1</serial><wwn>5000c50015ea71ad</wwn><alias name='ide0-0-0'/>${drive(0, 0, 0, 0)}</disk>
       <disk type='block' device='disk'><driver name='qemu' type='raw' cache='directsync' error_policy='enospace'/><source dev='/dev/vg/b'/><target dev='sdb' bus='usb'/><alias name='usb-disk1'/><address type='usb' bus='0' port='1'/></disk>
       ${PC_CONTROLLERS}`,
    );
    expect(runSection(buildDisks, def)).toEqual([
      `-blockdev {"driver":"host_device","filename":"/dev/vg/a","node-name":"libvirt-2-storage","cache":{"direct":false,"no-flush":true},"auto-read-only":true,"discard":"unmap"}`,
      `-blockdev {"node-name":"libvirt-2-format","read-only":false,"cache":{"direct":false,"no-flush":true},"driver":"qcow2","file":"libvirt-2-storage"}`,
      `-device {"driver":"ide-hd","bus":"ide.0","unit":0,"drive":"libvirt-2-format","id":"ide0-0-0","wwn":5764824127192592813,"write-cache":"on","cyls":16383,"heads":16,"secs":63,"bios-chs-trans":"lba","serial":"\\\\ \\\\ WD\\\\ 1","werror":"stop","rerror":"stop"}`,
      `-blockdev {"driver":"host_device","filename":"/dev/vg/b","node-name":"libvirt-1-storage","cache":{"direct":true,"no-flush":false},"auto-read-only":true,"discard":"unmap"}`,
      `-blockdev {"node-name":"libvirt-1-format","read-only":false,"cache":{"direct":true,"no-flush":false},"driver":"raw","file":"libvirt-1-storage"}`,
      `-device {"driver":"usb-storage","bus":"usb.0","port":"1","drive":"libvirt-1-format","id":"usb-disk1","removable":false,"write-cache":"off","werror":"enospc"}`,
    ]);
  });

  it('encrypts auth and LUKS secrets with the master key and names them after the node', () => {
    const def = domainWith(
      `<disk type='network' device='disk'><driver name='qemu' type='raw'/>
         <source protocol='iscsi' name='iqn.1992-01.com.example:storage/1'><host name='example.org' port='6000'/>
           <auth username='myname'><secret type='iscsi' uuid='0a81f5b2-8403-7b23-c8d6-21ccc2f80e80'/></auth>
           <encryption format='luks'><secret type='passphrase' uuid='0a81f5b2-8403-7b23-c8d6-21ccc2f80f77'/></encryption>
         </source><target dev='vdc' bus='virtio'/><alias name='virtio-disk2'/>${pci(2)}</disk>
       <disk type='file' device='disk'><driver name='qemu' type='qcow2'/>
         <source file='/img/enc.qcow2'><encryption format='luks'><secret type='passphrase' usage='/img/enc.qcow2'/></encryption></source>
         <target dev='vdd' bus='virtio'/><alias name='virtio-disk3'/>${pci(3)}</disk>
       ${PC_CONTROLLERS}`,
    );
    expect(runSection(buildDisks, def)).toEqual([
      `-object {"qom-type":"secret","id":"libvirt-2-storage-auth-secret0",${SECRET}}`,
      `-object {"qom-type":"secret","id":"libvirt-2-format-encryption-secret0",${SECRET}}`,
      `-blockdev {"driver":"iscsi","portal":"example.org:6000","target":"iqn.1992-01.com.example:storage","lun":1,"transport":"tcp","user":"myname","password-secret":"libvirt-2-storage-auth-secret0","node-name":"libvirt-2-storage","auto-read-only":true,"discard":"unmap"}`,
      `-blockdev {"node-name":"libvirt-2-format","read-only":false,"driver":"luks","key-secret":"libvirt-2-format-encryption-secret0","file":"libvirt-2-storage"}`,
      `-device {"driver":"virtio-blk-pci","bus":"pci.0","addr":"0x2","drive":"libvirt-2-format","id":"virtio-disk2"}`,
      `-object {"qom-type":"secret","id":"libvirt-1-format-encryption-secret0",${SECRET}}`,
      `-blockdev {"driver":"file","filename":"/img/enc.qcow2","node-name":"libvirt-1-storage","auto-read-only":true,"discard":"unmap"}`,
      `-blockdev {"node-name":"libvirt-1-format","read-only":false,"driver":"qcow2","encrypt":{"format":"luks","key-secret":"libvirt-1-format-encryption-secret0"},"file":"libvirt-1-storage"}`,
      `-device {"driver":"virtio-blk-pci","bus":"pci.0","addr":"0x3","drive":"libvirt-1-format","id":"virtio-disk3"}`,
    ]);
  });

  it('builds network protocol nodes (nbd over unix, rbd with monitors, gluster, http with cookies, nfs)', () => {
    const def = domainWith(
      `<disk type='network' device='disk'><driver name='qemu' type='raw'/><source protocol='nbd' name='bar'><host transport='unix' socket='/var/run/nbdsock'/></source><target dev='vda' bus='virtio'/><alias name='virtio-disk0'/>${pci(2)}</disk>
       <disk type='network' device='disk'><driver name='qemu' type='raw'/><source protocol='rbd' name='pool/image'><host name='mon1.example.org' port='6321'/><host name='::1'/><snapshot name='foo'/></source><target dev='vdb' bus='virtio'/><alias name='virtio-disk1'/>${pci(3)}</disk>
       <disk type='network' device='disk'><driver name='qemu' type='raw'/><source protocol='gluster' name='Volume3/Image.qcow2'><host name='example.org'/><host transport='unix' socket='/sock'/></source><target dev='vdc' bus='virtio'/><alias name='virtio-disk2'/>${pci(4)}</disk>
       <disk type='network' device='disk'><driver name='qemu' type='raw'/><source protocol='https' name='test4.img' query='par=val'><host name='example.org' port='1234'/><ssl verify='no'/><cookies><cookie name='test'>testcookievalue</cookie><cookie name='test2'>"blurb"</cookie></cookies></source><target dev='vdd' bus='virtio'/><alias name='virtio-disk3'/>${pci(5)}</disk>
       <disk type='network' device='disk'><driver name='qemu' type='raw'/><source protocol='nfs' name='/foo/bar'><host name='example.com'/><identity user='+6234' group='+12354'/></source><target dev='vde' bus='virtio'/><alias name='virtio-disk4'/>${pci(6)}</disk>
       ${PC_CONTROLLERS}`,
    );
    const lines = runSection(buildDisks, def).filter((l) => l.startsWith('-blockdev {"driver"'));
    expect(lines).toEqual([
      `-blockdev {"driver":"nbd","server":{"type":"unix","path":"/var/run/nbdsock"},"export":"bar","node-name":"libvirt-5-storage","auto-read-only":true,"discard":"unmap"}`,
      `-blockdev {"driver":"rbd","pool":"pool","image":"image","snapshot":"foo","server":[{"host":"mon1.example.org","port":"6321"},{"host":"::1","port":"6789"}],"node-name":"libvirt-4-storage","auto-read-only":true,"discard":"unmap"}`,
      `-blockdev {"driver":"gluster","volume":"Volume3","path":"Image.qcow2","server":[{"type":"inet","host":"example.org","port":"24007"},{"type":"unix","path":"/sock"}],"debug":4,"node-name":"libvirt-3-storage","auto-read-only":true,"discard":"unmap"}`,
      `-blockdev {"driver":"https","url":"https://example.org:1234/test4.img?par=val","sslverify":false,"cookie-secret":"libvirt-2-storage-httpcookie-secret0","node-name":"libvirt-2-storage","auto-read-only":true,"discard":"unmap"}`,
      `-blockdev {"driver":"nfs","server":{"host":"example.com","type":"inet"},"path":"/foo/bar","user":6234,"group":12354,"node-name":"libvirt-1-storage","auto-read-only":true,"discard":"unmap"}`,
    ]);
    expect(runSection(buildDisks, def).filter((l) => l.startsWith('-object'))).toEqual([
      `-object {"qom-type":"secret","id":"libvirt-2-storage-httpcookie-secret0","data":"DrPR9NA6GKJb7qi1KbjHaealKEMVtOWUl2h3yvO5lgIh6cyLHemmlg+h9fcgwREA","keyid":"masterKey0","iv":"AAECAwQFBgcICQoLDA0ODw==","format":"base64"}`,
    ]);
  });

  it('passes fd groups with -add-fd before the chain; a writable fd-passed image is read-only:false', () => {
    const def = domainWith(
      `<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='/a' fdgroup='g1'/>
         <backingStore type='file'><format type='qcow2'/><source file='/b' fdgroup='g2'/><backingStore/></backingStore>
         <target dev='vdf' bus='virtio'/><alias name='virtio-disk5'/>${pci(3)}</disk>
       ${PC_CONTROLLERS}`,
    );
    expect(runSection(buildDisks, def, testCtx({ fdGroups: { g1: [704], g2: [777, 778] } }))).toEqual([
      '-add-fd set=0,fd=704,opaque=libvirt-1-storage0',
      '-add-fd set=1,fd=777,opaque=libvirt-2-storage0',
      '-add-fd set=1,fd=778,opaque=libvirt-2-storage1',
      `-blockdev {"driver":"file","filename":"/dev/fdset/1","node-name":"libvirt-2-storage","auto-read-only":true,"discard":"unmap"}`,
      `-blockdev {"node-name":"libvirt-2-format","read-only":true,"driver":"qcow2","file":"libvirt-2-storage","backing":null}`,
      `-blockdev {"driver":"file","filename":"/dev/fdset/0","node-name":"libvirt-1-storage","read-only":false,"discard":"unmap"}`,
      `-blockdev {"node-name":"libvirt-1-format","read-only":false,"driver":"qcow2","file":"libvirt-1-storage","backing":"libvirt-2-format"}`,
      `-device {"driver":"virtio-blk-pci","bus":"pci.0","addr":"0x3","drive":"libvirt-1-format","id":"virtio-disk5"}`,
    ]);
  });

  it('uses the managed pr-helper0 or a per-disk helper object for SCSI reservations', () => {
    const def = domainWith(
      `<disk type='block' device='lun'><driver name='qemu' type='raw'/><source dev='/dev/a'><reservations managed='yes'/></source><target dev='sda' bus='scsi'/><alias name='scsi0-0-0-0'/>${drive(0, 0, 0, 0)}</disk>
       <disk type='block' device='lun'><driver name='qemu' type='raw'/><source dev='/dev/b'><reservations managed='no'><source type='unix' path='/pr.sock' mode='client'/></reservations></source><target dev='sdb' bus='scsi'/><alias name='scsi0-0-0-1'/>${drive(0, 0, 0, 1)}</disk>
       <controller type='scsi' index='0' model='virtio-scsi'><alias name='scsi0'/>${pci(3)}</controller>
       ${PC_CONTROLLERS}`,
    );
    expect(runSection(buildManagedPr, def)).toEqual([`-object {"qom-type":"pr-manager-helper","id":"pr-helper0","path":"/tmp/lib/domain--1-guest/pr-helper0.sock"}`]);
    expect(runSection(buildDisks, def)).toEqual([
      `-blockdev {"driver":"host_device","filename":"/dev/a","pr-manager":"pr-helper0","node-name":"libvirt-2-storage","auto-read-only":true,"discard":"unmap"}`,
      `-blockdev {"node-name":"libvirt-2-format","read-only":false,"driver":"raw","file":"libvirt-2-storage"}`,
      `-device {"driver":"scsi-block","bus":"scsi0.0","channel":0,"scsi-id":0,"lun":0,"drive":"libvirt-2-format","id":"scsi0-0-0-0"}`,
      `-object {"qom-type":"pr-manager-helper","id":"pr-helper-libvirt-1-storage","path":"/pr.sock"}`,
      `-blockdev {"driver":"host_device","filename":"/dev/b","pr-manager":"pr-helper-libvirt-1-storage","node-name":"libvirt-1-storage","auto-read-only":true,"discard":"unmap"}`,
      `-blockdev {"node-name":"libvirt-1-format","read-only":false,"driver":"raw","file":"libvirt-1-storage"}`,
      `-device {"driver":"scsi-block","bus":"scsi0.0","channel":0,"scsi-id":0,"lun":1,"drive":"libvirt-1-format","id":"scsi0-0-0-1"}`,
    ]);
  });

  it('gives floppies their boot index through the controller: -global on i440FX, -device isa-fdc on Q35', () => {
    const floppy = `<disk type='file' device='floppy'><driver name='qemu' type='raw'/><source file='/fd.img'/><target dev='fda' bus='fdc'/><alias name='fdc0-0-0'/>${drive(0, 0, 0, 0)}</disk>
      <controller type='fdc' index='0'><alias name='fdc0'/></controller>`;
    const pc = domainWith(floppy + PC_CONTROLLERS);
    pc.os!.boots = [{ dev: 'fd' }];
    expect(runSection(buildDisks, pc)[0]).toBe('-global isa-fdc.bootindexA=1');
    const q35 = domainWith(floppy, 'q35');
    q35.os!.boots = [{ dev: 'fd' }];
    expect(runSection(buildDisks, q35)).toEqual([
      `-device {"driver":"isa-fdc","bootindexA":1}`,
      `-blockdev {"driver":"file","filename":"/fd.img","node-name":"libvirt-1-storage","auto-read-only":true,"discard":"unmap"}`,
      `-blockdev {"node-name":"libvirt-1-format","read-only":false,"driver":"raw","file":"libvirt-1-storage"}`,
      `-device {"driver":"floppy","unit":0,"drive":"libvirt-1-format","id":"fdc0-0-0"}`,
    ]);
  });

  it('prints SCSI disk identity, virtio queues/iothread, vhost-user-blk and copy-on-read', () => {
    const def = domainWith(
      `<disk type='file' device='cdrom'><driver name='qemu' type='raw'/><source file='/cd.iso'/><target dev='sda' bus='scsi'/><readonly/><serial>WD-1</serial><wwn>5000c50015ea71ac</wwn><alias name='scsi0-0-1-0'/>${drive(0, 0, 1, 0)}</disk>
       <disk type='file' device='disk'><driver name='qemu' type='qcow2' copy_on_read='on' queues='4' queue_size='256' iothread='1'/><source file='/f14.img'/><target dev='vda' bus='virtio'/><alias name='virtio-disk0'/>${pci(4)}</disk>
       <disk type='vhostuser' device='disk'><driver name='qemu' type='raw' packed='on'/><source type='unix' path='/tmp/vhost1.sock'><reconnect enabled='yes' timeout='10'/></source><target dev='vdb' bus='virtio'/><alias name='virtio-disk1'/>${pci(5)}</disk>
       <controller type='scsi' index='0' model='virtio-scsi'><alias name='scsi0'/>${pci(3)}</controller>
       ${PC_CONTROLLERS}`,
    );
    expect(runSection(buildDisks, def)).toEqual([
      `-blockdev {"driver":"file","filename":"/cd.iso","node-name":"libvirt-3-storage","auto-read-only":true,"discard":"unmap"}`,
      `-blockdev {"node-name":"libvirt-3-format","read-only":true,"driver":"raw","file":"libvirt-3-storage"}`,
      `-device {"driver":"scsi-cd","bus":"scsi0.0","channel":0,"scsi-id":1,"lun":0,"device_id":"WD-1","drive":"libvirt-3-format","id":"scsi0-0-1-0","wwn":5764824127192592812,"serial":"WD-1"}`,
      `-blockdev {"driver":"file","filename":"/f14.img","node-name":"libvirt-2-storage","auto-read-only":true,"discard":"unmap"}`,
      `-blockdev {"node-name":"libvirt-2-format","read-only":false,"driver":"qcow2","file":"libvirt-2-storage"}`,
      `-blockdev {"driver":"copy-on-read","node-name":"libvirt-CoR-vda","file":"libvirt-2-format","discard":"unmap"}`,
      `-device {"driver":"virtio-blk-pci","iothread":"iothread1","num-queues":4,"queue-size":256,"bus":"pci.0","addr":"0x4","drive":"libvirt-CoR-vda","id":"virtio-disk0"}`,
      '-chardev socket,id=chr-vu-virtio-disk1,path=/tmp/vhost1.sock,reconnect=10',
      `-device {"driver":"vhost-user-blk-pci","packed":true,"bus":"pci.0","addr":"0x5","chardev":"chr-vu-virtio-disk1","id":"virtio-disk1"}`,
    ]);
  });
});
