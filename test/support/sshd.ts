/**
 * A real OpenSSH server for tests, on 127.0.0.1 and a free port, with its own generated
 * host key, user key, sshd_config, authorized_keys and known_hosts in a temp dir.
 * Logs in as the user running the tests (root here: PermitRootLogin prohibit-password).
 *
 * `SetEnv SHLVL=1`: Debian's bash sources ~/.bashrc for sshd sessions only when it thinks it is
 * the first shell level. The test user's .bashrc belongs to the machine, not to us: it made
 * every exec slow (pyenv init), and a session killed mid-.bashrc by a connection-cut test left
 * pyenv's rehash lock behind, which then hung every later session. With SHLVL=1 bash skips it.
 *
 *   const sshd = await startSshd();          // { port, userKey, knownHosts, uri() ... }
 *   const t = await SshTransport.open(parseConnectionUri(sshd.uri()) as SshUri);
 *   await sshd.stop();                        // in afterAll
 */
import { execFileSync, spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';

export const SSHD = '/usr/sbin/sshd';

export interface SshdOptions {
  /** AllowStreamLocalForwarding (direct-streamlocal to unix sockets). Default true. */
  readonly allowStreamLocal?: boolean;
  /** Extra sshd_config lines. */
  readonly extraConfig?: readonly string[];
}

export interface TestSshd {
  readonly dir: string;
  readonly host: '127.0.0.1';
  readonly port: number;
  readonly user: string;
  /** Private key accepted by the server (authorized_keys). */
  readonly userKey: string;
  /** The server's host public key line (`ssh-ed25519 AAAA...`). */
  readonly hostPublicKey: string;
  /** known_hosts with one plain `[127.0.0.1]:PORT` entry for this server. */
  readonly knownHosts: string;
  /** Master sshd pid. */
  readonly pid: number;
  /** qemu+ssh URI with keyfile and known_hosts; `extra` is appended to the query. */
  uri(extra?: string): string;
  /** SIGKILLs every per-connection sshd process (cuts live connections; the listener stays). */
  killConnections(): void;
  stop(): Promise<void>;
}

/** A TCP port that was free a moment ago. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export function keygen(file: string, comment = 'virtform-test'): void {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file]);
}

export async function startSshd(opts: SshdOptions = {}): Promise<TestSshd> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'virtform-sshd-'));
  const user = os.userInfo().username;
  const hostKey = path.join(dir, 'host_ed25519');
  const userKey = path.join(dir, 'id_ed25519');
  keygen(hostKey, 'virtform-test-host');
  keygen(userKey);
  fs.copyFileSync(`${userKey}.pub`, path.join(dir, 'authorized_keys'));
  const hostPublicKey = fs.readFileSync(`${hostKey}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
  // sshd's privilege separation directory (Debian: /run/sshd) must exist when run as root.
  if (process.getuid?.() === 0) fs.mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });

  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const config = [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `PidFile ${path.join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
      'PermitRootLogin prohibit-password',
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'StrictModes no', // the key files live under /tmp, which is world-writable
      `AllowStreamLocalForwarding ${opts.allowStreamLocal === false ? 'no' : 'yes'}`,
      // OpenSSH (9.2) admits direct-streamlocal channel opens only where local forwarding is
      // permitted at all: with AllowTcpForwarding no every unix socket open is "denied" even
      // under AllowStreamLocalForwarding yes. `local` permits both; remote forwarding stays off.
      (opts.extraConfig ?? []).some((l) => l.startsWith('AllowTcpForwarding')) ? '' : 'AllowTcpForwarding local',
      'MaxSessions 10',
      'SetEnv SHLVL=1',
      (opts.extraConfig ?? []).some((l) => l.startsWith('LogLevel')) ? '' : 'LogLevel ERROR',
      ...(opts.extraConfig ?? []),
    ];
    const configFile = path.join(dir, 'sshd_config');
    fs.writeFileSync(configFile, config.join('\n') + '\n');
    const knownHosts = path.join(dir, 'known_hosts');
    fs.writeFileSync(knownHosts, `[127.0.0.1]:${port} ${hostPublicKey}\n`);
    const child = spawn(SSHD, ['-D', '-e', '-f', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    if (process.env.VIRTFORM_SSHD_LOG) child.stderr!.on('data', (b: Buffer) => fs.appendFileSync(process.env.VIRTFORM_SSHD_LOG!, b));
    const ok = await waitListening(child, port);
    if (!ok.listening) {
      child.kill('SIGKILL');
      if (attempt < 3 && /Address already in use/.test(ok.log)) continue;
      throw new Error(`test sshd did not start on port ${port}: ${ok.log.trim() || 'no output'}`);
    }
    const pid = child.pid!;
    const sshd: TestSshd = {
      dir,
      host: '127.0.0.1',
      port,
      user,
      userKey,
      hostPublicKey,
      knownHosts,
      pid,
      uri: (extra?: string) =>
        `qemu+ssh://${user}@127.0.0.1:${port}/system?keyfile=${userKey}&known_hosts=${knownHosts}${extra ? '&' + extra : ''}`,
      killConnections: () => {
        for (const p of descendants(pid)) {
          try {
            process.kill(p, 'SIGKILL');
          } catch {
            /* already gone */
          }
        }
      },
      stop: async () => {
        sshd.killConnections();
        if (child.exitCode === null && child.signalCode === null) {
          const gone = new Promise((r) => child.once('exit', r));
          child.kill('SIGTERM');
          await gone;
        }
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
    return sshd;
  }
}

function waitListening(child: ChildProcess, port: number): Promise<{ listening: boolean; log: string }> {
  return new Promise((resolve) => {
    let log = '';
    let done = false;
    const finish = (listening: boolean): void => {
      if (done) return;
      done = true;
      clearInterval(poll);
      clearTimeout(giveUp);
      resolve({ listening, log });
    };
    child.stderr!.on('data', (b: Buffer) => (log += b.toString()));
    child.once('exit', () => finish(false));
    // sshd with LogLevel ERROR prints nothing when it is ready: poll the port instead.
    const poll = setInterval(() => {
      const s = net.createConnection(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        finish(true);
      });
      s.once('error', () => s.destroy());
    }, 50);
    const giveUp = setTimeout(() => finish(false), 10000);
  });
}

/** Pids of all processes below `pid`, read from /proc. */
export function descendants(pid: number): number[] {
  const parent = new Map<number, number>();
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${e}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parent.set(Number(e), ppid);
    } catch {
      /* exited meanwhile */
    }
  }
  const out: number[] = [];
  const walk = (p: number): void => {
    for (const [c, pp] of parent) if (pp === p) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}
