/**
 * Transport over SSH (qemu+ssh://), built on ssh2.
 *
 * Invariants:
 * - One SSH connection per (user, host, port, credentials, host-key policy): transports opened
 *   for the same target share it through a reference-counted pool, and parallel operations
 *   run as parallel channels on it. At most `maxSessions` session channels (exec, spawn,
 *   relay) are open at once (OpenSSH's MaxSessions defaults to 10); more wait their turn.
 * - Host keys are verified against known_hosts before authentication, unless the URI says
 *   no_verify=1. An unknown or changed key fails the connection with the fingerprint and the
 *   fix; it is never accepted silently.
 * - Every remote command line is built by `remoteCommand` from argv with shellQuote.
 * - No operation hangs on a dead connection: a dropped socket fails every open channel with
 *   HostError('CONNECTION_LOST'), and SSH keepalives (default every 15 s, 3 missed) turn a
 *   silent network partition into a dropped socket. The next operation reconnects.
 * - readFiles is one round trip: one exec of READ_FILES_SCRIPT (split into parallel execs on
 *   the same connection only when the path list would not fit one command line).
 *
 * Authentication order: the URI's keyfile, then ~/.ssh/config IdentityFile entries, then the
 * ssh-agent (SSH_AUTH_SOCK or IdentityAgent), then ~/.ssh/id_{ed25519,ecdsa,rsa}. Explicit keys
 * go first so a loaded agent cannot use up the server's MaxAuthTries before them.
 */
import { promises as fsp } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { PassThrough, type Duplex } from 'stream';
import { Client, utils as ssh2utils, type AnyAuthMethod, type ClientChannel, type ConnectConfig } from 'ssh2';
import { HostError } from './errors';
import { parseFileRecords, READ_FILES_SCRIPT } from './host-records';
import {
  checkHostKey,
  entryMatches,
  fingerprint,
  hostKeyAlgorithms,
  keyTypeOf,
  knownHostsName,
  parseKnownHosts,
  type KnownHostEntry,
} from './known-hosts';
import { unixSocketError } from './local-transport';
import { shellQuote, shellQuoteArgv } from './quote';
import { parseSshConfig, resolveSshConfig } from './ssh-config';
import type { ExecOptions, ExecResult, HostProcess, Transport } from './transport';
import type { SshUri } from './uri';

export interface SshTransportOptions {
  /** ~/.ssh/config to honour; null to ignore any. Default: `<home>/.ssh/config`. */
  readonly sshConfigFile?: string | null;
  /** ssh-agent socket; null for none. Default: IdentityAgent from the config, else $SSH_AUTH_SOCK. */
  readonly agentSocket?: string | null;
  /** Home directory for ~ and the default key and known_hosts files. Default: os.homedir(). */
  readonly home?: string;
  /** Milliseconds between SSH keepalives; 0 disables. Default 15000. */
  readonly keepaliveIntervalMs?: number;
  /** Unanswered keepalives before the connection is declared dead. Default 3. */
  readonly keepaliveCountMax?: number;
  /** Milliseconds allowed for TCP connect plus handshake plus authentication. Default 20000. */
  readonly readyTimeoutMs?: number;
  /** Session channels open at once on one connection. Default 8. */
  readonly maxSessions?: number;
}

/** Where and how to connect, after ~/.ssh/config has been applied. */
export interface SshTarget {
  /** What the user wrote (alias or host), for messages. */
  readonly alias: string;
  /** The name or address actually dialled (HostName from the config, else the alias). */
  readonly host: string;
  readonly port: number;
  readonly user: string;
  /** Private key files to try, in order, with where each came from. */
  readonly identityFiles: readonly { readonly path: string; readonly source: 'uri' | 'ssh_config' | 'default' }[];
  readonly agentSocket: string | null;
  /** known_hosts files to check, or null when the URI says no_verify=1. */
  readonly knownHostsFiles: readonly string[] | null;
  /** `user@host:port`, for messages. */
  readonly label: string;
}

