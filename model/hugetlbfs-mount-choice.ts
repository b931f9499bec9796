/**
 * Which hugetlbfs mount holds a domain's hugepage memory when a host has more than one mount of
 * a page size. Pure.
 *
 * - Configured (libvirt's qemu.conf `hugetlbfs_mount`, virtform's `qemuConfig.hugetlbfsMount`):
 *   only the configured mount points are used, in the configured order; mounts elsewhere are
 *   ignored, as libvirt ignores them.
 * - Not configured: every mount, the conventional mount points first: `/dev/hugepages` (where
 *   systemd mounts the default page size) and `/dev/hugepages` followed by the mount's page size
 *   (`/dev/hugepages1G`, `/dev/hugepages2M`); then the others in /proc/mounts order. libvirt
 *   takes /proc/mounts order alone, which makes its choice depend on the order mounts were made;
 *   preferring the conventional place keeps a stray extra mount (a test's, a tool's) from
 *   taking the guest's memory.
 *
 * The mount used for a page size is the first of the result with that size.
 */
import type { HugetlbfsMount } from './host-facts';

/** `2M`, `1G`, `64K`: a page size (KiB) as the conventional mount points spell it. */
function sizeSuffix(sizeKiB: number): string {
  if (sizeKiB % (1024 * 1024) === 0) return `${sizeKiB / (1024 * 1024)}G`;
  if (sizeKiB % 1024 === 0) return `${sizeKiB / 1024}M`;
  return `${sizeKiB}K`;
}

/** True for `/dev/hugepages` and for `/dev/hugepages<SIZE>` naming the mount's own page size. */
export function isConventionalHugetlbfsMount(m: HugetlbfsMount): boolean {
  return m.path === '/dev/hugepages' || m.path === `/dev/hugepages${sizeSuffix(m.pageSizeKiB)}`;
}

/** A mount point without trailing slashes (`/dev/hugepages/` → `/dev/hugepages`; `/` stays). */
function normal(p: string): string {
  return p.length > 1 ? p.replace(/\/+$/, '') || '/' : p;
}

/**
 * The mounts in the order they are chosen (see the header). `configured` undefined means not
 * configured; a configured mount point that is not among `mounts` is left out (see
 * unmountedConfiguredHugetlbfs for naming it).
 */
export function orderHugetlbfsMounts<M extends HugetlbfsMount>(mounts: readonly M[], configured?: readonly string[]): M[] {
  if (configured !== undefined) {
    const out: M[] = [];
    for (const c of configured) {
      const m = mounts.find((x) => x.path === normal(c));
      if (m && !out.includes(m)) out.push(m);
    }
    return out;
  }
  return [...mounts.filter(isConventionalHugetlbfsMount), ...mounts.filter((m) => !isConventionalHugetlbfsMount(m))];
}

/** The configured mount points that are not hugetlbfs mounts in `mounts`, in configured order. */
export function unmountedConfiguredHugetlbfs(mounts: readonly HugetlbfsMount[], configured: readonly string[]): string[] {
  return configured.filter((c) => !mounts.some((m) => m.path === normal(c)));
}
