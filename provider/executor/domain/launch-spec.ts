/**
 * LaunchSpec: everything the lifecycle needs to start one domain, built by the caller (the
 * apply step, or a test) independently of how the QEMU argv was made. And `launchArgv`, the
 * pure step that completes the caller's argv with what the lifecycle owns.
 *
 * The lifecycle owns `-pidfile <run>/NAME/pid` (the caller must not give it) and the detaching
 * of QEMU: QEMU never gets `-daemonize` (refused in argv), because it forks after installing its
 * seccomp filter and `-sandbox ...,spawn=deny` kills it with SIGSYS; the launcher starts QEMU in
 * a session of its own instead (`detachedLaunchCommand`). The lifecycle also guarantees `-S` (start frozen: pin before any guest code runs), `-name guest=NAME,
 * debug-threads=on` (thread names in /proc), `-uuid UUID` (the PID-reuse guard) and the QMP
 * monitor on `<run>/NAME/qmp.sock` (server=on,wait=off). Each is added when the argv lacks it;
 * an argv that has it in a contradicting form (another UUID, a QMP monitor elsewhere) is refused.
 * The argv builder (provider/qemu/argv, ArgvContext.monitor = {kind:'socket', path:qmpSocket})
 * already emits -S, -name, -uuid and the monitor; a hand-built test argv may leave them out.
 */
import { createHash } from 'crypto';
import type { PinPlan } from '../../../planner/pin-plan';
import { memlockLaunchPrefix } from '../vfio/memlock';
import type { DomainRunPaths } from './run-paths';
import type { DomainHost } from './domain-host';
import type { DisplayRecord, DomainStatusRecord, HeldResources, HugepageRecord, VfioDeviceRecord } from './status-record';

export interface QmpCommand {
  readonly execute: string;
  readonly arguments?: Record<string, unknown>;
}

export interface LaunchSpec {
  readonly name: string;
  /** The domain's UUID, lower-case canonical form. */
  readonly uuid: string;
  /** QEMU binary and arguments. */
  readonly argv: readonly string[];
  /** Environment for QEMU (QemuCommandLine.env). */
  readonly env?: Readonly<Record<string, string>>;
  /** planner/pin-plan's result for this domain on this host. */
  readonly pins: PinPlan;
  /**
   * The serial console's unix socket: the caller gave the serial a socket chardev in server
   * mode on this path (normally DomainRunPaths.consoleSocket; `consoleChardevArgs` builds one).
   * `virtform console` connects to it.
   */
  readonly consoleSocket?: string;
  /** Start like `virsh start --paused`: fully launched and pinned, but no `cont`. */
  readonly paused?: boolean;
  /** QMP commands to run after pinning, before `cont` (e.g. `set-action` from startupSetAction). */
  readonly beforeCont?: readonly QmpCommand[];
  /**
   * What to do with QEMU when a later command finds the guest powered off or crashed
   * (`<on_poweroff>`, `<on_crash>`): `destroy` (default) stops QEMU, `preserve` keeps it for
   * inspection. Restarting is the apply step's business (it has the spec to launch again).
   */
  readonly lifecycle?: { readonly onPoweroff?: 'destroy' | 'preserve'; readonly onCrash?: 'destroy' | 'preserve' };
  /** Hash of the desired state this launch realises (compared by plan); default: sha256 of argv, env, pins, console. */
  readonly specHash?: string;
  /** PCI devices the VFIO step bound for this domain: recorded, and handed to release hooks after exit. */
  readonly vfio?: readonly VfioDeviceRecord[];
  /** Hugepages the hugepage step took for this domain: recorded, and handed to release hooks after exit. */
  readonly hugepages?: readonly HugepageRecord[];
  /**
   * Host preparation run by the launcher after `<run>/NAME/` and the early status.json exist and
   * before QEMU is spawned, in order (private files, hugepages, VFIO devices, taps...). What each
   * step returns is merged into status.json before the next one runs, so that the release hooks
   * give it back whatever happens later (a failed step, a failed launch, destroy, reap).
   */
  readonly hostSteps?: readonly LaunchHostStep[];
  /** Resource limits QEMU starts with: `prlimit --memlock=N:N --` in front of the QEMU argv (VFIO pins guest RAM). */
  readonly rlimits?: { readonly memlockBytes: number | 'unlimited' };
  /** The VNC/SPICE listeners QEMU was given (ports picked for autoport displays): recorded in status.json. */
  readonly displays?: readonly DisplayRecord[];
}