/** Applies ~/.ssh/config and the defaults to an SSH URI. Reads only the config file. */
export async function resolveSshTarget(uri: SshUri, opts: SshTransportOptions = {}): Promise<SshTarget> {
  const home = opts.home ?? os.homedir();
  const localUser = os.userInfo().username;
  const configFile = opts.sshConfigFile === undefined ? path.join(home, '.ssh', 'config') : opts.sshConfigFile;
  let configText = '';
  if (configFile) configText = await fsp.readFile(configFile, 'utf8').catch(() => '');
  const cfg = resolveSshConfig(parseSshConfig(configText), uri.host, { home, localUser, ...(uri.user ? { user: uri.user } : {}) });
  const host = cfg.hostName ?? uri.host;
  const port = uri.port ?? cfg.port ?? 22;
  const user = uri.user ?? cfg.user ?? localUser;
  const identityFiles: { path: string; source: 'uri' | 'ssh_config' | 'default' }[] = [];
  if (uri.keyfile) identityFiles.push({ path: uri.keyfile, source: 'uri' });
  for (const p of cfg.identityFiles) identityFiles.push({ path: p, source: 'ssh_config' });
  if (!uri.keyfile && !cfg.identitiesOnly) {
    for (const n of ['id_ed25519', 'id_ecdsa', 'id_rsa']) identityFiles.push({ path: path.join(home, '.ssh', n), source: 'default' });
  }
  let agentSocket: string | null;
  if (opts.agentSocket !== undefined) agentSocket = opts.agentSocket;
  else if (cfg.identityAgent && cfg.identityAgent !== 'SSH_AUTH_SOCK') agentSocket = cfg.identityAgent === 'none' ? null : cfg.identityAgent;
  else agentSocket = process.env.SSH_AUTH_SOCK || null;
  // IdentitiesOnly: offer only the configured keys, not the agent's other identities.
  if (cfg.identitiesOnly) agentSocket = null;
  let knownHostsFiles: string[] | null;
  if (uri.noVerify) knownHostsFiles = null;
  else if (uri.knownHosts) knownHostsFiles = [uri.knownHosts];
  else {
    knownHostsFiles = [
      ...(cfg.userKnownHostsFiles ?? [path.join(home, '.ssh', 'known_hosts'), path.join(home, '.ssh', 'known_hosts2')]),
      '/etc/ssh/ssh_known_hosts',
    ];
  }
  const hostText = host.includes(':') ? `[${host}]` : host;
  return { alias: uri.host, host, port, user, identityFiles, agentSocket, knownHostsFiles, label: `${user}@${hostText}:${port}` };
}

/**
 * The shell line run on the remote side for argv: `cd -- DIR && export K=V && exec ARGV`.
 * Environment goes through `export` because sshd refuses most env requests (AcceptEnv).
 */
export function remoteCommand(argv: readonly string[], opts: Omit<ExecOptions, 'stdin' | 'timeoutMs'> = {}): string {
  const parts: string[] = [];
  if (opts.cwd !== undefined) parts.push(`cd -- ${shellQuote(opts.cwd)}`);
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) {
      throw new TypeError(`environment variable name ${JSON.stringify(k)} is not a valid shell name (letters, digits, _; not starting with a digit)`);
    }
    parts.push(`export ${k}=${shellQuote(v)}`);
  }
  parts.push(`exec ${shellQuoteArgv(argv)}`);
  return parts.join(' && ');
}

/**
 * Relays stdin/stdout to the unix socket "$1", for sshd that refuse direct-streamlocal
 * (AllowStreamLocalForwarding no). Tries socat, python3, then nc.openbsd.
 * Readiness: socat (-d -d) logs "starting data transfer loop" and python3 prints
 * `virtform-relay-ready` once connected, so a refused connection is an error, not an empty
 * stream; nc.openbsd cannot tell, so it announces readiness before connecting (-N: pass our EOF on).
 * socat reaches the socket through a symlink with a plain name because socat's address
 * syntax gives `,` `:` `!` in a path special meaning.
 */
export const UNIX_RELAY_SCRIPT = `
p=$1
if [ ! -S "$p" ]; then printf 'virtform-relay: %s: no such unix socket\\n' "$p" >&2; exit 2; fi
PY='import os, socket, sys, threading
s = socket.socket(socket.AF_UNIX)
try:
    s.connect(sys.argv[1])
except OSError as e:
    sys.stderr.write("virtform-relay: %s: %s\\n" % (sys.argv[1], e.strerror))
    sys.exit(1)
sys.stderr.write("virtform-relay-ready\\n")
sys.stderr.flush()
def up():
    while True:
        d = os.read(0, 65536)
        if not d:
            s.shutdown(socket.SHUT_WR)
            return
        s.sendall(d)
threading.Thread(target=up, daemon=True).start()
while True:
    d = s.recv(65536)
    if not d:
        break
    os.write(1, d)'
if command -v socat >/dev/null 2>&1; then
  d=$(mktemp -d) || exit 1
  ln -s "$p" "$d/s" || exit 1
  socat -d -d - "UNIX-CONNECT:$d/s"; rc=$?
  rm -rf "$d"; exit $rc
elif command -v python3 >/dev/null 2>&1; then
  exec python3 -c "$PY" "$p"
elif command -v nc.openbsd >/dev/null 2>&1; then
  echo virtform-relay-ready >&2
  exec nc.openbsd -N -U "$p"
fi
echo 'virtform-relay: none of socat, python3, nc.openbsd is installed' >&2
exit 127
`;

