/**
 * The attribute diff: leaves named by XML paths, repeated elements matched by identity, whole
 * elements added or removed carrying their path for the hot-plug rules.
 */
import { diffDocuments, flattenDocument, parseCanonical } from '../../planner/attribute-diff';

const x = (s: string) => parseCanonical(s);

describe('diffDocuments', () => {
  it('is empty for equal documents', () => {
    const d = `<domain type='kvm'><name>a</name><devices><disk type='file'><target dev='vda'/></disk></devices></domain>`;
    expect(diffDocuments(x(d), x(d))).toEqual([]);
  });

  it('reports changed, added and removed attributes and text, in desired document order', () => {
    expect(
      diffDocuments(
        x(`<domain type='kvm'><name>a</name><memory unit='KiB'>1024</memory><title>old</title></domain>`),
        x(`<domain type='qemu'><name>a</name><memory unit='KiB'>2048</memory><vcpu placement='static'>2</vcpu></domain>`),
      ),
    ).toEqual([
      { path: '/domain/@type', before: 'kvm', after: 'qemu' },
      { path: '/domain/memory', before: '1024', after: '2048' },
      { path: '/domain/vcpu/@placement', after: 'static', element: '/domain/vcpu' },
      { path: '/domain/vcpu', after: '2', element: '/domain/vcpu' },
      { path: '/domain/title', before: 'old', element: '/domain/title' },
    ]);
  });

  it('matches disks by target dev, so a disk added in the middle is one added disk', () => {
    const live = `<domain><devices><disk type='file'><source file='/a'/><target dev='vda'/></disk><disk type='file'><source file='/c'/><target dev='vdc'/></disk></devices></domain>`;
    const desired = `<domain><devices><disk type='file'><source file='/a'/><target dev='vda'/></disk><disk type='file'><source file='/b'/><target dev='vdb'/></disk><disk type='file'><source file='/c'/><target dev='vdc'/></disk></devices></domain>`;
    const el = "/domain/devices/disk[target/@dev='vdb']";
    expect(diffDocuments(x(live), x(desired))).toEqual([
      { path: `${el}/@type`, after: 'file', element: el },
      { path: `${el}/source/@file`, after: '/b', element: el },
      { path: `${el}/target/@dev`, after: 'vdb', element: el },
    ]);
  });

  it('treats one disk whose target changed as one removed and one added disk', () => {
    const a = `<domain><devices><disk type='file'><target dev='vda'/></disk></devices></domain>`;
    const b = `<domain><devices><disk type='file'><target dev='vdb'/></disk></devices></domain>`;
    expect(diffDocuments(x(a), x(b)).map((c) => [c.path, c.before, c.after, c.element])).toEqual([
      ["/domain/devices/disk[target/@dev='vdb']/@type", undefined, 'file', "/domain/devices/disk[target/@dev='vdb']"],
      ["/domain/devices/disk[target/@dev='vdb']/target/@dev", undefined, 'vdb', "/domain/devices/disk[target/@dev='vdb']"],
      ["/domain/devices/disk[target/@dev='vda']/@type", 'file', undefined, "/domain/devices/disk[target/@dev='vda']"],
      ["/domain/devices/disk[target/@dev='vda']/target/@dev", 'vda', undefined, "/domain/devices/disk[target/@dev='vda']"],
    ]);
  });

  it('matches pins by vCPU and controllers by type and index', () => {
    const a = `<domain><cputune><vcpupin vcpu='0' cpuset='0'/><vcpupin vcpu='1' cpuset='1'/></cputune><devices><controller type='usb' index='0'/><controller type='pci' index='0' model='pci-root'/></devices></domain>`;
    const b = `<domain><cputune><vcpupin vcpu='1' cpuset='0'/><vcpupin vcpu='0' cpuset='0'/></cputune><devices><controller type='pci' index='0' model='pcie-root'/><controller type='usb' index='0'/></devices></domain>`;
    expect(diffDocuments(x(a), x(b))).toEqual([
      { path: "/domain/cputune/vcpupin[@vcpu='1']/@cpuset", before: '1', after: '0' },
      { path: "/domain/devices/controller[@type='pci'][@index='0']/@model", before: 'pci-root', after: 'pcie-root' },
    ]);
  });

  it('falls back to positions when an identity is missing or shared', () => {
    const a = `<domain><devices><serial type='pty'/><serial type='pty'/></devices></domain>`;
    const b = `<domain><devices><serial type='pty'/><serial type='file'/></devices></domain>`;
    expect(diffDocuments(x(a), x(b))).toEqual([{ path: '/domain/devices/serial[2]/@type', before: 'pty', after: 'file' }]);
  });

  it('shows an empty element by its presence', () => {
    expect(diffDocuments(x(`<domain><features><acpi/></features></domain>`), x(`<domain><features><acpi/><apic/></features></domain>`))).toEqual([
      { path: '/domain/features/apic', after: '', element: '/domain/features/apic' },
    ]);
  });

  it('ignores namespace declarations', () => {
    const a = `<domain xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'><name>a</name></domain>`;
    expect(diffDocuments(x(a), x(`<domain><name>a</name></domain>`))).toEqual([]);
  });
});

describe('flattenDocument', () => {
  it('lists every leaf of a document as added, each inside the root', () => {
    expect(flattenDocument(x(`<pool type='dir'><name>p</name><source/><target><path>/srv</path></target></pool>`))).toEqual([
      { path: '/pool/@type', after: 'dir', element: '/pool' },
      { path: '/pool/name', after: 'p', element: '/pool' },
      { path: '/pool/source', after: '', element: '/pool' },
      { path: '/pool/target/path', after: '/srv', element: '/pool' },
    ]);
  });
});
