/**
 * The per-host lock: one virtform command at a time changes a host's state directory.
 *
 * How it works: a small host process takes `flock` on `<stateDir>/lock` and then reads its
 * stdin (`cat`) until our end of the channel closes. flock's lock lives as long as that
 * process, so:
 * - release() closes stdin: cat ends, the holder record is removed, flock exits and the kernel
 *   drops the lock;
 * - if the client dies or the SSH connection drops, stdin reaches end-of-file just the same,
 *   so a crashed apply never leaves the host locked, and no lock-breaking command is needed.
 *
 * The holder record `<stateDir>/lock.holder.json` says who holds the lock (user, client host,
 * client pid, command, stack, start time, and `hostPid`, the host process keeping it). It is
 * written by the holding process itself after flock succeeded and before we are told the lock
 * is ours, and removed by it before flock lets go. A record left behind by a killed holder is
 * therefore stale but harmless: the lock is free and the next holder overwrites it.
 *
 * Invariants:
 * - A second acquire while the lock is held fails with StateError LOCKED naming the holder,
 *   or saying that the holder is unknown when the record is missing or its process is gone.
 * - `assertHeld` throws LOCK_NOT_HELD once the lock was released or its process died (the
 *   connection dropped): writers check it before every change.
 * - The host needs `flock` (util-linux) and a POSIX sh.
 */
import * as os from 'os';
import * as path from 'path';
import type { HostProcess, Transport } from '../../host';
import { StateError } from './state-error';
import type { Actor } from './ownership-record';

/** flock's exit status when the lock is held elsewhere (`--conflict-exit-code`). */
const CONFLICT = 75;
const READY = /virtform-lock-held (\d+)\n/;

/** Who holds a host lock. */
export interface LockHolder extends Actor {
  /** Pid of the host process that keeps the lock (the shell running under flock). */
  readonly hostPid: number;
  /** Pid of the virtform process on the client. */
  readonly clientPid: number;
  /** The command line the user ran, e.g. `virtform apply`. */
  readonly command: string;
  /** The stack being applied, when there is one. */
  readonly stack?: string;
  /** ISO-8601 UTC time the lock was taken. */
  readonly startedAt: string;
}

export interface AcquireLockOptions {
  /** What the user ran; shown to whoever finds the host locked. */
  readonly command: string;
  readonly stack?: string;
  /** Wait up to this many milliseconds for the lock instead of failing at once. Default 0. */
  readonly waitMs?: number;
  /** Who is asking. Default: the local user and host name. */
  readonly actor?: Actor;
}

/** The login name and host name of this client. */
export function currentActor(): Actor {
  let user: string;
  try {
    user = os.userInfo().username;
  } catch {
    user = process.env.USER ?? `uid ${process.getuid?.() ?? '?'}`;
  }
  return { user, clientHost: os.hostname() };
}

export function lockPaths(stateDir: string): { lock: string; holder: string } {
  return { lock: path.posix.join(stateDir, 'lock'), holder: path.posix.join(stateDir, 'lock.holder.json') };
}

// $1 state dir, $2 holder JSON without its opening brace, $3 wait seconds ('' = fail at once).
// The inner shell writes the holder record (atomically, with its own pid), announces the lock,
// blocks on stdin, and removes the record before flock releases.
const LOCK_SCRIPT = `
umask 077
mkdir -p -- "$1" || exit 71
command -v flock >/dev/null 2>&1 || { echo 'flock: not found (install util-linux)' >&2; exit 127; }
if [ -n "$3" ]; then set -- "$1" "$2" -w "$3"; else set -- "$1" "$2" -n; fi
exec flock "$3" \${4:+"$4"} -E ${CONFLICT} "$1/lock" sh -c '
h=$1/lock.holder.json
printf "{\\"hostPid\\":%s,%s" "$$" "$2" >"$h.tmp.$$" && mv -f "$h.tmp.$$" "$h" || exit 70
echo "virtform-lock-held $$"
cat >/dev/null
rm -f "$h"
' sh "$1" "$2"
`;

export class HostLock {
  private isHeld = true;
  private releasing: Promise<void> | undefined;

  private constructor(
    private readonly transport: Transport,
    readonly stateDir: string,
    readonly holder: LockHolder,
    private readonly proc: HostProcess,
  ) {
    void proc.exited.then(
      () => (this.isHeld = false),
      () => (this.isHeld = false),
    );
  }

