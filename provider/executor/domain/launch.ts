/**
 * Launching a domain without a daemon: QEMU is started detached (SPAWN_SCRIPT), virtform pins it and leaves.
 *
 * Steps (each named in errors as `launch: STEP`):
 *  1. check the spec and the run-dir layout (pure), then the pin plan against the CPUs online
 *     now: a pin to a CPU the host lacks fails here, before anything is created;
 *  2. a previous run dir: refuse when its QEMU is alive, clean it up when it is not;
 *  3. create `<run>/NAME/`, write status.json (phase `starting`) before QEMU exists, as libvirt
 *     writes its early status, so that a crash of virtform here is visible to later commands;
 *  4. spawn QEMU detached with -S -pidfile (SPAWN_SCRIPT, not -daemonize) and wait for its QMP
 *     greeting (QEMU has initialised); a QEMU that exits instead fails with its status and log;
 *  5. read the pidfile, check the process carries the UUID, record its start time;
 *  6. query-status must be `prelaunch`; query-cpus-fast (vCPU threads),
 *     query-iothreads, /proc/PID/task (emulator threads);
 *  7. pin: cpuset cgroup where possible, affinity for every thread, read back and compare;
 *  8. status.json with threads, pins, cgroup; the `beforeCont` commands; `cont` (unless paused);
 *  9. status.json phase `started`; close the monitor (QEMU serves one client at a time).
 * Anything failing in 4-8 kills QEMU (SIGKILL: it never ran guest code), removes its cgroup and
 * the run dir, and rethrows: no half-started domain stays behind. If virtform itself dies in
 * between, the next command finds phase `starting` and a QEMU in prelaunch, and kills it once
 * it is older than LAUNCH_DEADLINE_MS (see reconnect.ts).
 *
 * QEMU's stdout and stderr go to `<run>/NAME/qemu.log` for its whole life (warnings included),
 * as libvirt keeps a domain log.
 */
import { constants as osConstants } from 'os';
import * as path from 'path';
import { parseCpuList } from '../../../model/cpu-list';
import { checkPinPlanOnline } from '../../../planner/pin-plan';
import type { ExecResult } from '../../host/transport';
import { QmpClient, QmpTimeoutError } from '../../qemu/qmp';
import { probeCpusetMount, removeCpusetCgroup, type CpusetMount } from './cpuset-cgroup';
import { hostNow, makeRunDir, readRunDir, removeRunDir, writeStatus, type DomainHost } from './domain-host';
import { DomainError } from './errors';
import { defaultSpecHash, launchArgv, LaunchSpecError, type LaunchSpec } from './launch-spec';
import { identityMismatch, readPidfileProcess, readProcess, signalProcess, waitForExit } from './qemu-process';
import { reapExited, probeLiveness } from './reconnect';
import { domainRunPaths, type DomainRunPaths } from './run-paths';
import type { DomainStatusRecord } from './status-record';
import { applyPins, pinRecord, PinApplyError } from './thread-pinning';

/**
 * Starts QEMU detached, as libvirt does (its own fork, setsid, exec), never with QEMU's
 * `-daemonize`: QEMU 7.2 installs its seccomp filter and creates `thread-context` objects before
 * it forks to daemonize, so with libvirt's `-sandbox ...,spawn=deny` it dies of SIGSYS and with a
 * `prealloc-context` its preallocation waits forever for a thread the fork left behind.
 *
 * `sh -c SPAWN_SCRIPT sh LOG READY QEMU ARGS...`: QEMU runs in a new session with stdin from
 * /dev/null and stdout/stderr appended to LOG (the domain's qemu.log, libvirt's domain log), in
 * `/` (as a daemon). The script stays QEMU's parent until the launcher, having had QEMU's QMP
 * greeting, creates READY: it then prints QEMU's pid and exits 0, and QEMU lives on reparented
 * (no virtform process stays). READY.cancel instead makes it SIGKILL QEMU. If QEMU exits first, the script exits with QEMU's status
 * (128+N for signal N) and prints LOG on stderr: the launch error carries QEMU's own message.
 */
