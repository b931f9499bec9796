/**
 * The machine and software a run measured: recorded next to the numbers (RESULTS.md,
 * results.json) so that they can be compared with a later run.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';

export interface MachineDescription {
  readonly date: string;
  readonly cpuModel: string;
  readonly cpus: number;
  readonly memoryGiB: number;
  readonly kernel: string;
  readonly qemu: string;
  /** `virsh version` against the private daemon (library, daemon and hypervisor versions). */
  readonly libvirt: string;
  readonly node: string;
  /** The command that ran the bench, from the process tree (shows a `flock` wrapper when there was one). */
  readonly command: string;
  /** Milliseconds an orphaned process of this run stayed a zombie before its reaper collected it (one per probe). */
  readonly orphanReapMs: readonly number[];
  /** Whether libvirtd ran under the bench's prompt subreaper, or why not. */
  readonly libvirtdSubreaper: string;
}

/** The state letter of /proc/PID/stat, or null once the process is gone (reaped). */
function procState(pid: number): string | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return null;
  }
}

/**
 * How long this machine leaves an orphan a zombie: a shell starts `sleep 0.05` in the background
 * and exits, the sleep is reparented (to PID 1, or the nearest subreaper above the bench) and
 * exits; the time from its zombie state being seen (5 ms polls) until it is gone. libvirt's
 * QEMUs are such orphans (unless the bench's subreaper runs the daemon).
 */
export async function measureOrphanReapMs(probes = 3): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < probes; i++) {
    const pid = Number(execFileSync('sh', ['-c', 'sleep 0.05 >/dev/null 2>&1 & echo $!'], { encoding: 'utf8' }).trim());
    let zombieAt: number | undefined;
    const deadline = Date.now() + 10_000;
    for (;;) {
      const st = procState(pid);
      if (st === 'Z' && zombieAt === undefined) zombieAt = Date.now();
      if (st === null || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    out.push(zombieAt === undefined ? 0 : Date.now() - zombieAt);
  }
  return out;
}

function firstLine(argv: readonly string[]): string {
  try {
    return execFileSync(argv[0], argv.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim().split('\n')[0];
  } catch (e) {
    return `(${argv.join(' ')} failed: ${(e as Error).message.split('\n')[0]})`;
  }
}

function cmdline(pid: number): string[] {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return [];
  }
}

function parentPid(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return 0;
  }
}

/**
 * How the bench was started: the nearest `npm run bench` (or this node process) up the process
 * tree, with a `flock LOCK` found further up in front of it.
 */
export function invokingCommand(): string {
  const args = process.argv.slice(2);
  let cmd = ['node', ...process.argv.slice(1, 2).map((a) => a.replace(/^.*\/(dist\/bench\/)/, '$1')), ...args];
  let lock: string[] = [];
  for (let pid = parentPid(process.pid), depth = 0; pid > 1 && depth < 12; pid = parentPid(pid), depth++) {
    const c = cmdline(pid);
    if (/(^|[\s/])npm( |$)/.test(c.join(' ')) && c.includes('bench')) cmd = ['npm', 'run', 'bench', ...(args.length ? ['--', ...args] : [])];
    if (c[0] && /(^|\/)flock$/.test(c[0]) && c.length > 2) {
      lock = ['flock', c[1]];
      break;
    }
  }
  return [...lock, ...cmd].join(' ');
}

export function describeMachine(libvirtVersion: string, libvirtdSubreaper: string, orphanReapMs: readonly number[]): MachineDescription {
  const cpuinfo = fs.readFileSync('/proc/cpuinfo', 'utf8');
  return {
    date: new Date().toISOString(),
    cpuModel: /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1]?.trim() ?? 'unknown',
    cpus: os.cpus().length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    kernel: `${os.type()} ${os.release()} ${os.machine()}`,
    qemu: firstLine(['/usr/bin/qemu-system-x86_64', '--version']),
    libvirt: libvirtVersion,
    node: process.version,
    command: invokingCommand(),
    orphanReapMs,
    libvirtdSubreaper,
  };
}
