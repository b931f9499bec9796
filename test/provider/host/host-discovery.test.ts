import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseCpuList } from '../../../model/cpu-list';
import type { HostFacts } from '../../../model/host-facts';
import { discoverHost, parseSizeKiB } from '../../../provider/host/host-discovery';
import { LocalTransport } from '../../../provider/host/local-transport';
import { SshTransport } from '../../../provider/host/ssh-transport';
import { parseConnectionUri, type SshUri } from '../../../provider/host/uri';
import { buildTwoNodeHost } from '../../fixtures/two-node-host';
import { missing, describeIf } from '../../support/skip';
import { startSshd, type TestSshd } from '../../support/sshd';

const local = new LocalTransport('qemu:///system');

/** The fixture's facts, written out by hand from the fixture's description. */
const TWO_NODE_FACTS: Omit<HostFacts, 'takenAt' | 'kernel'> = {
  hostname: 'fixture-2node',
  cpus: {
    online: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
    isolated: [2, 3, 10, 11],
    topology: [
      { id: 0, socket: 0, die: 0, core: 0, siblings: [0, 8], node: 0 },
      { id: 1, socket: 0, die: 0, core: 1, siblings: [1, 9], node: 0 },
      { id: 2, socket: 0, die: 0, core: 2, siblings: [2, 10], node: 0 },
      { id: 3, socket: 0, die: 0, core: 3, siblings: [3, 11], node: 0 },
      { id: 4, socket: 1, die: 0, core: 0, siblings: [4, 12], node: 1 },
      { id: 5, socket: 1, die: 0, core: 1, siblings: [5, 13], node: 1 },
      { id: 6, socket: 1, die: 0, core: 2, siblings: [6, 14], node: 1 },
      { id: 7, socket: 1, die: 0, core: 3, siblings: [7, 15], node: 1 },
      { id: 8, socket: 0, die: 0, core: 0, siblings: [0, 8], node: 0 },
      { id: 9, socket: 0, die: 0, core: 1, siblings: [1, 9], node: 0 },
      { id: 10, socket: 0, die: 0, core: 2, siblings: [2, 10], node: 0 },
      { id: 11, socket: 0, die: 0, core: 3, siblings: [3, 11], node: 0 },
      { id: 12, socket: 1, die: 0, core: 0, siblings: [4, 12], node: 1 },
      { id: 13, socket: 1, die: 0, core: 1, siblings: [5, 13], node: 1 },
      { id: 14, socket: 1, die: 0, core: 2, siblings: [6, 14], node: 1 },
      { id: 15, socket: 1, die: 0, core: 3, siblings: [7, 15], node: 1 },
    ],
  },
  numa: {
    nodes: [
      {
        id: 0,
        cpus: [0, 1, 2, 3, 8, 9, 10, 11],
        memory: { totalKiB: 16384000, freeKiB: 10000000 },
        distances: { 0: 10, 1: 21 },
        hugepages: [
          { sizeKiB: 2048, total: 512, free: 500 },
          { sizeKiB: 1048576, total: 2, free: 2 },
        ],
      },
      {
        id: 1,
        cpus: [4, 5, 6, 7, 12, 13, 14, 15],
        memory: { totalKiB: 16384000, freeKiB: 9000000 },
        distances: { 0: 21, 1: 10 },
        hugepages: [
          { sizeKiB: 2048, total: 512, free: 512 },
          { sizeKiB: 1048576, total: 2, free: 1 },
        ],
      },
    ],
  },
  memory: { totalKiB: 32768000, freeKiB: 19000000, availableKiB: 25000000 },
  hugepages: {
    defaultSizeKiB: 2048,
    pools: [
      { sizeKiB: 2048, total: 1024, free: 1012 },
      { sizeKiB: 1048576, total: 4, free: 3 },
    ],
    mounts: [
      { path: '/dev/hugepages', pageSizeKiB: 2048 },
      { path: '/dev/hugepages1G', pageSizeKiB: 1048576 },
      { path: '/run/hp default', pageSizeKiB: 2048 },
    ],
  },
  pci: {
    devices: [
      { address: '0000:00:01.0', vendor: '8086', device: '1901', class: '060400', driver: 'pcieport', driverOverride: null, numaNode: 0, iommuGroup: 1, headerType: 'bridge', sriov: null, physfn: null, mdevTypes: [], resetMethods: [], resettable: false },
      { address: '0000:00:1f.3', vendor: '8086', device: 'a348', class: '040380', driver: null, driverOverride: null, numaNode: null, iommuGroup: null, headerType: 'endpoint', sriov: null, physfn: null, mdevTypes: [], resetMethods: [], resettable: false },
      {
        address: '0000:01:00.0', vendor: '10de', device: '1b80', class: '030000', driver: 'nouveau', driverOverride: null, numaNode: 0, iommuGroup: 13, headerType: 'endpoint', sriov: null, physfn: null,
        mdevTypes: [{ id: 'nvidia-63', name: 'GRID P4-1Q', availableInstances: 8, deviceApi: 'vfio-pci' }],
        resetMethods: ['flr', 'bus'],
        resettable: true,
      },
      { address: '0000:01:00.1', vendor: '10de', device: '10f0', class: '040300', driver: 'snd_hda_intel', driverOverride: null, numaNode: 0, iommuGroup: 13, headerType: 'endpoint', sriov: null, physfn: null, mdevTypes: [], resetMethods: [], resettable: false },
      { address: '0000:81:00.0', vendor: '8086', device: '1521', class: '020000', driver: 'igb', driverOverride: null, numaNode: 1, iommuGroup: 30, headerType: 'endpoint', sriov: { totalVfs: 7, numVfs: 2, virtfns: ['0000:81:10.0', '0000:81:10.4'] }, physfn: null, mdevTypes: [], resetMethods: [], resettable: false },
      { address: '0000:81:10.0', vendor: '8086', device: '1520', class: '020000', driver: 'igbvf', driverOverride: null, numaNode: 1, iommuGroup: 31, headerType: 'endpoint', sriov: null, physfn: '0000:81:00.0', mdevTypes: [], resetMethods: [], resettable: false },
      { address: '0000:81:10.4', vendor: '8086', device: '1520', class: '020000', driver: 'vfio-pci', driverOverride: 'vfio-pci', numaNode: 1, iommuGroup: 32, headerType: 'endpoint', sriov: null, physfn: '0000:81:00.0', mdevTypes: [], resetMethods: [], resettable: false },
    ],
    iommuEnabled: true,
    iommuGroups: [
      { id: 1, devices: ['0000:00:01.0'] },
      { id: 13, devices: ['0000:01:00.0', '0000:01:00.1'] },
      { id: 30, devices: ['0000:81:00.0'] },
      { id: 31, devices: ['0000:81:10.0'] },
      { id: 32, devices: ['0000:81:10.4'] },
    ],
  },
  kvm: { path: '/dev/kvm', exists: true, usable: true },
  qemu: {
    binaries: [
      { path: '/usr/local/bin/qemu-system-x86_64', arch: 'x86_64', variant: null, version: { major: 8, minor: 2, micro: 1 }, versionText: 'QEMU emulator version 8.2.1 (fixture)' },
      { path: '/usr/bin/qemu-system-aarch64', arch: 'aarch64', variant: null, version: null, versionText: 'cannot start: fixture is broken' },
    ],
  },
  cgroups: {
    mode: 'v2',
    v1: [],
    v2: { mountPoint: '/sys/fs/cgroup', controllers: ['cpuset', 'cpu', 'io', 'memory', 'hugetlb', 'pids'] },
    cpuset: { version: 2, mountPoint: '/sys/fs/cgroup' },
  },
};

