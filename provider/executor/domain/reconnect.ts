/**
 * Reconnecting to a domain from an earlier command: status.json + pidfile + /proc + QMP.
 *
 * 1. status.json and the pidfile; a missing run dir is "not running".
 * 2. The PID-reuse guard: the process must be alive (stat state not Z/X), carry `-uuid UUID`
 *    and have the recorded start time. A pid that now belongs to another process is never
 *    adopted nor signalled: the domain is reported shut off.
 * 3. QMP `query-status`, then query-cpus-fast / query-iothreads for the live thread ids. The
 *    monitor is closed before returning: an outside client can connect between commands.
 * 4. Decisions, with `reap` (default true), as libvirt's reconnect would:
 *    - phase `starting` and QEMU still in prelaunch, older than the launch deadline: the launch
 *      died half-way; QEMU "wasn't fully started" and is killed;
 *    - QEMU in state `shutdown` (the guest powered off and -no-shutdown kept QEMU) or
 *      `guest-panicked`: QEMU is told to quit when the record's on_poweroff / on_crash is
 *      `destroy` (the default), as libvirt does on the SHUTDOWN / GUEST_PANICKED event, and kept
 *      (state shutdown / crashed) when it is `preserve`;
 *    - QEMU gone (exited, crashed, killed outside virtform, pid reused): the cgroup is removed,
 *      release hooks run (VFIO, hugepages), sockets and pidfile are removed, and status.json
 *      stays with phase `exited` and the reason, for post-mortem. It is removed by the next
 *      launch of that name or by destroy.
 */
import { QmpClient, QmpClosedError, QmpCommandError, QmpProtocolError, QmpTimeoutError } from '../../qemu/qmp';
import { hostCgroupRunner, removeCpusetCgroup } from './cpuset-cgroup';
import { hostNow, readRunDir, removeRuntimeFiles, runPaths, writeStatus, type DomainHost } from './domain-host';
import { DomainError } from './errors';
import { identityMismatch, killPainfully, processAgeSeconds, readProcess, signalProcess, waitForExit, type ProcessInfo } from './qemu-process';
import { heldResourceNames, type DomainStatusRecord } from './status-record';

/**
 * - running / paused / pmsuspended / crashed: QEMU is alive and says so (crashed = guest-panicked);
 * - shutdown: the guest powered off and QEMU is still there (only when not reaped);
 * - starting: a launch is (or was) under way and QEMU waits in prelaunch;
 * - shutoff: no QEMU (the reason says why);
 * - unknown: QEMU is alive but its monitor could not be asked (another client holds it).
 */
export type DomainState = 'running' | 'paused' | 'pmsuspended' | 'crashed' | 'shutdown' | 'starting' | 'shutoff' | 'unknown';

export interface DomainRuntime {
  readonly name: string;
  readonly state: DomainState;
  /** QEMU's run state (`running`, `prelaunch`, `paused`, `io-error`, ...) or why the domain is shut off or unknown. */
  readonly reason: string;
  /** QEMU's pid; null when shut off. */
  readonly pid: number | null;
  readonly qmpSocket: string;
  readonly consoleSocket: string | null;
  readonly vcpus: readonly { readonly index: number; readonly threadId: number }[];
  readonly iothreads: readonly { readonly id: string; readonly threadId: number }[];
  /** Whether thread ids come live from QMP or from status.json (monitor unavailable). */
  readonly threadsFrom: 'qmp' | 'status' | 'none';
  readonly record: DomainStatusRecord;
}

export interface ReconnectOptions {
  /** Kill half-started and powered-off QEMUs and clean up after gone ones. Default true. */
  readonly reap?: boolean;
  /** For the QMP greeting and each command. Default 5000 ms (a busy monitor answers nothing). */
  readonly monitorTimeoutMs?: number;
  /** A QEMU in prelaunch with phase `starting` younger than this is a launch in progress. Default LAUNCH_DEADLINE_MS + 30 s. */
  readonly startGraceMs?: number;
}

/** Kept in step with launch.ts LAUNCH_DEADLINE_MS (not imported: launch imports this module). */
const DEFAULT_START_GRACE_MS = 120_000 + 30_000;

export interface Liveness {
  readonly alive: boolean;
  readonly pid: number | null;
  readonly proc?: ProcessInfo;
  /** Why it is not alive. */
  readonly why?: string;
}

