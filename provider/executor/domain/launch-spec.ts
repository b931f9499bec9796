/**
 * LaunchSpec: everything the lifecycle needs to start one domain, built by the caller (the
 * apply step, or a test) independently of how the QEMU argv was made. And `launchArgv`, the
 * pure step that completes the caller's argv with what the lifecycle owns.
 *
 * The lifecycle owns: how QEMU is detached (launch.ts SPAWN_SCRIPT; the caller must not give
 * `-daemonize`, which breaks libvirt's seccomp sandbox and thread contexts) and
 * `-pidfile <run>/NAME/pid` (nor that),
 * and guarantees `-S` (start frozen: pin before any guest code runs), `-name guest=NAME,
 * debug-threads=on` (thread names in /proc), `-uuid UUID` (the PID-reuse guard) and the QMP
 * monitor on `<run>/NAME/qmp.sock` (server=on,wait=off). Each is added when the argv lacks it;
 * an argv that has it in a contradicting form (another UUID, a QMP monitor elsewhere) is refused.
 * The argv builder (provider/qemu/argv, ArgvContext.monitor = {kind:'socket', path:qmpSocket})
 * already emits -S, -name, -uuid and the monitor; a hand-built test argv may leave them out.
 */
import { createHash } from 'crypto';
import type { PinPlan } from '../../../planner/pin-plan';
import type { DomainRunPaths } from './run-paths';
import type { HugepageRecord, VfioDeviceRecord } from './status-record';

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

/** The argv to run: the caller's argv completed as described above. Pure. Throws LaunchSpecError. */
export function launchArgv(spec: LaunchSpec, paths: DomainRunPaths): string[] {
  if (spec.argv.length === 0) throw new LaunchSpecError('argv is empty: it must start with the QEMU binary');
  const args = spec.argv.slice(1);
  const opt = (name: string): number[] => args.flatMap((a, i) => (a === name || a === `-${name}` ? [i] : []));
  for (const own of ['-daemonize', '-pidfile']) {
    if (opt(own).length) {
      throw new LaunchSpecError(
        own === '-pidfile'
          ? `argv has -pidfile, which the launcher sets itself (${paths.pidFile}); remove it`
          : 'argv has -daemonize; the launcher starts QEMU detached itself (QEMU forks to daemonize after its seccomp sandbox and thread contexts exist, which breaks both); remove it',
      );
    }
  }
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
