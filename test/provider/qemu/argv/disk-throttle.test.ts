import { diskThrottleCommands } from '../../../../provider/qemu/argv/storage/disk-throttle';
import { domainWith } from './storage-fixture';

describe('disk I/O limits over QMP', () => {
  it('sends every rate (0 = unlimited), the group and the burst lengths that were given, naming the QOM device; nothing for an empty CD-ROM', () => {
    const def = domainWith(`
      <disk type='block' device='disk'><source dev='/dev/a'/><target dev='hda' bus='ide'/>
        <iotune><total_bytes_sec>5000</total_bytes_sec><total_iops_sec>6000</total_iops_sec><total_bytes_sec_max>10000</total_bytes_sec_max>
          <group_name>libvirt_iotune_group1</group_name><total_bytes_sec_max_length>3</total_bytes_sec_max_length></iotune><alias name='ide0-0-0'/></disk>
      <disk type='file' device='disk'><source file='/b'/><target dev='vda' bus='virtio'/><iotune><read_iops_sec>100</read_iops_sec></iotune><alias name='virtio-disk0'/></disk>
      <disk type='file' device='disk'><source file='/c'/><target dev='vdb' bus='virtio'/><alias name='virtio-disk1'/></disk>
      <disk type='file' device='cdrom'><target dev='sda' bus='sata'/><iotune><total_bytes_sec>1000</total_bytes_sec></iotune><alias name='sata0-0-0'/></disk>`);
    expect(diskThrottleCommands(def)).toEqual([
      {
        execute: 'block_set_io_throttle',
        arguments: {
          id: 'ide0-0-0',
          bps: 5000, bps_rd: 0, bps_wr: 0, iops: 6000, iops_rd: 0, iops_wr: 0,
          bps_max: 10000, bps_rd_max: 0, bps_wr_max: 0, iops_max: 0, iops_rd_max: 0, iops_wr_max: 0, iops_size: 0,
          group: 'libvirt_iotune_group1',
          bps_max_length: 3,
        },
      },
      {
        execute: 'block_set_io_throttle',
        arguments: {
          id: 'virtio-disk0/virtio-backend',
          bps: 0, bps_rd: 0, bps_wr: 0, iops: 0, iops_rd: 100, iops_wr: 0,
          bps_max: 0, bps_rd_max: 0, bps_wr_max: 0, iops_max: 0, iops_rd_max: 0, iops_wr_max: 0, iops_size: 0,
        },
      },
    ]);
  });
});
