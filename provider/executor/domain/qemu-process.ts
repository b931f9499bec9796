/**
 * A QEMU process on a host, seen through procfs over the Transport: is it alive, is it ours,
 * which threads does it have and where may they run; signals and waiting for exit.
 *
 * Invariants:
 * - Liveness comes from /proc/PID/stat's state: `Z` (zombie) and `X` (dead) count as gone.
 *   Daemonized QEMU is reparented to PID 1, which may reap late, so `kill -0` (true for a
 *   zombie) is never used.
 * - "Ours" means: /proc/PID/cmdline carries `-uuid UUID` with the domain's UUID, and, when
 *   recorded, the process start time (/proc/PID/stat field 22) matches. A reused pid fails
 *   that test and is never signalled.
 * - Every check is one round trip (readFiles or one small sh script with positional
 *   arguments; no value is concatenated into a shell line).
 */
import type { Transport } from '../../host/transport';

export interface ProcessInfo {
  readonly pid: number;
  /** One-letter state from /proc/PID/stat (R, S, D, T, Z, X, ...). */
  readonly state: string;
  /** Clock ticks after boot when the process started (stat field 22). */
  readonly startTime: number;
  /** argv, from /proc/PID/cmdline. */
  readonly cmdline: readonly string[];
}

/** Splits /proc/PID/stat after the command name (which may hold spaces and parentheses). */
export function parseProcStat(text: string): { state: string; startTime: number } | undefined {
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  const rest = text.slice(close + 2).trim().split(/\s+/);
  // rest[0] is field 3 (state); field 22 (starttime) is rest[19].
  const startTime = Number(rest[19]);
  if (!rest[0] || !Number.isFinite(startTime)) return undefined;
  return { state: rest[0], startTime };
}

/** The process `pid`, or undefined when there is none (or it is a zombie: it is then gone too). */
export async function readProcess(t: Transport, pid: number): Promise<ProcessInfo | undefined> {
  const statPath = `/proc/${pid}/stat`;
  const cmdPath = `/proc/${pid}/cmdline`;
  const files = await t.readFiles([statPath, cmdPath]);
  const stat = files.get(statPath);
  if (!stat) return undefined;
  const parsed = parseProcStat(stat.toString('utf8'));
  if (!parsed || parsed.state === 'Z' || parsed.state === 'X') return undefined;
  const raw = files.get(cmdPath)?.toString('utf8') ?? '';
  const cmdline = raw.split('\0');
  if (cmdline[cmdline.length - 1] === '') cmdline.pop();
  return { pid, state: parsed.state, startTime: parsed.startTime, cmdline };
}

const PIDFILE_PROCESS_SCRIPT = `
p=$(cat "$1" 2>/dev/null) || exit 3
printf '%s\\0' "$p"
case $p in ''|*[!0-9]*) exit 0;; esac
cat "/proc/$p/stat" 2>/dev/null
printf '\\0'
cat "/proc/$p/cmdline" 2>/dev/null
exit 0
`;

/**
 * Reads a pidfile and the process it names in one round trip. `pidText` is the pidfile's
 * content (trimmed; undefined when there is no pidfile); `proc` the live process, if any.
 */
export async function readPidfileProcess(t: Transport, pidFile: string): Promise<{ pidText?: string; proc?: ProcessInfo }> {
  const r = await t.exec(['sh', '-c', PIDFILE_PROCESS_SCRIPT, 'sh', pidFile], { timeoutMs: 30000 });
  if (r.code === 3) return {};
  const out = r.stdout;
  const a = out.indexOf(0);
  if (a < 0) return {};
  const pidText = out.subarray(0, a).toString('utf8').trim();
  if (!/^[1-9][0-9]*$/.test(pidText)) return { pidText };
  const b = out.indexOf(0, a + 1);
  if (b < 0) return { pidText };
  const parsed = parseProcStat(out.subarray(a + 1, b).toString('utf8'));
  if (!parsed || parsed.state === 'Z' || parsed.state === 'X') return { pidText };
  const cmdline = out.subarray(b + 1).toString('utf8').split('\0');
  if (cmdline[cmdline.length - 1] === '') cmdline.pop();
  return { pidText, proc: { pid: Number(pidText), state: parsed.state, startTime: parsed.startTime, cmdline } };
}

/** Why `p` is not the domain's QEMU, or undefined when it is. */
export function identityMismatch(p: ProcessInfo, uuid: string, startTime: number | null): string | undefined {
  const i = p.cmdline.indexOf('-uuid');
  const has = i >= 0 && (p.cmdline[i + 1] ?? '').toLowerCase() === uuid.toLowerCase();
  if (!has) {
    const cmd = p.cmdline.slice(0, 3).join(' ');
    return `pid ${p.pid} is now another process ('${cmd.length > 80 ? cmd.slice(0, 80) + '…' : cmd}'), whose command line does not carry -uuid ${uuid}`;
  }
  if (startTime !== null && p.startTime !== startTime) {
    return `pid ${p.pid} carries the UUID but started at tick ${p.startTime}, not ${startTime}: it is another process`;
  }
  return undefined;
}