/** What a relay prints on stderr once it is connected (python3/nc marker, or socat -d -d). */
const RELAY_READY = /virtform-relay-ready\n|starting data transfer loop[^\n]*\n/;

/** Writes stdin to "$1" atomically with mode "$2": temp file in the same directory, then rename. */
const WRITE_FILE_SCRIPT = `
p=$1
t=$(mktemp "$(dirname -- "$p")/.virtform-XXXXXX") || exit 1
if cat >"$t" && chmod "$2" "$t" && mv -f "$t" "$p"; then exit 0; fi
rm -f "$t"; exit 1
`;

/** Makes the remote shell print its pid (= its process group, sshd calls setsid) as stderr's first line. */
const PID_PREFIX = 'echo $$ >&2 && ';

/** Splits the pid line that PID_PREFIX printed off a stderr stream; the rest flows on unchanged. */
function splitPid(stderr: NodeJS.ReadableStream): { pid: Promise<number | null>; stream: PassThrough } {
  const stream = new PassThrough();
  let head = '';
  let done = false;
  let settle: (pid: number | null) => void = () => undefined;
  const pid = new Promise<number | null>((r) => (settle = r));
  stderr.on('data', (b: Buffer) => {
    if (done) return void stream.write(b);
    head += b.toString('latin1');
    const nl = head.indexOf('\n');
    if (nl < 0) return;
    done = true;
    const first = head.slice(0, nl);
    // Anything but a bare number (a server banner on stderr, say) is passed through untouched.
    const isPid = /^[0-9]+$/.test(first) && Number(first) > 1;
    settle(isPid ? Number(first) : null);
    const rest = isPid ? head.slice(nl + 1) : head;
    if (rest.length) stream.write(Buffer.from(rest, 'latin1'));
  });
  stderr.on('end', () => {
    if (!done) settle(null);
    stream.end();
  });
  return { pid, stream };
}

/** Above this many bytes of command line, readFiles splits its paths over parallel execs. */
const MAX_COMMAND_BYTES = 100_000;

interface ExitInfo {
  code: number | null;
  signal?: string;
}

/** An exec channel just opened, with its exit status captured from the start. */
interface OpenExec {
  readonly ch: ClientChannel;
  readonly conn: SshConnection;
  readonly startedAt: number;
  /** Set once the exit status (or signal) arrived. */
  exit: ExitInfo | undefined;
  exited: Promise<ExitInfo>;
}

/** One live SSH connection, shared by every transport for the same target. */
class SshConnection {
  closed = false;
  /** Why the connection ended, for CONNECTION_LOST messages. */
  closeCause = '';
  /** Set once the server refused direct-streamlocal: go straight to the relay afterwards. */
  streamlocalRefused = false;
  refs = 0;
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    readonly client: Client,
    readonly target: SshTarget,
    private readonly maxSessions: number,
    readonly key: string,
  ) {
    client.on('error', (e: Error) => {
      if (!this.closeCause) this.closeCause = e.message;
    });
    client.on('close', () => {
      this.closed = true;
      if (pool.get(key) === this.promise) pool.delete(key);
    });
  }

  promise: Promise<SshConnection> | undefined;

  /** Waits for a free session slot; the returned function gives it back (idempotent). */
  async slot(): Promise<() => void> {
    if (this.active >= this.maxSessions) await new Promise<void>((r) => this.waiting.push(r));
    this.active++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active--;
      this.waiting.shift()?.();
    };
  }

  lost(what: string, startedAt: number): HostError {
    const secs = ((Date.now() - startedAt) / 1000).toFixed(1);
    return new HostError(
      'CONNECTION_LOST',
      `${this.target.label}: the SSH connection was lost while ${what} (after ${secs} s${this.closeCause ? `: ${this.closeCause}` : ''}). ` +
        'It may or may not have completed on the host. Check that the host is up and sshd is running; virtform reconnects on the next command.',
    );
  }
}

