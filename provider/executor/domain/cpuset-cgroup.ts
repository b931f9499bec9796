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

/**
 * POSIX sh function `place_v1`, for the pinning script (./thread-pinning.ts), which runs it in a
 * subshell before setting affinities. Reads the variables mnt (v1 hierarchy root), uuid, all
 * (union of the domain's CPUs), mems ('' = as the parent), pid, emu (emulator CPUs) and list
 * (space-separated triples CHILD TID CPUS for vCPU and I/O threads). On failure it prints the
 * step and the kernel's complaint on stderr, undoes what it made, and exits 1.
 */
export const PLACE_V1_FUNCTION = `
place_v1() {
  base=$mnt/virtform dom=$mnt/virtform/$uuid
  undo() {
    echo "$pid" >"$mnt/cgroup.procs" 2>/dev/null
    for c in "$dom"/*/; do [ -d "$c" ] && rmdir "$c" 2>/dev/null; done
    rmdir "$dom" 2>/dev/null
  }
  fail() { printf '%s\\n' "$*" >&2; undo; exit 1; }
  w() { err=$( { printf '%s\\n' "$1" >"$2"; } 2>&1 ) || fail "writing '$1' to $2 failed: $err"; }
  mkdir -p "$base" 2>/dev/null || fail "cannot create $base"
  w "$(cat "$mnt/cpuset.cpus")" "$base/cpuset.cpus"
  w "$(cat "$mnt/cpuset.mems")" "$base/cpuset.mems"
  m=$mems
  [ -n "$m" ] || m=$(cat "$base/cpuset.mems")
  if [ -d "$dom" ]; then undo; fi
  mkdir "$dom" 2>/dev/null || fail "cannot create $dom"
  w "$all" "$dom/cpuset.cpus"
  w "$m" "$dom/cpuset.mems"
  mkdir "$dom/emulator" 2>/dev/null || fail "cannot create $dom/emulator"
  w "$m" "$dom/emulator/cpuset.mems"
  w "$emu" "$dom/emulator/cpuset.cpus"
  w "$pid" "$dom/emulator/cgroup.procs"
  set -- $list
  while [ $# -ge 3 ]; do
    mkdir "$dom/$1" 2>/dev/null || fail "cannot create $dom/$1"
    w "$m" "$dom/$1/cpuset.mems"
    w "$3" "$dom/$1/cpuset.cpus"
    w "$2" "$dom/$1/tasks"
    shift 3
  done
}
`;

/** Why placement will not be tried on this mount, or undefined when it will (a v1 cpuset hierarchy). */
export function cpusetUnusable(mount: CpusetMount): string | undefined {
  if (mount === null) return 'no cpuset cgroup controller is mounted on this host: pinned by thread affinity only';
  if (mount.version === 2) {
    return `the cpuset controller is on cgroup v2 (${mount.mountPoint}); per-thread v2 placement (threaded subtrees) is not implemented yet: pinned by thread affinity only`;
  }
  return undefined;
}

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

/**
 * Finds the cpuset controller from /proc/mounts (read by the caller, often in a batch with
 * other files); reads a cgroup2 root's controllers only when no v1 hierarchy has cpuset.
 */
export async function probeCpusetMount(t: Transport, procMounts?: string): Promise<CpusetMount> {
  const mounts = procMounts ?? (await t.readFiles(['/proc/mounts'])).get('/proc/mounts')?.toString('utf8') ?? '';
  const v1 = findCpusetMount(mounts);
  if (v1) return v1;
  const cg2 = /^\S+ (\S+) cgroup2 /m.exec(mounts)?.[1];
  if (!cg2) return null;
  const path = `${cg2}/cgroup.controllers`;
  const ctl = (await t.readFiles([path])).get(path)?.toString('utf8') ?? null;
  return findCpusetMount(mounts, () => ctl);
}

/** Removes the cgroup of `placement` (after QEMU exited). Throws with the kernel's reason when it cannot. */
export async function removeCpusetCgroup(t: Transport, placement: CgroupPlacement | null): Promise<void> {
  if (!placement || placement.kind !== 'cpuset-v1') return;
  const r = await t.exec(['sh', '-c', REMOVE_V1, 'sh', placement.path], { timeoutMs: 30000 });
  if (r.code !== 0) throw new Error(r.stderr.toString('utf8').trim() || `removing ${placement.path} failed (exit ${r.code})`);
}
