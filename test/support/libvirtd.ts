/**
 * A private libvirtd (libvirt 9.0, Debian's libvirt-daemon-system) for the oracle test: libvirt
 * runs the same domain XML virtform runs, and the test compares what the two QEMUs show.
 *
 * There is no systemd here, so the test starts the daemon itself, as root:
 *
 *   unshare --mount --propagation private sh -c 'mount --bind DIR/etc /etc/libvirt && ... &&
 *     exec libvirtd --daemon --pid-file DIR/libvirtd.pid'
 *
 * The mount namespace gives this daemon its own /etc/libvirt (a copy with our qemu.conf and
 * libvirtd.conf, and no autostarted networks), /var/lib/libvirt, /var/cache/libvirt and
 * /var/log/libvirt, all under a temporary DIR: nothing of the machine's own libvirt setup is read
 * or changed. /run/libvirt is the real one, so `virsh -c qemu:///system` reaches the daemon as
 * usual; when a libvirtd of the machine already serves /run/libvirt (a systemd host), the daemon
 * gets a private DIR/run as its /run/libvirt too and is reached as
 * `qemu+unix:///system?socket=DIR/run/libvirt-sock` (`uri`): the same system driver, the other
 * daemon left alone. Mounts visible when the daemon starts (a hugetlbfs the test mounted) are
 * visible to it.
 *
 * qemu.conf: QEMU runs as root with `security_driver = "none"` and no dynamic ownership (no
 * DAC relabelling of the test's images), `namespaces = []` (no private /dev per domain),
 * `stdio_handler = "file"` (no virtlogd, which nothing would start here).
 *
 * stop() destroys what is left running, ends the daemon (SIGTERM, then SIGKILL), removes the
 * cgroups it made (`machine` in each cgroup v1 hierarchy, when it was not there before), and
 * /run/libvirt when it did not exist before, and the temporary DIR.
 *
 * `subreaper: true` (the benchmarks) starts all of the above under a small perl process that
 * makes itself the child subreaper (prctl PR_SET_CHILD_SUBREAPER) and reaps at once: the
 * daemon and the QEMUs it daemonizes are orphans, and on a machine whose PID 1 collects
 * orphans late (this one: every ~2 s) a QEMU that has exited stays a zombie, which libvirt
 * waits out before `virsh destroy` returns. perl-base is part of every Debian system.
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { isRoot } from './skip';

export const LIBVIRTD = '/usr/sbin/libvirtd';
export const VIRSH = '/usr/bin/virsh';
export const LIBVIRT_URI = 'qemu:///system';
const RUN_DIR = '/run/libvirt';
const SOCKET = path.join(RUN_DIR, 'libvirt-sock');

/** Whether a libvirtd already answers on the machine's /run/libvirt. */
function systemDaemonAnswers(): boolean {
  if (!fs.existsSync(SOCKET)) return false;
  return spawnSync(VIRSH, ['-c', LIBVIRT_URI, 'version'], { timeout: 20_000 }).status === 0;
}
/** The directories of the machine's libvirt that the private daemon gets its own copies of. */
const PRIVATE_DIRS = { etc: '/etc/libvirt', lib: '/var/lib/libvirt', cache: '/var/cache/libvirt', log: '/var/log/libvirt' } as const;

/** Why a private libvirtd cannot run here, or null when it can. */
export function libvirtdSkipReason(): string | null {
  if (!isRoot) return 'needs root (libvirtd runs QEMU as root in a private mount namespace)';
  for (const b of [LIBVIRTD, VIRSH, '/usr/bin/unshare']) {
    if (!fs.existsSync(b)) return `needs ${b} (Debian: apt-get install libvirt-daemon-system libvirt-clients util-linux)`;
  }
  return null;
}

export interface LibvirtdOptions {
  /** hugetlbfs mount points for qemu.conf `hugetlbfs_mount` (libvirt otherwise uses the ones in /proc/mounts). */
  readonly hugetlbfsMounts?: readonly string[];
  /** Run the daemon under a prompt child subreaper (see the header). Needs /usr/bin/perl on x86_64. */
  readonly subreaper?: boolean;
}

/** SYS_prctl on x86_64, and PR_SET_CHILD_SUBREAPER. */
const SYS_PRCTL_X86_64 = 157;
const PR_SET_CHILD_SUBREAPER = 36;

/**
 * perl: become the child subreaper, run ARGV as a child, then reap every child and orphan as
 * soon as it exits; exits once none is left. Its first line of stderr reports a failed prctl.
 */