describe('host discovery on a two-node fixture tree (host-root prefix)', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'virtform-2node-'));
  beforeAll(() => buildTwoNodeHost(root));
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('reads every fact from the tree in one exec', async () => {
    const spy = jest.spyOn(local, 'exec');
    const facts = await discoverHost(local, { hostRoot: root });
    expect(spy).toHaveBeenCalledTimes(1);
    spy.mockRestore();
    const { takenAt, kernel, ...rest } = facts;
    expect(takenAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(kernel).toEqual({ release: '6.1.0-fixture-amd64', machine: os.arch() === 'x64' ? 'x86_64' : expect.any(String) });
    expect(rest).toEqual(TWO_NODE_FACTS);
  });

  it('sees a broken /dev/kvm and a kernel without IOMMU or NUMA as such', async () => {
    const bare = fs.mkdtempSync(path.join(os.tmpdir(), 'virtform-bare-'));
    fs.mkdirSync(path.join(bare, 'proc'), { recursive: true });
    fs.writeFileSync(path.join(bare, 'proc/meminfo'), 'MemTotal: 1000 kB\nMemFree: 400 kB\n');
    fs.mkdirSync(path.join(bare, 'sys/devices/system/cpu'), { recursive: true });
    fs.writeFileSync(path.join(bare, 'sys/devices/system/cpu/online'), '0-1\n');
    fs.mkdirSync(path.join(bare, 'dev/kvm'), { recursive: true }); // a directory cannot be opened read-write
    const facts = await discoverHost(local, { hostRoot: bare });
    expect(facts.numa.nodes).toEqual([{ id: 0, cpus: [0, 1], memory: { totalKiB: 1000, freeKiB: 400 }, distances: { 0: 10 }, hugepages: [] }]);
    expect(facts.kvm).toEqual({ path: '/dev/kvm', exists: true, usable: false });
    expect(facts.pci).toEqual({ devices: [], iommuEnabled: false, iommuGroups: [] });
    expect(facts.hugepages).toEqual({ defaultSizeKiB: null, pools: [], mounts: [] });
    expect(facts.cgroups).toEqual({ mode: 'none', v1: [], v2: null, cpuset: null });
    fs.rmSync(bare, { recursive: true });
  });

  it('passes each binary to the caps probe hook and stores what it returns', async () => {
    const seen: string[] = [];
    const facts = await discoverHost(local, {
      hostRoot: root,
      capsProbe: async (_t, b) => {
        seen.push(b.path);
        return { probedVersion: b.versionText };
      },
    });
    expect(seen).toEqual(['/usr/local/bin/qemu-system-x86_64', '/usr/bin/qemu-system-aarch64']);
    expect(facts.qemu.binaries[0].caps).toEqual({ probedVersion: 'QEMU emulator version 8.2.1 (fixture)' });
  });

  it('converts hugetlbfs pagesize options to KiB', () => {
    expect([parseSizeKiB('2M'), parseSizeKiB('1G'), parseSizeKiB('1024M'), parseSizeKiB('2048k'), parseSizeKiB('2097152'), parseSizeKiB('x')]).toEqual([2048, 1048576, 1048576, 2048, 2048, null]);
  });
});

