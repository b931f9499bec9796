/**
 * Which cgroup hierarchies a host has and where its cpuset controller lives, from
 * /proc/self/mountinfo and the cgroup2 root's `cgroup.controllers`. Pure (the callers read the
 * files: host discovery in its one exec, the launch in its preflight read).
 *
 * Facts this relies on (Linux cgroup v1/v2 documentation, checked on real hosts):
 * - A controller is bound to at most one hierarchy: when a v1 hierarchy carries cpuset, the
 *   cgroup2 root does not list it in cgroup.controllers, and the other way round.
 * - mountinfo field 4 is the cgroup the mount shows as its top. It is `/` for the hierarchy's
 *   root, and for a cgroup namespace's root too (a container with cgroupns=private), so it
 *   cannot tell alone whether the top is the real root. The v2 root has no `cgroup.type`
 *   file; every other cgroup has one. A top with `cgroup.type` is `nested`: it is subject to
 *   the "no internal processes" rule, the real root is not.
 * - Hybrid hosts (systemd's legacy+unified mode, this project's test machine) mount v1
 *   hierarchies and a controller-less cgroup2 at /sys/fs/cgroup/unified.
 */

/** One line of /proc/PID/mountinfo, the parts used here. Escapes (\040 …) are decoded. */
export interface MountinfoEntry {
  /** Field 4: the directory of the mounted file system that appears at mountPoint. */
  readonly root: string;
  readonly mountPoint: string;
  readonly fsType: string;
  /** The per-superblock options after the fs type and source (`rw,cpuset`). */
  readonly superOptions: readonly string[];
}

const unescape = (s: string): string => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

/** Parses mountinfo text (proc(5)); malformed lines are skipped. */
export function parseMountinfo(text: string): MountinfoEntry[] {
  const out: MountinfoEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(' ');
    const sep = f.indexOf('-', 6);
    if (f.length < 7 || sep < 0 || f.length < sep + 4) continue;
    out.push({ root: unescape(f[3]), mountPoint: unescape(f[4]), fsType: f[sep + 1], superOptions: f[sep + 3].split(',') });
  }
  return out;
}

/** Where cpuset pinning can be done. v2 `nested`: the mount's top is not the hierarchy root (see above). */
export type CpusetSite =
  | { readonly version: 1; readonly mountPoint: string }
  | { readonly version: 2; readonly mountPoint: string; readonly nested: boolean };

export interface CgroupLayout {
  /** v1 only, v2 only, hybrid (both), or none mounted. */
  readonly mode: 'v1' | 'v2' | 'hybrid' | 'none';
  /** v1 hierarchies: each controller (or `name=...` for a named one) with its mount point. */
  readonly v1: readonly { readonly controller: string; readonly mountPoint: string }[];
  /** The cgroup2 mount, the controllers its top offers, and whether its top is nested. */
  readonly v2: { readonly mountPoint: string; readonly controllers: readonly string[]; readonly nested: boolean } | null;
  readonly cpuset: CpusetSite | null;
  /** When cpuset is null: why, in the user's words (for status notes and `virtform hosts`). */
  readonly noCpuset?: string;
}

/** What is known of the cgroup2 mount's top: cgroup.controllers (null: unreadable) and whether cgroup.type exists. */
export interface Cgroup2Top {
  readonly controllers: string | null;
  readonly hasType: boolean;
}

/** v1 super options that are not controllers. */
const V1_NON_CONTROLLERS = new Set(['rw', 'ro', 'none', 'all', 'xattr', 'noprefix', 'clone_children', 'cpuset_v2_mode', 'favordynmods']);

/**
 * The layout from mountinfo. `top(mountPoint)` answers for the first cgroup2 mount (preferring
 * one whose root is `/`); `known` (the first column of /proc/cgroups), when given, is the set
 * of v1 controller names, else every super option that is not a mount flag counts.
 */
export function detectCgroupLayout(mountinfo: string, top: (mountPoint: string) => Cgroup2Top, known?: ReadonlySet<string>): CgroupLayout {
  const mounts = parseMountinfo(mountinfo);
  const v1: { controller: string; mountPoint: string }[] = [];
  for (const m of mounts.filter((x) => x.fsType === 'cgroup')) {
    for (const o of m.superOptions) {
      if (o.startsWith('name=') || (known ? known.has(o) : !V1_NON_CONTROLLERS.has(o) && !o.includes('='))) v1.push({ controller: o, mountPoint: m.mountPoint });
    }
  }
  const cg2 = mounts.filter((x) => x.fsType === 'cgroup2');
  const v2mount = cg2.find((x) => x.root === '/') ?? cg2[0];
  let v2: CgroupLayout['v2'] = null;
  if (v2mount) {
    const t = top(v2mount.mountPoint);
    v2 = {
      mountPoint: v2mount.mountPoint,
      controllers: (t.controllers ?? '').trim().split(/\s+/).filter(Boolean),
      nested: t.hasType || v2mount.root !== '/',
    };
  }
  const mode = v1.length && v2 ? 'hybrid' : v1.length ? 'v1' : v2 ? 'v2' : 'none';
  const v1cpuset = v1.find((x) => x.controller === 'cpuset');
  if (v1cpuset) return { mode, v1, v2, cpuset: { version: 1, mountPoint: v1cpuset.mountPoint } };
  if (v2 && v2.controllers.includes('cpuset')) return { mode, v1, v2, cpuset: { version: 2, mountPoint: v2.mountPoint, nested: v2.nested } };
  return { mode, v1, v2, cpuset: null, noCpuset: noCpusetReason(mode, v2) };
}

/** Why a layout has no usable cpuset, in the user's words. */
export function noCpusetReason(mode: CgroupLayout['mode'], v2: Pick<NonNullable<CgroupLayout['v2']>, 'mountPoint' | 'controllers'> & { readonly nested?: boolean } | null): string {
  if (mode === 'none') return 'no cgroup file system is mounted (/proc/self/mountinfo lists no cgroup or cgroup2 mount)';
  if (!v2) return 'no cgroup v1 hierarchy carries cpuset and no cgroup2 is mounted';
  const offers = v2.controllers.length ? `offers only ${v2.controllers.join(' ')}` : 'offers no controllers';
  const nested = v2.nested ? ' (a nested cgroup: the cgroup above it does not enable cpuset for it)' : '';
  return `cgroup2 at ${v2.mountPoint} ${offers} in cgroup.controllers${nested}, and no cgroup v1 hierarchy carries cpuset`;
}