const pool = new Map<string, Promise<SshConnection>>();

/** Live pooled SSH connections (for tests and diagnostics). */
export function sshConnectionCount(): number {
  return pool.size;
}

async function acquire(target: SshTarget, opts: SshTransportOptions): Promise<SshConnection> {
  const key = JSON.stringify([target.user, target.host, target.port, target.identityFiles, target.agentSocket, target.knownHostsFiles]);
  let p = pool.get(key);
  if (p) {
    const existing = await p.catch(() => undefined);
    if (existing && !existing.closed) {
      existing.refs++;
      return existing;
    }
    if (pool.get(key) === p) pool.delete(key);
  }
  p = connect(target, opts, key);
  pool.set(key, p);
  p.catch(() => {
    if (pool.get(key) === p) pool.delete(key);
  });
  const conn = await p;
  conn.promise = p;
  conn.refs++;
  return conn;
}

function release(conn: SshConnection): void {
  conn.refs--;
  if (conn.refs > 0) return;
  if (conn.promise && pool.get(conn.key) === conn.promise) pool.delete(conn.key);
  conn.client.end();
}

async function loadKnownHosts(files: readonly string[]): Promise<KnownHostEntry[]> {
  const all: KnownHostEntry[] = [];
  for (const f of files) {
    const text = await fsp.readFile(f, 'utf8').catch(() => null);
    if (text !== null) all.push(...parseKnownHosts(text, f));
  }
  return all;
}

interface AuthAttempt {
  readonly describe: string;
  readonly method: AnyAuthMethod;
}

async function authAttempts(target: SshTarget): Promise<{ attempts: AuthAttempt[]; skipped: string[] }> {
  const attempts: AuthAttempt[] = [];
  const skipped: string[] = [];
  const tryFile = async (f: SshTarget['identityFiles'][number]): Promise<void> => {
    let data: Buffer;
    try {
      data = await fsp.readFile(f.path);
    } catch (e) {
      if (f.source === 'uri') {
        const code = (e as NodeJS.ErrnoException).code;
        throw new HostError('AUTH_FAILED', `${target.label}: keyfile ${f.path} from the URI cannot be read (${code}). Fix the keyfile= path.`);
      }
      return;
    }
    const parsed = ssh2utils.parseKey(data);
    if (parsed instanceof Error) {
      const why = /encrypted/i.test(parsed.message) ? 'it is passphrase-protected: load it into ssh-agent (ssh-add)' : parsed.message;
      if (f.source === 'uri') throw new HostError('AUTH_FAILED', `${target.label}: keyfile ${f.path} cannot be used: ${why}.`);
      skipped.push(`${f.path} (${why})`);
      return;
    }
    attempts.push({ describe: `key ${f.path}`, method: { type: 'publickey', username: target.user, key: data } });
  };
  for (const f of target.identityFiles.filter((x) => x.source !== 'default')) await tryFile(f);
  if (target.agentSocket) {
    attempts.push({ describe: `ssh-agent at ${target.agentSocket}`, method: { type: 'agent', username: target.user, agent: target.agentSocket } });
  }
  for (const f of target.identityFiles.filter((x) => x.source === 'default')) await tryFile(f);
  return { attempts, skipped };
}

