import { parsePoolXml } from '../../../../model/pool/pool';
import { buildDisks } from '../../../../provider/qemu/argv/sections/disks';
import type { ArgvStoragePools } from '../../../../provider/qemu/argv/storage/pool-volume';
import { domainWith, runSection, testCtx } from './storage-fixture';

const POOLS: Record<string, string> = {
  iscsi: `<pool type='iscsi'><name>iscsi</name><source><host name='iscsi.example.com'/><device path='demo-target'/>
    <auth type='chap' username='admin'><secret usage='libvirtiscsi'/></auth></source><target><path>/dev/disk/by-path</path></target></pool>`,
  images: `<pool type='dir'><name>images</name><target><path>/var/lib/images</path></target></pool>`,
};
const pools: ArgvStoragePools = {
  pool: (name) => (POOLS[name] ? parsePoolXml(POOLS[name]) : undefined),
  volume: (poolName, _pool, volume) =>
    poolName === 'images' ? { type: 'file', path: `/var/lib/images/${volume}` } : { type: 'block', path: `/dev/disk/by-path/${volume}` },
};
const pci = (slot: number) => `<address type='pci' domain='0x0000' bus='0x00' slot='${slot}' function='0x0'/>`;

describe('pool volume disks', () => {
  it('resolve to the volume file, the LUN block device, or the iSCSI LUN with the pool login', () => {
    const def = domainWith(`
      <disk type='volume' device='disk'><driver name='qemu' type='qcow2'/><source pool='images' volume='a.qcow2'/><target dev='vda' bus='virtio'/><alias name='virtio-disk0'/>${pci(2)}</disk>
      <disk type='volume' device='disk'><source pool='iscsi' volume='unit:0:0:1' mode='host'/><target dev='vdb' bus='virtio'/><alias name='virtio-disk1'/>${pci(3)}</disk>
      <disk type='volume' device='disk'><source pool='iscsi' volume='unit:0:0:3' mode='direct'/><target dev='vdc' bus='virtio'/><alias name='virtio-disk2'/>${pci(4)}</disk>
      <controller type='pci' index='0' model='pci-root'><alias name='pci.0'/></controller>`);
    const lines = runSection(buildDisks, def, testCtx({ storagePools: pools })).filter((l) => !l.startsWith('-device'));
    expect(lines).toEqual([
      `-blockdev {"driver":"file","filename":"/var/lib/images/a.qcow2","node-name":"libvirt-3-storage","auto-read-only":true,"discard":"unmap"}`,
      `-blockdev {"node-name":"libvirt-3-format","read-only":false,"driver":"qcow2","file":"libvirt-3-storage"}`,
      `-blockdev {"driver":"host_device","filename":"/dev/disk/by-path/unit:0:0:1","node-name":"libvirt-2-storage","auto-read-only":true,"discard":"unmap"}`,
      `-blockdev {"node-name":"libvirt-2-format","read-only":false,"driver":"raw","file":"libvirt-2-storage"}`,
      `-object {"qom-type":"secret","id":"libvirt-1-storage-auth-secret0","data":"9eao5F8qtkGt+seB1HYivWIxbtwUu6MQtg1zpj/oDtUsPr1q8wBYM91uEHCn6j/1","keyid":"masterKey0","iv":"AAECAwQFBgcICQoLDA0ODw==","format":"base64"}`,
      `-blockdev {"driver":"iscsi","portal":"iscsi.example.com:3260","target":"demo-target","lun":3,"transport":"tcp","user":"admin","password-secret":"libvirt-1-storage-auth-secret0","node-name":"libvirt-1-storage","auto-read-only":true,"discard":"unmap"}`,
      `-blockdev {"node-name":"libvirt-1-format","read-only":false,"driver":"raw","file":"libvirt-1-storage"}`,
    ]);
  });

  it('fails with the pool name when the pool does not exist', () => {
    const def = domainWith(`<disk type='volume' device='disk'><source pool='nope' volume='x'/><target dev='vda' bus='virtio'/></disk>`);
    expect(() => runSection(buildDisks, def, testCtx({ storagePools: pools }))).toThrow("unsupported configuration: storage pool 'nope' not found");
  });
});
