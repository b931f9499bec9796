/**
 * Applies a domain's pin plan to its QEMU threads and reads it back, in ONE exec on the host
 * (a fixed sh script; TIDs and CPU lists are positional arguments, never spliced into it):
 *
 * 1. cpuset cgroup placement where the host has a v1 cpuset hierarchy (./cpuset-cgroup.ts):
 *    the process into `emulator`, each vCPU / I/O thread into its own child. A refusal by the
 *    kernel is undone and noted, and pinning goes on with affinity alone;
 * 2. affinity with `taskset -p -c CPUS TID`: every thread that is neither a vCPU nor an I/O
 *    thread (QEMU's main thread, RCU, workers: the "emulator") gets the emulator set; each
 *    vCPU and I/O thread its planned set. Unpinned threads get an explicit set too, never the
 *    inherited one (the launching process may run on fewer CPUs);
 * 3. read back /proc/PID/task/TID/status `Cpus_allowed_list` of every thread.
 * The TypeScript side then compares every pinned thread with the plan and fails on any
 * difference. Threads the emulator creates later inherit its affinity and cgroup.
 *
 * Output records, one per line, tab-separated: `C ok` | `C fail MESSAGE` (cgroup),
 * `P TID` (an emulator thread that was pinned), `E TID MESSAGE` (taskset failed),
 * `T TID CPUS COMM` (read back).
 */
import { formatCpuList, parseCpuList } from '../../../model/cpu-list';
import type { PinPlan } from '../../../planner/pin-plan';
import type { Transport } from '../../host/transport';
import { cpusetUnusable, PLACE_V1_FUNCTION, type CpusetMount } from './cpuset-cgroup';
import type { ThreadAffinity } from './qemu-process';
import type { CgroupPlacement, PinRecord, ThreadRecord } from './status-record';

/** Pinning failed; the message names the thread, the plan and what the kernel said. */
export class PinApplyError extends Error {}

const PIN_SCRIPT = `${PLACE_V1_FUNCTION}
pid=$1 mnt=$2 uuid=$3 all=$4 mems=$5 emu=$6
shift 6
list="$*"
oneline() { printf '%s' "$1" | tr '\\n\\t' '  '; }
if [ -n "$mnt" ]; then
  if msg=$(place_v1 2>&1); then echo 'C	ok'; else printf 'C\\tfail\\t%s\\n' "$(oneline "$msg")"; fi
fi
special=' '
set -- $list
while [ $# -ge 3 ]; do special="$special$2 "; shift 3; done
for t in /proc/"$pid"/task/[0-9]*; do
  tid=\${t##*/}
  case $special in *" $tid "*) continue;; esac
  if out=$(taskset -p -c "$emu" "$tid" 2>&1 >/dev/null); then
    printf 'P\\t%s\\n' "$tid"
  elif [ -d "$t" ]; then
    printf 'E\\t%s\\t%s\\n' "$tid" "$(oneline "$out")"
  fi
done
set -- $list
while [ $# -ge 3 ]; do
  out=$(taskset -p -c "$3" "$2" 2>&1 >/dev/null) || printf 'E\\t%s\\t%s\\n' "$2" "$(oneline "$out")"
  shift 3
done
for t in /proc/"$pid"/task/[0-9]*; do
  a=$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' "$t/status" 2>/dev/null) || continue
  [ -n "$a" ] || continue
  printf 'T\\t%s\\t%s\\t%s\\n' "\${t##*/}" "$a" "$(cat "$t/comm" 2>/dev/null)"
done
exit 0
`;

/** The plan as stored in status.json, for the vCPUs QEMU has. */
export function pinRecord(plan: PinPlan, threads: ThreadRecord): PinRecord {
  const present = new Set(threads.vcpus.map((v) => v.index));
  return {
    vcpus: plan.vcpus.filter((v) => present.has(v.index)).map((v) => ({ index: v.index, cpus: formatCpuList(v.cpus) })),
    emulator: formatCpuList(plan.emulator.cpus),
    iothreads: plan.iothreads.map((t) => ({ id: t.id, cpus: formatCpuList(t.cpus) })),
    mems: plan.mems === null ? null : formatCpuList(plan.mems),
  };
}

export interface ThreadAssignment {
  readonly tid: number;
  readonly cpus: readonly number[];
  /** `vcpu 0`, `I/O thread 1`: for messages and the cgroup child name. */
  readonly role: string;
  /** cgroup child: `vcpu0`, `iothread1`. */
  readonly child: string;
}

/** Which CPUs each vCPU and I/O thread must get. Pure. Throws PinApplyError when QEMU has threads the plan lacks. */
export function threadAssignments(plan: PinPlan, threads: Pick<ThreadRecord, 'vcpus' | 'iothreads'>): ThreadAssignment[] {
  const out: ThreadAssignment[] = [];
  for (const v of threads.vcpus) {
    const p = plan.vcpus.find((x) => x.index === v.index);
    if (!p) throw new PinApplyError(`QEMU reports vCPU ${v.index}, which the pin plan does not have (plan: vCPUs 0-${plan.vcpus.length - 1}); the argv and the plan disagree`);
    out.push({ tid: v.threadId, cpus: p.cpus, role: `vcpu ${v.index}`, child: `vcpu${v.index}` });
  }
  for (const io of threads.iothreads) {
    const p = plan.iothreads.find((x) => x.id === io.id);
    if (!p) throw new PinApplyError(`QEMU reports I/O thread ${io.qomId}, which the pin plan does not have (plan: ${plan.iothreads.map((x) => `iothread${x.id}`).join(', ') || 'none'}); the argv and the plan disagree`);
    out.push({ tid: io.threadId, cpus: p.cpus, role: `I/O thread ${io.id}`, child: `iothread${io.id}` });
  }
  return out;
}