/** A thread of a process with its allowed CPUs as the kernel prints them (`0-1`). */
export interface ThreadAffinity {
  readonly tid: number;
  readonly cpus: string;
  /** /proc/PID/task/TID/comm, e.g. `CPU 0/TCG`, `IO iothread1`. */
  readonly comm: string;
}

const THREADS_SCRIPT = `
for t in /proc/"$1"/task/[0-9]*; do
  a=$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' "$t/status" 2>/dev/null) || continue
  [ -n "$a" ] || continue
  c=$(cat "$t/comm" 2>/dev/null)
  printf '%s\\t%s\\t%s\\n' "\${t##*/}" "$a" "$c"
done
`;

/** Every thread of `pid` with its Cpus_allowed_list, in one round trip. [] when the process is gone. */
export async function readThreads(t: Transport, pid: number): Promise<ThreadAffinity[]> {
  const r = await t.exec(['sh', '-c', THREADS_SCRIPT, 'sh', String(pid)], { timeoutMs: 30000 });
  const out: ThreadAffinity[] = [];
  for (const line of r.stdout.toString('utf8').split('\n')) {
    const m = /^(\d+)\t([0-9,-]+)\t(.*)$/.exec(line);
    if (m) out.push({ tid: Number(m[1]), cpus: m[2], comm: m[3] });
  }
  return out.sort((a, b) => a.tid - b.tid);
}

/**
 * Waits until `pid` is gone (or is another process than the one started at `startTime`).
 * Polls /proc every 100 ms on the host, in one exec. Resolves true when gone, false on timeout.
 */
const WAIT_EXIT_SCRIPT = `
pid=$1 start=$2 n=$3 i=0
while :; do
  s=$(cat "/proc/$pid/stat" 2>/dev/null) || exit 0
  r=\${s##*) }
  set -- $r
  case $1 in Z|X) exit 0;; esac
  if [ -n "$start" ]; then shift 19; [ "$1" = "$start" ] || exit 0; fi
  [ "$i" -ge "$n" ] && exit 1
  sleep 0.1
  i=$((i + 1))
done
`;

export async function waitForExit(t: Transport, pid: number, startTime: number | null, timeoutMs: number): Promise<boolean> {
  const n = Math.max(0, Math.ceil(timeoutMs / 100));
  const r = await t.exec(['sh', '-c', WAIT_EXIT_SCRIPT, 'sh', String(pid), startTime === null ? '' : String(startTime), String(n)], {
    timeoutMs: timeoutMs + 30000,
  });
  if (r.code === 0) return true;
  if (r.code === 1) return false;
  throw new Error(`waiting for pid ${pid} to exit failed (exit ${r.code}): ${r.stderr.toString('utf8').trim()}`);
}

/** Sends `signal` to `pid`. Resolves false when there was no such process. */
export async function signalProcess(t: Transport, pid: number, signal: 'TERM' | 'KILL'): Promise<boolean> {
  const r = await t.exec(['kill', '-s', signal, String(pid)], { timeoutMs: 30000 });
  return r.code === 0;
}

/** Seconds the process has been running, from /proc/uptime and its start time; undefined if unreadable. */
export async function processAgeSeconds(t: Transport, startTime: number): Promise<number | undefined> {
  const r = await t.exec(['sh', '-c', 'cut -d" " -f1 /proc/uptime; getconf CLK_TCK'], { timeoutMs: 30000 });
  const [up, hz] = r.stdout.toString('utf8').trim().split('\n').map(Number);
  if (!Number.isFinite(up) || !Number.isFinite(hz) || hz <= 0) return undefined;
  return up - startTime / hz;
}

export type KillOutcome = 'gone' | 'sigterm' | 'sigkill';

/**
 * Stops a process "painfully", as libvirt destroys a domain: SIGTERM, wait up to `graceMs`,
 * then SIGKILL and wait up to `killWaitMs`. Checks the process is still the one started at
 * `startTime` before each signal. Resolves how it ended; throws when even SIGKILL did not end
 * it in time (a process stuck in the kernel, state D).
 */
export async function killPainfully(
  t: Transport,
  pid: number,
  startTime: number | null,
  opts: { readonly graceMs?: number; readonly killWaitMs?: number } = {},
): Promise<KillOutcome> {
  const graceMs = opts.graceMs ?? 10000;
  const killWaitMs = opts.killWaitMs ?? 30000;
  const still = async (): Promise<boolean> => {
    const p = await readProcess(t, pid);
    return p !== undefined && (startTime === null || p.startTime === startTime);
  };
  if (!(await still())) return 'gone';
  await signalProcess(t, pid, 'TERM');
  if (await waitForExit(t, pid, startTime, graceMs)) return 'sigterm';
  if (!(await still())) return 'sigterm';
  await signalProcess(t, pid, 'KILL');
  if (await waitForExit(t, pid, startTime, killWaitMs)) return 'sigkill';
  const p = await readProcess(t, pid);
  throw new Error(`pid ${pid} is still there ${killWaitMs} ms after SIGKILL (state ${p?.state ?? '?'}): it is stuck in the kernel (uninterruptible I/O, a VFIO reset?)`);
}
