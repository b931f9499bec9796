/** <disk>: exact XML in/out for every source type and the rules libvirt enforces. */
import {
  Disk,
  validateDisk,
  validateDisks,
  diskNameToIndex,
  libvirtDiskOrder,
  defaultDriveAddress,
  diskBus,
} from '../../../../model/domain/devices/disk';
import { Hostdev } from '../../../../model/domain/devices/hostdev';
import { parseDevice, roundTrip, brief } from './device-xml';

const disk = (xml: string) => parseDevice(Disk, xml);
const problems = (xml: string) => validateDisk(disk(xml)).map((i) => i.problem);

describe('disk XML', () => {
  it("prints a file disk in libvirt's attribute and element order", () => {
    expect(
      roundTrip(
        Disk,
        'disk',
        `<disk device="disk" type="file">
  <address bus="0" unit="1" type="drive" controller="0" target="0"/>
  <serial>WD-WMAP9A966149</serial>
  <readonly/>
  <target bus="scsi" dev="sdb"/>
  <source file="/var/lib/libvirt/images/a b.qcow2"/>
  <driver type="qcow2" name="qemu" discard="unmap" cache="none"/>
  <boot order="2"/>
</disk>`,
      ),
    ).toBe(`<disk type='file' device='disk'>
  <driver name='qemu' type='qcow2' cache='none' discard='unmap'/>
  <source file='/var/lib/libvirt/images/a b.qcow2'/>
  <target dev='sdb' bus='scsi'/>
  <readonly/>
  <serial>WD-WMAP9A966149</serial>
  <boot order='2'/>
  <address type='drive' controller='0' bus='0' target='0' unit='1'/>
</disk>
`);
  });

  it('prints every driver attribute in order, virtio options last, and the metadata cache in bytes', () => {
    expect(
      roundTrip(
        Disk,
        'disk',
        `<disk type='block' device='disk'>
  <driver page_per_vq='on' packed='on' ats='on' iommu='on' queue_size='256' queues='4' detect_zeroes='unmap' iothread='1'
          discard='unmap' copy_on_read='on' event_idx='off' ioeventfd='on' io='io_uring' rerror_policy='report'
          error_policy='stop' cache='writeback' type='qcow2' name='qemu'>
    <metadata_cache><max_size unit='KiB'>2</max_size></metadata_cache>
  </driver>
  <source dev='/dev/sdz'/>
  <target dev='vda' bus='virtio'/>
</disk>`,
      ),
    ).toBe(`<disk type='block' device='disk'>
  <driver name='qemu' type='qcow2' cache='writeback' error_policy='stop' rerror_policy='report' io='io_uring' ioeventfd='on' event_idx='off' copy_on_read='on' discard='unmap' iothread='1' detect_zeroes='unmap' queues='4' queue_size='256' iommu='on' ats='on' packed='on' page_per_vq='on'>
    <metadata_cache>
      <max_size unit='bytes'>2048</max_size>
    </metadata_cache>
  </driver>
  <source dev='/dev/sdz'/>
  <target dev='vda' bus='virtio'/>
</disk>
`);
  });

  it('keeps a network source with hosts, TLS, disk-level auth and source-level encryption', () => {
    expect(
      roundTrip(
        Disk,
        'disk',
        `<disk type='network' device='disk'>
  <driver name='qemu' type='raw'/>
  <auth username='myname'>
    <secret type='ceph' usage='mycluster_myname'/>
  </auth>
  <source protocol='rbd' name='pool/image'>
    <host name='mon1.example.org' port='6321'/>
    <host name='mon2.example.org' port='6322'/>
    <snapshot name='asdf'/>
    <config file='/etc/ceph/ceph.conf'/>
    <encryption format='luks2' engine='librbd'>
      <secret type='passphrase' uuid='0A81F5B2-8403-7B23-C8D6-21CCC2F80D6F'/>
    </encryption>
  </source>
  <target dev='vda' bus='virtio'/>
</disk>`,
      ),
    ).toBe(`<disk type='network' device='disk'>
  <driver name='qemu' type='raw'/>
  <auth username='myname'>
    <secret type='ceph' usage='mycluster_myname'/>
  </auth>
  <source protocol='rbd' name='pool/image'>
    <host name='mon1.example.org' port='6321'/>
    <host name='mon2.example.org' port='6322'/>
    <snapshot name='asdf'/>
    <config file='/etc/ceph/ceph.conf'/>
    <encryption format='luks2' engine='librbd'>
      <secret type='passphrase' uuid='0a81f5b2-8403-7b23-c8d6-21ccc2f80d6f'/>
    </encryption>
  </source>
  <target dev='vda' bus='virtio'/>
</disk>
`);
  });

  it('prints http(s) options after the host, and unix-socket hosts with transport before socket', () => {
    expect(
      roundTrip(
        Disk,
        'disk',
        `<disk type='network' device='cdrom'>
  <source protocol='https' name='test4.img' query='par=val&amp;other=ble'>
    <timeout seconds='10'/>
    <readahead size='65536'/>
    <cookies>
      <cookie name='test'>testcookievalue</cookie>
      <cookie name='test2'>"blurb"</cookie>
    </cookies>
    <ssl verify='no'/>
    <host name='example.org' port='1234'/>
  </source>
  <target dev='hdc' bus='ide' tray='open'/>
  <readonly/>
</disk>`,
      ),
    ).toBe(`<disk type='network' device='cdrom'>
  <source protocol='https' name='test4.img' query='par=val&amp;other=ble'>
    <host name='example.org' port='1234'/>
    <ssl verify='no'/>
    <cookies>
      <cookie name='test'>testcookievalue</cookie>
      <cookie name='test2'>&quot;blurb&quot;</cookie>
    </cookies>
    <readahead size='65536'/>
    <timeout seconds='10'/>
  </source>
  <target dev='hdc' bus='ide' tray='open'/>
  <readonly/>
</disk>
`);
    expect(
      roundTrip(Disk, 'disk', `<disk type='network'><source tls='yes' name='bar' protocol='nbd'><host socket='/var/run/nbdsock' transport='unix'/></source><target dev='vdb'/></disk>`),
    ).toBe(`<disk type='network'>
  <source protocol='nbd' name='bar' tls='yes'>
    <host transport='unix' socket='/var/run/nbdsock'/>
  </source>
  <target dev='vdb'/>
</disk>
`);
  });

  it('keeps a recursive backing chain with indexes, formats and per-layer seclabels', () => {
    const xml = `<disk type='file' device='disk'>
  <driver name='qemu' type='qcow2'/>
  <source file='/tmp/image.qcow' index='8'/>
  <backingStore type='file' index='7'>
    <format type='qcow2'/>
    <source file='/tmp/image2.qcow'>
      <seclabel model='selinux' relabel='yes'>
        <label>system_u:system_r:public_content_t:s0</label>
      </seclabel>
    </source>
    <backingStore type='block' index='6'>
      <format type='raw'/>
      <source dev='/dev/HostVG/QEMUGuest1'/>
      <backingStore/>
    </backingStore>
  </backingStore>
  <target dev='vda' bus='virtio'/>
</disk>
`;
    expect(roundTrip(Disk, 'disk', xml)).toBe(xml);
    const d = disk(xml);
    expect(d.backingStore?.backingStore?.source?.dev).toBe('/dev/HostVG/QEMUGuest1');
    expect(d.backingStore?.backingStore?.backingStore).toEqual({});
  });

  it('prints a block-copy mirror in both its old and new attribute forms', () => {
    const xml = `<disk type='file' device='disk'>
  <source file='/tmp/logs.img'/>
  <mirror type='file' file='/tmp/logcopy.img' format='qcow2' job='copy' ready='abort'>
    <format type='qcow2'/>
    <source file='/tmp/logcopy.img' index='1'/>
    <backingStore type='block' index='2'>
      <format type='raw'/>
      <source dev='/dev/HostVG/backing'/>
      <backingStore/>
    </backingStore>
  </mirror>
  <target dev='vdb' bus='virtio'/>
</disk>
`;
    expect(roundTrip(Disk, 'disk', xml)).toBe(xml);
  });

  it('prints nvme, vhost-user and volume sources, slices and reservations', () => {
    expect(
      roundTrip(
        Disk,
        'disk',
        `<disk type='nvme' device='disk'>
  <source namespace='2' managed='no' type='pci'>
    <encryption format='luks' engine='qemu'><secret type='passphrase' usage='/storage/x'/></encryption>
    <slices><slice type='storage' offset='1234' size='321'/></slices>
    <address function='0' slot='0' bus='2' domain='1'/>
  </source>
  <target dev='vde' bus='virtio'/>
</disk>`,
      ),
    ).toBe(`<disk type='nvme' device='disk'>
  <source type='pci' managed='no' namespace='2'>
    <address domain='0x0001' bus='0x02' slot='0x00' function='0x0'/>
    <slices>
      <slice type='storage' offset='1234' size='321'/>
    </slices>
    <encryption format='luks' engine='qemu'>
      <secret type='passphrase' usage='/storage/x'/>
    </encryption>
  </source>
  <target dev='vde' bus='virtio'/>
</disk>
`);
    expect(
      roundTrip(Disk, 'disk', `<disk type='vhostuser' device='disk' snapshot='no'><source path='/tmp/vhost1.sock' type='unix'><reconnect timeout='10' enabled='yes'/></source><target dev='vda' bus='virtio'/></disk>`),
    ).toBe(`<disk type='vhostuser' device='disk' snapshot='no'>
  <source type='unix' path='/tmp/vhost1.sock'>
    <reconnect enabled='yes' timeout='10'/>
  </source>
  <target dev='vda' bus='virtio'/>
</disk>
`);
    expect(
      roundTrip(
        Disk,
        'disk',
        `<disk type='volume' device='lun' rawio='no' sgio='filtered'>
  <source mode='direct' volume='unit:0:0:3' pool='pool-iscsi' startupPolicy='optional'>
    <reservations managed='no'><source mode='client' path='/path/to/qemu-pr-helper.sock' type='unix'/></reservations>
  </source>
  <target dev='sda' bus='scsi'/>
</disk>`,
      ),
    ).toBe(`<disk type='volume' device='lun' rawio='no' sgio='filtered'>
  <source pool='pool-iscsi' volume='unit:0:0:3' mode='direct' startupPolicy='optional'>
    <reservations managed='no'>
      <source type='unix' path='/path/to/qemu-pr-helper.sock' mode='client'/>
    </reservations>
  </source>
  <target dev='sda' bus='scsi'/>
</disk>
`);
  });

  it('prints iotune in libvirt order (group name between the limits and the lengths)', () => {
    expect(
      roundTrip(
        Disk,
        'disk',
        `<disk type='file'><source file='/a'/><target dev='vda'/>
  <iotune>
    <write_iops_sec_max_length>9</write_iops_sec_max_length>
    <group_name>g1</group_name>
    <size_iops_sec>8</size_iops_sec>
    <total_bytes_sec>5000</total_bytes_sec>
    <read_iops_sec>7</read_iops_sec>
  </iotune>
  <transient shareBacking='yes'/>
  <wwn>0x5000c50015ea71ac</wwn>
</disk>`,
      ),
    ).toBe(`<disk type='file'>
  <source file='/a'/>
  <target dev='vda'/>
  <iotune>
    <total_bytes_sec>5000</total_bytes_sec>
    <read_iops_sec>7</read_iops_sec>
    <size_iops_sec>8</size_iops_sec>
    <group_name>g1</group_name>
    <write_iops_sec_max_length>9</write_iops_sec_max_length>
  </iotune>
  <transient shareBacking='yes'/>
  <wwn>0x5000c50015ea71ac</wwn>
</disk>
`);
  });

  it('rejects unknown elements, attributes and values with the file line and what is allowed', () => {
    expect(() => disk(`<disk type='file'>\n  <source file='/a' fiel='x'/>\n</disk>`)).toThrow(
      "dev.xml:2: /disk/source/@fiel: unsupported attribute 'fiel' on <source>",
    );
    expect(() => disk(`<disk type='floppy'/>`)).toThrow(
      "dev.xml:1: /disk/@type: attribute 'type' has value 'floppy', which must be one of 'file', 'block', 'dir', 'network', 'volume', 'nvme', 'vhostuser'",
    );
    expect(() => disk(`<disk type='file'>\n<driver cache='fast'/></disk>`)).toThrow("/disk/driver/@cache: attribute 'cache' has value 'fast'");
    expect(() => disk(`<disk><wwn>12</wwn></disk>`)).toThrow("value '12' must be a WWN (16 hex digits, optionally prefixed by 0x)");
  });
});

