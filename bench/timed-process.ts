/**
 * Runs one command (an argv array, never a shell line) and measures its wall time, from just
 * before spawn until the process has exited and its output is closed: what a user waiting for
 * the command sees, process start-up included.
 */
import { spawn } from 'child_process';

export interface TimedRun {
  readonly ms: number;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface TimedRunOptions {
  readonly env?: NodeJS.ProcessEnv;
  /** Killed (SIGKILL) after this many milliseconds. Default 300000. */
  readonly timeoutMs?: number;
}

/** Current time in milliseconds with sub-millisecond resolution (monotonic). */
export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

export function runTimed(argv: readonly string[], opts: TimedRunOptions = {}): Promise<TimedRun> {
  return new Promise((resolve, reject) => {
    const t0 = nowMs();
    const child = spawn(argv[0], argv.slice(1), { env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 300_000);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`cannot start ${argv[0]}: ${e.message}`));
    });
    child.once('close', (code, signal) => {
      const ms = nowMs() - t0;
      clearTimeout(timer);
      resolve({ ms, code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}

/** runTimed, failing unless the command exits 0; the error shows the command and its stderr. */
export async function runTimedOk(argv: readonly string[], opts: TimedRunOptions = {}): Promise<TimedRun> {
  const r = await runTimed(argv, opts);
  if (r.code !== 0) {
    const detail = (r.stderr.trim() || r.stdout.trim()).split('\n').slice(-6).join('\n');
    throw new Error(`${argv.join(' ')} exited ${r.code ?? r.signal}: ${detail}`);
  }
  return r;
}
