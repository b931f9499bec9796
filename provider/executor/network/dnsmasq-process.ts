/**
 * dnsmasq as a host process: which version and features it has, starting it daemonized with a
 * pid file, finding it again (guarding against pid reuse), reloading and stopping it. All
 * through the Transport, as argv arrays.
 *
 * Invariants:
 * - A pid read from the pid file counts as our dnsmasq only while `/proc/PID/cmdline` holds
 *   `--conf-file=<this network's conf>` and the process is not a zombie: a recycled pid is
 *   never signalled.
 * - dnsmasq drops root after start-up (to `nobody` unless told otherwise) and only then reads
 *   the hosts files, also on SIGHUP: every directory above them must be searchable by others.
 *   `unreachableDir` finds the first one that is not, so start-up fails with that directory
 *   named instead of a dnsmasq that silently ignores its static hosts.
 */
import * as path from 'path';
import type { Transport } from '../../host';
import { parseDnsmasqCaps, type DnsmasqCaps } from './dnsmasq-conf';
import { commandError, runHostCommand } from './host-command';
import { NetworkError } from './network-error';
import type { NetworkRuntimePaths } from './network-record';

/** Runs `dnsmasq --version` and `dnsmasq --help` and reads what this dnsmasq can do. */
export async function probeDnsmasq(t: Transport, binary = 'dnsmasq'): Promise<DnsmasqCaps> {
  const v = await t.exec([binary, '--version']);
  const h = v.code === 0 ? await t.exec([binary, '--help']) : v;
  if (v.code !== 0) throw commandError(t, [binary, '--version'], 'probing dnsmasq', v);
  return parseDnsmasqCaps(`${v.stdout.toString('utf8')}\n${h.stdout.toString('utf8')}`);
}

/** The pid of the dnsmasq serving this network, or null when none runs. */
export async function runningDnsmasqPid(t: Transport, p: NetworkRuntimePaths): Promise<number | null> {
  const pidText = (await t.readFiles([p.pidFile])).get(p.pidFile);
  const pid = pidText ? Number(pidText.toString('utf8').trim()) : NaN;
  if (!Number.isInteger(pid) || pid <= 1) return null;
  const cmdFile = `/proc/${pid}/cmdline`;
  const statFile = `/proc/${pid}/stat`;
  const got = await t.readFiles([cmdFile, statFile]);
  const cmd = got.get(cmdFile);
  const stat = got.get(statFile);
  if (!cmd || !stat) return null;
  const args = cmd.toString('utf8').split('\0');
  if (!args.includes(`--conf-file=${p.conf}`)) return null;
  const st = stat.toString('utf8');
  if (st.slice(st.lastIndexOf(')') + 2)[0] === 'Z') return null;
  return pid;
}

export interface LaunchDnsmasqOptions {
  readonly binary?: string;
  /** `--user=`: the account dnsmasq drops to; default dnsmasq's own (nobody). */
  readonly user?: string;
}

/**
 * Starts dnsmasq daemonized with the network's conf and lease file and returns its pid.
 * dnsmasq reports start-up errors (address in use, bad option) before it detaches, so a
 * failure surfaces here with dnsmasq's own message.
 */
export async function launchDnsmasq(t: Transport, p: NetworkRuntimePaths, opts: LaunchDnsmasqOptions = {}): Promise<number> {
  const argv = [opts.binary ?? 'dnsmasq', `--conf-file=${p.conf}`, `--dhcp-leasefile=${p.leaseFile}`, ...(opts.user !== undefined ? [`--user=${opts.user}`] : [])];
  await runHostCommand(t, argv, 'starting dnsmasq', { timeoutMs: 30_000 });
  // The daemon writes its pid file as it detaches; give it a moment on a slow host.
  for (let i = 0; i < 40; i++) {
    const pid = await runningDnsmasqPid(t, p);
    if (pid !== null) return pid;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new NetworkError('COMMAND_FAILED', `${t.hostLabel}: dnsmasq started but no running dnsmasq with --conf-file=${p.conf} is behind ${p.pidFile}. Check the host's syslog for dnsmasq's messages.`);
}

const STOP_SCRIPT = `
pid=$1; n=$2
kill -TERM "$pid" 2>/dev/null || exit 0
i=0
while :; do
  s=$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | cut -c1)
  [ -z "$s" ] || [ "$s" = Z ] && exit 0
  i=$((i+1))
  if [ "$i" -gt "$n" ]; then kill -KILL "$pid" 2>/dev/null; exit 3; fi
  sleep 0.05
done
`;

/** SIGTERM, wait up to `timeoutMs` for it to exit, then SIGKILL. Resolves 'terminated' or 'killed'. */
export async function stopDnsmasqPid(t: Transport, pid: number, timeoutMs = 5000): Promise<'terminated' | 'killed'> {
  const r = await t.exec(['sh', '-c', STOP_SCRIPT, 'sh', String(pid), String(Math.ceil(timeoutMs / 50))], { timeoutMs: timeoutMs + 10_000 });
  if (r.code === 0) return 'terminated';
  if (r.code === 3) return 'killed';
  throw commandError(t, ['sh', '-c', '<stop dnsmasq>', 'sh', String(pid)], `stopping dnsmasq (pid ${pid})`, r);
}

/** SIGHUP: dnsmasq re-reads its hosts file and additional hosts file (not its .conf). */
export async function reloadDnsmasq(t: Transport, pid: number): Promise<void> {
  await runHostCommand(t, ['kill', '-HUP', String(pid)], `asking dnsmasq (pid ${pid}) to re-read its hosts files`);
}

/**
 * The first directory from `/` down to `dir` that users other than its owner cannot search
 * (no o+x), or null when all can. Reads modes with `stat -L -c '%a %n'`.
 */
export async function unreachableDir(t: Transport, dir: string): Promise<string | null> {
  const chain: string[] = [];
  for (let d = dir; ; d = path.posix.dirname(d)) {
    chain.unshift(d);
    if (d === '/' || d === '.') break;
  }
  const argv = ['stat', '-L', '-c', '%a %n', '--', ...chain];
  const r = await runHostCommand(t, argv, `checking that dnsmasq can reach ${dir}`);
  for (const line of r.stdout.toString('utf8').split('\n')) {
    const sp = line.indexOf(' ');
    if (sp < 0) continue;
    const mode = parseInt(line.slice(0, sp), 8);
    if ((mode & 0o001) === 0) return line.slice(sp + 1);
  }
  return null;
}
