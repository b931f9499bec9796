/**
 * Applies a domain's pin plan to its QEMU threads and reads it back.
 *
 * Steps, all before `cont`:
 * 1. cpuset cgroup placement where the host has one (./cpuset-cgroup.ts; degrades to none);
 * 2. affinity of every thread with `taskset -p -c CPUS TID`: vCPUs and I/O threads get their
 *    planned set, every other thread (QEMU's main thread, RCU, workers: the "emulator") the
 *    emulator set. Unpinned threads get an explicit set too, never the inherited one;
 * 3. read back /proc/PID/task/TID/status `Cpus_allowed_list` of every thread and fail on any
 *    difference from the plan.
 * Threads the emulator creates later inherit the main thread's affinity and cgroup.
 *
 * All taskset calls go in one exec (a fixed sh loop over positional TID/CPUS pairs).
 */
import { formatCpuList, parseCpuList } from '../../../model/cpu-list';
import type { PinPlan } from '../../../planner/pin-plan';
import type { Transport } from '../../host/transport';
import { placeInCpusetCgroup, type CgroupThreadGroup, type CpusetMount } from './cpuset-cgroup';
import { readThreads, type ThreadAffinity } from './qemu-process';
import type { CgroupPlacement, PinRecord, ThreadRecord } from './status-record';

/** The failing step's description, for DomainError('PIN'). */
export class PinApplyError extends Error {}

const TASKSET_SCRIPT = `
fail=0
while [ $# -ge 2 ]; do
  if ! out=$(taskset -p -c "$2" "$1" 2>&1 >/dev/null); then
    printf '%s\\t%s\\n' "$1" "$(printf '%s' "$out" | tr '\\n' ' ')"
    fail=1
  fi
  shift 2
done
exit $fail
`;

export interface ThreadAssignment {
  readonly tid: number;
  readonly cpus: readonly number[];
  /** `vcpu 0`, `I/O thread 1`, `emulator`: for messages. */
  readonly role: string;
  /** vCPU, I/O and main threads must exist; helper threads may exit while we work. */
  readonly required: boolean;
}

/** Which CPUs each thread must get, from the plan and the threads QEMU reported. Pure. */
export function threadAssignments(plan: PinPlan, threads: ThreadRecord, pid: number): ThreadAssignment[] {
  const out: ThreadAssignment[] = [];
  for (const tid of threads.emulator) out.push({ tid, cpus: plan.emulator.cpus, role: tid === pid ? 'emulator (main thread)' : 'emulator', required: tid === pid });
  for (const v of threads.vcpus) {
    const p = plan.vcpus.find((x) => x.index === v.index);
    if (!p) throw new PinApplyError(`QEMU reports vCPU ${v.index}, which the pin plan does not have (plan: vCPUs 0-${plan.vcpus.length - 1}); the argv and the plan disagree`);
    out.push({ tid: v.threadId, cpus: p.cpus, role: `vcpu ${v.index}`, required: true });
  }
  for (const io of threads.iothreads) {
    const p = plan.iothreads.find((x) => x.id === io.id);
    if (!p) throw new PinApplyError(`QEMU reports I/O thread ${io.qomId}, which the pin plan does not have (plan: ${plan.iothreads.map((x) => `iothread${x.id}`).join(', ') || 'none'}); the argv and the plan disagree`);
    out.push({ tid: io.threadId, cpus: p.cpus, role: `I/O thread ${io.id}`, required: true });
  }
  return out;
}

/** The plan as stored in status.json. */
export function pinRecord(plan: PinPlan, threads: ThreadRecord): PinRecord {
  const present = new Set(threads.vcpus.map((v) => v.index));
  return {
    vcpus: plan.vcpus.filter((v) => present.has(v.index)).map((v) => ({ index: v.index, cpus: formatCpuList(v.cpus) })),
    emulator: formatCpuList(plan.emulator.cpus),
    iothreads: plan.iothreads.map((t) => ({ id: t.id, cpus: formatCpuList(t.cpus) })),
    mems: plan.mems === null ? null : formatCpuList(plan.mems),
  };
}

