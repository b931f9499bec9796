/**
 * Launching a domain without a daemon: virtform starts QEMU detached, pins it and leaves.
 *
 * Steps (each named in errors as `launch: STEP`):
 *  1. check the spec and the run-dir layout (pure), then the pin plan against the CPUs online
 *     now: a pin to a CPU the host lacks fails here, before anything is created;
 *  2. a previous run dir: refuse when its QEMU is alive, clean it up when it is not;
 *  3. create `<run>/NAME/`, write status.json (phase `starting`) before QEMU exists, as libvirt
 *     writes its early status, so that a crash of virtform here is visible to later commands;
 *     then the spec's host steps (private files, hugepages, VFIO, taps), each recorded in
 *     status.json as soon as it returns; a failing step releases what the earlier ones took;
 *  4. start QEMU with -S -pidfile in a session of its own (detachedLaunchCommand: no
 *     -daemonize, which dies under `-sandbox spawn=deny`), stdio to `<run>/NAME/qemu.log`;
 *     connect to the QMP socket as soon as it accepts and wait for the greeting; then tell the
 *     host script to let go of QEMU. A QEMU that exits before that is reported with its exit
 *     status and qemu.log verbatim;
 *  5. read the pidfile, check the process carries the UUID, record its start time;
 *  6. QMP handshake; query-status must be `prelaunch`; query-cpus-fast (vCPU threads),
 *     query-iothreads, /proc/PID/task (emulator threads);
 *  7. pin: cpuset cgroup (v1 or v2) where possible, affinity for every thread, read back and compare;
 *  8. status.json with threads, pins, cgroup; the `beforeCont` commands; `cont` (unless paused);
 *  9. status.json phase `started`; close the monitor (QEMU serves one client at a time).
 * Anything failing in 4-8 kills QEMU (SIGKILL: it never ran guest code), releases what the host
 * steps took, removes its cgroup and the run dir, and rethrows: no half-started domain stays
 * behind. If virtform itself dies in between, the next command finds phase `starting` and a
 * QEMU in prelaunch, and kills it once it is older than LAUNCH_DEADLINE_MS (see reconnect.ts).
 *
 * QEMU's stdout and stderr go to `<run>/NAME/qemu.log` for its whole life (warnings included).
 */
import { parseCpuList } from '../../../model/cpu-list';
import { checkPinPlanOnline } from '../../../planner/pin-plan';
import { QmpClient } from '../../qemu/qmp';
import { CGROUP_PROBE_FILES, hostCgroupRunner, probeCgroupLayout, removeCpusetCgroup, type CpusetMount } from './cpuset-cgroup';
import { cpusetDomainPath } from './cpuset-layout';
import { hostNow, makeRunDir, readRunDir, removeRunDir, writeStatus, type DomainHost } from './domain-host';
import { DomainError } from './errors';
import {
  defaultSpecHash,
  describeExitStatus,
  detachedLaunchCommand,
  detachGoFile,
  launchArgv,
  LaunchSpecError,
  parseDetachOutcome,
  type DetachOutcome,
  type LaunchSpec,
} from './launch-spec';
import { identityMismatch, readPidfileProcess, readProcess, signalProcess, waitForExit } from './qemu-process';
import { reapExited, probeLiveness, releaseResources } from './reconnect';
import { domainRunPaths, type DomainRunPaths } from './run-paths';
import { heldResourceNames, withHeld, type DomainStatusRecord } from './status-record';
import { applyPins, pinRecord, PinApplyError } from './thread-pinning';

/** Steps 4-8 must finish within this time; a later command kills a QEMU left in prelaunch after it (plus a margin). */
export const LAUNCH_DEADLINE_MS = 120_000;

export interface LaunchOptions {
  /** Where the cpuset controller is (v1, or v2 with `nested`); probed from /proc/self/mountinfo when absent. */
  readonly cpuset?: CpusetMount;
  /** Per QMP command and for the greeting. Default 30000 ms. */
  readonly monitorTimeoutMs?: number;
  /** For starting QEMU until its monitor greets (memory preallocation happens here). Default and cap: LAUNCH_DEADLINE_MS. */
  readonly spawnTimeoutMs?: number;
}

