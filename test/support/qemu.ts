/**
 * Starts real QEMU processes for tests with plain node child_process/net (the production path
 * goes through provider/host's Transport, which these tests do not depend on).
 */
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { promisify } from 'util';

const execFileP = promisify(execFile);

export const QEMU_X86_64 = '/usr/bin/qemu-system-x86_64';
export const QEMU_IMG = '/usr/bin/qemu-img';

/** Why tests that need `binary` cannot run here, or undefined when they can. */
export function missingBinaryReason(binary: string): string | undefined {
  try {
    fs.accessSync(binary, fs.constants.X_OK);
    return undefined;
  } catch {
    return `${binary} is not installed (Debian: apt-get install qemu-system-x86 qemu-utils)`;
  }
}

/** `describe` when `reason` is undefined, otherwise a skipped block whose title states the reason. */
export function describeUnless(reason: string | undefined): jest.Describe {
  if (reason === undefined) return describe;
  const skipped = ((name: string, fn: () => void) => describe.skip(`${name} (skipped: ${reason})`, fn)) as jest.Describe;
  return skipped;
}

export interface RunningQemu {
  readonly pid: number;
  readonly dir: string;
  readonly qmpSocket: string;
  /** SIGKILLs the process if it still runs and removes its directory. */
  stop(): Promise<void>;
}

/** A fresh private directory for one QEMU process (unix socket paths must stay below 108 bytes). */
export function makeRunDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `vf-${prefix}-`));
}

/**
 * Runs `qemu-system-x86_64 ARGS -qmp unix:DIR/qmp.sock,server=on,wait=off -pidfile DIR/pid
 * -daemonize`. -daemonize returns once the monitor socket exists.
 */
export async function startQemu(args: readonly string[], dir = makeRunDir('qemu')): Promise<RunningQemu> {
  const qmpSocket = path.join(dir, 'qmp.sock');
  const pidFile = path.join(dir, 'pid');
  try {
    await execFileP(QEMU_X86_64, [
      ...args,
      '-qmp', `unix:${qmpSocket},server=on,wait=off`,
      '-pidfile', pidFile,
      '-daemonize',
    ]);
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`QEMU did not start: ${err.stderr || err.message}`);
  }
  const pid = Number(fs.readFileSync(pidFile, 'utf8').trim());
  return {
    pid,
    dir,
    qmpSocket,
    async stop() {
      if (processAlive(pid)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
        await waitForExit(pid, 5000);
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie still answers kill(0); a daemonized QEMU is reparented to init, which reaps it.
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Polls until `pid` is gone; resolves false on timeout. */
export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!processAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return !processAlive(pid);
}

export function connectUnix(socketPath: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(socketPath);
    sock.once('connect', () => {
      sock.off('error', reject);
      resolve(sock);
    });
    sock.once('error', reject);
  });
}

/** `qemu-system-x86_64 --version` first line, e.g. `QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)`. */
export async function qemuVersionLine(binary = QEMU_X86_64): Promise<string> {
  const { stdout } = await execFileP(binary, ['--version']);
  return stdout.split('\n')[0];
}