export interface AppliedPins {
  readonly cgroup: CgroupPlacement;
  /** The threads as read back after pinning. */
  readonly readBack: readonly ThreadAffinity[];
}

/** cgroup (where possible), affinity, read-back. Throws PinApplyError naming the thread, the plan and what the kernel says. */
export async function applyPins(
  t: Transport,
  opts: { readonly pid: number; readonly uuid: string; readonly plan: PinPlan; readonly threads: ThreadRecord; readonly cpuset: CpusetMount },
): Promise<AppliedPins> {
  const { pid, plan, threads } = opts;
  const assignments = threadAssignments(plan, threads, pid);

  const groups: CgroupThreadGroup[] = [
    { child: 'emulator', cpus: formatCpuList(plan.emulator.cpus), tids: [] },
    ...threads.vcpus.map((v) => ({ child: `vcpu${v.index}`, cpus: formatCpuList(plan.vcpus.find((p) => p.index === v.index)!.cpus), tids: [v.threadId] })),
    ...threads.iothreads.map((io) => ({ child: `iothread${io.id}`, cpus: formatCpuList(plan.iothreads.find((p) => p.id === io.id)!.cpus), tids: [io.threadId] })),
  ];
  const all = formatCpuList(assignments.flatMap((a) => a.cpus));
  const cgroup = await placeInCpusetCgroup(t, opts.cpuset, {
    uuid: opts.uuid,
    pid,
    allCpus: all,
    mems: plan.mems === null ? null : formatCpuList(plan.mems),
    groups,
  });

  const args: string[] = [];
  for (const a of assignments) args.push(String(a.tid), formatCpuList(a.cpus));
  const r = await t.exec(['sh', '-c', TASKSET_SCRIPT, 'sh', ...args], { timeoutMs: 60000 });
  const failures = new Map<number, string>();
  for (const line of r.stdout.toString('utf8').split('\n')) {
    const m = /^(\d+)\t(.*)$/.exec(line);
    if (m) failures.set(Number(m[1]), m[2].trim());
  }
  const readBack = await readThreads(t, pid);
  const live = new Map(readBack.map((x) => [x.tid, x]));
  for (const a of assignments) {
    const now = live.get(a.tid);
    const want = formatCpuList(a.cpus);
    if (!now) {
      if (a.required) throw new PinApplyError(`${a.role} (thread ${a.tid}) is gone from /proc/${pid}/task: QEMU lost a thread it reported; its stderr may say why`);
      continue; // a helper thread that exited meanwhile
    }
    const failed = failures.get(a.tid);
    if (failed !== undefined) {
      const hint = /not found/.test(failed) ? ' Install taskset (Debian/RHEL package util-linux).' : '';
      throw new PinApplyError(`taskset -p -c ${want} ${a.tid} for ${a.role} failed: ${failed}.${hint}`);
    }
    if (formatCpuList(parseCpuList(now.cpus)) !== want) {
      const cg = cgroup.kind === 'cpuset-v1' ? ` (cgroup ${cgroup.path})` : '';
      throw new PinApplyError(
        `${a.role} (thread ${a.tid}) reads back Cpus_allowed_list ${now.cpus} in /proc/${pid}/task/${a.tid}/status, but the plan is ${want}${cg}; ` +
          'a cpuset that excludes planned CPUs (the cgroup virtform runs in, or a container limit) is the usual cause: check /proc/self/status Cpus_allowed_list on the host',
      );
    }
  }
  if (r.code !== 0 && failures.size === 0) {
    throw new PinApplyError(`the taskset run failed (exit ${r.code}): ${r.stderr.toString('utf8').trim()}`);
  }
  return { cgroup, readBack };
}