/**
 * One host preparation step of a launch. `run` returns what it took (recorded, then given back
 * by DomainHost.releaseHooks after QEMU exits). A step that throws must undo its own work first;
 * what earlier steps took is released by the launcher.
 */
export interface LaunchHostStep {
  /** Names the step in errors and timings: `prepare hugepages`. */
  readonly name: string;
  run(ctx: { readonly host: DomainHost; readonly paths: DomainRunPaths; readonly record: DomainStatusRecord }): Promise<HeldResources | void>;
}

/** Thrown by launchArgv: the message names the option and the fix. */
export class LaunchSpecError extends Error {}

/** QEMU's option syntax: `,` separates, `,,` is a literal comma. */
export function splitQemuOptions(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < text.length; i++) {
    if (text[i] === ',') {
      if (text[i + 1] === ',') {
        cur += ',';
        i++;
        continue;
      }
      out.push(cur);
      cur = '';
    } else {
      cur += text[i];
    }
  }
  out.push(cur);
  return out;
}

export function escapeQemuOption(value: string): string {
  return value.replace(/,/g, ',,');
}

function optionMap(text: string): { type: string; props: Map<string, string> } {
  const parts = splitQemuOptions(text);
  const props = new Map<string, string>();
  let type = '';
  parts.forEach((p, i) => {
    const eq = p.indexOf('=');
    if (eq < 0) {
      if (i === 0) type = p;
      else props.set(p, 'on');
    } else {
      props.set(p.slice(0, eq), p.slice(eq + 1));
    }
  });
  return { type, props };
}

/** `-chardev socket,id=ID,path=PATH,server=on,wait=off` and `-serial chardev:ID` for the serial console. */
export function consoleChardevArgs(socketPath: string, id = 'charserial0'): string[] {
  return ['-chardev', `socket,id=${id},path=${escapeQemuOption(socketPath)},server=on,wait=off`, '-serial', `chardev:${id}`];
}

/** The QEMU argv to run: the caller's argv completed as described above. Pure. Throws LaunchSpecError. */
export function launchArgv(spec: LaunchSpec, paths: DomainRunPaths): string[] {
  if (spec.argv.length === 0) throw new LaunchSpecError('argv is empty: it must start with the QEMU binary');
  const args = spec.argv.slice(1);
  const opt = (name: string): number[] => args.flatMap((a, i) => (a === name || a === `-${name}` ? [i] : []));
  if (opt('-daemonize').length) {
    throw new LaunchSpecError(
      'argv has -daemonize; remove it: the launcher detaches QEMU itself (QEMU would fork after installing its seccomp sandbox, which -sandbox spawn=deny punishes with SIGSYS)',
    );
  }
  if (opt('-pidfile').length) throw new LaunchSpecError(`argv has -pidfile, which the launcher sets itself (${paths.pidFile}); remove it`);
  const extra: string[] = [];

  const uuids = opt('-uuid').map((i) => args[i + 1] ?? '');
  for (const u of uuids) {
    if (u.toLowerCase() !== spec.uuid.toLowerCase()) throw new LaunchSpecError(`argv has -uuid ${u}, but the domain's UUID is ${spec.uuid}; they must agree (the UUID identifies the QEMU process later)`);
  }
  if (uuids.length === 0) extra.push('-uuid', spec.uuid);

  if (opt('-name').length === 0) extra.push('-name', `guest=${escapeQemuOption(spec.name)},debug-threads=on`);
  if (opt('-S').length === 0) extra.push('-S');

  // The QMP monitor: a socket chardev on paths.qmpSocket used by a control-mode -mon, or -qmp unix:PATH.
  const chardevs = new Map<string, { path?: string; server: boolean }>();
  for (const i of opt('-chardev')) {
    const { type, props } = optionMap(args[i + 1] ?? '');
    if (type === 'socket' && props.has('id')) chardevs.set(props.get('id')!, { path: props.get('path'), server: props.get('server') === 'on' });
  }
  const qmpPaths: string[] = [];
  for (const i of opt('-mon')) {
    const { type, props } = optionMap(args[i + 1] ?? '');
    const chardev = props.get('chardev') ?? (type.startsWith('chardev=') ? type.slice(8) : undefined);
    if (props.get('mode') === 'control' && chardev !== undefined) {
      const c = chardevs.get(chardev);
      qmpPaths.push(c?.path ?? `(chardev ${chardev}, not a unix socket path)`);
    }
  }
  for (const i of opt('-qmp')) {
    const v = args[i + 1] ?? '';
    const m = /^unix:([^,]*)/.exec(v);
    qmpPaths.push(m ? m[1] : v);
  }
  for (const p of qmpPaths) {
    if (p !== paths.qmpSocket) {
      throw new LaunchSpecError(`argv puts a QMP monitor on ${p}; the launcher and later commands use ${paths.qmpSocket}. Build the argv with the monitor socket ${paths.qmpSocket} (ArgvContext.monitor)`);
    }
  }
  if (qmpPaths.length === 0) {
    extra.push(
      '-chardev', `socket,id=charmonitor,path=${escapeQemuOption(paths.qmpSocket)},server=on,wait=off`,
      '-mon', 'chardev=charmonitor,id=monitor,mode=control',
    );
  }

  if (spec.consoleSocket !== undefined) {
    const found = [...chardevs.values()].some((c) => c.path === spec.consoleSocket && c.server);
    if (!found) {
      throw new LaunchSpecError(
        `consoleSocket is ${spec.consoleSocket}, but argv has no socket chardev in server mode on that path; ` +
          `give the serial -chardev socket,id=charserial0,path=${spec.consoleSocket},server=on,wait=off (consoleChardevArgs)`,
      );
    }
  }

  return [spec.argv[0], ...args, ...extra, '-pidfile', paths.pidFile];
}

