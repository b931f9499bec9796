/**
 * cpuset cgroup placement of a domain's threads, as a second fence beside thread affinity
 * (a process can widen its own affinity; it cannot leave its cpuset).
 *
 * Layout (cgroup v1 cpuset hierarchy at MNT):
 *   MNT/virtform/                      cpus and mems copied from the hierarchy root
 *   MNT/virtform/<uuid>/               union of the domain's CPU sets; mems from the plan
 *   MNT/virtform/<uuid>/emulator/      the whole process first (cgroup.procs), then
 *   MNT/virtform/<uuid>/vcpuN/         each vCPU thread (tasks)
 *   MNT/virtform/<uuid>/iothreadN/     each I/O thread (tasks)
 * Named by UUID, not by domain name, so that two state roots on one host cannot collide.
 *
 * Degrades, never fails a launch: no cpuset hierarchy, cgroup v2 (not implemented yet:
 * per-thread placement there needs threaded subtrees), or a write the kernel refuses gives
 * `{kind:'none', note}` recorded in status.json, and pinning relies on affinity alone. A
 * half-made placement is undone (the process moved back to the root, directories removed).
 */
import type { Transport } from '../../host/transport';
import type { CgroupPlacement } from './status-record';

/** Where the cpuset controller is mounted, read from /proc/mounts. */
export type CpusetMount = { readonly version: 1 | 2; readonly mountPoint: string } | null;

/** Parses /proc/mounts (octal escapes decoded) for a v1 hierarchy carrying cpuset, else a cgroup2 mount. Pure. */
export function findCpusetMount(procMounts: string, v2Controllers?: (mountPoint: string) => string | null): CpusetMount {
  let v2: string | undefined;
  for (const line of procMounts.split('\n')) {
    const f = line.split(' ');
    if (f.length < 4) continue;
    const mnt = f[1].replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
    if (f[2] === 'cgroup' && f[3].split(',').includes('cpuset')) return { version: 1, mountPoint: mnt };
    if (f[2] === 'cgroup2' && v2 === undefined) v2 = mnt;
  }
  if (v2 !== undefined && v2Controllers) {
    const c = v2Controllers(v2);
    if (c !== null && c.split(/\s+/).includes('cpuset')) return { version: 2, mountPoint: v2 };
  }
  return null;
}

export interface CgroupThreadGroup {
  /** Child cgroup name: `emulator`, `vcpu0`, `iothread1`. */
  readonly child: string;
  /** Kernel list syntax. */
  readonly cpus: string;
  /** Threads to move there; empty for `emulator`, which receives the whole process. */
  readonly tids: readonly number[];
}

/**
 * POSIX sh. Args: MNT DOMAIN_DIR_NAME ALL_CPUS MEMS PID, then triples CHILD CPUS TIDS(comma list or -).
 * MEMS '' means "as the parent". Prints the failing step on stderr and exits 1, after undoing.
 */
const PLACE_V1 = `
m=$1 d=$2 all=$3 mems=$4 pid=$5
shift 5
base=$m/virtform dom=$m/virtform/$d
undo() {
  echo "$pid" >"$m/cgroup.procs" 2>/dev/null
  for c in "$dom"/*/; do [ -d "$c" ] && rmdir "$c" 2>/dev/null; done
  rmdir "$dom" 2>/dev/null
}
fail() { printf '%s\\n' "$*" >&2; undo; exit 1; }
w() { err=$( { printf '%s\\n' "$1" >"$2"; } 2>&1 ) || fail "writing '$1' to $2 failed: $err"; }
mkdir -p "$base" 2>/dev/null || fail "cannot create $base"
w "$(cat "$m/cpuset.cpus")" "$base/cpuset.cpus"
w "$(cat "$m/cpuset.mems")" "$base/cpuset.mems"
[ -n "$mems" ] || mems=$(cat "$base/cpuset.mems")
if [ -d "$dom" ]; then undo; fi
mkdir "$dom" 2>/dev/null || fail "cannot create $dom"
w "$all" "$dom/cpuset.cpus"
w "$mems" "$dom/cpuset.mems"
while [ $# -ge 3 ]; do
  mkdir "$dom/$1" 2>/dev/null || fail "cannot create $dom/$1"
  w "$mems" "$dom/$1/cpuset.mems"
  w "$2" "$dom/$1/cpuset.cpus"
  if [ "$3" = - ]; then
    w "$pid" "$dom/$1/cgroup.procs"
  else
    for t in $(printf '%s' "$3" | tr , ' '); do w "$t" "$dom/$1/tasks"; done
  fi
  shift 3
done
`;

