/** <filesystem>: exact XML in/out for 9p and virtiofs, and the rules libvirt enforces. */
import { Filesystem, validateFilesystem, validateFilesystems } from '../../../../model/domain/devices/filesystem';
import { parseDevice, roundTrip, brief } from './device-xml';

const fs = (xml: string) => parseDevice(Filesystem, xml);

describe('filesystem XML', () => {
  it('prints a virtiofs share with its virtiofsd options in order', () => {
    expect(
      roundTrip(
        Filesystem,
        'filesystem',
        `<filesystem type='mount'>
  <target dir='mount_tag'/>
  <source dir='/path'/>
  <binary xattr='on' path='/usr/libexec/virtiofsd'>
    <thread_pool size='16'/>
    <lock flock='on' posix='off'/>
    <sandbox mode='chroot'/>
    <cache mode='always'/>
  </binary>
  <driver queue='1024' type='virtiofs'/>
  <boot order='1'/>
  <idmap>
    <uid start='0' target='100000' count='65535'/>
    <gid start='0' target='100000' count='65535'/>
  </idmap>
</filesystem>`,
      ),
    ).toBe(`<filesystem type='mount'>
  <driver type='virtiofs' queue='1024'/>
  <binary path='/usr/libexec/virtiofsd' xattr='on'>
    <cache mode='always'/>
    <sandbox mode='chroot'/>
    <lock posix='off' flock='on'/>
    <thread_pool size='16'/>
  </binary>
  <idmap>
    <uid start='0' target='100000' count='65535'/>
    <gid start='0' target='100000' count='65535'/>
  </idmap>
  <source dir='/path'/>
  <target dir='mount_tag'/>
  <boot order='1'/>
</filesystem>
`);
  });

  it('prints 9p create modes with four octal digits, and quota limits in bytes after the address', () => {
    expect(
      roundTrip(
        Filesystem,
        'filesystem',
        `<filesystem type='mount' accessmode='mapped' fmode='644' dmode='755' multidevs='remap'>
  <space_soft_limit unit='KiB'>1</space_soft_limit>
  <space_hard_limit>2048</space_hard_limit>
  <driver type='path' wrpolicy='immediate'/>
  <source dir='/export/fs1'/>
  <target dir='fs1'/>
  <readonly/>
  <address type='pci' domain='0' bus='0' slot='3' function='0'/>
</filesystem>`,
      ),
    ).toBe(`<filesystem type='mount' accessmode='mapped' multidevs='remap' fmode='0644' dmode='0755'>
  <driver type='path' wrpolicy='immediate'/>
  <source dir='/export/fs1'/>
  <target dir='fs1'/>
  <readonly/>
  <address type='pci' domain='0x0000' bus='0x00' slot='0x03' function='0x0'/>
  <space_hard_limit unit='bytes'>2048</space_hard_limit>
  <space_soft_limit unit='bytes'>1024</space_soft_limit>
</filesystem>
`);
    expect(() => fs(`<filesystem fmode='0999'/>`)).toThrow("attribute 'fmode' has value '0999', which must be an octal file mode such as 0644");
  });

  it('prints RAM, block and template sources', () => {
    expect(roundTrip(Filesystem, 'filesystem', `<filesystem type='ram'><source units='MiB' usage='512'/><target dir='/mnt'/></filesystem>`)).toBe(
      `<filesystem type='ram'>\n  <source usage='512' units='MiB'/>\n  <target dir='/mnt'/>\n</filesystem>\n`,
    );
    expect(roundTrip(Filesystem, 'filesystem', `<filesystem type='block'><driver type='loop' format='raw'/><source dev='/dev/sdb'/><target dir='/'/></filesystem>`)).toBe(
      `<filesystem type='block'>\n  <driver type='loop' format='raw'/>\n  <source dev='/dev/sdb'/>\n  <target dir='/'/>\n</filesystem>\n`,
    );
  });
});

describe('filesystem rules', () => {
  it('names a filesystem without target by its source or socket', () => {
    expect(brief(validateFilesystem(fs(`<filesystem>\n<source dir='/export'/></filesystem>`)))).toEqual(['1: /filesystem: missing target information for device /export']);
    expect(validateFilesystem(fs(`<filesystem><driver type='virtiofs'/><source socket='/tmp/sock'/></filesystem>`)).map((i) => i.problem)).toEqual([
      'missing target information for device /tmp/sock',
    ]);
  });

  it('allows a boot order only for virtiofs, and a virtiofs tag only once', () => {
    expect(validateFilesystem(fs(`<filesystem accessmode='passthrough'><source dir='/a'/><target dir='a'/><boot order='1'/></filesystem>`)).map((i) => i.problem)).toEqual([
      'boot order is only supported for virtiofs',
    ]);
    const vfs = (src: string) => fs(`<filesystem><driver type='virtiofs'/><source dir='${src}'/><target dir='tag'/></filesystem>`);
    expect(validateFilesystems([vfs('/a'), vfs('/b')]).map((i) => i.problem)).toEqual(["filesystem target 'tag' specified twice"]);
  });
});