/** Is the recorded QEMU alive and really ours? Never signals anything. */
export async function probeLiveness(h: DomainHost, record: DomainStatusRecord, pidFromFile?: number): Promise<Liveness> {
  const pid = record.pid ?? pidFromFile ?? null;
  if (pid === null) return { alive: false, pid: null, why: 'QEMU was never started (the launch stopped before it)' };
  const proc = await readProcess(h.transport, pid);
  if (!proc) return { alive: false, pid, why: `QEMU pid ${pid} has exited (guest poweroff, crash, or killed outside virtform)` };
  const mismatch = identityMismatch(proc, record.uuid, record.pidStartTime);
  if (mismatch) return { alive: false, pid, why: `${mismatch}; the stale pidfile was not adopted` };
  return { alive: true, pid, proc };
}

/**
 * After QEMU is gone: removes the cgroup and runs the release hooks (taps, VFIO, hugepages). A hook
 * failure is rethrown after the others ran, so nothing is released twice or forgotten.
 */
export async function releaseResources(h: DomainHost, record: DomainStatusRecord): Promise<void> {
  const held = heldResourceNames(record);
  if (held.length && !(h.releaseHooks ?? []).length) {
    // Never mark such a record released without giving the resources back.
    throw new Error(`the domain holds ${held.join(' and ')}, and this command has no release hook for them; status.json is kept so that a command that has them can release them`);
  }
  const errors: string[] = [];
  try {
    await removeCpusetCgroup(hostCgroupRunner(h), record.cgroup);
  } catch (e) {
    errors.push((e as Error).message);
  }
  for (const hook of h.releaseHooks ?? []) {
    try {
      await hook(h, record);
    } catch (e) {
      errors.push((e as Error).message);
    }
  }
  if (errors.length) throw new Error(errors.join('; '));
}

/** QEMU is gone without virtform stopping it: release, keep status.json as `exited` with the reason. */
export async function reapExited(h: DomainHost, record: DomainStatusRecord, reason: string): Promise<DomainStatusRecord> {
  if (record.phase === 'exited') return record;
  await releaseResources(h, record);
  const exited: DomainStatusRecord = { ...record, phase: 'exited', exit: { at: hostNow(h), reason } };
  await writeStatus(h, exited);
  await removeRuntimeFiles(h, runPaths(h, record.name));
  return exited;
}

const PAUSED_STATES = new Set(['paused', 'debug', 'inmigrate', 'io-error', 'postmigrate', 'finish-migrate', 'restore-vm', 'save-vm', 'watchdog', 'colo', 'internal-error']);

/** QMP RunState → DomainState (for a QEMU that is alive and finished launching). Pure. */
export function stateOfRunState(status: string): DomainState {
  if (status === 'running') return 'running';
  if (status === 'prelaunch' || PAUSED_STATES.has(status)) return 'paused';
  if (status === 'suspended') return 'pmsuspended';
  if (status === 'shutdown') return 'shutdown';
  if (status === 'guest-panicked') return 'crashed';
  return 'unknown';
}

interface CpuFast {
  readonly 'cpu-index': number;
  readonly 'thread-id': number;
}

