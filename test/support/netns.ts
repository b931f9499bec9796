/**
 * A private network namespace for tests that create bridges, taps, nftables rules and run
 * dnsmasq, so nothing touches this machine's own networking, plus a real OpenSSH server whose
 * sessions run inside that namespace: the code under test goes through the production
 * SshTransport unchanged, and every command it runs (ip, nft, dnsmasq, QEMU) sees only the
 * namespace.
 *
 * How the SSH server gets into the namespace: a node TCP listener on 127.0.0.1 (in this
 * machine's namespace) starts `ip netns exec NS sshd -i` for each accepted connection (inetd
 * mode: one sshd per connection, speaking SSH on its stdin and stdout) and relays the bytes.
 * All of that sshd's children (the commands under test) inherit the namespace.
 *
 *   const ns = await startNetnsHost('nat');   // { name, uri(), transport(), stop() }
 *   const t = await ns.transport();           // SshTransport into the namespace
 *   await ns.stop();                          // kills sshd sessions, deletes the namespace
 *
 * Only the network namespace is private: pids, files and mounts are shared with the machine,
 * so tests can check processes and files directly.
 */
import { execFileSync, spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { openTransport, type Transport } from '../../provider/host';
import { isRoot, hasBinary } from './skip';
import { SSHD, keygen } from './sshd';

export interface NetnsHost {
  /** The namespace's name (`ip netns exec NAME ...`). */
  readonly name: string;
  /** A directory for the test's host state (mode 0755 so that dnsmasq, as nobody, can read it). */
  readonly dir: string;
  /** qemu+ssh URI reaching an sshd whose sessions run in the namespace. */
  uri(): string;
  /** Opens the production SSH transport into the namespace (closed by stop()). */
  transport(): Promise<Transport>;
  /** Runs a command in the namespace directly (test assertions), returning stdout. */
  run(argv: readonly string[], input?: string): string;
  stop(): Promise<void>;
}

/** Why namespace tests cannot run here, or null. */
export function netnsSkipReason(): string | null {
  if (!isRoot) return 'needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN to create a network namespace)';
  for (const b of ['ip', 'nft', 'dnsmasq', SSHD]) if (!hasBinary(b)) return `needs ${b}, which is not installed`;
  try {
    const probe = `vfprobe${process.pid}`;
    execFileSync('ip', ['netns', 'add', probe], { stdio: 'pipe' });
    execFileSync('ip', ['netns', 'del', probe], { stdio: 'pipe' });
  } catch (e) {
    return `cannot create a network namespace here: ${((e as { stderr?: Buffer }).stderr ?? '').toString().trim() || (e as Error).message}`;
  }
  return null;
}

let counter = 0;

/** Creates namespace `vft<pid><n><tag>` (≤ 15 chars is not required, but kept short), with lo up. */
export async function startNetnsHost(tag: string): Promise<NetnsHost> {
  const name = `vft${process.pid}${counter++}${tag}`.slice(0, 40);
  execFileSync('ip', ['netns', 'add', name]);
  execFileSync('ip', ['netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up']);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vf-netns-'));
  fs.chmodSync(dir, 0o755);
  const keys = path.join(dir, 'ssh');
  fs.mkdirSync(keys);
  const hostKey = path.join(keys, 'host_ed25519');
  const userKey = path.join(keys, 'id_ed25519');
  keygen(hostKey, 'virtform-netns-host');
  keygen(userKey);
  fs.copyFileSync(`${userKey}.pub`, path.join(keys, 'authorized_keys'));
  const hostPublicKey = fs.readFileSync(`${hostKey}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
  fs.mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const config = path.join(keys, 'sshd_config');
  fs.writeFileSync(
    config,
    [
      `HostKey ${hostKey}`,
      `AuthorizedKeysFile ${path.join(keys, 'authorized_keys')}`,
      'PermitRootLogin prohibit-password',
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'StrictModes no',
      'AllowStreamLocalForwarding yes',
      'AllowTcpForwarding no',
      'MaxSessions 10',
      // Debian's bash sources ~/.bashrc for commands run by sshd unless it thinks it is nested
      // (SHLVL): a heavy ~/.bashrc (pyenv init on the test machines) would add ~0.5 s to every
      // command without changing what the command does.
      'SetEnv SHLVL=1',
      process.env.VF_SSHD_DEBUG ? 'LogLevel DEBUG2' : 'LogLevel ERROR',
    ].join('\n') + '\n',
  );

  const sessions = new Set<ChildProcess>();
  const server = net.createServer((socket) => {
    // sshd -i talks SSH on its stdin and stdout (as under inetd, or as OpenSSH's own tests run
    // it through a ProxyCommand); node relays the bytes between those pipes and the socket.
    const child = spawn('ip', ['netns', 'exec', name, SSHD, '-i', '-e', '-f', config], { stdio: ['pipe', 'pipe', 'pipe'] });
    sessions.add(child);
    socket.pipe(child.stdin!);
    child.stdout!.pipe(socket);
    child.stdin!.on('error', () => undefined);
    child.stderr!.on('data', (b: Buffer) => fs.appendFileSync(path.join(keys, 'sshd.log'), b));
    child.once('exit', () => {
      sessions.delete(child);
      socket.destroy();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => child.kill('SIGTERM'));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  const knownHosts = path.join(keys, 'known_hosts');
  fs.writeFileSync(knownHosts, `[127.0.0.1]:${port} ${hostPublicKey}\n`);
  const user = os.userInfo().username;
  const transports: Transport[] = [];

  const uri = (): string => `qemu+ssh://${user}@127.0.0.1:${port}/system?keyfile=${userKey}&known_hosts=${knownHosts}`;
  return {
    name,
    dir,
    uri,
    async transport() {
      const t = await openTransport(uri(), { sshConfigFile: null, agentSocket: null });
      transports.push(t);
      return t;
    },
    run(argv, input) {
      return execFileSync('ip', ['netns', 'exec', name, ...argv], { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] });
    },
    async stop() {
      for (const t of transports.splice(0)) await t.close().catch(() => undefined);
      for (const c of sessions) c.kill('SIGKILL');
      await new Promise<void>((r) => server.close(() => r()));
      // Processes left in the namespace (a dnsmasq a failed test did not stop) keep it alive
      // after `ip netns del`; kill them first so nothing lingers.
      try {
        const pids = execFileSync('ip', ['netns', 'pids', name], { encoding: 'utf8' }).split('\n').filter(Boolean);
        for (const p of pids) {
          try {
            process.kill(Number(p), 'SIGKILL');
          } catch {
            /* gone */
          }
        }
      } catch {
        /* namespace already gone */
      }
      try {
        execFileSync('ip', ['netns', 'del', name], { stdio: 'pipe' });
      } catch {
        /* already gone */
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