const SUBREAPER_PERL =
  `syscall(${SYS_PRCTL_X86_64}, ${PR_SET_CHILD_SUBREAPER}, 1, 0, 0, 0) == 0 or die "prctl(PR_SET_CHILD_SUBREAPER): $!\\n"; ` +
  'my $pid = fork(); defined $pid or die "fork: $!\\n"; if ($pid == 0) { exec { $ARGV[0] } @ARGV or die "exec $ARGV[0]: $!\\n"; } ' +
  'my $status = 0; while ((my $p = waitpid(-1, 0)) > 0) { $status = $? if $p == $pid; } exit($status >> 8);';

/** Why the subreaper cannot be used here, or null. */
export function subreaperSkipReason(): string | null {
  if (process.arch !== 'x64') return `the subreaper's prctl syscall number is for x86_64, not ${process.arch}`;
  if (!fs.existsSync('/usr/bin/perl')) return 'needs /usr/bin/perl (Debian: perl-base)';
  return null;
}

/** One reply of `virsh qemu-monitor-command`: QEMU's own reply object. */
export type QmpReply = { readonly return?: unknown; readonly error?: { readonly class: string; readonly desc: string } };

export interface QmpRequest {
  readonly execute: string;
  readonly arguments?: Record<string, unknown>;
}