export async function reconnectDomain(h: DomainHost, name: string, opts: ReconnectOptions = {}): Promise<DomainRuntime> {
  const t = h.transport;
  const reap = opts.reap ?? true;
  const run = await readRunDir(h, name);
  const err = (code: DomainError['code'], step: string, detail: string): DomainError => new DomainError(code, t.hostLabel, name, `reconnect: ${step}`, detail);
  if (!run.dirExists) throw err('NOT_RUNNING', 'read status.json', `no run directory ${run.paths.dir}: the domain is not running on this host (or runs under another state root)`);
  if (!run.record) {
    throw err('STATE', 'read status.json', `${run.recordError ?? `${run.paths.statusFile} is missing`}. Remove ${run.paths.dir} once no QEMU of this domain runs`);
  }
  let record = run.record;
  const shutoff = (rec: DomainStatusRecord, reason: string): DomainRuntime => ({
    name,
    state: 'shutoff',
    reason,
    pid: null,
    qmpSocket: rec.qmpSocket,
    consoleSocket: rec.consoleSocket,
    vcpus: [],
    iothreads: [],
    threadsFrom: 'none',
    record: rec,
  });
  if (record.phase === 'exited') return shutoff(record, record.exit?.reason ?? 'QEMU exited');

  const live = await probeLiveness(h, record, run.pidFromFile);
  if (!live.alive) {
    const reason = record.phase === 'starting' ? `the launch did not finish; ${live.why}` : live.why!;
    if (reap) record = await reapExited(h, record, reason);
    return shutoff(record, reason);
  }
  const pid = live.pid!;
  const proc = live.proc!;
  const fromRecord = (state: DomainState, reason: string): DomainRuntime => ({
    name,
    state,
    reason,
    pid,
    qmpSocket: record.qmpSocket,
    consoleSocket: record.consoleSocket,
    vcpus: record.threads?.vcpus ?? [],
    iothreads: (record.threads?.iothreads ?? []).map((io) => ({ id: io.qomId, threadId: io.threadId })),
    threadsFrom: record.threads ? 'status' : 'none',
    record,
  });

  const monitorTimeoutMs = opts.monitorTimeoutMs ?? 5000;
  let qmp: QmpClient;
  try {
    qmp = await QmpClient.connect(await t.connectUnix(record.qmpSocket), {
      label: `the QMP monitor ${record.qmpSocket} on ${t.hostLabel}`,
      timeoutMs: monitorTimeoutMs,
    });
  } catch (e) {
    return fromRecord('unknown', `QEMU pid ${pid} is alive but its monitor did not answer: ${(e as Error).message}`);
  }
  try {
    const { status } = await qmp.execute<{ status: string }>('query-status', undefined, { timeoutMs: monitorTimeoutMs });

    if (record.phase === 'starting') {
      if (status === 'prelaunch') {
        const ageS = await processAgeSeconds(t, proc.startTime);
        const grace = opts.startGraceMs ?? DEFAULT_START_GRACE_MS;
        if (!reap || (ageS !== undefined && ageS * 1000 < grace)) {
          return fromRecord('starting', `a launch is under way or was interrupted (QEMU in prelaunch for ${ageS?.toFixed(0) ?? '?'} s)`);
        }
        await qmp.close();
        await signalProcess(t, pid, 'KILL');
        await waitForExit(t, pid, proc.startTime, 30000);
        const reason = "QEMU wasn't fully started (the launch never finished and it stayed paused in prelaunch); killed";
        record = await reapExited(h, record, reason);
        return shutoff(record, reason);
      }
      // The launch got past `cont` but not to its last write.
      record = { ...record, phase: 'started' };
      await writeStatus(h, record);
    }

    const ended = status === 'shutdown' ? 'the guest powered off' : status === 'guest-panicked' ? 'the guest crashed' : undefined;
    const action = status === 'shutdown' ? record.lifecycle.onPoweroff : record.lifecycle.onCrash;
    if (ended && reap && action === 'destroy') {
      // -no-shutdown (and the panic action) kept QEMU for us to stop, as <on_poweroff>/<on_crash> say.
      await qmp.execute('quit', undefined, { timeoutMs: monitorTimeoutMs }).catch(() => undefined);
      await qmp.close();
      if (!(await waitForExit(t, pid, proc.startTime, 10000))) await killPainfully(t, pid, proc.startTime);
      record = await reapExited(h, record, ended);
      return shutoff(record, ended);
    }

    const cpus = await qmp.execute<CpuFast[]>('query-cpus-fast', undefined, { timeoutMs: monitorTimeoutMs });
    const iothreads = await qmp.execute<{ id: string; 'thread-id': number }[]>('query-iothreads', undefined, { timeoutMs: monitorTimeoutMs });
    return {
      name,
      state: stateOfRunState(status),
      reason: status,
      pid,
      qmpSocket: record.qmpSocket,
      consoleSocket: record.consoleSocket,
      vcpus: cpus.map((c) => ({ index: c['cpu-index'], threadId: c['thread-id'] })).sort((a, b) => a.index - b.index),
      iothreads: iothreads.map((io) => ({ id: io.id, threadId: io['thread-id'] })),
      threadsFrom: 'qmp',
      record,
    };
  } catch (e) {
    // The monitor failed mid-conversation (QEMU exiting, a command timing out): report, don't guess.
    if (e instanceof QmpTimeoutError || e instanceof QmpClosedError || e instanceof QmpProtocolError || e instanceof QmpCommandError) {
      return fromRecord('unknown', `QEMU pid ${pid} is alive but its monitor failed: ${e.message}`);
    }
    throw e;
  } finally {
    await qmp.close();
  }
}