async function connect(target: SshTarget, opts: SshTransportOptions, key: string): Promise<SshConnection> {
  const lookup = knownHostsName(target.host, target.port);
  const known = target.knownHostsFiles ? await loadKnownHosts(target.knownHostsFiles) : [];
  const { attempts, skipped } = await authAttempts(target);
  const tried: string[] = [];
  let hostKeyError: HostError | undefined;

  const config: ConnectConfig = {
    host: target.host,
    port: target.port,
    username: target.user,
    readyTimeout: opts.readyTimeoutMs ?? 20000,
    keepaliveInterval: opts.keepaliveIntervalMs ?? 15000,
    keepaliveCountMax: opts.keepaliveCountMax ?? 3,
    authHandler: (_left, _partial, next) => {
      const a = attempts.shift();
      if (!a) return next(false as never);
      tried.push(a.describe);
      next(a.method);
    },
  };
  if (target.knownHostsFiles) {
    const files = target.knownHostsFiles;
    // Offer only the key types known_hosts has for this host, as OpenSSH does, so the server
    // presents a key we can actually compare.
    const types = [...new Set(known.filter((e) => e.marker === null && entryMatches(e, lookup)).map((e) => e.keyType))];
    if (types.length) config.algorithms = { serverHostKey: types.flatMap(hostKeyAlgorithms) as never };
    config.hostVerifier = (hostKey: Buffer) => {
      const verdict = checkHostKey(known, lookup, hostKey);
      if (verdict.status === 'ok') return true;
      const offered = `${keyTypeOf(hostKey)} ${fingerprint(hostKey)}`;
      if (verdict.status === 'unknown') {
        hostKeyError = new HostError(
          'HOST_KEY_UNKNOWN',
          `${target.label}: host key ${offered} is not in known_hosts (${files.join(', ')}) under '${lookup}'. ` +
            `Check the fingerprint with the host's administrator, then add it: ssh-keyscan -p ${target.port} ${target.host} >> ${files[0]} ` +
            `(or pass known_hosts=PATH; no_verify=1 skips the check and is unsafe).`,
        );
      } else if (verdict.status === 'revoked') {
        hostKeyError = new HostError(
          'HOST_KEY_MISMATCH',
          `${target.label}: host key ${offered} is marked @revoked in ${verdict.entry.file}:${verdict.entry.line}. Refusing to connect.`,
        );
      } else {
        const where = verdict.known.map((e) => `${e.file}:${e.line} (${e.keyType} ${fingerprint(e.key)})`).join(', ');
        hostKeyError = new HostError(
          'HOST_KEY_MISMATCH',
          `${target.label}: HOST KEY MISMATCH: the server offered ${offered}, but known_hosts has ${where} for '${lookup}'. ` +
            `Someone may be intercepting the connection, or the host was reinstalled. If you have verified the new key, ` +
            `remove the old one with: ssh-keygen -R '${lookup}' -f ${verdict.known[0].file}`,
        );
      }
      return false;
    };
  }

  const client = new Client();
  const conn = new SshConnection(client, target, opts.maxSessions ?? 8, key);
  await new Promise<void>((resolve, reject) => {
    const onError = (e: Error & { level?: string; code?: string }): void => {
      client.removeListener('ready', onReady);
      client.end();
      reject(hostKeyError ?? handshakeError(target, e, tried, skipped));
    };
    const onReady = (): void => {
      client.removeListener('error', onError);
      resolve();
    };
    client.once('ready', onReady);
    client.once('error', onError);
    client.connect(config);
  });
  return conn;
}

function handshakeError(target: SshTarget, e: Error & { level?: string; code?: string }, tried: string[], skipped: string[]): HostError {
  if (e.level === 'client-authentication') {
    return new HostError(
      'AUTH_FAILED',
      `${target.label}: SSH authentication failed; tried ${tried.length ? tried.join(', ') : 'nothing (no key file, no ssh-agent)'}` +
        `${skipped.length ? `; skipped ${skipped.join(', ')}` : ''}. ` +
        `Add keyfile=PATH to the URI, load the key into ssh-agent, or set IdentityFile for '${target.alias}' in ~/.ssh/config; ` +
        `the public key must be in ~${target.user}/.ssh/authorized_keys on the host.`,
    );
  }
  if (e.level === 'client-timeout') {
    return new HostError('CONNECT_FAILED', `${target.label}: the SSH handshake did not finish in time (${e.message}). Check that sshd answers on port ${target.port}.`);
  }
  if (e.level === 'handshake' && /host key/i.test(e.message)) {
    return new HostError(
      'HOST_KEY_MISMATCH',
      `${target.label}: the server offers no host key of the types known_hosts lists for it (${e.message}). ` +
        `The host's keys changed: verify them, then remove the old entry with ssh-keygen -R.`,
    );
  }
  return new HostError(
    'CONNECT_FAILED',
    `${target.label}: cannot connect over SSH: ${e.code ? e.code + ' ' : ''}${e.message}. ` +
      `Check the host name and port (in the URI or ~/.ssh/config) and that sshd is running.`,
  );
}

export class SshTransport implements Transport {
  readonly hostLabel: string;
  private conn: SshConnection;
  private closed = false;

  private constructor(
    readonly uri: string,
    private readonly target: SshTarget,
    private readonly opts: SshTransportOptions,
    conn: SshConnection,
  ) {
    this.conn = conn;
    this.hostLabel = target.alias;
  }

