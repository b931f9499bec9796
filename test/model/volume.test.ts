import { parseVolumeXml, formatVolumeXml, applyVolumeDefaults, validateVolume } from '../../model/volume';

const roundTrip = (xml: string, poolType: Parameters<typeof applyVolumeDefaults>[1]) =>
  formatVolumeXml(applyVolumeDefaults(parseVolumeXml(xml, 'vol.xml'), poolType));

describe('storage volume XML', () => {
  it('parses sizes into bytes (powers of 1024 for G and GiB, of 1000 for GB)', () => {
    const v = parseVolumeXml(`<volume><name>a</name><capacity unit='G'>5</capacity><allocation unit='GB'>1</allocation><target/></volume>`);
    expect([v.capacity, v.allocation]).toEqual([5368709120, 1000000000]);
  });

  it('prints a qcow2 volume of a directory pool as libvirt does', () => {
    expect(
      roundTrip(
        `<volume>
  <name>disk.qcow2</name>
  <source/>
  <capacity unit="MiB">1</capacity>
  <target>
    <path>/var/lib/libvirt/images/disk.qcow2</path>
    <format type='qcow2'/>
    <permissions><mode>0</mode><owner>-1</owner></permissions>
    <timestamps><atime>1341933637.273190990</atime></timestamps>
    <nocow/>
    <clusterSize unit='KiB'>64</clusterSize>
    <features><lazy_refcounts/></features>
  </target>
  <backingStore><path>/var/lib/libvirt/images/base.img</path></backingStore>
</volume>`,
        'dir',
      ),
    ).toBe(`<volume type='file'>
  <name>disk.qcow2</name>
  <capacity unit='bytes'>1048576</capacity>
  <allocation unit='bytes'>1048576</allocation>
  <target>
    <path>/var/lib/libvirt/images/disk.qcow2</path>
    <format type='qcow2'/>
    <permissions>
      <mode>00</mode>
    </permissions>
    <compat>1.1</compat>
    <clusterSize unit='B'>65536</clusterSize>
    <features>
      <lazy_refcounts/>
    </features>
  </target>
  <backingStore>
    <path>/var/lib/libvirt/images/base.img</path>
    <format type='raw'/>
  </backingStore>
</volume>
`);
  });

  it('prints the format the pool type gives its volumes', () => {
    const xml = `<volume type='block'><name>v</name><capacity>512</capacity><target><path>/dev/x</path></target></volume>`;
    const formatLine = (t: Parameters<typeof applyVolumeDefaults>[1]) => roundTrip(xml, t).split('\n').find((l) => l.includes('<format')) ?? '(none)';
    expect(['dir', 'disk', 'iscsi', 'logical', 'zfs'].map((t) => formatLine(t as never))).toEqual([
      "    <format type='raw'/>",
      "    <format type='none'/>",
      "    <format type='unknown'/>",
      '(none)',
      '(none)',
    ]);
  });

  it('keeps <nocow/> in the model though it is not printed', () => {
    expect(parseVolumeXml(`<volume><name>a</name><target><nocow/></target></volume>`).target.nocow).toBe(true);
  });
});

describe('storage volume rules (validateVolume)', () => {
  it('requires a capacity unless the volume is created from another one', () => {
    const v = parseVolumeXml(`<volume>\n<name>a</name><target/></volume>`, 'vol.xml');
    expect(validateVolume(v).map((i) => `${i.pos?.line}: ${i.path}: ${i.problem}`)).toEqual(["1: /volume: volume 'a' has no <capacity>"]);
    expect(validateVolume(v, '', { capacityOptional: true })).toEqual([]);
  });

  it('checks the format against the pool type', () => {
    const v = parseVolumeXml(`<volume><name>a</name><capacity>1</capacity>\n<target><format type='linux'/></target></volume>`, 'vol.xml');
    expect(validateVolume(v, '', { poolType: 'dir' }).map((i) => `${i.pos?.line}: ${i.path}: ${i.problem}`)).toEqual([
      "2: /volume/target/format: format 'linux' is not a volume format of a 'dir' pool",
    ]);
    expect(validateVolume(v, '', { poolType: 'disk' })).toEqual([]);
    expect(validateVolume(v, '', { poolType: 'logical' }).map((i) => i.problem)).toEqual(["volumes of a 'logical' pool have no format"]);
  });

  it('rejects the names . and .. and a LUKS cipher without its IV generator', () => {
    const v = parseVolumeXml(`<volume><name>..</name><capacity>1</capacity><target><encryption format='luks'><cipher name='aes' size='256'/></encryption></target></volume>`, 'vol.xml');
    expect(validateVolume(v).map((i) => `${i.path}: ${i.problem}`)).toEqual([
      "/volume/name: volume name '..' is not a file name",
      '/volume/target/encryption/cipher: <cipher> and <ivgen> must be given together',
    ]);
  });

  it('rejects a name with a slash when parsing', () => {
    expect(() => parseVolumeXml(`<volume><name>a/b</name><target/></volume>`, 'vol.xml')).toThrow(
      "vol.xml:1: /volume/name: value 'a/b' must be a name without /",
    );
  });
});