/** Removes a domain's cgroup directories once its threads are gone. Retries while the kernel still counts exiting tasks. */
const REMOVE_V1 = `
dom=$1 i=0
[ -d "$dom" ] || exit 0
while :; do
  for c in "$dom"/*/; do [ -d "$c" ] && rmdir "$c" 2>/dev/null; done
  rmdir "$dom" 2>/dev/null && exit 0
  [ "$i" -ge 50 ] && { echo "cannot remove $dom: $(cat "$dom"/*/tasks "$dom"/tasks 2>/dev/null | wc -l) task(s) still in it" >&2; exit 1; }
  sleep 0.1
  i=$((i + 1))
done
`;

/** Reads /proc/mounts (and a cgroup2 root's controllers) to find the cpuset controller. */
export async function probeCpusetMount(t: Transport): Promise<CpusetMount> {
  const mounts = (await t.readFiles(['/proc/mounts'])).get('/proc/mounts')?.toString('utf8') ?? '';
  const v1 = findCpusetMount(mounts);
  if (v1) return v1;
  const cg2 = /^\S+ (\S+) cgroup2 /m.exec(mounts)?.[1];
  if (!cg2) return null;
  const path = `${cg2}/cgroup.controllers`;
  const ctl = (await t.readFiles([path])).get(path)?.toString('utf8') ?? null;
  return findCpusetMount(mounts, () => ctl);
}

/**
 * Puts the process and its threads into per-thread cpuset cgroups. Never throws for a refusal
 * by the host: the result then says why no cgroup is used.
 */
export async function placeInCpusetCgroup(
  t: Transport,
  mount: CpusetMount,
  opts: { readonly uuid: string; readonly pid: number; readonly allCpus: string; readonly mems: string | null; readonly groups: readonly CgroupThreadGroup[] },
): Promise<CgroupPlacement> {
  if (mount === null) return { kind: 'none', note: 'no cpuset cgroup controller is mounted on this host: pinned by thread affinity only' };
  if (mount.version === 2) {
    return {
      kind: 'none',
      note: `the cpuset controller is on cgroup v2 (${mount.mountPoint}); per-thread v2 placement (threaded subtrees) is not implemented yet: pinned by thread affinity only`,
    };
  }
  const args = [mount.mountPoint, opts.uuid, opts.allCpus, opts.mems ?? '', String(opts.pid)];
  for (const g of opts.groups) args.push(g.child, g.cpus, g.tids.length ? g.tids.join(',') : '-');
  const r = await t.exec(['sh', '-c', PLACE_V1, 'sh', ...args], { timeoutMs: 30000 });
  if (r.code !== 0) {
    const why = r.stderr.toString('utf8').trim() || `exit ${r.code}`;
    return { kind: 'none', note: `cpuset cgroup v1 placement under ${mount.mountPoint}/virtform failed (${why}); undone: pinned by thread affinity only` };
  }
  return { kind: 'cpuset-v1', path: `${mount.mountPoint}/virtform/${opts.uuid}` };
}

/** Removes the cgroup of `placement` (after QEMU exited). Throws with the kernel's reason when it cannot. */
export async function removeCpusetCgroup(t: Transport, placement: CgroupPlacement | null): Promise<void> {
  if (!placement || placement.kind !== 'cpuset-v1') return;
  const r = await t.exec(['sh', '-c', REMOVE_V1, 'sh', placement.path], { timeoutMs: 30000 });
  if (r.code !== 0) throw new Error(r.stderr.toString('utf8').trim() || `removing ${placement.path} failed (exit ${r.code})`);
}
