import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { formatHostFacts, formatKiB } from '../../cli/commands/hosts';
import { main } from '../../cli/main';
import { discoverHost } from '../../provider/host/host-discovery';
import { LocalTransport } from '../../provider/host/local-transport';
import { buildTwoNodeHost } from '../fixtures/two-node-host';

function capture() {
  let out = '';
  let err = '';
  return {
    io: { out: (s: string) => void (out += s), err: (s: string) => void (err += s), exitCode: 0 },
    get out() {
      return out;
    },
    get err() {
      return err;
    },
  };
}

describe('virtform hosts', () => {
  it('prints this machine’s HostFacts as JSON with --json', async () => {
    const c = capture();
    expect(await main(['hosts', '-c', 'qemu:///system', '--json'], c.io)).toBe(0);
    const printed = JSON.parse(c.out);
    const direct = await discoverHost(new LocalTransport('qemu:///system'));
    expect(printed.cpus).toEqual(direct.cpus);
    expect(printed.numa.nodes.map((n: { id: number; cpus: number[] }) => [n.id, n.cpus])).toEqual(direct.numa.nodes.map((n) => [n.id, n.cpus]));
    expect(printed.pci).toEqual(direct.pci);
    expect(printed.qemu).toEqual(direct.qemu);
  });

  it('prints a readable summary and NUMA map by default', async () => {
    const c = capture();
    expect(await main(['hosts', '-c', 'qemu:///system'], c.io)).toBe(0);
    expect(c.out).toMatch(/^Host localhost \(/);
    expect(c.out).toContain('\nNUMA map\n  node 0  cpus ');
  });

  it('fails with exit code 1 and the URI rule for a bad -c', async () => {
    const c = capture();
    expect(await main(['hosts', '-c', 'qemu+tcp://h/system'], c.io)).toBe(1);
    expect(c.err).toMatch(/^Error: invalid connection URI 'qemu\+tcp:\/\/h\/system': transport 'qemu\+tcp' is not supported/);
  });

  it('lays out the two-node fixture: CPUs, pools and PCI devices per node', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'virtform-hosts-cli-'));
    try {
      buildTwoNodeHost(root);
      const facts = await discoverHost(new LocalTransport('qemu:///system'), { hostRoot: root });
      const text = formatHostFacts({ ...facts, takenAt: '2026-01-02T03:04:05Z', kernel: { release: '6.1.0-fixture-amd64', machine: 'x86_64' } }, 'fixture');
      expect(text).toBe(
        [
          'Host fixture (fixture-2node, Linux 6.1.0-fixture-amd64 x86_64) at 2026-01-02T03:04:05Z',
          '  CPUs      online 0-15, isolated 2-3,10-11; 2 socket(s), 8 core(s), 16 thread(s)',
          '  Memory    31.3 GiB total, 18.1 GiB free',
          '  Hugepages default 2 MiB; 2 MiB pages 1012/1024 free, 1 GiB pages 3/4 free',
          '  hugetlbfs /dev/hugepages (2 MiB), /dev/hugepages1G (1 GiB), /run/hp default (2 MiB)',
          '  KVM       /dev/kvm usable',
          '  QEMU      /usr/local/bin/qemu-system-x86_64 8.2.1, /usr/bin/qemu-system-aarch64 (cannot start: fixture is broken)',
          '  IOMMU     5 group(s)',
          '  cgroups   v2; cpuset v2 at /sys/fs/cgroup: domains in /sys/fs/cgroup/virtform/UUID/{emulator,vcpuN,iothreadN} (threaded)',
          '',
          'NUMA map',
          '  node 0  cpus 0-3,8-11  memory 15.6 GiB (9.5 GiB free)  distances 0:10 1:21',
          '    hugepages 2 MiB pages 500/512 free, 1 GiB pages 2/2 free',
          '    pci 0000:00:01.0 8086:1901 class 060400, driver pcieport, iommu group 1, bridge',
          '    pci 0000:01:00.0 10de:1b80 class 030000, driver nouveau, iommu group 13, mdev types nvidia-63',
          '    pci 0000:01:00.1 10de:10f0 class 040300, driver snd_hda_intel, iommu group 13',
          '  node 1  cpus 4-7,12-15  memory 15.6 GiB (8.6 GiB free)  distances 0:21 1:10',
          '    hugepages 2 MiB pages 512/512 free, 1 GiB pages 1/2 free',
          '    pci 0000:81:00.0 8086:1521 class 020000, driver igb, iommu group 30, SR-IOV 2/7 VFs',
          '    pci 0000:81:10.0 8086:1520 class 020000, driver igbvf, iommu group 31, VF of 0000:81:00.0',
          '    pci 0000:81:10.4 8086:1520 class 020000, driver vfio-pci, iommu group 32, VF of 0000:81:00.0',
          '  no NUMA affinity',
          '    pci 0000:00:1f.3 8086:a348 class 040380, no driver',
          '',
          'IOMMU groups',
          '  group 1: 0000:00:01.0',
          '  group 13: 0000:01:00.0 0000:01:00.1',
          '  group 30: 0000:81:00.0',
          '  group 31: 0000:81:10.0',
          '  group 32: 0000:81:10.4',
          '',
        ].join('\n'),
      );
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it('says where domains go in cgroups, or why pinning is by affinity alone', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'virtform-hosts-cg-'));
    try {
      buildTwoNodeHost(root);
      const facts = await discoverHost(new LocalTransport('qemu:///system'), { hostRoot: root });
      const line = (cgroups: typeof facts.cgroups) => formatHostFacts({ ...facts, cgroups }, 'fixture').split('\n').find((l) => l.startsWith('  cgroups'));
      const cpusetV1 = { controller: 'cpuset', mountPoint: '/sys/fs/cgroup/cpuset' };
      expect([
        line({ mode: 'hybrid', v1: [cpusetV1], v2: { mountPoint: '/sys/fs/cgroup/unified', controllers: [] }, cpuset: { version: 1, mountPoint: '/sys/fs/cgroup/cpuset' } }),
        line({ mode: 'v2', v1: [], v2: { mountPoint: '/sys/fs/cgroup', controllers: ['cpuset', 'cpu'], nested: true }, cpuset: { version: 2, mountPoint: '/sys/fs/cgroup' } }),
        line({ mode: 'v2', v1: [], v2: { mountPoint: '/sys/fs/cgroup', controllers: ['cpu', 'memory'] }, cpuset: null }),
        line({ mode: 'none', v1: [], v2: null, cpuset: null }),
      ]).toEqual([
        '  cgroups   hybrid; cpuset v1 at /sys/fs/cgroup/cpuset: domains in /sys/fs/cgroup/cpuset/virtform/UUID/{emulator,vcpuN,iothreadN}',
        '  cgroups   v2; cpuset v2 at /sys/fs/cgroup: domains in /sys/fs/cgroup/virtform/UUID/{emulator,vcpuN,iothreadN} (threaded); ' +
          'the mount shows a nested cgroup (a container): placement needs it to hold no process',
        '  cgroups   v2; no usable cpuset controller (cgroup2 at /sys/fs/cgroup offers only cpu memory in cgroup.controllers, and no cgroup v1 hierarchy carries cpuset): pinned by thread affinity only',
        '  cgroups   none; no usable cpuset controller (no cgroup file system is mounted (/proc/self/mountinfo lists no cgroup or cgroup2 mount)): pinned by thread affinity only',
      ]);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it('formats KiB for people', () => {
    expect([formatKiB(512), formatKiB(2048), formatKiB(1048576), formatKiB(1536)]).toEqual(['512 KiB', '2 MiB', '1 GiB', '1.5 MiB']);
  });
});