export interface LaunchResult {
  readonly record: DomainStatusRecord;
  readonly paths: DomainRunPaths;
  /** Milliseconds per step, for diagnostics and benchmarks. */
  readonly timings: Readonly<Record<string, number>>;
}

interface CpuFast {
  readonly 'cpu-index': number;
  readonly 'thread-id': number;
}
interface IothreadInfo {
  readonly id: string;
  readonly 'thread-id': number;
}

export async function launchDomain(h: DomainHost, spec: LaunchSpec, opts: LaunchOptions = {}): Promise<LaunchResult> {
  const t = h.transport;
  const host = t.hostLabel;
  const fail = (code: DomainError['code'], step: string, detail: string): DomainError => new DomainError(code, host, spec.name, `launch: ${step}`, detail);
  const timings: Record<string, number> = {};
  let mark = Date.now();
  const lap = (name: string): void => {
    const now = Date.now();
    timings[name] = now - mark;
    mark = now;
  };

  // 1. Pure checks, then the plan against the CPUs online now.
  let paths: DomainRunPaths;
  let argv: string[];
  try {
    paths = domainRunPaths(h.runDir, spec.name);
    argv = launchArgv(spec, paths);
  } catch (e) {
    if (e instanceof TypeError || e instanceof LaunchSpecError) throw fail('BAD_SPEC', 'check the spec', (e as Error).message);
    throw e;
  }
  if (!/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(spec.uuid)) {
    throw fail('BAD_SPEC', 'check the spec', `uuid '${spec.uuid}' is not a UUID (8-4-4-4-12 hex digits)`);
  }
  const hostFiles = await t.readFiles(['/sys/devices/system/cpu/online', ...(opts.cpuset === undefined ? CGROUP_PROBE_FILES : [])]);
  const onlineText = hostFiles.get('/sys/devices/system/cpu/online')?.toString('utf8');
  if (onlineText === undefined || onlineText === null) {
    throw fail('PREFLIGHT', 'check pins against online CPUs', `cannot read /sys/devices/system/cpu/online on the host; is /sys mounted?`);
  }
  const issues = checkPinPlanOnline(spec.pins, parseCpuList(onlineText), host);
  if (issues.length > 0) {
    throw fail('PREFLIGHT', 'check pins against online CPUs', issues.map((i) => `${i.path}: ${i.problem} (fix: ${i.fix})`).join('; ') + '. Nothing was started.');
  }
  const layout = opts.cpuset === undefined ? await probeCgroupLayout(t, hostFiles) : undefined;
  const cpuset = opts.cpuset !== undefined ? opts.cpuset : layout!.cpuset;
  lap('preflight');

  // 2. A previous run of the same name.
  const previous = await readRunDir(h, spec.name);
  if (previous.dirExists) {
    if (previous.record) {
      const live = await probeLiveness(h, previous.record, previous.pidFromFile);
      if (live.alive) {
        throw fail('ALREADY_RUNNING', 'check for a running QEMU', `QEMU pid ${live.pid} already runs this domain (${paths.dir}). Stop it first (shutdown or destroy).`);
      }
      await reapExited(h, previous.record, 'replaced by a new launch').catch((e: Error) => {
        throw fail('STATE', 'release the previous run', e.message);
      });
    } else if (previous.pidFromFile !== undefined && (await readProcess(t, previous.pidFromFile))) {
      throw fail(
        'STATE',
        'check for a running QEMU',
        `${paths.dir} has no readable status.json (${previous.recordError ?? 'missing'}) but its pidfile names live pid ${previous.pidFromFile}. ` +
          'Check that process by hand and remove the directory once it is not a QEMU of this domain.',
      );
    }
    await removeRunDir(h, paths);
  }
  lap('previous');

  // 3. Run dir and early status.
  const binary = argv[0];
  let record: DomainStatusRecord = {
    format: 1,
    name: spec.name,
    uuid: spec.uuid.toLowerCase(),
    specHash: spec.specHash ?? defaultSpecHash(spec),
    phase: 'starting',
    pid: null,
    pidStartTime: null,
    binary,
    qmpSocket: paths.qmpSocket,
    consoleSocket: spec.consoleSocket ?? null,
    startedAt: hostNow(h),
    startedPaused: spec.paused === true,
    lifecycle: { onPoweroff: spec.lifecycle?.onPoweroff ?? 'destroy', onCrash: spec.lifecycle?.onCrash ?? 'destroy' },
    threads: null,
    pins: null,
    cgroup: null,
    vfio: spec.vfio ?? [],
    hugepages: spec.hugepages ?? [],
    mdevs: [],
    sriov: [],
    taps: [],
    displays: spec.displays ?? [],
  };
  try {
    await makeRunDir(h, paths, record);
  } catch (e) {
    await removeRunDir(h, paths).catch(() => undefined);
    throw fail('SPAWN', 'create the run directory', (e as Error).message);
  }
  lap('rundir');

  // 3b. Host steps, each recorded before the next.
  for (const hostStep of spec.hostSteps ?? []) {
    try {
      const held = await hostStep.run({ host: h, paths, record });
      if (held) {
        record = withHeld(record, held);
        await writeStatus(h, record);
      }
    } catch (e) {
      const err = fail('PREFLIGHT', hostStep.name, `${(e as Error).message.replace(/\.$/, '')}. QEMU was not started.`);
      await giveBack(h, paths, record, 'a host step of the launch failed').catch((cleanup: Error) => {
        err.message += ` (releasing what the earlier steps took also failed: ${cleanup.message})`;
      });
      throw err;
    }
    lap(hostStep.name);
  }

  // 4-9. From here on, any failure kills QEMU and removes everything.
  // Everything from spawn to cont fits in LAUNCH_DEADLINE_MS, so that a QEMU still in prelaunch
  // after that (plus reconnect's margin) is known to be abandoned, never a launch in progress.
  const deadline = Date.now() + LAUNCH_DEADLINE_MS;
  const left = (capMs: number): number => Math.max(1, Math.min(capMs, deadline - Date.now()));
  const monitorTimeoutMs = opts.monitorTimeoutMs ?? 30000;
  let step = 'start QEMU';
  let pid: number | undefined;
  let qmp: QmpClient | undefined;
  let detach: Promise<unknown> | undefined;
  try {
    const spawnMs = left(opts.spawnTimeoutMs ?? LAUNCH_DEADLINE_MS);
    const cmd = detachedLaunchCommand(argv, paths, { timeoutMs: spawnMs, ...(spec.rlimits ? { rlimits: spec.rlimits } : {}), ...(spec.env ? { env: spec.env } : {}) });
    const started = await startDetached(t, cmd, spawnMs + 30000);
    detach = started.ended;
    const exitedEarly = async (): Promise<DomainError> => {
      const step = 'start QEMU';
      const o = await started.ended.catch((e: Error) => e);
      if (o instanceof Error) return fail('SPAWN', step, o.message);
      const log = (await t.readFile(paths.logFile).catch(() => Buffer.alloc(0))).toString('utf8').trim();
      if (o.kind === 'exited') return fail('SPAWN', step, `${binary} exited with ${describeExitStatus(o.status)}: ${log || '(nothing in qemu.log)'}`);
      if (o.kind === 'timeout') pid = o.pid;
      return fail('SPAWN', step, `QEMU pid ${o.pid} ${o.kind === 'timeout' ? `did not open its monitor ${paths.qmpSocket} within ${spawnMs} ms` : 'was let go before its monitor answered'}${log ? `; qemu.log: ${log}` : ''}`);
    };

    // 4. Once the monitor socket exists (or QEMU is gone), connect and wait for the greeting.
    step = 'connect to the QMP monitor';
    if (!(await started.listening)) throw await exitedEarly();
    try {
      qmp = await QmpClient.connect(await t.connectUnix(paths.qmpSocket), { label: `the QMP monitor ${paths.qmpSocket} on ${host}`, timeoutMs: left(spawnMs) });
    } catch (e) {
      // QEMU exiting while starting closes the monitor: report its status and log, not the closed socket.
      const gone = await orAfter(started.ended.then((o) => o.kind === 'exited', () => true), 2000, false);
      if (gone) throw await exitedEarly();
      throw fail('MONITOR', step, (e as Error).message);
    }
    // Let go of QEMU: the host script exits, QEMU is reparented and nothing of virtform stays.
    await t.exec(['touch', '--', detachGoFile(paths)], { timeoutMs: 30000 });
    const outcome = await started.ended.catch((e: Error) => e);
    if (outcome instanceof Error || outcome.kind !== 'detached') throw await exitedEarly();
    const detachedPid = outcome.pid;
    lap('spawn');

    step = 'read the pidfile';
    const { pidText = '', proc } = await readPidfileProcess(t, paths.pidFile);
    if (!/^[1-9][0-9]*$/.test(pidText)) throw fail('SPAWN', step, `${paths.pidFile} holds '${pidText}' after QEMU answered on its monitor, not a pid`);
    pid = Number(pidText);
    if (!proc) throw fail('SPAWN', step, `QEMU pid ${pid} exited right after it started`);
    if (pid !== detachedPid) throw fail('SPAWN', step, `${paths.pidFile} names pid ${pid}, but the process started was pid ${detachedPid}`);
    const mismatch = identityMismatch(proc, spec.uuid, null);
    if (mismatch) throw fail('SPAWN', step, `${mismatch}; ${paths.pidFile} does not name the QEMU just started`);
    record = { ...record, pid, pidStartTime: proc.startTime };

    const q = qmp;
    const exec = async <T>(command: string, args?: Record<string, unknown>): Promise<T> => {
      step = `QMP ${command}`;
      if (Date.now() > deadline) throw fail('TIMEOUT', step, `the launch took longer than ${LAUNCH_DEADLINE_MS} ms before cont`);
      return q.execute<T>(command, args, { timeoutMs: left(monitorTimeoutMs) });
    };
    const status = await exec<{ status: string }>('query-status');
    if (status.status !== 'prelaunch') throw fail('MONITOR', step, `QEMU is in state '${status.status}', expected 'prelaunch' (started with -S)`);
    const cpus = await exec<CpuFast[]>('query-cpus-fast');
    const iothreadInfos = await exec<IothreadInfo[]>('query-iothreads');
    lap('qmp');

    step = 'map QEMU threads';
    const iothreads = iothreadInfos.map((io) => {
      const m = /^iothread(\d+)$/.exec(io.id);
      if (!m) throw fail('BAD_SPEC', step, `QEMU has an I/O thread object '${io.id}'; I/O threads must be named iothreadN (N = the domain's I/O thread id)`);
      return { id: Number(m[1]), qomId: io.id, threadId: io['thread-id'] };
    });
    const vcpus = cpus.map((c) => ({ index: c['cpu-index'], threadId: c['thread-id'] })).sort((a, b) => a.index - b.index);

    step = 'pin threads';
    const applied = await applyPins(t, {
      pid,
      uuid: record.uuid,
      plan: spec.pins,
      threads: { vcpus, iothreads },
      cpuset,
      ...(layout?.noCpuset ? { noCpuset: layout.noCpuset } : {}),
      ...(h.cgroups ? { cgroups: h.cgroups } : {}),
      timeoutMs: left(60000),
    });
    record = { ...record, threads: applied.threads, pins: pinRecord(spec.pins, applied.threads), cgroup: applied.cgroup };
    lap('pin');

    step = 'write status.json';
    await writeStatus(h, record);

    for (const c of spec.beforeCont ?? []) await exec(c.execute, c.arguments);
    if (!spec.paused) await exec('cont');
    lap('cont');

    step = 'write status.json';
    record = { ...record, phase: 'started' };
    await writeStatus(h, record);
  } catch (e) {
    qmp?.destroy();
    const err =
      e instanceof DomainError
        ? e
        : e instanceof PinApplyError
          ? fail('PIN', step, e.message)
          : fail(step.startsWith('QMP') || step.includes('monitor') ? 'MONITOR' : 'SPAWN', step, (e as Error).message);
    await abortLaunch(h, paths, pid, record, cpuset, detach).catch((cleanup: Error) => {
      err.message += ` (cleanup after the failure also failed: ${cleanup.message})`;
    });
    throw err;
  }
  // Launched. Release the monitor (one client at a time); a failure to close politely is no launch failure.
  await qmp.close().catch(() => qmp?.destroy());
  lap('finish');
  return { record, paths, timings };
}