  /** Connects (or joins the pooled connection) and verifies the host key. */
  static async open(uri: SshUri, opts: SshTransportOptions = {}): Promise<SshTransport> {
    const target = await resolveSshTarget(uri, opts);
    const conn = await acquire(target, opts);
    return new SshTransport(uri.uri, target, opts, conn);
  }

  /** The pooled connection, reconnecting if the previous one dropped. */
  private async connection(): Promise<SshConnection> {
    if (this.closed) throw new Error(`${this.target.label}: this transport was closed`);
    if (this.conn.closed) {
      const old = this.conn;
      this.conn = await acquire(this.target, this.opts);
      release(old);
    }
    return this.conn;
  }

  /**
   * Opens an exec channel holding a session slot; the slot is freed when the channel closes.
   * The exit status is captured inside ssh2's callback, synchronously: a fast command's
   * exit-status can arrive in the same packet batch as the exec reply, before any listener
   * added after an `await` would exist (streams buffer data; plain events are lost).
   */
  private async openExec(command: string, what: string): Promise<OpenExec> {
    const conn = await this.connection();
    const free = await conn.slot();
    const startedAt = Date.now();
    let attempt = 0;
    return new Promise((resolve, reject) => {
      const fail = (e: Error): void => {
        free();
        reject(conn.closed ? conn.lost(what, startedAt) : new HostError('IO', `${this.target.label}: cannot open an SSH channel for ${what}: ${e.message}`));
      };
      const open = (): void => {
        try {
          conn.client.exec(command, onOpen);
        } catch (e) {
          fail(e as Error);
        }
      };
      const onOpen = (err: Error | undefined, ch: ClientChannel): void => {
        // sshd frees a session only once it has our CLOSE, so right after a burst it may still
        // count closed sessions against MaxSessions and refuse with "open failed": retry briefly.
        if (err && !conn.closed && /open failed/.test(err.message) && attempt < 6) {
          setTimeout(open, 25 * 2 ** attempt++);
          return;
        }
        if (err) return fail(err);
        const opened: OpenExec = { ch, conn, startedAt, exit: undefined, exited: undefined as never };
        opened.exited = new Promise((res) =>
          ch.on('exit', (code: number | null, signal?: string) => {
            opened.exit = { code: code ?? null, ...(signal ? { signal } : {}) };
            res(opened.exit);
          }),
        );
        ch.once('close', free);
        resolve(opened);
      };
      open();
    });
  }

  /**
   * Sends `signal` to the whole remote process group `pid` through a second exec. SSH "signal"
   * requests are not relied on: OpenSSH refuses them in some privilege-separation setups, and
   * they reach only the session's first process anyway.
   */
  private killGroup(pid: number | null, signal: string): void {
    if (pid !== null && pid > 1) this.exec(['kill', '-s', signal.replace(/^SIG/, ''), '--', `-${pid}`]).catch(() => undefined);
  }

