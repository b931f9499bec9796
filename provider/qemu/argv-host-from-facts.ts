/**
 * HostFacts (provider/host discovery, model/host-facts.ts) → ArgvHost, the host facts the argv
 * builder reads. Pure: the launch builder calls it with a real host's snapshot, tests with
 * made-up facts.
 *
 * - numaNodes: the host's NUMA node ids (a kernel without NUMA reports node 0);
 * - hugetlbfs: the mounts in the order they are chosen (model/hugetlbfs-mount-choice.ts: the
 *   configured `hugetlbfsMount` only, else /dev/hugepages and /dev/hugepagesSIZE first, then
 *   /proc/mounts order), each marked default when its page size is the kernel's default
 *   hugepage size, followed by `plannedMounts` (mounts the launch will make before QEMU
 *   starts, for sizes no chosen mount has);
 * - systemPageSizeKiB: `getconf PAGESIZE` / 1024 of the host (HostFacts does not carry it).
 */
import type { HostFacts } from '../../model/host-facts';
import { orderHugetlbfsMounts } from '../../model/hugetlbfs-mount-choice';
import type { ArgvHost, HugetlbfsMount } from './argv/context';

export interface ArgvHostOptions {
  /** The host's base page size in KiB (4 on x86_64). */
  readonly systemPageSizeKiB: number;
  /** hugetlbfs mounts the launch makes before QEMU starts (host step), appended after the existing ones. */
  readonly plannedMounts?: readonly { readonly path: string; readonly pageSizeKiB: number }[];
  /** libvirt's qemu.conf `hugetlbfs_mount`: the only mount points to use, in this order. Absent: every mount. */
  readonly hugetlbfsMount?: readonly string[];
}

export function argvHostFromFacts(facts: HostFacts, opts: ArgvHostOptions): ArgvHost {
  const def = facts.hugepages.defaultSizeKiB;
  const mounts: HugetlbfsMount[] = [...orderHugetlbfsMounts(facts.hugepages.mounts, opts.hugetlbfsMount), ...(opts.plannedMounts ?? [])].map((m) => ({
    path: m.path,
    pageSizeKiB: m.pageSizeKiB,
    isDefault: def !== null && m.pageSizeKiB === def,
  }));
  return {
    numaNodes: facts.numa.nodes.map((n) => n.id),
    hugetlbfs: mounts,
    systemPageSizeKiB: opts.systemPageSizeKiB,
  };
}