export const SPAWN_SCRIPT = `
log=$1; ready=$2; shift 2
cd / || exit 125
if command -v setsid >/dev/null 2>&1; then
  setsid "$@" </dev/null >>"$log" 2>&1 &
else
  "$@" </dev/null >>"$log" 2>&1 &
fi
pid=$!
while :; do
  if [ -e "$ready" ]; then rm -f "$ready"; printf '%s\\n' "$pid"; exit 0; fi
  [ -e "$ready.cancel" ] && kill -9 "$pid" 2>/dev/null
  s=$(cat "/proc/$pid/stat" 2>/dev/null) || break
  s=\${s##*) }
  case $s in Z*|X*) break;; esac
  sleep 0.02 2>/dev/null || sleep 1
done
wait "$pid"; st=$?
cat "$log" >&2
exit "$st"
`;

/** The file in the run dir whose creation tells SPAWN_SCRIPT that QEMU is up. */
export const LAUNCH_READY_FILE = 'launch.ready';
/** READY + this: the launch failed before QEMU was up; SPAWN_SCRIPT kills QEMU (SIGKILL) and ends. */
const CANCEL_SUFFIX = '.cancel';

/** `SIGKILL` for 9; the number when the name is unknown. */
function signalName(n: number): string {
  return Object.entries(osConstants.signals).find(([, v]) => v === n)?.[0] ?? String(n);
}

/** Steps 4-8 must finish within this time; a later command kills a QEMU left in prelaunch after it (plus a margin). */
export const LAUNCH_DEADLINE_MS = 120_000;

