/**
 * Applies a domain's pin plan to its QEMU threads and reads it back, in ONE exec on the host
 * (a fixed sh script; TIDs and CPU lists are positional arguments, the cgroup steps come on
 * stdin, nothing is spliced into it):
 *
 * 1. cpuset cgroup placement where the host has a cpuset controller, v1 or v2
 *    (./cpuset-layout.ts): the process into `emulator`, each vCPU / I/O thread into its own
 *    child, then each cgroup's effective CPUs (and nodes) read back. A refusal by the kernel
 *    is undone and noted, and pinning goes on with affinity alone. With a CgroupRunner given
 *    (tests: the cgroup2 kernel simulator), the steps run there first instead;
 * 2. affinity with `taskset -p -c CPUS TID`: every thread that is neither a vCPU nor an I/O
 *    thread (QEMU's main thread, RCU, workers: the "emulator") gets the emulator set; each
 *    vCPU and I/O thread its planned set. Unpinned threads get an explicit set too, never the
 *    inherited one (the launching process may run on fewer CPUs);
 * 3. read back /proc/PID/task/TID/status `Cpus_allowed_list` of every thread.
 * The TypeScript side then compares the cgroups' effective sets and every pinned thread with
 * the plan and fails on any difference. Threads the emulator creates later inherit its
 * affinity and cgroup.
 *
 * Output records, one per line, tab-separated: the cgroup step records (`C ...`, see
 * ./cgroup-steps.ts), `P TID` (an emulator thread that was pinned), `E TID MESSAGE` (taskset
 * failed), `T TID CPUS COMM` (read back).
 */
import { formatCpuList, parseCpuList } from '../../../model/cpu-list';
import type { PinPlan } from '../../../planner/pin-plan';
import type { Transport } from '../../host/transport';
import { CGROUP_STEPS_FUNCTION, cgroupStepsInput, parseCgroupRecords, type CgroupRunner } from './cgroup-steps';
import { judgePlacement, noCpusetNote, type CpusetMount, type CpusetOutcome } from './cpuset-cgroup';
import { cpusetLayout } from './cpuset-layout';
import type { ThreadAffinity } from './qemu-process';
import type { CgroupPlacement, PinRecord, ThreadRecord } from './status-record';

/** Pinning failed; the message names the thread, the plan and what the kernel said. */
export class PinApplyError extends Error {}

const PIN_SCRIPT = `${CGROUP_STEPS_FUNCTION}
pid=$1 emu=$2 cg=$3
shift 3
list="$*"
oneline() { printf '%s' "$1" | tr '\\n\\t' '  '; }
[ "$cg" = 1 ] && cg_steps ''
special=' '
set -- $list
while [ $# -ge 2 ]; do special="$special$1 "; shift 2; done
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
while [ $# -ge 2 ]; do
  out=$(taskset -p -c "$2" "$1" 2>&1 >/dev/null) || printf 'E\\t%s\\t%s\\n' "$1" "$(oneline "$out")"
  shift 2
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
    /** Why `cpuset` is null (CgroupLayout.noCpuset), for the note in status.json. */
    readonly noCpuset?: string;
    /** Runs the cgroup steps; default: the same exec as the affinity, over `t`. */
    readonly cgroups?: CgroupRunner;
    /** For the one exec. Default 60000 ms. */
    readonly timeoutMs?: number;
  },
): Promise<AppliedPins> {
  const { pid, plan } = opts;
  const special = threadAssignments(plan, opts.threads);
  const emu = formatCpuList(plan.emulator.cpus);
  const site = opts.cpuset;
  const layout =
    site === null
      ? null
      : cpusetLayout({ site, uuid: opts.uuid, pid, emulator: plan.emulator.cpus, mems: plan.mems, threads: special.map((a) => ({ child: a.child, tid: a.tid, cpus: a.cpus, role: a.role })) });
  let outcome: CpusetOutcome | undefined;
  if (site && layout && opts.cgroups) outcome = judgePlacement(opts.cgroups.hostLabel, site, layout, await opts.cgroups.run(layout.steps, layout.undo));
  const inline = layout !== null && !opts.cgroups;
  const args = [String(pid), emu, inline ? '1' : '0'];
  for (const a of special) args.push(String(a.tid), formatCpuList(a.cpus));
  const r = await t.exec(['sh', '-c', PIN_SCRIPT, 'sh', ...args], {
    timeoutMs: opts.timeoutMs ?? 60000,
    ...(inline ? { stdin: cgroupStepsInput(layout.steps, layout.undo) } : {}),
  });
  if (r.code !== 0) throw new PinApplyError(`the pinning script failed (exit ${r.code}): ${r.stderr.toString('utf8').trim() || 'no message'}`);
  const stdout = r.stdout.toString('utf8');
  if (site && layout && inline) {
    const rec = parseCgroupRecords(stdout, layout.steps, layout.undo);
    outcome = rec.done ? judgePlacement(t.hostLabel, site, layout, rec) : { placement: { kind: 'none', note: 'cpuset cgroup placement did not report' } };
  }
  const cgroup: CgroupPlacement = outcome?.placement ?? { kind: 'none', note: noCpusetNote(opts.noCpuset) };

  const emulator: number[] = [];
  const failures = new Map<number, string>();
  const readBack: ThreadAffinity[] = [];
  for (const line of stdout.split('\n')) {
    const f = line.split('\t');
    if (f[0] === 'P') emulator.push(Number(f[1]));
    else if (f[0] === 'E') failures.set(Number(f[1]), (f[2] ?? '').trim());
    else if (f[0] === 'T' && f.length >= 4) readBack.push({ tid: Number(f[1]), cpus: f[2], comm: f.slice(3).join('\t') });
  }
  // The cgroup is checked first: CPUs it does not grant make taskset fail too, with a vaguer message.
  if (outcome?.mismatch) throw new PinApplyError(outcome.mismatch);

  const live = new Map(readBack.map((x) => [x.tid, x]));
  const check = (tid: number, want: readonly number[], role: string): void => {
    const wantText = formatCpuList(want);
    const now = live.get(tid);
    if (!now) throw new PinApplyError(`${role} (thread ${tid}) is gone from /proc/${pid}/task: QEMU lost a thread it reported`);
    if (formatCpuList(parseCpuList(now.cpus)) !== wantText) {
      const cg = cgroup.kind !== 'none' ? ` (cgroup ${cgroup.path})` : '';
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