describe('disk rules', () => {
  it('names the disk that lacks a target by its source, as libvirt does', () => {
    expect(brief(validateDisk(disk(`<disk type='block' device='disk'>\n  <source dev='/dev/HostVG/QEMUGuest1'/>\n</disk>`)))).toEqual([
      '1: /disk: missing target information for device /dev/HostVG/QEMUGuest1',
    ]);
    expect(problems(`<disk type='volume'><source pool='p' volume='v'/></disk>`)).toEqual(["missing target information for device pool = 'p', volume = 'v'"]);
  });

  it('checks the secret type of network authentication', () => {
    const iscsi = (secret: string, where: 'disk' | 'source' = 'disk') => {
      const auth = `<auth username='myname'>${secret}</auth>`;
      return problems(
        `<disk type='network'>${where === 'disk' ? auth : ''}<source protocol='iscsi' name='iqn.1992-01.com.example:storage/1'><host name='example.org'/>${where === 'source' ? auth : ''}</source><target dev='vda'/></disk>`,
      );
    };
    expect(iscsi(`<secret usage='x'/>`)).toEqual(["unknown secret type '<null>'"]);
    expect(iscsi(`<secret type='ceph' usage='x'/>`)).toEqual(["invalid secret type 'ceph'"]);
    expect(iscsi(`<secret type='iscsi' usage='x'/>`, 'source')).toEqual([]);
    expect(problems(`<disk type='network'><source protocol='nbd' name='x'><auth username='u'><secret type='iscsi' usage='x'/></auth></source><target dev='vda'/></disk>`)).toEqual([
      "authentication is not supported for protocol 'nbd'",
    ]);
  });

  it('refuses auth and encryption given both at disk level and in the source', () => {
    expect(
      problems(`<disk type='network'><auth username='a'><secret type='iscsi' usage='x'/></auth><source protocol='iscsi' name='i/1'><auth username='a'><secret type='iscsi' usage='x'/></auth></source><target dev='vda'/></disk>`),
    ).toEqual(['an <auth> definition already found for disk source']);
    expect(
      problems(`<disk><source file='/a'><encryption format='luks'/></source><target dev='vda'/><encryption format='luks'/></disk>`),
    ).toEqual(['an <encryption> definition already found for disk source']);
    expect(problems(`<disk><source file='/a'/><target dev='vda'/><encryption format='luks'><cipher name='serpent' size='256'/></encryption></disk>`)).toEqual([
      'supplying <cipher> for domain disk definition is unnecessary',
    ]);
  });

  it('allows rbd-only elements only on network sources, in every layer of the chain', () => {
    expect(problems(`<disk><source file='/a'/><backingStore type='file'><format type='raw'/><source file='/b'><snapshot name='s'/></source></backingStore><target dev='vda'/></disk>`)).toEqual([
      "<snapshot> element is currently supported only with 'rbd' disks",
    ]);
  });

  it("applies the device='lun' rules", () => {
    expect(problems(`<disk type='file' device='lun' rawio='yes'><source file='/dev/x'/><target dev='vda' bus='virtio'/></disk>`)).toEqual([
      "disk device='lun' is only valid for block type disk source",
    ]);
    expect(problems(`<disk type='network' device='lun'><source protocol='nbd' name='x'/><target dev='sda' bus='scsi'/></disk>`)).toEqual([
      "disk device='lun' is not supported for protocol='nbd'",
    ]);
    expect(problems(`<disk type='block' device='lun'><driver type='qcow2'/><source dev='/dev/sdb'/><target dev='sda' bus='scsi'/></disk>`)).toEqual([
      "disk device 'lun' must use 'raw' format",
    ]);
    expect(problems(`<disk type='block' device='disk' sgio='filtered'><source dev='/dev/sdb'/><target dev='sda' bus='scsi'/></disk>`)).toEqual([
      "sgio can be used only with device='lun'",
    ]);
    expect(problems(`<disk type='block' device='lun' sgio='unfiltered'><source dev='/dev/sdb'/><target dev='sda' bus='scsi'/></disk>`)).toEqual([
      'unfiltered sgio is no longer supported',
    ]);
  });

  it('rejects a total I/O limit together with the read/write pair', () => {
    expect(problems(`<disk><source file='/a'/><target dev='vda'/><iotune><total_iops_sec>5</total_iops_sec><write_iops_sec>3</write_iops_sec></iotune></disk>`)).toEqual([
      'total and read/write iops_sec cannot be set at the same time',
    ]);
  });

  it('matches the address type to the bus and keeps virtio-only settings on virtio disks', () => {
    expect(brief(validateDisk(disk(`<disk type='block' device='floppy'>\n<source dev='/dev/fd0'/>\n<target dev='fda' bus='fdc'/>\n<address type='pci' slot='1'/>\n</disk>`)))).toEqual([
      "4: /disk/address/@type: Invalid address type 'pci' for the disk 'fda' with the bus type 'fdc'",
    ]);
    expect(problems(`<disk model='virtio'><source file='/a'/><target dev='sda' bus='sata'/></disk>`)).toEqual(["disk model 'virtio' not supported for bus 'sata'"]);
    expect(problems(`<disk><driver queues='2'/><source file='/a'/><target dev='hda'/></disk>`)).toEqual([
      'queues attribute in disk driver element is only supported by virtio-blk',
    ]);
    expect(problems(`<disk><driver iommu='on'/><source file='/a'/><target dev='sda' bus='usb'/></disk>`)).toEqual([
      'iommu driver option is only supported for virtio devices',
    ]);
  });

  it('checks device names, tray, removable, floppies, startup policy and empty sources', () => {
    expect(problems(`<disk><source file='/a'/><target dev='xda'/></disk>`)).toEqual(['Invalid harddisk device name: xda']);
    expect(problems(`<disk device='floppy'><source file='/a'/><target dev='hda' bus='fdc'/></disk>`)).toEqual(['Invalid floppy device name: hda']);
    expect(problems(`<disk device='floppy'><source file='/a'/><target dev='fda' bus='ide'/></disk>`)).toEqual(["Invalid bus type 'ide' for floppy disk"]);
    expect(problems(`<disk><source file='/a'/><target dev='vda' tray='open'/></disk>`)).toEqual(['tray is only valid for cdrom and floppy']);
    expect(problems(`<disk><source file='/a'/><target dev='sda' bus='scsi' removable='on'/></disk>`)).toEqual(['removable is only valid for usb disks']);
    expect(problems(`<disk><source file='/a' startupPolicy='requisite'/><target dev='vda'/></disk>`)).toEqual([
      "disk startupPolicy 'requisite' is allowed only for cdrom or floppy",
    ]);
    expect(problems(`<disk type='network'><source protocol='nbd' startupPolicy='optional'/><target dev='vda'/></disk>`)).toEqual([
      "disk startupPolicy 'optional' is not allowed for disk of 'network' type",
    ]);
    expect(problems(`<disk><target dev='vda'/></disk>`)).toEqual(['missing source information for device vda']);
    expect(problems(`<disk device='cdrom'><target dev='hdc'/></disk>`)).toEqual([]);
    expect(problems(`<disk><source file='/a'/><target dev='sda' bus='scsi'/><vendor>ABCDEFGHI</vendor></disk>`)).toEqual(['disk vendor is more than 8 characters']);
  });

  it('keeps vhost-user disks free of what the external daemon owns', () => {
    const vu = (extra: string, bus = 'virtio') =>
      problems(`<disk type='vhostuser'><source type='unix' path='/s'/><target dev='vda' bus='${bus}'/>${extra}</disk>`);
    expect(vu('')).toEqual([]);
    expect(vu('', 'scsi')).toEqual(['vhostuser disk supports only virtio bus']);
    expect(vu('<readonly/>')).toEqual(['readonly is not supported with vhostuser disk']);
    expect(vu('<serial>x</serial>')).toEqual(['serial is not supported with vhostuser disk']);
  });
});