/**
 * Runs the detach script (Transport.spawn, so that its lines arrive as they are printed):
 * `listening` resolves true once QEMU's QMP socket exists, false when the script ended first;
 * `ended` resolves with its outcome (rejects when it printed none, with its stderr).
 */
async function startDetached(
  t: DomainHost['transport'],
  cmd: readonly string[],
  timeoutMs: number,
): Promise<{ listening: Promise<boolean>; ended: Promise<DetachOutcome> }> {
  const proc = await t.spawn(cmd);
  let out = '';
  let err = '';
  let onListening: (v: boolean) => void = () => undefined;
  const listening = new Promise<boolean>((r) => (onListening = r));
  proc.stdout.on('data', (b: Buffer) => {
    out += b.toString('utf8');
    if (/^listening$/m.test(out)) onListening(true);
  });
  proc.stderr.on('data', (b: Buffer) => (err += b.toString('utf8')));
  proc.stdin.end();
  const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
  // The last line may trail the exit status by a moment over SSH: wait for the end of stdout too.
  const stdoutDone = new Promise<void>((r) => {
    proc.stdout.once('end', () => r());
    proc.stdout.once('close', () => r());
  });
  const ended = proc.exited
    .then(async (e) => {
      await orAfter(stdoutDone, 1000, undefined);
      const o = parseDetachOutcome(out);
      if (!o) throw new Error(`the host script that starts QEMU failed (${e.code === null ? `signal ${e.signal}` : `exit ${e.code}`}): ${err.trim() || out.trim() || 'no output'}`);
      return o;
    })
    .finally(() => {
      clearTimeout(timer);
      onListening(false);
    });
  ended.catch(() => undefined);
  return { listening, ended };
}