  /** Takes the lock on the host behind `transport`, or throws LOCKED naming the holder. */
  static async acquire(transport: Transport, stateDir: string, opts: AcquireLockOptions): Promise<HostLock> {
    const actor = opts.actor ?? currentActor();
    const fields = {
      user: actor.user,
      clientHost: actor.clientHost,
      clientPid: process.pid,
      command: opts.command,
      ...(opts.stack !== undefined ? { stack: opts.stack } : {}),
      startedAt: new Date().toISOString(),
    };
    const tail = JSON.stringify(fields).slice(1);
    const wait = opts.waitMs ? (opts.waitMs / 1000).toFixed(3) : '';
    const proc = await transport.spawn(['sh', '-c', LOCK_SCRIPT, 'sh', stateDir, tail, wait]);
    let out = '';
    let err = '';
    proc.stderr.on('data', (b: Buffer) => (err += b.toString('utf8')));
    const hostPid = await new Promise<number | { code: number | null }>((resolve) => {
      const onData = (b: Buffer): void => {
        out += b.toString('utf8');
        const m = READY.exec(out);
        if (m) {
          proc.stdout.removeListener('data', onData);
          resolve(Number(m[1]));
        }
      };
      proc.stdout.on('data', onData);
      proc.exited.then(
        (e) => resolve({ code: e.code }),
        () => resolve({ code: null }),
      );
    });
    const { lock } = lockPaths(stateDir);
    if (typeof hostPid === 'number') {
      proc.stdout.resume();
      return new HostLock(transport, stateDir, { hostPid, ...fields }, proc);
    }
    if (hostPid.code === CONFLICT) {
      const holder = await readLockHolder(transport, stateDir);
      throw new StateError('LOCKED', lockedMessage(transport.hostLabel, lock, holder, opts.waitMs));
    }
    if (hostPid.code === 127) {
      throw new StateError('LOCK_FAILED', `${transport.hostLabel}: cannot lock ${lock}: ${err.trim() || 'flock not found'}. Install util-linux on the host.`);
    }
    throw new StateError(
      'LOCK_FAILED',
      `${transport.hostLabel}: cannot lock ${lock} (exit ${hostPid.code ?? 'by signal'}): ${err.trim() || 'no message'}. ` +
        `Check that ${stateDir} is a writable directory.`,
    );
  }

  /** False once released, or once the holding process ended (connection lost). */
  get held(): boolean {
    return this.isHeld;
  }

  /** Throws LOCK_NOT_HELD unless the lock is held; `what` says what was about to happen. */
  assertHeld(what: string): void {
    if (!this.isHeld) {
      throw new StateError(
        'LOCK_NOT_HELD',
        `${this.transport.hostLabel}: cannot ${what}: the host lock on ${lockPaths(this.stateDir).lock} is no longer held ` +
          `(it was released, or the connection to the host dropped). Nothing was changed; run the command again.`,
      );
    }
  }

  /** Releases the lock and waits until the host process has let go. Idempotent. */
  release(): Promise<void> {
    this.releasing ??= (async () => {
      this.isHeld = false;
      try {
        this.proc.stdin.end();
      } catch {
        // The channel is already gone (connection lost): so is the lock.
      }
      const timer = setTimeout(() => this.proc.kill('SIGTERM'), 10000);
      try {
        await this.proc.exited;
      } catch {
        // The connection dropped: the kernel released the lock with the process.
      } finally {
        clearTimeout(timer);
      }
    })();
    return this.releasing;
  }
}

/**
 * The holder record as the holder wrote it, plus whether its host process still runs.
 * null when there is no record (nobody holds the lock, or a non-virtform process does).
 */
export async function readLockHolder(transport: Transport, stateDir: string): Promise<(LockHolder & { readonly alive: boolean }) | null> {
  const { holder } = lockPaths(stateDir);
  const r = await transport.exec(['sh', '-c', 'cat -- "$1" || exit 3; printf "\\0"; h=$(sed -n \'s/^{"hostPid":\\([0-9]*\\),.*/\\1/p\' "$1"); [ -n "$h" ] && [ -d "/proc/$h" ] && echo alive || echo dead', 'sh', holder]);
  if (r.code !== 0) return null;
  const text = r.stdout.toString('utf8');
  const nul = text.lastIndexOf('\0');
  try {
    const h = JSON.parse(text.slice(0, nul)) as LockHolder;
    if (typeof h.hostPid !== 'number' || typeof h.user !== 'string') return null;
    return { ...h, alive: text.slice(nul + 1).trim() === 'alive' };
  } catch {
    return null;
  }
}

function lockedMessage(host: string, lock: string, h: (LockHolder & { alive: boolean }) | null, waitMs?: number): string {
  const waited = waitMs ? ` after waiting ${waitMs} ms` : '';
  if (h && h.alive) {
    return (
      `${host}: the host is locked${waited} by another virtform command: '${h.command}' run by ${h.user}@${h.clientHost} ` +
      `(client pid ${h.clientPid}${h.stack !== undefined ? `, stack '${h.stack}'` : ''}) since ${h.startedAt}; host process ${h.hostPid} holds ${lock}. ` +
      `Wait for it to finish and run your command again. If that command hangs, stop it on ${h.clientHost}; ` +
      `the lock is released as soon as its connection ends.`
    );
  }
  return (
    `${host}: the host is locked${waited}, but the holder is unknown: ${h ? `the holder record names host process ${h.hostPid}, which has exited (a stale record)` : 'there is no holder record'}. ` +
    `The lock may have just changed hands, or another program holds ${lock}. Run the command again; if it stays locked, find the holder with 'fuser -v ${lock}' on the host.`
  );
}
