import { parsePoolXml, formatPoolXml, applyPoolDefaults, validatePool, sanitizePath, type Pool } from '../../model/pool';

const roundTrip = (xml: string) => formatPoolXml(applyPoolDefaults(parsePoolXml(xml, 'pool.xml')));
const issues = (xml: string) => validatePool(parsePoolXml(xml, 'pool.xml')).map((i) => `${i.pos?.line}: ${i.path}: ${i.problem}`);

describe('storage pool XML', () => {
  it.each([
    ['///var/////lib/libvirt/images//', '/var/lib/libvirt/images'],
    ['//server/share/', '//server/share'],
    ['/', '/'],
    ['////', '/'],
    ['samba_share/', 'samba_share'],
  ])('cleans the path %s to %s', (input, out) => {
    expect(sanitizePath(input)).toBe(out);
  });

  it('prints a dir pool with sizes reset, an open <source>, a cleaned path and unset ids dropped', () => {
    expect(
      roundTrip(`<pool type="dir">
  <name>images</name>
  <capacity unit='GiB'>10</capacity>
  <target>
    <permissions><group>-1</group><owner>0107</owner><mode>0711</mode></permissions>
    <path>/srv//images/</path>
  </target>
</pool>`),
    ).toBe(`<pool type='dir'>
  <name>images</name>
  <capacity unit='bytes'>0</capacity>
  <allocation unit='bytes'>0</allocation>
  <available unit='bytes'>0</available>
  <source>
  </source>
  <target>
    <path>/srv/images</path>
    <permissions>
      <mode>0711</mode>
      <owner>107</owner>
    </permissions>
  </target>
</pool>
`);
  });

  it('names an LVM pool after its volume group and derives its target path', () => {
    expect(
      roundTrip(`<pool type='logical'>
  <source><device path='/dev/sdb1'/><name>vg0</name></source>
  <target><path>/ignored</path></target>
</pool>`),
    ).toBe(`<pool type='logical'>
  <name>vg0</name>
  <capacity unit='bytes'>0</capacity>
  <allocation unit='bytes'>0</allocation>
  <available unit='bytes'>0</available>
  <source>
    <device path='/dev/sdb1'/>
    <name>vg0</name>
    <format type='lvm2'/>
  </source>
  <target>
    <path>/dev/vg0</path>
  </target>
</pool>
`);
  });

  it('declares the fs namespace and prints mount options after the target', () => {
    expect(
      roundTrip(`<pool type='netfs' xmlns:fs='http://libvirt.org/schemas/storagepool/fs/1.0'>
  <fs:mount_opts><fs:option name='noatime'/></fs:mount_opts>
  <name>nfs</name>
  <source><dir path='/export/'/><host name='nas'/></source>
  <target><path>/mnt/nfs</path></target>
</pool>`),
    ).toBe(`<pool type='netfs' xmlns:fs='http://libvirt.org/schemas/storagepool/fs/1.0'>
  <name>nfs</name>
  <capacity unit='bytes'>0</capacity>
  <allocation unit='bytes'>0</allocation>
  <available unit='bytes'>0</available>
  <source>
    <host name='nas'/>
    <dir path='/export'/>
    <format type='auto'/>
  </source>
  <target>
    <path>/mnt/nfs</path>
  </target>
  <fs:mount_opts>
    <fs:option name='noatime'/>
  </fs:mount_opts>
</pool>
`);
  });

  it('rejects a mode with more than permission bits', () => {
    expect(() => parsePoolXml(`<pool type='dir'><name>d</name>\n<target><path>/d</path><permissions><mode>1777</mode></permissions></target></pool>`, 'pool.xml')).toThrow(
      "pool.xml:2: /pool/target/permissions/mode: value '1777' must be an octal file mode no greater than 0777 (fix: setuid, setgid and sticky bits cannot be set here)",
    );
  });
});

describe('storage pool rules (validatePool)', () => {
  it('accepts the source parts its type uses', () => {
    expect(issues(`<pool type='iscsi'><name>i</name><source><host name='h'/><device path='iqn.2013-06.com.example:t'/></source><target><path>/dev/disk/by-path</path></target></pool>`)).toEqual([]);
  });

  it('rejects a source part another pool type uses, and a missing target', () => {
    expect(issues(`<pool type='dir'><name>d</name>\n<source>\n<host name='h'/></source></pool>`)).toEqual([
      "3: /pool/source/host: <host> is not used by pool type 'dir'",
      "1: /pool: pool of type 'dir' needs a target <path>",
    ]);
  });

  it('rejects a netfs pool without its server and a relative NFS export', () => {
    expect(issues(`<pool type='netfs'><name>n</name><source><dir path='export'/></source><target><path>/mnt</path></target></pool>`)).toEqual([
      "1: /pool/source: pool of type 'netfs' needs a source <host>",
      "1: /pool/source/dir/@path: NFS export path 'export' is not absolute",
    ]);
  });

  it('checks SCSI adapters', () => {
    expect(issues(`<pool type='scsi'><name>s</name><source><adapter type='fc_host' wwnn='20000000c9831b4b'/></source><target><path>/dev/disk/by-path</path></target></pool>`)).toEqual([
      '1: /pool/source/adapter: an fc_host adapter needs both wwnn and wwpn',
    ]);
    expect(issues(`<pool type='scsi'><name>s</name><source><adapter/></source><target><path>/dev/disk/by-path</path></target></pool>`)).toEqual([
      '1: /pool/source/adapter: a scsi_host adapter needs a name or a <parentaddr>',
    ]);
  });

  it('reports pools built in code under their label', () => {
    const pool: Pool = { type: 'rbd', source: { hosts: [{ name: 'mon1' }] }, target: { path: '/x' } };
    expect(validatePool(pool, 'App/ceph').map((i) => `${i.path}: ${i.problem}`)).toEqual([
      "App/ceph: pool of type 'rbd' has no <name>",
      "App/ceph/source: pool of type 'rbd' needs a source <name>",
      "App/ceph/target: pool of type 'rbd' has no target on the host",
    ]);
  });
});