/**
 * Starts QEMU detached and waits for the launcher's go-ahead (host side, POSIX sh; the launcher
 * runs it with Transport.spawn and reads its stdout as it comes):
 * - `setsid` puts QEMU in a session of its own (no controlling terminal, no SIGHUP when the SSH
 *   channel closes); it execs directly, because a fresh background child is never a process
 *   group leader, so `$!` is QEMU's pid (as is the pidfile's; prlimit also execs);
 * - QEMU runs in `/`, as a daemon does (libvirt too): it never holds the caller's working folder
 *   busy (every path virtform gives it is absolute);
 * - stdin is /dev/null, stdout and stderr are appended to `<run>/NAME/qemu.log` (mode 0600) for
 *   QEMU's whole life;
 * - it prints `listening` once the QMP socket exists, so that the launcher connects only then
 *   (never polling a socket that is not there yet);
 * - it stays QEMU's parent only while the launch connects to the monitor, so that a QEMU that dies
 *   during startup is reaped here and its exit status is known: it then prints `exited STATUS`
 *   (128+N for signal N). When the launcher has QMP, it creates the go file and the script prints
 *   `detached PID` and exits: QEMU is reparented and nothing of virtform stays. After POLLS × 50 ms
 *   without either it prints `timeout PID` (the launcher kills QEMU).
 * Arguments: $1 the log file, $2 the go file, $3 the QMP socket, $4 the number of polls, then the
 * argv to run.
 */
export const DETACH_SCRIPT = `umask 077
log=$1 go=$2 sock=$3 n=$4
shift 4
: >>"$log" || exit 125
(cd / && exec setsid "$@" </dev/null >>"$log" 2>&1) &
c=$!
i=0 l=
while :; do
  s=$(cat "/proc/$c/stat" 2>/dev/null)
  r=\${s##*) }
  case $r in ''|Z*|X*) wait "$c"; echo "exited $?"; exit 0;; esac
  [ -z "$l" ] && [ -S "$sock" ] && { echo listening; l=1; }
  [ -e "$go" ] && { rm -f -- "$go"; echo "detached $c"; exit 0; }
  [ "$i" -ge "$n" ] && { echo "timeout $c"; exit 0; }
  sleep 0.05
  i=$((i + 1))
done
`;

/** The go-ahead file of DETACH_SCRIPT: `<run>/NAME/.detach`. */
export function detachGoFile(paths: DomainRunPaths): string {
  return `${paths.dir}/.detach`;
}