export interface LaunchOptions {
  /** Where the cpuset controller is (HostFacts.cgroups.cpuset); probed from /proc/mounts when absent. */
  readonly cpuset?: CpusetMount;
  /** Per QMP command and for the greeting. Default 30000 ms. */
  readonly monitorTimeoutMs?: number;
  /** For starting QEMU, until its QMP greeting (memory preallocation happens here). Default and cap: LAUNCH_DEADLINE_MS. */
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
  const hostFiles = await t.readFiles(['/sys/devices/system/cpu/online', '/proc/mounts']);
  const onlineText = hostFiles.get('/sys/devices/system/cpu/online')?.toString('utf8');
  if (onlineText === undefined || onlineText === null) {
    throw fail('PREFLIGHT', 'check pins against online CPUs', `cannot read /sys/devices/system/cpu/online on the host; is /sys mounted?`);
  }
  const issues = checkPinPlanOnline(spec.pins, parseCpuList(onlineText), host);
  if (issues.length > 0) {
    throw fail('PREFLIGHT', 'check pins against online CPUs', issues.map((i) => `${i.path}: ${i.problem} (fix: ${i.fix})`).join('; ') + '. Nothing was started.');
  }
  const cpuset = opts.cpuset !== undefined ? opts.cpuset : await probeCpusetMount(t, hostFiles.get('/proc/mounts')?.toString('utf8') ?? '');
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
  };
  try {
    await makeRunDir(h, paths, record);
  } catch (e) {
    await removeRunDir(h, paths).catch(() => undefined);
    throw fail('SPAWN', 'create the run directory', (e as Error).message);
  }
  lap('rundir');

  // 4-9. From here on, any failure kills QEMU and removes everything.
  // Everything from spawn to cont fits in LAUNCH_DEADLINE_MS, so that a QEMU still in prelaunch
  // after that (plus reconnect's margin) is known to be abandoned, never a launch in progress.
  const deadline = Date.now() + LAUNCH_DEADLINE_MS;
  const left = (capMs: number): number => Math.max(1, Math.min(capMs, deadline - Date.now()));
  const monitorTimeoutMs = opts.monitorTimeoutMs ?? 30000;
  let step = 'start QEMU';
  let pid: number | undefined;
  let qmp: QmpClient | undefined;
  const readyFile = path.posix.join(paths.dir, LAUNCH_READY_FILE);
  let spawnResult: ExecResult | Error | undefined;
  let spawned: Promise<unknown> | undefined;
  try {
    const spawnBudget = left(opts.spawnTimeoutMs ?? LAUNCH_DEADLINE_MS);
    spawned = t
      .exec(['sh', '-c', SPAWN_SCRIPT, 'sh', paths.logFile, readyFile, ...argv], { timeoutMs: spawnBudget + 5000, ...(spec.env ? { env: spec.env } : {}) })
      .then(
        (r) => (spawnResult = r),
        (e: Error) => (spawnResult = e),
      );
    const spawnFailure = (r: ExecResult | Error): DomainError => {
      if (r instanceof Error) return fail('SPAWN', step, r.message);
      const stderr = r.stderr.toString('utf8').trim() || '(no message on stderr)';
      const how = r.code === null ? `signal ${r.signal}` : r.code > 128 && r.code < 160 ? `signal ${signalName(r.code - 128)}` : `status ${r.code}`;
      return fail('SPAWN', step, `${binary} exited with ${how}: ${stderr}`);
    };

    // QEMU greets on its monitor once it has initialised (memory allocated, devices created):
    // that is the end of its start. Until then, watch for it exiting instead.
    const spawnDeadline = Date.now() + spawnBudget;
    while (qmp === undefined) {
      if (spawnResult !== undefined) throw spawnFailure(spawnResult);
      if (Date.now() > spawnDeadline) throw fail('TIMEOUT', step, `QEMU did not answer on its monitor ${paths.qmpSocket} within ${spawnBudget} ms`);
      const stream = await t.connectUnix(paths.qmpSocket).catch(() => undefined);
      if (stream === undefined) {
        await Promise.race([spawned, new Promise((r) => setTimeout(r, 25))]);
        continue;
      }
      qmp = await QmpClient.connect(stream, { label: `the QMP monitor ${paths.qmpSocket} on ${host}`, timeoutMs: Math.max(1, spawnDeadline - Date.now()) }).catch(
        async (e: Error) => {
          // The monitor closed before greeting: QEMU is exiting; its status and log say why.
          await Promise.race([spawned, new Promise((r) => setTimeout(r, 5000))]);
          if (spawnResult !== undefined) throw spawnFailure(spawnResult);
          if (e instanceof QmpTimeoutError) throw fail('TIMEOUT', step, `QEMU did not greet on its monitor ${paths.qmpSocket} within ${spawnBudget} ms`);
          throw fail('MONITOR', 'connect to the QMP monitor', e.message);
        },
      );
    }
    await t.writeFile(readyFile, '', 0o600);
    await spawned;
    if (spawnResult instanceof Error || spawnResult?.code !== 0) throw spawnFailure(spawnResult!);
    lap('spawn');

    step = 'read the pidfile';
    const { pidText = '', proc } = await readPidfileProcess(t, paths.pidFile);
    if (!/^[1-9][0-9]*$/.test(pidText)) throw fail('SPAWN', step, `${paths.pidFile} holds '${pidText}' after QEMU started, not a pid`);
    pid = Number(pidText);
    if (!proc) throw fail('SPAWN', step, `QEMU pid ${pid} exited right after starting`);
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
    const applied = await applyPins(t, { pid, uuid: record.uuid, plan: spec.pins, threads: { vcpus, iothreads }, cpuset, timeoutMs: left(60000) });
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
    if (spawned !== undefined && spawnResult === undefined) {
      // QEMU was never reported up: the spawn script still waits; have it kill QEMU and finish.
      await t.writeFile(readyFile + CANCEL_SUFFIX, '', 0o600).catch(() => undefined);
      await Promise.race([spawned, new Promise((r) => setTimeout(r, 10000))]);
    }
    const err =
      e instanceof DomainError
        ? e
        : e instanceof PinApplyError
          ? fail('PIN', step, e.message)
          : fail(step.startsWith('QMP') || step.includes('monitor') ? 'MONITOR' : 'SPAWN', step, (e as Error).message);
    await abortLaunch(h, paths, pid, record, cpuset).catch((cleanup: Error) => {
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
 * Kills a half-started QEMU (SIGKILL at once: it ran no guest code, or only for moments) and
 * removes its cgroup and run dir. Without a pid yet (the launch failed before QEMU greeted), the
 * pidfile names it.
 */
async function abortLaunch(h: DomainHost, paths: DomainRunPaths, knownPid: number | undefined, record: DomainStatusRecord, cpuset: CpusetMount): Promise<void> {
  const t = h.transport;
  const pid = knownPid ?? (await readPidfileProcess(t, paths.pidFile)).proc?.pid;
  if (pid !== undefined) {
    const proc = await readProcess(t, pid);
    if (proc && !identityMismatch(proc, record.uuid, record.pidStartTime)) {
      await signalProcess(t, pid, 'KILL');
      if (!(await waitForExit(t, pid, proc.startTime, 30000))) throw new Error(`QEMU pid ${pid} did not exit within 30 s of SIGKILL`);
    }
  }
  // The placement may have happened even when pinning failed later: remove by its known path.
  await removeCpusetCgroup(t, cpuset?.version === 1 ? { kind: 'cpuset-v1', path: `${cpuset.mountPoint}/virtform/${record.uuid}` } : record.cgroup);
  await removeRunDir(h, paths);
}
