/**
 * Finding the cgroup layout and the cpuset controller from /proc/self/mountinfo and the cgroup2
 * top's cgroup.controllers / cgroup.type: samples of v1, v2, hybrid, container and bare hosts
 * (the mountinfo lines as those systems print them), then the production probe reading a fake
 * cgroup2 tree under a host-root prefix.
 */
import { probeCgroupLayout, CGROUP_PROBE_FILES } from '../../../provider/executor/domain/cpuset-cgroup';
import { detectCgroupLayout, parseMountinfo, type Cgroup2Top } from '../../../provider/host/cgroup-layout';
import { TransportHostFs } from '../../../provider/host/host-fs';
import { LocalTransport } from '../../../provider/host/local-transport';
import { FakeCgroup2 } from '../../support/fake-cgroup2';

/** Debian 12 / RHEL 9 / Ubuntu 22.04: cgroup2 only, at /sys/fs/cgroup. */
const V2 = [
  '22 28 0:21 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw',
  '23 28 0:22 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw',
  '26 22 0:23 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot',
  '28 1 254:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw,errors=remount-ro',
].join('\n');

/** CentOS 7: v1 hierarchies only. */
const V1 = [
  '25 18 0:21 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:8 - tmpfs tmpfs ro,mode=755',
  '26 25 0:22 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:9 - cgroup cgroup rw,xattr,release_agent=/usr/lib/systemd/systemd-cgroups-agent,name=systemd',
  '29 25 0:25 / /sys/fs/cgroup/cpuset rw,nosuid,nodev,noexec,relatime shared:12 - cgroup cgroup rw,cpuset',
  '30 25 0:26 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:13 - cgroup cgroup rw,cpu,cpuacct',
  '31 25 0:27 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:14 - cgroup cgroup rw,memory',
].join('\n');

/** This project's test machine: v1 hierarchies (cpuset among them) and a controller-less cgroup2 at /sys/fs/cgroup/unified. */
const HYBRID = [
  '31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755',
  '32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu',
  '34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset',
  '35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory',
  '40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd',
  '41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw',
].join('\n');

/** systemd's hybrid mode with cpuset left unbound from v1 (no v1 cpuset mount): the unified hierarchy could offer it. */
const HYBRID_NO_V1_CPUSET = [
  '30 25 0:26 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:10 - cgroup2 cgroup2 rw,nsdelegate',
  '31 25 0:27 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:11 - cgroup cgroup rw,xattr,name=systemd',
  '32 25 0:28 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:12 - cgroup cgroup rw,memory',
].join('\n');

/** A container with cgroupns=host: the mount shows the container's own cgroup. */
const CONTAINER_HOSTNS = '812 800 0:30 /docker/3f2a9c /sys/fs/cgroup ro,nosuid,nodev,noexec,relatime - cgroup2 cgroup rw,nsdelegate\n';

const top = (controllers: string | null, hasType = false) => (): Cgroup2Top => ({ controllers, hasType });

describe('parseMountinfo', () => {
  it('reads root, mount point, fs type and super options past the optional fields, decoding escapes', () => {
    expect(parseMountinfo('26 22 0:23 / /sys/fs/cgroup rw,nosuid shared:9 master:2 - cgroup2 cgroup2 rw,nsdelegate\n70 26 0:40 /a\\040b /mnt/x\\040y rw - cgroup cgroup rw,cpuset\nbroken line\n')).toEqual([
      { root: '/', mountPoint: '/sys/fs/cgroup', fsType: 'cgroup2', superOptions: ['rw', 'nsdelegate'] },
      { root: '/a b', mountPoint: '/mnt/x y', fsType: 'cgroup', superOptions: ['rw', 'cpuset'] },
    ]);
  });
});