describe('disks together', () => {
  it("derives the target index and libvirt's default drive address", () => {
    expect(diskNameToIndex('vda')).toEqual({ index: 0, partition: 0 });
    expect(diskNameToIndex('sdaa')).toEqual({ index: 26, partition: 0 });
    expect(diskNameToIndex('vdb1')).toEqual({ index: 1, partition: 1 });
    expect(diskNameToIndex('nvme0')).toBeUndefined();
    expect(defaultDriveAddress(disk(`<disk><target dev='hdd'/></disk>`))).toEqual({ controller: 0, bus: 1, target: 0, unit: 1 });
    expect(defaultDriveAddress(disk(`<disk><target dev='sdh' bus='scsi'/></disk>`))).toEqual({ controller: 1, bus: 0, target: 0, unit: 0 });
    expect(defaultDriveAddress(disk(`<disk><target dev='sdg' bus='sata'/></disk>`))).toEqual({ controller: 1, bus: 0, target: 0, unit: 0 });
    expect(defaultDriveAddress(disk(`<disk><target dev='vda'/></disk>`))).toBeUndefined();
    expect(diskBus(disk(`<disk device='floppy'><target dev='fda'/></disk>`))).toBe('fdc');
  });

  it('orders disks by bus and target index as libvirt inserts them', () => {
    const ds = ['hdb ide', 'sda usb', 'hda ide', 'vda virtio', 'sdb usb'].map((s) => {
      const [dev, bus] = s.split(' ');
      return disk(`<disk><source file='/${dev}'/><target dev='${dev}' bus='${bus}'/></disk>`);
    });
    expect(libvirtDiskOrder(ds).map((d) => d.target?.dev)).toEqual(['hda', 'hdb', 'sda', 'sdb', 'vda']);
  });

  it('reports a duplicate target naming both sources in libvirt order', () => {
    const ds = [
      `<disk type='block'><source dev='/dev/HostVG/QEMUGuest1'/><target dev='hda' bus='ide'/></disk>`,
      `<disk><source file='/tmp/usbdisk.img'/><target dev='sda' bus='usb'/></disk>`,
      `<disk><source file='/tmp/idedisk.img'/>\n<target dev='sda' bus='ide'/></disk>`,
    ].map(disk);
    expect(brief(validateDisks(ds))).toEqual(["2: /disk/target: target 'sda' duplicated for disk sources '/tmp/idedisk.img' and '/tmp/usbdisk.img'"]);
  });

  it('reports a drive address used twice, counting the address libvirt assigns', () => {
    const ds = [
      `<disk type='block'><source dev='/dev/a'/><target dev='sda' bus='sata'/></disk>`,
      `<disk type='block'><source dev='/dev/b'/><target dev='sdb' bus='sata'/>\n<address type='drive' controller='0' bus='0' target='0' unit='0'/></disk>`,
    ].map(disk);
    expect(brief(validateDisks(ds))).toEqual([
      "2: /disk/address: Found duplicate drive address for disk with target name 'sda' controller='0' bus='0' target='0' unit='0'",
    ]);
  });

  it('refuses to assign a SCSI disk the drive address of a SCSI hostdev', () => {
    const hostdev = parseDevice(
      Hostdev,
      `<hostdev mode='subsystem' type='scsi'><source><adapter name='scsi_host2'/><address bus='0' target='0' unit='1'/></source><address type='drive' controller='0' bus='0' target='0' unit='0'/></hostdev>`,
    );
    const d = disk(`<disk type='block'><source dev='/dev/a'/><target dev='sda' bus='scsi'/></disk>`);
    expect(validateDisks([d], { hostdevs: [hostdev] }).map((i) => i.problem)).toEqual([
      "using disk target name 'sda' conflicts with SCSI host device address controller='0' bus='0' target='0' unit='0",
    ]);
  });

  it('names disks built in code by their index under the label', () => {
    const built = [{ type: 'file' as const, source: { file: '/a' } }];
    expect(validateDisks(built, { label: 'App/vm/disks' })).toEqual([
      { pos: undefined, path: 'App/vm/disks/0', problem: 'missing target information for device /a', fix: "add <target dev='vda' bus='virtio'/>" },
    ]);
  });
});