/**
 * The host command that starts `qemuArgv` (launchArgv's result) detached, with the rlimits
 * prefix and QEMU's environment:
 * `sh -c DETACH_SCRIPT sh LOG GO QMPSOCK POLLS [prlimit --memlock=N:N --] [env -i -- K=V...] QEMU ARGS...`.
 * With `env`, QEMU gets exactly those variables and nothing of the caller's environment, as
 * libvirt starts QEMU with a cleared one (locally virtform's own environment would otherwise leak
 * into QEMU, over SSH the session's): the same domain sees the same environment on every transport.
 * Every value is its own argv element. Pure; throws LaunchSpecError on a variable name that is not
 * a shell name (`env` would read `A=B=C` as `A` = `B=C`), or a binary path with `=` (env would take
 * it for one more variable).
 */
export function detachedLaunchCommand(
  qemuArgv: readonly string[],
  paths: DomainRunPaths,
  opts: { readonly timeoutMs: number; readonly rlimits?: LaunchSpec['rlimits']; readonly env?: LaunchSpec['env'] },
): string[] {
  const polls = Math.max(1, Math.ceil(opts.timeoutMs / 50));
  const m = opts.rlimits?.memlockBytes;
  const prefix = m === undefined ? [] : memlockLaunchPrefix(m);
  const env: string[] = [];
  if (opts.env !== undefined) {
    if (qemuArgv[0]?.includes('=')) {
      throw new LaunchSpecError(`the QEMU binary path ${JSON.stringify(qemuArgv[0])} contains '=', which env(1) would read as a variable; use a path without '='`);
    }
    env.push('env', '-i', '--');
    for (const [k, v] of Object.entries(opts.env)) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) {
        throw new LaunchSpecError(`environment variable name ${JSON.stringify(k)} is not a shell name (letters, digits and _, not starting with a digit); rename it`);
      }
      env.push(`${k}=${v}`);
    }
  }
  return ['sh', '-c', DETACH_SCRIPT, 'sh', paths.logFile, detachGoFile(paths), paths.qmpSocket, String(polls), ...prefix, ...env, ...qemuArgv];
}

/** How DETACH_SCRIPT ended: QEMU detached, exited during startup, or still not confirmed at the timeout. */
export type DetachOutcome =
  | { readonly kind: 'detached'; readonly pid: number }
  | { readonly kind: 'exited'; readonly status: number }
  | { readonly kind: 'timeout'; readonly pid: number };

/** The outcome in DETACH_SCRIPT's output (its last line); undefined when there is none. */
export function parseDetachOutcome(stdout: string): DetachOutcome | undefined {
  const last = stdout.trim().split('\n').pop() ?? '';
  const m = /^(detached|exited|timeout) (\d+)\s*$/.exec(last.trim());
  if (!m) return undefined;
  const n = Number(m[2]);
  return m[1] === 'exited' ? { kind: 'exited', status: n } : { kind: m[1] as 'detached' | 'timeout', pid: n };
}

/** `status 1`, `signal 31 (SIGSYS)`: a shell exit status in words. */
export function describeExitStatus(status: number): string {
  if (status > 128 && status < 128 + 65) {
    const n = status - 128;
    const name = SIGNAL_NAMES[n];
    return `signal ${n}${name ? ` (SIG${name})` : ''}`;
  }
  return `status ${status}`;
}

const SIGNAL_NAMES: Readonly<Record<number, string>> = {
  1: 'HUP', 2: 'INT', 3: 'QUIT', 4: 'ILL', 5: 'TRAP', 6: 'ABRT', 7: 'BUS', 8: 'FPE', 9: 'KILL', 10: 'USR1',
  11: 'SEGV', 12: 'USR2', 13: 'PIPE', 14: 'ALRM', 15: 'TERM', 31: 'SYS',
};

/** sha256 (hex) of what a launch realises, when the caller gives no specHash. */
export function defaultSpecHash(spec: LaunchSpec): string {
  const canonical = JSON.stringify({
    argv: spec.argv,
    env: Object.entries(spec.env ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    pins: spec.pins,
    console: spec.consoleSocket ?? null,
  });
  return createHash('sha256').update(canonical).digest('hex');
}
