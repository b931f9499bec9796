/**
 * A private network namespace for tests that create bridges, taps, nftables rules and run
 * dnsmasq, so nothing touches this machine's own networking, plus a real OpenSSH server whose
 * sessions run inside that namespace: the code under test goes through the production
 * SshTransport unchanged, and every command it runs (ip, nft, dnsmasq, QEMU) sees only the
 * namespace.
 *
 * How the SSH server gets into the namespace: sshd runs as a normal listening daemon inside it
 * (`ip netns exec NS sshd -D`, on the namespace's own 127.0.0.1:22), so every command it runs
 * inherits the namespace. A node relay inside the namespace accepts on a unix socket (unix
 * socket paths live in the file system, which is shared) and connects to that sshd; the
 * 127.0.0.1 port the tests dial here forwards to the unix socket. (sshd -i per connection was
 * tried first: its sessions lost exit statuses under concurrent channels.)
 *
 *   const ns = await startNetnsHost('nat');   // { name, uri(), transport(), stop() }
 *   const t = await ns.transport();           // SshTransport into the namespace
 *   await ns.stop();                          // kills sshd sessions, deletes the namespace
 *
 * Only the network namespace is private: pids, files and mounts are shared with the machine,
 * so tests can check processes and files directly.
 *
 * Debugging: with VF_SSHD_DEBUG=1 the namespace's sshd logs at DEBUG2, and stop() copies its log
 * to /tmp/sshd-<namespace>.log.
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

/** Runs inside the namespace: argv[1] is the unix socket to accept on, argv[2] sshd's port there. */
const RELAY = `
const net = require('net');
const [sock, port] = process.argv.slice(1);
const tryConnect = () => {
  const c = net.connect(Number(port), '127.0.0.1');
  c.on('connect', () => {
    c.destroy();
    net.createServer((x) => {
      const s = net.connect(Number(port), '127.0.0.1');
      x.pipe(s); s.pipe(x);
      x.on('error', () => s.destroy()); s.on('error', () => x.destroy());
      x.on('close', () => s.destroy()); s.on('close', () => x.destroy());
    }).listen(sock, () => console.log('ready'));
  });
  c.on('error', () => setTimeout(tryConnect, 50));
};
tryConnect();
`;

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
      // OpenSSH admits direct-streamlocal opens only where local forwarding is permitted (see sshd.ts).
      'AllowTcpForwarding local',
      'ListenAddress 127.0.0.1',
      'Port 22',
      `PidFile ${path.join(keys, 'sshd.pid')}`,
      'MaxSessions 10',
      // Debian's bash sources ~/.bashrc for commands run by sshd unless it thinks it is nested
      // (SHLVL): a heavy ~/.bashrc (pyenv init on the test machines) would add ~0.5 s to every
      // command without changing what the command does.
      'SetEnv SHLVL=1',
      process.env.VF_SSHD_DEBUG ? 'LogLevel DEBUG2' : 'LogLevel ERROR',
    ].join('\n') + '\n',
  );

  // sshd listens inside the namespace (port 22 there is private to it). A small node relay,
  // also inside, accepts on a unix socket in the shared file system and connects each client to
  // that sshd; the listener the tests dial on 127.0.0.1 here forwards to the unix socket.
  const helpers: ChildProcess[] = [];
  const sshd = spawn('ip', ['netns', 'exec', name, SSHD, '-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  helpers.push(sshd);
  sshd.stderr!.on('data', (b: Buffer) => fs.appendFileSync(path.join(keys, 'sshd.log'), b));
  const relaySocket = path.join(keys, 'relay.sock');
  const relay = spawn('ip', ['netns', 'exec', name, process.execPath, '-e', RELAY, relaySocket, '22'], { stdio: ['ignore', 'pipe', 'pipe'] });
  helpers.push(relay);
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`the sshd in namespace ${name} did not start: ${fs.existsSync(path.join(keys, 'sshd.log')) ? fs.readFileSync(path.join(keys, 'sshd.log'), 'utf8') : 'no log'}`)), 10_000);
    relay.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      if (out.includes('ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    relay.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the relay into namespace ${name} exited (${code})`));
    });
  });
  const clients = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    const upstream = net.connect(relaySocket);
    clients.add(socket);
    socket.pipe(upstream);
    upstream.pipe(socket);
    socket.on('error', () => upstream.destroy());
    upstream.on('error', () => socket.destroy());
    socket.on('close', () => {
      clients.delete(socket);
      upstream.destroy();
    });
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
      for (const c of clients) c.destroy();
      await new Promise<void>((r) => server.close(() => r()));
      for (const h of helpers) h.kill('SIGKILL');
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
      if (process.env.VF_SSHD_DEBUG) fs.copyFileSync(path.join(keys, 'sshd.log'), `/tmp/sshd-${name}.log`);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