/** Facts of this machine, read here independently with fs, to compare with discovery. */
function readSys(p: string): string {
  return fs.readFileSync(p, 'utf8').trim();
}

describe('host discovery on this machine', () => {
  let facts: HostFacts;
  beforeAll(async () => {
    facts = await discoverHost(local);
  });

  it('reports the online and isolated CPUs and each CPU’s topology', () => {
    expect(facts.cpus.online).toEqual(parseCpuList(readSys('/sys/devices/system/cpu/online')));
    expect(facts.cpus.isolated).toEqual(parseCpuList(readSys('/sys/devices/system/cpu/isolated')));
    const ids = fs.readdirSync('/sys/devices/system/cpu').filter((n) => /^cpu\d+$/.test(n) && fs.existsSync(`/sys/devices/system/cpu/${n}/topology/core_id`));
    expect(facts.cpus.topology.map((c) => c.id)).toEqual(ids.map((n) => Number(n.slice(3))).sort((a, b) => a - b));
    for (const c of facts.cpus.topology) {
      const t = `/sys/devices/system/cpu/cpu${c.id}/topology`;
      expect([c.socket, c.core, c.siblings]).toEqual([Number(readSys(`${t}/physical_package_id`)), Number(readSys(`${t}/core_id`)), parseCpuList(readSys(`${t}/thread_siblings_list`))]);
    }
  });

  it('reports each NUMA node’s CPUs, total memory, distances and hugepage pools', () => {
    const nodeDir = '/sys/devices/system/node';
    const ids = fs.existsSync(nodeDir) ? fs.readdirSync(nodeDir).filter((n) => /^node\d+$/.test(n)).map((n) => Number(n.slice(4))).sort((a, b) => a - b) : [0];
    expect(facts.numa.nodes.map((n) => n.id)).toEqual(ids);
    for (const n of facts.numa.nodes) {
      const d = `${nodeDir}/node${n.id}`;
      expect(n.cpus).toEqual(parseCpuList(readSys(`${d}/cpulist`)));
      expect(n.memory.totalKiB).toBe(Number(/MemTotal:\s+(\d+)/.exec(readSys(`${d}/meminfo`))![1]));
      expect(n.memory.freeKiB).toBeGreaterThan(0);
      expect(n.memory.freeKiB).toBeLessThanOrEqual(n.memory.totalKiB);
      expect(Object.values(n.distances)).toEqual(readSys(`${d}/distance`).split(/\s+/).map(Number));
      const sizes = fs.readdirSync(`${d}/hugepages`).map((s) => Number(/(\d+)kB/.exec(s)![1])).sort((a, b) => a - b);
      expect(n.hugepages.map((p) => p.sizeKiB)).toEqual(sizes);
    }
  });

  it('reports each node’s hugepage pool sizes as the kernel has them', async () => {
    // Pools may be resized by other suites at any moment: use a reading stable across discovery.
    const nodeDir = '/sys/devices/system/node';
    if (!fs.existsSync(nodeDir)) return;
    const read = () =>
      fs.readdirSync(nodeDir).filter((n) => /^node\d+$/.test(n)).sort().map((n) =>
        fs.readdirSync(`${nodeDir}/${n}/hugepages`).map((s) => Number(/(\d+)kB/.exec(s)![1])).sort((a, b) => a - b)
          .map((s) => [s, Number(readSys(`${nodeDir}/${n}/hugepages/hugepages-${s}kB/nr_hugepages`))]),
      );
    for (let attempt = 0; ; attempt++) {
      const before = read();
      const f = await discoverHost(local);
      const after = read();
      if (JSON.stringify(before) !== JSON.stringify(after) && attempt < 5) continue;
      expect(f.numa.nodes.map((n) => n.hugepages.map((p) => [p.sizeKiB, p.total]))).toEqual(after);
      break;
    }
  });

  it('reports system hugepage pools, the default size and hugetlbfs mounts', async () => {
    // Other test suites on this machine may mount hugetlbfs or resize pools at any moment:
    // compare with a reading that was the same just before and just after discovery.
    const dir = '/sys/kernel/mm/hugepages';
    const read = () => {
      const sizes = fs.readdirSync(dir).map((s) => Number(/(\d+)kB/.exec(s)![1])).sort((a, b) => a - b);
      return {
        pools: sizes.map((s) => [s, Number(readSys(`${dir}/hugepages-${s}kB/nr_hugepages`))]),
        mounts: fs.readFileSync('/proc/mounts', 'utf8').split('\n').filter((l) => l.split(' ')[2] === 'hugetlbfs').map((l) => l.split(' ')[1]),
      };
    };
    for (let attempt = 0; ; attempt++) {
      const before = read();
      const f = await discoverHost(local);
      const after = read();
      if (JSON.stringify(before) !== JSON.stringify(after) && attempt < 5) continue;
      expect(f.hugepages.pools.map((p) => [p.sizeKiB, p.total])).toEqual(after.pools);
      expect(f.hugepages.mounts.map((m) => m.path)).toEqual(after.mounts);
      expect(f.hugepages.defaultSizeKiB).toBe(Number(/Hugepagesize:\s+(\d+)/.exec(fs.readFileSync('/proc/meminfo', 'utf8'))![1]));
      break;
    }
  });

  it('reports every PCI device with ids, class, driver, NUMA node and header type', () => {
    const dir = '/sys/bus/pci/devices';
    const addrs = fs.readdirSync(dir).sort();
    expect(facts.pci.devices.map((d) => d.address)).toEqual(addrs);
    for (const d of facts.pci.devices) {
      const p = `${dir}/${d.address}`;
      const drv = fs.existsSync(`${p}/driver`) ? path.basename(fs.readlinkSync(`${p}/driver`)) : null;
      const numa = Number(readSys(`${p}/numa_node`));
      const header = fs.readFileSync(`${p}/config`)[14] & 0x7f;
      expect([d.vendor, d.device, d.class, d.driver, d.numaNode, d.headerType]).toEqual([
        readSys(`${p}/vendor`).slice(2),
        readSys(`${p}/device`).slice(2),
        readSys(`${p}/class`).slice(2),
        drv,
        numa < 0 ? null : numa,
        ['endpoint', 'bridge', 'cardbus'][header],
      ]);
    }
    const groups = fs.existsSync('/sys/kernel/iommu_groups') ? fs.readdirSync('/sys/kernel/iommu_groups') : [];
    expect(facts.pci.iommuEnabled).toBe(groups.length > 0);
    expect(facts.pci.iommuGroups.map((g) => g.id)).toEqual(groups.map(Number).sort((a, b) => a - b));
  });

  it('reports whether /dev/kvm opens read-write', () => {
    let usable = false;
    try {
      fs.closeSync(fs.openSync('/dev/kvm', 'r+'));
      usable = true;
    } catch {
      usable = false;
    }
    expect(facts.kvm).toEqual({ path: '/dev/kvm', exists: fs.existsSync('/dev/kvm'), usable });
  });

  it('finds qemu-system-x86_64 with the version it prints', () => {
    const bin = '/usr/bin/qemu-system-x86_64';
    if (!fs.existsSync(bin)) return expect(facts.qemu.binaries.find((b) => b.path === bin)).toBeUndefined();
    const first = execFileSync(bin, ['--version']).toString().split('\n')[0];
    const [, maj, min, mic] = /version (\d+)\.(\d+)\.(\d+)/.exec(first)!;
    expect(facts.qemu.binaries.find((b) => b.path === bin)).toEqual({
      path: bin,
      arch: 'x86_64',
      variant: null,
      version: { major: Number(maj), minor: Number(min), micro: Number(mic) },
      versionText: first,
    });
  });

  it('reports the cgroup layout from /proc/mounts', () => {
    const lines = fs.readFileSync('/proc/mounts', 'utf8').split('\n').map((l) => l.split(' '));
    const v2 = lines.find((f) => f[2] === 'cgroup2');
    const v1Cpuset = lines.find((f) => f[2] === 'cgroup' && f[3].split(',').includes('cpuset'));
    expect(facts.cgroups.v2?.mountPoint ?? null).toBe(v2 ? v2[1] : null);
    if (v2) expect(facts.cgroups.v2!.controllers).toEqual(readSys(`${v2[1]}/cgroup.controllers`).split(/\s+/).filter(Boolean));
    const v2cpuset = v2 && facts.cgroups.v2!.controllers.includes('cpuset');
    expect(facts.cgroups.cpuset).toEqual(v2cpuset ? { version: 2, mountPoint: v2[1] } : v1Cpuset ? { version: 1, mountPoint: v1Cpuset[1] } : null);
    expect(facts.kernel.release).toBe(os.release());
    expect(facts.hostname).toBe(os.hostname());
  });
});

describeIf(missing({ binaries: ['/usr/sbin/sshd'] }))('host discovery over SSH', () => {
  let sshd: TestSshd;
  beforeAll(async () => (sshd = await startSshd()));
  afterAll(async () => sshd?.stop());

  it('gives the same fixture facts over SSH as locally', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'virtform-2node-ssh-'));
    buildTwoNodeHost(root);
    const t = await SshTransport.open(parseConnectionUri(sshd.uri()) as SshUri, { sshConfigFile: null, agentSocket: null });
    try {
      const { takenAt: _a, ...viaSsh } = await discoverHost(t, { hostRoot: root });
      const { takenAt: _b, ...viaLocal } = await discoverHost(local, { hostRoot: root });
      expect(viaSsh).toEqual(viaLocal);
      expect(viaSsh.numa.nodes.length).toBe(2);
    } finally {
      await t.close();
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
