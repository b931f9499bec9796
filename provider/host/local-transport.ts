/**
 * Transport for this machine (qemu:///embed and qemu:///system). Commands run through
 * child_process.spawn with an argv array: never through a shell, so no quoting is involved.
 *
 * Invariants:
 * - exec never rejects for a non-zero exit. A missing program gives code 127 and a stderr
 *   line, as a shell would (so callers see the same result locally and over SSH).
 * - exec rejects with HostError('TIMEOUT') after timeoutMs, having sent SIGKILL.
 * - writeFile is atomic: a temp file in the same directory, fsync'd, then renamed over.
 */
import { spawn as spawnChild, type ChildProcess } from 'child_process';
import { promises as fsp, constants as fsc } from 'fs';
import * as net from 'net';
import * as path from 'path';
import type { Duplex } from 'stream';
import { HostError } from './errors';
import type { ExecOptions, ExecResult, HostProcess, Transport } from './transport';

export class LocalTransport implements Transport {
  readonly hostLabel = 'localhost';

  constructor(readonly uri: string) {}

  exec(argv: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
    checkArgv(argv);
    return new Promise((resolve, reject) => {
      const child = this.start(argv, opts);
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout!.on('data', (b: Buffer) => out.push(b));
      child.stderr!.on('data', (b: Buffer) => err.push(b));
      let timer: NodeJS.Timeout | undefined;
      let timedOut = false;
      if (opts.timeoutMs !== undefined) {
        timer = setTimeout(() => {
          timedOut = true;
          child.kill('SIGKILL');
        }, opts.timeoutMs);
      }
      let spawnError: NodeJS.ErrnoException | undefined;
      child.on('error', (e: NodeJS.ErrnoException) => {
        spawnError = e;
      });
      // stdin errors (EPIPE when the command exits without reading) are not the command's result.
      child.stdin!.on('error', () => undefined);
      child.stdin!.end(opts.stdin ?? '');
      child.on('close', (code, signal) => {
        if (timer) clearTimeout(timer);
        if (timedOut) {
          reject(new HostError('TIMEOUT', `localhost: '${argv[0]}' ran longer than ${opts.timeoutMs} ms and was killed (SIGKILL). Raise timeoutMs if it is just slow.`));
          return;
        }
        if (spawnError) {
          resolve(spawnFailure(argv[0], spawnError));
          return;
        }
        resolve({ code, ...(signal ? { signal } : {}), stdout: Buffer.concat(out), stderr: Buffer.concat(err) });
      });
    });
  }

  spawn(argv: readonly string[], opts: Omit<ExecOptions, 'stdin' | 'timeoutMs'> = {}): Promise<HostProcess> {
    checkArgv(argv);
    return new Promise((resolve, reject) => {
      const child = this.start(argv, opts);
      child.once('error', (e: NodeJS.ErrnoException) =>
        reject(new HostError(e.code === 'ENOENT' ? 'NOT_FOUND' : 'IO', `localhost: cannot start '${argv[0]}': ${e.message}. Check that it is installed and on PATH.`)),
      );
      child.once('spawn', () => {
        const exited = new Promise<{ code: number | null; signal?: string }>((res) =>
          child.once('close', (code, signal) => res({ code, ...(signal ? { signal } : {}) })),
        );
        resolve({
          stdin: child.stdin!,
          stdout: child.stdout!,
          stderr: child.stderr!,
          exited,
          kill: (signal = 'SIGTERM') => void child.kill(signal),
        });
      });
    });
  }

  connectUnix(socketPath: string): Promise<Duplex> {
    return new Promise((resolve, reject) => {
      const sock = net.createConnection(socketPath);
      sock.once('connect', () => {
        sock.removeAllListeners('error');
        resolve(sock);
      });
      sock.once('error', (e: NodeJS.ErrnoException) => reject(unixSocketError('localhost', socketPath, e.code ?? '', e.message)));
    });
  }

  async readFile(p: string): Promise<Buffer> {
    try {
      return await fsp.readFile(p);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      throw new HostError(err.code === 'ENOENT' ? 'NOT_FOUND' : 'IO', `localhost: cannot read ${p}: ${err.code ?? err.message}`);
    }
  }

  async readFiles(paths: readonly string[]): Promise<Map<string, Buffer | null>> {
    const contents = await Promise.all(paths.map((p) => fsp.readFile(p).catch(() => null)));
    return new Map(paths.map((p, i) => [p, contents[i]]));
  }

  async writeFile(p: string, data: Buffer | string, mode = 0o644): Promise<void> {
    const tmp = path.join(path.dirname(p), `.${path.basename(p)}.virtform-${process.pid}-${Date.now()}`);
    try {
      const fh = await fsp.open(tmp, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL, mode);
      try {
        await fh.writeFile(data);
        await fh.chmod(mode); // the umask may have narrowed the open() mode
        await fh.sync();
      } finally {
        await fh.close();
      }
      await fsp.rename(tmp, p);
    } catch (e) {
      await fsp.rm(tmp, { force: true });
      const err = e as NodeJS.ErrnoException;
      throw new HostError(err.code === 'ENOENT' ? 'NOT_FOUND' : 'IO', `localhost: cannot write ${p}: ${err.code ?? err.message}. Check that ${path.dirname(p)} exists and is writable.`);
    }
  }

  async close(): Promise<void> {
    // Nothing to release: every call owns its own child process or file handle.
  }

  private start(argv: readonly string[], opts: Omit<ExecOptions, 'stdin' | 'timeoutMs'>): ChildProcess {
    return spawnChild(argv[0], argv.slice(1), {
      cwd: opts.cwd,
      env: opts.env ? { ...process.env, ...opts.env } : process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
  }
}

function checkArgv(argv: readonly string[]): void {
  if (argv.length === 0 || argv[0] === '') throw new TypeError('exec: argv is empty; a command needs at least argv[0]');
  for (const a of argv) if (a.includes('\0')) throw new TypeError(`exec: argument ${JSON.stringify(a)} contains a NUL byte, which no program argument can carry`);
}

function spawnFailure(cmd: string, e: NodeJS.ErrnoException): ExecResult {
  const code = e.code === 'ENOENT' ? 127 : 126;
  return { code, stdout: Buffer.alloc(0), stderr: Buffer.from(`${cmd}: ${e.code === 'ENOENT' ? 'not found' : e.message}\n`) };
}

/** The message for a unix socket that cannot be opened, shared by both transports. */
export function unixSocketError(host: string, socketPath: string, code: string, detail: string): HostError {
  if (code === 'ENOENT' || /no such file|not a unix socket/i.test(detail)) {
    return new HostError('NOT_FOUND', `${host}: no unix socket at ${socketPath} (${detail.trim()}). Is the process that serves it (QEMU, dnsmasq) running?`);
  }
  if (code === 'ECONNREFUSED' || /refused/i.test(detail)) {
    return new HostError('IO', `${host}: nothing listens on unix socket ${socketPath} (${detail.trim()}); the process that created it has probably exited. Remove the stale socket or restart the process.`);
  }
  return new HostError('IO', `${host}: cannot connect to unix socket ${socketPath}: ${detail.trim()}`);
}