/**
 * `p`, or `fallback` once `ms` have passed without it. The timer is cleared either way: a grace
 * timer left running keeps node's event loop (and so `virtform apply`) alive until it fires.
 */
async function orAfter<T>(p: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<T>((r) => (timer = setTimeout(() => r(fallback), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Kills a half-started QEMU (SIGKILL at once: it ran no guest code, or only for moments),
 * releases what the host steps took, and removes its cgroup and run dir. Without a pid yet (the
 * spawn timed out), the pidfile names it. When a release fails, status.json is kept (phase
 * `exited`) so that destroy can retry it.
 */
async function abortLaunch(
  h: DomainHost,
  paths: DomainRunPaths,
  knownPid: number | undefined,
  record: DomainStatusRecord,
  cpuset: CpusetMount,
  detach: Promise<unknown> | undefined,
): Promise<void> {
  const t = h.transport;
  const pid = knownPid ?? (await readPidfileProcess(t, paths.pidFile)).proc?.pid;
  if (pid !== undefined) {
    const proc = await readProcess(t, pid);
    if (proc && !identityMismatch(proc, record.uuid, record.pidStartTime)) {
      await signalProcess(t, pid, 'KILL');
      if (!(await waitForExit(t, pid, proc.startTime, 30000))) throw new Error(`QEMU pid ${pid} did not exit within 30 s of SIGKILL`);
    }
  }
  // The host script ends once QEMU is gone (it reaps it).
  await detach?.catch(() => undefined);
  // The placement may have happened even when pinning failed later: remove by its known path.
  const known = cpuset ? ({ kind: cpuset.version === 1 ? 'cpuset-v1' : 'cpuset-v2', path: cpusetDomainPath(cpuset, record.uuid) } as const) : record.cgroup;
  await removeCpusetCgroup(hostCgroupRunner(h), known);
  await giveBack(h, paths, record, 'the launch failed');
}

/**
 * After a failed launch (QEMU not running): the release hooks give back what the host steps took,
 * then the run dir goes. A failed release keeps status.json as `exited` so that destroy retries.
 */
async function giveBack(h: DomainHost, paths: DomainRunPaths, record: DomainStatusRecord, why: string): Promise<void> {
  if (heldResourceNames(record).length) {
    try {
      await releaseResources(h, record);
    } catch (e) {
      await writeStatus(h, { ...record, phase: 'exited', exit: { at: hostNow(h), reason: `${why}; releasing its resources failed: ${(e as Error).message}` } }).catch(() => undefined);
      throw new Error(`${(e as Error).message}; ${paths.statusFile} is kept so that destroy can retry the release`);
    }
  }
  await removeRunDir(h, paths);
}