  /**
   * With timeoutMs, the remote shell first prints its pid on stderr (stripped from the result).
   * sshd makes each session a process group led by that shell (setsid), so on timeout one
   * `kill -KILL -- -PID` ends the command and everything it started.
   */
  async exec(argv: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
    const what = `running '${argv[0]}'`;
    const withTimeout = opts.timeoutMs !== undefined;
    const command = (withTimeout ? PID_PREFIX : '') + remoteCommand(argv, opts);
    const opened = await this.openExec(command, what);
    const { ch, conn, startedAt } = opened;
    return new Promise((resolve, reject) => {
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let timedOut = false;
      const stderr = withTimeout ? splitPid(ch.stderr) : { pid: Promise.resolve(null), stream: ch.stderr };
      let pid: number | null = null;
      void stderr.pid.then((p) => (pid = p));
      ch.on('data', (b: Buffer) => out.push(b));
      stderr.stream.on('data', (b: Buffer) => err.push(b));
      const timer =
        opts.timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              timedOut = true;
              this.killGroup(pid, 'KILL');
              ch.close();
              reject(new HostError('TIMEOUT', `${this.target.label}: '${argv[0]}' ran longer than ${opts.timeoutMs} ms and was killed (SIGKILL to its process group). Raise timeoutMs if it is just slow.`));
            }, opts.timeoutMs);
      ch.on('close', () => {
        if (timer) clearTimeout(timer);
        if (timedOut) return;
        const exit = opened.exit;
        if (exit) {
          resolve({ ...exit, stdout: Buffer.concat(out), stderr: Buffer.concat(err) });
        } else {
          reject(conn.closed ? conn.lost(what, startedAt) : new HostError('IO', `${this.target.label}: the SSH channel for '${argv[0]}' closed without an exit status.`));
        }
      });
      ch.end(opts.stdin ?? '');
    });
  }

  async spawn(argv: readonly string[], opts: Omit<ExecOptions, 'stdin' | 'timeoutMs'> = {}): Promise<HostProcess> {
    const what = `running '${argv[0]}'`;
    const opened = await this.openExec(PID_PREFIX + remoteCommand(argv, opts), what);
    const { ch, conn, startedAt } = opened;
    const stderr = splitPid(ch.stderr);
    let pid: number | null = null;
    void stderr.pid.then((p) => (pid = p));
    // Resolve on 'exit' (not 'close', which waits until the caller has consumed stdout).
    let onLost = (): void => undefined;
    const exited = new Promise<ExitInfo>((resolve, reject) => {
      void opened.exited.then(resolve);
      // A channel whose stdout nobody consumed emits no 'close'; watch the connection itself too.
      onLost = () => {
        if (!opened.exit) reject(conn.lost(what, startedAt));
      };
      ch.once('close', onLost);
      conn.client.once('close', onLost);
    });
    // The caller may never await `exited`: do not crash the process on its rejection.
    exited.then(
      () => conn.client.removeListener('close', onLost),
      () => undefined,
    );
    return {
      stdin: ch,
      stdout: ch,
      stderr: stderr.stream,
      exited,
      kill: (signal = 'SIGTERM') => {
        if (pid !== null) this.killGroup(pid, signal);
        else void stderr.pid.then((p) => this.killGroup(p, signal));
      },
    };
  }

  /**
   * A stream to the unix socket at socketPath on the host: a direct-streamlocal channel, or an
   * exec'd relay where the server forbids those.
   *
   * The server's refusal cannot be read off the channel-open failure: OpenSSH answers every
   * failed direct-streamlocal open with one reason and text (9.2: SSH_OPEN_CONNECT_FAILED "open
   * failed"; older releases ADMINISTRATIVELY_PROHIBITED "open failed"), whether
   * AllowStreamLocalForwarding/DisableForwarding forbid it or the socket is missing or dead —
   * only its own log says "refused streamlocal port forward". So a failure is judged by what
   * follows it: the relay connects only to a socket that exists and accepts, and then one more
   * streamlocal open to that same, now proven socket tells the two apart. Only a failure there
   * marks the connection as refusing streamlocal; a socket that was missing or not yet listening
   * (a VM still starting) never does, even when it appears between the two tries.
   */
  async connectUnix(socketPath: string): Promise<Duplex> {
    const conn = await this.connection();
    if (conn.streamlocalRefused) return this.relay(socketPath);
    const first = await this.streamlocal(conn, socketPath);
    if (first.ch) return first.ch;
    // Throws (and leaves streamlocal on) when the socket is missing or nothing listens on it.
    const relayed = await this.relay(socketPath);
    const second = await this.streamlocal(conn, socketPath);
    if (second.ch) {
      // The socket appeared after the first try: streamlocal works here. The relay's connection
      // was made first; closing it hands a one-client server (QMP) over to the channel.
      relayed.destroy();
      return second.ch;
    }
    conn.streamlocalRefused = true;
    return relayed;
  }

  /** One direct-streamlocal open: the channel, or the failure (CONNECTION_LOST if the connection dropped). */
  private async streamlocal(conn: SshConnection, socketPath: string): Promise<{ ch?: ClientChannel; err?: Error }> {
    const startedAt = Date.now();
    const r = await new Promise<{ ch?: ClientChannel; err?: Error }>((resolve) => {
      try {
        conn.client.openssh_forwardOutStreamLocal(socketPath, (err, ch) => resolve(err ? { err } : { ch }));
      } catch (e) {
        resolve({ err: e as Error });
      }
    });
    if (r.err && conn.closed) throw conn.lost(`opening unix socket ${socketPath}`, startedAt);
    return r;
  }

  /** connectUnix through an exec'd relay (socat, python3 or nc.openbsd) when streamlocal is refused. */
  private async relay(socketPath: string): Promise<Duplex> {
    const what = `relaying to unix socket ${socketPath}`;
    const opened = await this.openExec(shellQuoteArgv(['sh', '-c', UNIX_RELAY_SCRIPT, 'sh', socketPath]), what);
    const { ch, conn, startedAt } = opened;
    return new Promise((resolve, reject) => {
      let errText = '';
      let ready = false;
      const onErr = (b: Buffer): void => {
        errText += b.toString('utf8');
        if (!ready && RELAY_READY.test(errText)) {
          ready = true;
          errText = '';
          resolve(ch);
        }
      };
      ch.stderr.on('data', onErr);
      // Judge failure on 'exit': 'close' only comes once stdout is consumed, and nobody reads
      // it before we resolve. setImmediate lets stderr data queued before the exit arrive.
      const failed = (exitCode: number | null): void => {
        if (ready) {
          if (exitCode !== 0 && errText.trim() && ch.listenerCount('error') > 0) {
            // Surface the relay's failure to whoever listens; without a listener, 'end' tells them.
            ch.emit('error', unixSocketError(this.target.label, socketPath, '', relayMessage(errText)));
          }
          return;
        }
        ready = true; // settled
        ch.close();
        if (exitCode === null && conn.closed) reject(conn.lost(what, startedAt));
        else if (exitCode === 127) {
          reject(
            new HostError(
              'IO',
              `${this.target.label}: sshd refuses unix socket forwarding and the host has no relay tool (${errText.trim()}). ` +
                `Install socat on the host, or set AllowStreamLocalForwarding yes in its sshd_config.`,
            ),
          );
        } else reject(unixSocketError(this.target.label, socketPath, '', relayMessage(errText)));
      };
      const onClose = (): void => {
        setImmediate(() => failed(null));
      };
      void opened.exited.then((e) => setImmediate(() => failed(e.code)));
      ch.once('close', onClose);
      // Before ready nobody reads stdout, so a dropped connection may not close the channel.
      conn.client.once('close', onClose);
      ch.once('close', () => conn.client.removeListener('close', onClose));
    });
  }

  async readFile(p: string): Promise<Buffer> {
    const r = await this.exec(['cat', '--', p]);
    if (r.code === 0) return r.stdout;
    const msg = r.stderr.toString('utf8').trim();
    throw new HostError(/No such file/i.test(msg) ? 'NOT_FOUND' : 'IO', `${this.target.label}: cannot read ${p}: ${msg || `cat exited ${r.code}`}`);
  }

  async readFiles(paths: readonly string[]): Promise<Map<string, Buffer | null>> {
    const unique = [...new Set(paths)];
    const result = new Map<string, Buffer | null>(paths.map((p) => [p, null]));
    if (unique.length === 0) return result;
    const chunks: string[][] = [[]];
    let size = READ_FILES_SCRIPT.length;
    for (const p of unique) {
      const add = shellQuote(p).length + 1;
      if (size + add > MAX_COMMAND_BYTES && chunks[chunks.length - 1].length) {
        chunks.push([]);
        size = READ_FILES_SCRIPT.length;
      }
      chunks[chunks.length - 1].push(p);
      size += add;
    }
    const outputs = await Promise.all(chunks.map((c) => this.exec(['sh', '-c', READ_FILES_SCRIPT, 'sh', ...c])));
    for (const r of outputs) {
      if (r.code !== 0) {
        throw new HostError('IO', `${this.target.label}: the batched file read failed (exit ${r.code}): ${r.stderr.toString('utf8').trim()}. Check that /tmp is writable (mktemp).`);
      }
      for (const rec of parseFileRecords(r.stdout, this.target.label)) {
        if (rec.status === '0') result.set(rec.path, rec.content);
      }
    }
    return result;
  }

  async writeFile(p: string, data: Buffer | string, mode = 0o644): Promise<void> {
    const r = await this.exec(['sh', '-c', WRITE_FILE_SCRIPT, 'sh', p, mode.toString(8)], { stdin: data });
    if (r.code !== 0) {
      throw new HostError('IO', `${this.target.label}: cannot write ${p}: ${r.stderr.toString('utf8').trim() || `exit ${r.code}`}. Check that ${path.posix.dirname(p)} exists and is writable.`);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    release(this.conn);
  }
}

/** The useful line of a relay's stderr: our own message, or socat's error (`... E connect(...): Connection refused`). */
function relayMessage(errText: string): string {
  const lines = errText.split('\n').filter((l) => l.trim() !== '');
  const mine = lines.find((l) => l.startsWith('virtform-relay: '));
  if (mine) return mine.slice('virtform-relay: '.length);
  const socatError = lines.find((l) => / E /.test(l));
  return (socatError ?? lines[lines.length - 1] ?? 'the relay exited').replace(/^.* E /, '');
}