export interface AppliedPins {
  readonly cgroup: CgroupPlacement;
  /** The threads with the emulator threads found and pinned. */
  readonly threads: ThreadRecord;
  /** Every thread as read back after pinning. */
  readonly readBack: readonly ThreadAffinity[];
}

/** cgroup (where possible), affinity, read-back: one exec. Throws PinApplyError naming the thread, the plan and what the kernel says. */
export async function applyPins(
  t: Transport,
  opts: {
    readonly pid: number;
    readonly uuid: string;
    readonly plan: PinPlan;
    readonly threads: Pick<ThreadRecord, 'vcpus' | 'iothreads'>;
    readonly cpuset: CpusetMount;
    /** For the one exec. Default 60000 ms. */
    readonly timeoutMs?: number;
  },
): Promise<AppliedPins> {
  const { pid, plan } = opts;
  const special = threadAssignments(plan, opts.threads);
  const emu = formatCpuList(plan.emulator.cpus);
  const all = formatCpuList([...plan.emulator.cpus, ...special.flatMap((a) => a.cpus)]);
  const unusable = cpusetUnusable(opts.cpuset);
  const mnt = unusable === undefined ? opts.cpuset!.mountPoint : '';
  const args = [String(pid), mnt, opts.uuid, all, plan.mems === null ? '' : formatCpuList(plan.mems), emu];
  for (const a of special) args.push(a.child, String(a.tid), formatCpuList(a.cpus));
  const r = await t.exec(['sh', '-c', PIN_SCRIPT, 'sh', ...args], { timeoutMs: opts.timeoutMs ?? 60000 });
  if (r.code !== 0) throw new PinApplyError(`the pinning script failed (exit ${r.code}): ${r.stderr.toString('utf8').trim() || 'no message'}`);

  let cgroup: CgroupPlacement = { kind: 'none', note: unusable ?? 'cpuset cgroup placement did not report' };
  const emulator: number[] = [];
  const failures = new Map<number, string>();
  const readBack: ThreadAffinity[] = [];
  for (const line of r.stdout.toString('utf8').split('\n')) {
    const f = line.split('\t');
    if (f[0] === 'C') {
      cgroup =
        f[1] === 'ok'
          ? { kind: 'cpuset-v1', path: `${mnt}/virtform/${opts.uuid}` }
          : { kind: 'none', note: `cpuset cgroup v1 placement under ${mnt}/virtform failed (${(f[2] ?? '').trim()}); undone: pinned by thread affinity only` };
    } else if (f[0] === 'P') emulator.push(Number(f[1]));
    else if (f[0] === 'E') failures.set(Number(f[1]), (f[2] ?? '').trim());
    else if (f[0] === 'T' && f.length >= 4) readBack.push({ tid: Number(f[1]), cpus: f[2], comm: f.slice(3).join('\t') });
  }

  const live = new Map(readBack.map((x) => [x.tid, x]));
  const check = (tid: number, want: readonly number[], role: string): void => {
    const wantText = formatCpuList(want);
    const now = live.get(tid);
    if (!now) throw new PinApplyError(`${role} (thread ${tid}) is gone from /proc/${pid}/task: QEMU lost a thread it reported`);
    if (formatCpuList(parseCpuList(now.cpus)) !== wantText) {
      const cg = cgroup.kind === 'cpuset-v1' ? ` (cgroup ${cgroup.path})` : '';
      throw new PinApplyError(
        `${role} (thread ${tid}) reads back Cpus_allowed_list ${now.cpus} in /proc/${pid}/task/${tid}/status, but the plan is ${wantText}${cg}; ` +
          'a cpuset that excludes planned CPUs (the cgroup virtform runs in, or a container limit) is the usual cause: check /proc/self/status Cpus_allowed_list on the host',
      );
    }
  };
  for (const [tid, failed] of failures) {
    const a = special.find((x) => x.tid === tid);
    const hint = /not found/.test(failed) ? ' Install taskset (Debian/RHEL package util-linux).' : '';
    const role = a ? a.role : tid === pid ? 'the emulator (main thread)' : 'an emulator thread';
    throw new PinApplyError(`taskset -p -c ${a ? formatCpuList(a.cpus) : emu} ${tid} for ${role} failed: ${failed}.${hint}`);
  }
  if (!emulator.includes(pid)) {
    throw new PinApplyError(`QEMU pid ${pid} has no main thread in /proc/${pid}/task: it is exiting`);
  }
  // Emulator threads that exited since they were pinned (workers come and go) are not checked.
  for (const tid of emulator) if (live.has(tid) || tid === pid) check(tid, plan.emulator.cpus, tid === pid ? 'the emulator (main thread)' : 'an emulator thread');
  for (const a of special) check(a.tid, a.cpus, a.role);
  return {
    cgroup,
    threads: { emulator: emulator.sort((a, b) => a - b), vcpus: opts.threads.vcpus, iothreads: opts.threads.iothreads },
    readBack,
  };
}