describe('detectCgroupLayout', () => {
  it('v2: cpuset on cgroup2 when its root offers it', () => {
    expect(detectCgroupLayout(V2, top('cpuset cpu io memory hugetlb pids rdma misc\n'))).toEqual({
      mode: 'v2',
      v1: [],
      v2: { mountPoint: '/sys/fs/cgroup', controllers: ['cpuset', 'cpu', 'io', 'memory', 'hugetlb', 'pids', 'rdma', 'misc'], nested: false },
      cpuset: { version: 2, mountPoint: '/sys/fs/cgroup', nested: false },
    });
  });

  it('v2 without cpuset: none, with the reason', () => {
    expect(detectCgroupLayout(V2, top('cpu io memory pids\n'))).toEqual({
      mode: 'v2',
      v1: [],
      v2: { mountPoint: '/sys/fs/cgroup', controllers: ['cpu', 'io', 'memory', 'pids'], nested: false },
      cpuset: null,
      noCpuset: 'cgroup2 at /sys/fs/cgroup offers only cpu io memory pids in cgroup.controllers, and no cgroup v1 hierarchy carries cpuset',
    });
  });

  it('v1: the hierarchy carrying cpuset; mount flags and release_agent are not controllers', () => {
    expect(detectCgroupLayout(V1, top(null))).toEqual({
      mode: 'v1',
      v1: [
        { controller: 'name=systemd', mountPoint: '/sys/fs/cgroup/systemd' },
        { controller: 'cpuset', mountPoint: '/sys/fs/cgroup/cpuset' },
        { controller: 'cpu', mountPoint: '/sys/fs/cgroup/cpu,cpuacct' },
        { controller: 'cpuacct', mountPoint: '/sys/fs/cgroup/cpu,cpuacct' },
        { controller: 'memory', mountPoint: '/sys/fs/cgroup/memory' },
      ],
      v2: null,
      cpuset: { version: 1, mountPoint: '/sys/fs/cgroup/cpuset' },
    });
  });

  it('hybrid with cpuset bound to v1 (this machine): v1, the unified mount reported as it is', () => {
    const l = detectCgroupLayout(HYBRID, top(''));
    expect([l.mode, l.cpuset, l.v2]).toEqual(['hybrid', { version: 1, mountPoint: '/sys/fs/cgroup/cpuset' }, { mountPoint: '/sys/fs/cgroup/unified', controllers: [], nested: false }]);
  });

  it('hybrid with cpuset unbound from v1: v2 when the unified root offers it, else none', () => {
    expect(detectCgroupLayout(HYBRID_NO_V1_CPUSET, top('cpuset\n')).cpuset).toEqual({ version: 2, mountPoint: '/sys/fs/cgroup/unified', nested: false });
    const none = detectCgroupLayout(HYBRID_NO_V1_CPUSET, top(''));
    expect([none.mode, none.cpuset, none.noCpuset]).toEqual([
      'hybrid',
      null,
      'cgroup2 at /sys/fs/cgroup/unified offers no controllers in cgroup.controllers, and no cgroup v1 hierarchy carries cpuset',
    ]);
  });

  it('none mounted', () => {
    expect(detectCgroupLayout(V2.split('\n').filter((l) => !l.includes('cgroup')).join('\n'), top(null))).toEqual({
      mode: 'none',
      v1: [],
      v2: null,
      cpuset: null,
      noCpuset: 'no cgroup file system is mounted (/proc/self/mountinfo lists no cgroup or cgroup2 mount)',
    });
    const v1only = detectCgroupLayout(V1.split('\n').filter((l) => !l.includes('cpuset')).join('\n'), top(null));
    expect([v1only.mode, v1only.cpuset, v1only.noCpuset]).toEqual(['v1', null, 'no cgroup v1 hierarchy carries cpuset and no cgroup2 is mounted']);
  });

  it('a nested top: by the mount root (cgroupns=host) or by cgroup.type at the top (cgroupns=private)', () => {
    expect(detectCgroupLayout(CONTAINER_HOSTNS, top('cpuset cpu memory pids')).cpuset).toEqual({ version: 2, mountPoint: '/sys/fs/cgroup', nested: true });
    expect(detectCgroupLayout(V2, top('cpuset cpu memory pids', true)).cpuset).toEqual({ version: 2, mountPoint: '/sys/fs/cgroup', nested: true });
    expect(detectCgroupLayout(CONTAINER_HOSTNS, top('cpu memory')).noCpuset).toBe(
      'cgroup2 at /sys/fs/cgroup offers only cpu memory in cgroup.controllers (a nested cgroup: the cgroup above it does not enable cpuset for it), and no cgroup v1 hierarchy carries cpuset',
    );
  });

  it('with /proc/cgroups names, only those count as v1 controllers', () => {
    const l = detectCgroupLayout('9 1 0:40 / /cg cgroup rw - cgroup cgroup rw,cpuset,noprefix,clone_children,weird\n', top(null), new Set(['cpuset', 'cpu']));
    expect(l.v1).toEqual([{ controller: 'cpuset', mountPoint: '/cg' }]);
  });
});

describe('probeCgroupLayout over a fake cgroup2 tree (host-root prefix)', () => {
  const reader = (root: string, log: string[]) => {
    const fs = new TransportHostFs(new LocalTransport('qemu:///embed'), { hostRoot: root });
    return { readFiles: (paths: readonly string[]) => (log.push(paths.join(' ')), fs.readMany(paths)) };
  };

  it('finds cpuset on the v2 root in one read when the launch batch brought the usual files', async () => {
    const fake = FakeCgroup2.create();
    try {
      const log: string[] = [];
      const r = reader(fake.root, log);
      const pre = await r.readFiles(CGROUP_PROBE_FILES);
      const layout = await probeCgroupLayout(r, pre);
      expect(layout).toEqual({
        mode: 'v2',
        v1: [],
        v2: { mountPoint: '/sys/fs/cgroup', controllers: ['cpuset', 'cpu', 'io', 'memory', 'hugetlb', 'pids'], nested: false },
        cpuset: { version: 2, mountPoint: '/sys/fs/cgroup', nested: false },
      });
      expect(log).toHaveLength(1);
    } finally {
      fake.remove();
    }
  });

  it('reads cgroup.controllers and cgroup.type of an unusual mount point in a second round trip, and sees a nested top', async () => {
    const fake = FakeCgroup2.create({ mountPoint: '/run/cg2', nested: true });
    try {
      const log: string[] = [];
      const layout = await probeCgroupLayout(reader(fake.root, log));
      expect(layout.cpuset).toEqual({ version: 2, mountPoint: '/run/cg2', nested: true });
      expect(log).toEqual(['/proc/self/mountinfo', '/run/cg2/cgroup.controllers /run/cg2/cgroup.type']);
    } finally {
      fake.remove();
    }
  });
});
