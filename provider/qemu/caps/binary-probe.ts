/**
 * Probes a QEMU binary on a host: starts it with `-machine none` (no guest, no devices), asks QMP
 * what it can do, and quits it. This is what `virtform hosts` and the executor use when the cache
 * (./caps-cache.ts) has nothing current.
 *
 * The probe QEMU is started with `-daemonize`: the command returns only once the monitor socket
 * exists, so there is no race between start and connect, and the same steps work over SSH (no fd
 * passing). One QEMU runs under `-accel kvm -accel tcg` (KVM when it works, TCG otherwise); when
 * KVM worked, a second one under `-accel tcg` supplies the TCG machine list and CPU usability,
 * which differ from KVM's.
 */
import type { Transport } from '../../host/transport';
import { QmpClient } from '../qmp';
import { capsFromQmp, ProbeResult } from './qmp-probe';
import type { QemuCaps } from './qemu-caps';
import type { QmpAsk } from './qmp-transcript';

/** The part of a Transport a probe needs. */
export type QemuProbeHost = Pick<Transport, 'hostLabel' | 'exec' | 'connectUnix'>;

export interface ProbeOptions {
  /**
   * A host directory for the probe's socket and pid files; it must exist and be private.
   * @default a fresh `mktemp -d /tmp/virtform-probe.XXXXXX`, removed afterwards
   */
  readonly workDir?: string;
  /** Milliseconds allowed for starting QEMU and for each QMP answer. @default 30000 */
  readonly timeoutMs?: number;
}

/** Probes `binary` on `host` and returns its caps. */
export async function probeQemuCaps(host: QemuProbeHost, binary: string, opts: ProbeOptions = {}): Promise<QemuCaps> {
  return (await probeQemuBinary(host, binary, opts)).caps;
}

/** As {@link probeQemuCaps}, also returning the evidence the flags were derived from. */
export async function probeQemuBinary(host: QemuProbeHost, binary: string, opts: ProbeOptions = {}): Promise<ProbeResult> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  let dir = opts.workDir;
  const ownDir = dir === undefined;
  if (dir === undefined) {
    const r = await host.exec(['mktemp', '-d', '/tmp/virtform-probe.XXXXXX'], { timeoutMs });
    if (r.code !== 0) throw new Error(`cannot create a probe directory on ${host.hostLabel}: ${r.stderr.toString().trim()}`);
    dir = r.stdout.toString().trim();
  }
  try {
    const main = await startProbe(host, binary, dir, 'main', ['-accel', 'kvm', '-accel', 'tcg'], timeoutMs);
    try {
      const kvm = (await main.ask('query-kvm')) as { present: boolean; enabled: boolean };
      let tcg: ProbeSession | undefined;
      try {
        if (kvm.present && kvm.enabled) tcg = await startProbe(host, binary, dir, 'tcg', ['-accel', 'tcg'], timeoutMs);
        return await capsFromQmp({ main: main.ask, tcg: tcg?.ask }, binary);
      } finally {
        await tcg?.stop();
      }
    } finally {
      await main.stop();
    }
  } finally {
    if (ownDir) await host.exec(['rm', '-rf', '--', dir], { timeoutMs });
  }
}

interface ProbeSession {
  readonly ask: QmpAsk;
  stop(): Promise<void>;
}

async function startProbe(
  host: QemuProbeHost,
  binary: string,
  dir: string,
  name: string,
  accelArgs: readonly string[],
  timeoutMs: number,
): Promise<ProbeSession> {
  const socket = `${dir}/${name}.qmp`;
  const pidFile = `${dir}/${name}.pid`;
  const argv = [
    binary,
    '-S',
    '-no-user-config',
    '-nodefaults',
    '-display', 'none',
    '-machine', 'none',
    ...accelArgs,
    '-qmp', `unix:${socket},server=on,wait=off`,
    '-pidfile', pidFile,
    '-daemonize',
  ];
  const started = await host.exec(argv, { timeoutMs });
  if (started.code !== 0) {
    throw new Error(
      `cannot probe ${binary} on ${host.hostLabel}: it exited with status ${started.code ?? started.signal}: ` +
        `${started.stderr.toString().trim() || '(no output)'}`,
    );
  }
  const label = `the probe monitor ${socket} on ${host.hostLabel}`;
  let qmp: QmpClient;
  try {
    qmp = await QmpClient.connect(await host.connectUnix(socket), { label, timeoutMs });
  } catch (e) {
    await killByPidFile(host, pidFile);
    throw e;
  }
  return {
    ask: (command, args) => qmp.execute(command, args, { timeoutMs }),
    async stop() {
      if (!qmp.isClosed) {
        // `quit` makes QEMU exit; the reply may race the socket closing, which is fine.
        await qmp.execute('quit', undefined, { timeoutMs }).catch(() => undefined);
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([qmp.closed, new Promise((r) => (timer = setTimeout(r, timeoutMs)))]);
        clearTimeout(timer);
        qmp.destroy();
      }
      await killByPidFile(host, pidFile);
    },
  };
}

/** Makes sure the probe QEMU is gone: SIGKILL by the pid QEMU wrote (harmless when it already exited). */
async function killByPidFile(host: QemuProbeHost, pidFile: string): Promise<void> {
  const r = await host.exec(['cat', '--', pidFile]);
  const pid = r.code === 0 ? r.stdout.toString().trim() : '';
  if (!/^\d+$/.test(pid)) return;
  const alive = await host.exec(['kill', '-0', pid]);
  if (alive.code !== 0) return;
  // Guard against PID reuse: only a QEMU that still holds our pid file's path in its cmdline.
  const cmdline = await host.exec(['cat', `/proc/${pid}/cmdline`]);
  if (cmdline.code === 0 && cmdline.stdout.toString().split('\0').includes(pidFile)) {
    await host.exec(['kill', '-KILL', pid]);
  }
}