function run(file: string, args: readonly string[], timeoutMs = 60_000): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${file} ${args.slice(0, 4).join(' ')}${args.length > 4 ? ' ...' : ''} failed: ${stderr.trim() || err.message}`));
      else resolve({ stdout, stderr });
    });
  });
}

/** The process's state letter from /proc/PID/stat (R, S, Z...), or undefined when it is gone. */
function procState(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return undefined;
  }
}

/** True while `pid` runs (a zombie has ended: PID 1 here may reap daemons late). */
function alive(pid: number): boolean {
  const s = procState(pid);
  return s !== undefined && s !== 'Z' && s !== 'X';
}

async function waitFor(cond: () => boolean, timeoutMs: number, stepMs = 50): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, stepMs));
  }
  return cond();
}

/** Removes a directory tree of cgroups bottom-up (cgroup dirs are removed with rmdir only). */
function removeCgroupTree(dir: string): void {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) if (e.isDirectory()) removeCgroupTree(path.join(dir, e.name));
  try {
    fs.rmdirSync(dir);
  } catch {
    /* busy or gone: left for the kernel */
  }
}

/** cgroup v1 hierarchies (mount points) from /proc/mounts. */
function cgroupV1Mounts(): string[] {
  return fs
    .readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .map((l) => l.split(' '))
    .filter((f) => f[2] === 'cgroup')
    .map((f) => f[1]);
}

export class Libvirtd {
  /** Milliseconds from spawn until `virsh version` answered (libvirt probes QEMU's capabilities then). */
  readonly startMs: number;

  /** True when the daemon runs under the prompt subreaper. */
  get subreaped(): boolean {
    return this.reaper !== undefined;
  }

  private constructor(
    readonly dir: string,
    readonly pid: number,
    /** The connection URI virsh uses: `qemu:///system`, or the private socket (see the header). */
    readonly uri: string,
    /** The daemon's /run/libvirt as seen from outside its namespace. */
    readonly runDir: string,
    startMs: number,
    /** What existed before the daemon started: /run/libvirt, and the cgroup v1 hierarchies that had a `machine` cgroup. */
    private readonly before: { readonly runDirExisted: boolean; readonly machineCgroups: ReadonlySet<string> },
    /** The prompt subreaper the daemon runs under (LibvirtdOptions.subreaper), if any. */
    private readonly reaper?: ChildProcess,
  ) {
    this.startMs = startMs;
  }

  /** Starts the daemon and waits until virsh reaches it. */
  static async start(opts: LibvirtdOptions = {}): Promise<Libvirtd> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vf-libvirtd-'));
    fs.chmodSync(dir, 0o755);
    const runDirExisted = fs.existsSync(RUN_DIR);
    const privateRun = systemDaemonAnswers();
    const cgroupsBefore = new Set(cgroupV1Mounts().filter((m) => fs.existsSync(path.join(m, 'machine'))));
    for (const k of [...Object.keys(PRIVATE_DIRS), 'run']) fs.mkdirSync(path.join(dir, k), { mode: 0o755 });
    // The machine's /etc/libvirt (defaults, nwfilters, hooks), minus autostarted networks.
    fs.cpSync(PRIVATE_DIRS.etc, path.join(dir, 'etc'), { recursive: true });
    fs.rmSync(path.join(dir, 'etc', 'qemu', 'networks', 'autostart'), { recursive: true, force: true });
    const conf = [
      'user = "root"',
      'group = "root"',
      'dynamic_ownership = 0',
      'security_driver = "none"',
      'stdio_handler = "file"',
      'namespaces = [ ]',
      ...(opts.hugetlbfsMounts?.length ? [`hugetlbfs_mount = [ ${opts.hugetlbfsMounts.map((m) => JSON.stringify(m)).join(', ')} ]`] : []),
    ];
    fs.writeFileSync(path.join(dir, 'etc', 'qemu.conf'), conf.join('\n') + '\n');
    fs.writeFileSync(path.join(dir, 'etc', 'libvirtd.conf'), `log_outputs = "3:file:${path.join(dir, 'libvirtd.log')}"\n`);
    const pidFile = path.join(dir, 'libvirtd.pid');
    // The script takes every path as a positional parameter: nothing is spliced into it.
    const script =
      'set -e; d=$1; own_run=$2; shift 2; ' +
      'mount --bind "$d/etc" /etc/libvirt; mount --bind "$d/lib" /var/lib/libvirt; ' +
      'mount --bind "$d/cache" /var/cache/libvirt; mount --bind "$d/log" /var/log/libvirt; ' +
      'if [ "$own_run" = yes ]; then mkdir -p /run/libvirt; mount --bind "$d/run" /run/libvirt; fi; ' +
      'exec "$@"';
    const runDir = privateRun ? path.join(dir, 'run') : RUN_DIR;
    const uri = privateRun ? `qemu+unix:///system?socket=${path.join(runDir, 'libvirt-sock')}` : LIBVIRT_URI;
    const t0 = Date.now();
    const launch = ['/usr/bin/unshare', '--mount', '--propagation', 'private', 'sh', '-c', script, 'sh', dir, privateRun ? 'yes' : 'no', LIBVIRTD, '--daemon', '--pid-file', pidFile];
    let reaper: ChildProcess | undefined;
    let reaperExit: string | undefined;
    if (opts.subreaper) {
      const why = subreaperSkipReason();
      if (why) throw new Error(`cannot start libvirtd under a subreaper: ${why}`);
      // The reaper outlives this call: it is the daemon's parent until the daemon ends.
      const log = fs.openSync(path.join(dir, 'subreaper.log'), 'a');
      reaper = spawn('/usr/bin/perl', ['-e', SUBREAPER_PERL, ...launch], { stdio: ['ignore', log, log] });
      fs.closeSync(log);
      reaper.once('exit', (code, signal) => (reaperExit = `exited ${code ?? signal}`));
    } else {
      await run(launch[0], launch.slice(1));
    }
    const havePid = await waitFor(() => reaperExit !== undefined || /^\d+\s*$/.test(fs.existsSync(pidFile) ? fs.readFileSync(pidFile, 'utf8') : ''), 20_000);
    if (!havePid || !fs.existsSync(pidFile)) {
      reaper?.kill('SIGKILL');
      const why = reaperExit ? `the subreaper ${reaperExit} (${fs.readFileSync(path.join(dir, 'subreaper.log'), 'utf8').trim()})` : 'within 20 s';
      throw new Error(`libvirtd wrote no pidfile ${pidFile}: ${why}; its log: ${readLog(dir)}`);
    }
    const pid = Number(fs.readFileSync(pidFile, 'utf8').trim());
    const before = { runDirExisted, machineCgroups: cgroupsBefore };
    try {
      await run(VIRSH, ['-c', uri, 'version'], 120_000);
    } catch (e) {
      await new Libvirtd(dir, pid, uri, runDir, 0, before, reaper).stop();
      throw new Error(`virsh cannot reach the libvirtd just started (pid ${pid}): ${(e as Error).message}; its log: ${readLog(dir)}`);
    }
    return new Libvirtd(dir, pid, uri, runDir, Date.now() - t0, before, reaper);
  }

  /** `virsh -c URI ARGS...`; stdout. */
  async virsh(args: readonly string[], timeoutMs = 60_000): Promise<string> {
    return (await run(VIRSH, ['-q', '-c', this.uri, ...args], timeoutMs)).stdout;
  }

  /** Starts a transient domain from an XML file, paused (`virsh create --paused`). */
  async createPaused(xmlFile: string): Promise<void> {
    await this.virsh(['create', '--paused', xmlFile], 120_000);
  }

  /** `virsh destroy NAME`. */
  async destroy(name: string): Promise<void> {
    await this.virsh(['destroy', name]);
  }

  /** The QEMU pid of a running domain (libvirt's pidfile in its run dir). */
  qemuPid(name: string): number {
    return Number(fs.readFileSync(path.join(this.runDir, 'qemu', `${name}.pid`), 'utf8').trim());
  }

  /** The domain's QEMU log (command line and QEMU's stderr) under the private /var/log/libvirt. */
  qemuLog(name: string): string {
    try {
      return fs.readFileSync(path.join(this.dir, 'log', 'qemu', `${name}.log`), 'utf8');
    } catch {
      return '';
    }
  }

  /**
   * The command line libvirt started the domain's QEMU with, from the last start in its log:
   * libvirt's `.args` layout (environment lines, binary, one option per line, ` \` joined).
   */
  commandLine(name: string): string {
    const lines = this.qemuLog(name).split('\n');
    const start = lines.map((l, i) => (/: starting up libvirt version/.test(l) ? i : -1)).filter((i) => i >= 0).pop();
    if (start === undefined) throw new Error(`no start of ${name} in its libvirt log`);
    const out: string[] = [];
    for (const l of lines.slice(start + 1)) {
      out.push(l);
      if (!l.endsWith(' \\')) break;
    }
    return out.join('\n') + '\n';
  }

  /**
   * Runs QMP commands on a domain's monitor through libvirt (`virsh qemu-monitor-command`), all
   * in one virsh run (virsh's own `;`-separated command list, one connection): one reply per
   * request, QMP errors included as `{error}` replies.
   */
  async qmp(name: string, requests: readonly QmpRequest[]): Promise<QmpReply[]> {
    if (requests.length === 0) return [];
    if (/[\s;'"\\]/.test(name)) throw new Error(`domain name ${JSON.stringify(name)} cannot be passed in a virsh command list`);
    const words = requests.map((r) => {
      const json = JSON.stringify(r);
      // Inside virsh's single quotes nothing is special but the closing quote.
      if (json.includes("'")) throw new Error(`QMP request ${json} holds a single quote`);
      return `qemu-monitor-command ${name} '${json}'`;
    });
    const out: QmpReply[] = [];
    // Keep each virsh command list to a moderate size.
    for (let i = 0; i < words.length; i += 200) {
      const chunk = words.slice(i, i + 200);
      const stdout = await this.virsh([chunk.join(' ; ')], 120_000);
      const lines = stdout.split('\n').filter((l) => l.trim() !== '');
      if (lines.length !== chunk.length) throw new Error(`virsh gave ${lines.length} replies for ${chunk.length} QMP commands: ${stdout.slice(0, 2000)}`);
      for (const l of lines) {
        const reply = JSON.parse(l) as QmpReply & { id?: string };
        out.push(reply.error ? { error: reply.error } : { return: reply.return });
      }
    }
    return out;
  }

  /** Destroys running domains, ends the daemon and removes what it left (see the file header). */
  async stop(): Promise<void> {
    if (alive(this.pid)) {
      try {
        for (const n of (await this.virsh(['list', '--name'], 20_000)).split('\n').map((s) => s.trim()).filter(Boolean)) {
          await this.destroy(n).catch(() => undefined);
        }
      } catch {
        /* the daemon does not answer: it is killed below */
      }
      try {
        process.kill(this.pid, 'SIGTERM');
      } catch {
        /* gone */
      }
      if (!(await waitFor(() => !alive(this.pid), 15_000))) {
        try {
          process.kill(this.pid, 'SIGKILL');
        } catch {
          /* gone */
        }
        await waitFor(() => !alive(this.pid), 10_000);
      }
    }
    // The subreaper exits by itself once the daemon and its QEMUs are gone; it is ended when it has not.
    const reaper = this.reaper;
    if (reaper && reaper.exitCode === null && reaper.signalCode === null) {
      const exited = new Promise<void>((r) => reaper.once('exit', () => r()));
      const ended = await Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 5_000))]);
      if (!ended) {
        reaper.kill('SIGKILL');
        await exited;
      }
    }
    for (const m of cgroupV1Mounts()) if (!this.before.machineCgroups.has(m)) removeCgroupTree(path.join(m, 'machine'));
    if (this.runDir === RUN_DIR && !this.before.runDirExisted) fs.rmSync(RUN_DIR, { recursive: true, force: true });
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

function readLog(dir: string): string {
  try {
    return fs.readFileSync(path.join(dir, 'libvirtd.log'), 'utf8').trim().split('\n').slice(-20).join('\n');
  } catch {
    return '(no log)';
  }
}
