/**
 * `virtform hosts [-c URI] [--json]`: what the planner will know about a host. Human output
 * ends with a NUMA map (per node: CPUs, memory, hugepage pools, PCI devices); --json prints
 * HostFacts exactly as the planner receives it.
 */
import type { Command } from 'commander';
import { formatCpuList } from '../../model/cpu-list';
import type { HostFacts, HugepagePool, PciDeviceFacts } from '../../model/host-facts';
import { noCpusetReason } from '../../provider/host/cgroup-layout';
import { discoverHost } from '../../provider/host/host-discovery';
import { openTransport } from '../../provider/host/open-transport';
import type { CliIo } from '../main';

export function register(program: Command, io: CliIo): void {
  program
    .command('hosts')
    .description('Show host facts: NUMA, CPUs, hugepages, PCI/IOMMU, KVM, QEMU, cgroups')
    .option('-c, --connect <uri>', 'connection URI (default: qemu:///embed?root=./.virtform)')
    .option('--json', 'print HostFacts as JSON')
    .action(async (opts: { connect?: string; json?: boolean }) => {
      const transport = await openTransport(opts.connect);
      try {
        const facts = await discoverHost(transport);
        io.out(opts.json ? JSON.stringify(facts, null, 2) + '\n' : formatHostFacts(facts, transport.hostLabel));
      } finally {
        await transport.close();
      }
    });
}

/** Where virtform puts a domain's threads on this host, or why it pins by affinity alone. */
function cgroupLine(cg: HostFacts['cgroups']): string {
  if (!cg.cpuset) return `no usable cpuset controller (${noCpusetReason(cg.mode, cg.v2)}): pinned by thread affinity only`;
  const at = `${cg.cpuset.mountPoint.replace(/\/+$/, '')}/virtform/UUID`;
  const nested = cg.cpuset.version === 2 && cg.v2?.nested ? '; the mount shows a nested cgroup (a container): placement needs it to hold no process' : '';
  return `cpuset v${cg.cpuset.version} at ${cg.cpuset.mountPoint}: domains in ${at}/{emulator,vcpuN,iothreadN}${cg.cpuset.version === 2 ? ' (threaded)' : ''}${nested}`;
}

/** KiB → "1.5 GiB" style, for people. */
export function formatKiB(kib: number): string {
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = kib;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${Number.isInteger(v) ? v : v.toFixed(1)} ${units[i]}`;
}

function pools(ps: readonly HugepagePool[]): string {
  return ps.length ? ps.map((p) => `${formatKiB(p.sizeKiB)} pages ${p.free}/${p.total} free`).join(', ') : 'none';
}

function pciLine(d: PciDeviceFacts): string {
  const parts = [`${d.address} ${d.vendor}:${d.device} class ${d.class}`, d.driver ? `driver ${d.driver}` : 'no driver'];
  if (d.iommuGroup !== null) parts.push(`iommu group ${d.iommuGroup}`);
  if (d.headerType !== 'endpoint') parts.push(d.headerType);
  if (d.sriov) parts.push(`SR-IOV ${d.sriov.numVfs}/${d.sriov.totalVfs} VFs`);
  if (d.physfn) parts.push(`VF of ${d.physfn}`);
  if (d.mdevTypes.length) parts.push(`mdev types ${d.mdevTypes.map((m) => m.id).join(' ')}`);
  return parts.join(', ');
}

/** The human form of `virtform hosts`. Pure. */
export function formatHostFacts(f: HostFacts, label: string): string {
  const L: string[] = [];
  const sockets = new Set(f.cpus.topology.map((c) => c.socket)).size;
  const cores = new Set(f.cpus.topology.map((c) => `${c.socket}/${c.die}/${c.core}`)).size;
  L.push(`Host ${label} (${f.hostname}, Linux ${f.kernel.release} ${f.kernel.machine}) at ${f.takenAt}`);
  L.push(`  CPUs      online ${formatCpuList(f.cpus.online) || 'none'}, isolated ${formatCpuList(f.cpus.isolated) || 'none'}; ${sockets} socket(s), ${cores} core(s), ${f.cpus.topology.length} thread(s)`);
  L.push(`  Memory    ${formatKiB(f.memory.totalKiB)} total, ${formatKiB(f.memory.freeKiB)} free`);
  L.push(`  Hugepages default ${f.hugepages.defaultSizeKiB === null ? 'none' : formatKiB(f.hugepages.defaultSizeKiB)}; ${pools(f.hugepages.pools)}`);
  L.push(`  hugetlbfs ${f.hugepages.mounts.length ? f.hugepages.mounts.map((m) => `${m.path} (${formatKiB(m.pageSizeKiB)})`).join(', ') : 'not mounted'}`);
  L.push(`  KVM       ${f.kvm.usable ? '/dev/kvm usable' : f.kvm.exists ? '/dev/kvm present but not openable read-write by this user' : '/dev/kvm absent (TCG only)'}`);
  L.push(`  QEMU      ${f.qemu.binaries.length ? f.qemu.binaries.map((b) => `${b.path} ${b.version ? `${b.version.major}.${b.version.minor}.${b.version.micro}` : `(${b.versionText || 'no version'})`}`).join(', ') : 'none found'}`);
  L.push(`  IOMMU     ${f.pci.iommuEnabled ? `${f.pci.iommuGroups.length} group(s)` : 'no IOMMU groups: PCI passthrough (VFIO) unavailable'}`);
  const cg = f.cgroups;
  L.push(`  cgroups   ${cg.mode}; ${cgroupLine(f.cgroups)}`);
  L.push('');
  L.push('NUMA map');
  for (const n of f.numa.nodes) {
    const dist = Object.entries(n.distances).map(([k, v]) => `${k}:${v}`).join(' ');
    L.push(`  node ${n.id}  cpus ${formatCpuList(n.cpus) || 'none'}  memory ${formatKiB(n.memory.totalKiB)} (${formatKiB(n.memory.freeKiB)} free)  distances ${dist}`);
    L.push(`    hugepages ${pools(n.hugepages)}`);
    for (const d of f.pci.devices.filter((x) => x.numaNode === n.id)) L.push(`    pci ${pciLine(d)}`);
  }
  const known = new Set(f.numa.nodes.map((n) => n.id));
  const loose = f.pci.devices.filter((d) => d.numaNode === null || !known.has(d.numaNode));
  if (loose.length) {
    L.push('  no NUMA affinity');
    for (const d of loose) L.push(`    pci ${pciLine(d)}`);
  }
  if (f.pci.iommuGroups.length) {
    L.push('');
    L.push('IOMMU groups');
    for (const g of f.pci.iommuGroups) L.push(`  group ${g.id}: ${g.devices.join(' ')}`);
  }
  return L.join('\n') + '\n';
}
