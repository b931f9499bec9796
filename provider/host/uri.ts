/**
 * Connection URIs, in libvirt's own forms (DESIGN.md "Connection URIs"):
 *
 *   qemu:///embed?root=DIR      local; all state under DIR. The default when no -c is given,
 *                               with DIR = `<cwd>/.virtform` (DEFAULT_EMBED_DIR).
 *   qemu:///system              local; state /var/lib/virtform, runtime /run/virtform.
 *   qemu+ssh://[user@]host[:port]/system?keyfile=PATH&known_hosts=PATH&no_verify=1&root=DIR
 *                               remote over SSH. `host` may be a ~/.ssh/config alias.
 *
 * Invariants of a parsed ConnectionUri:
 * - Local paths (embed root, keyfile, known_hosts) are absolute: relative ones are resolved
 *   against the cwd at parse time, `~/` against the home directory.
 * - A remote `root` must already be absolute: it names a directory on the remote host, where
 *   our cwd means nothing.
 * - `uri` is the normalised text: same meaning, resolved paths, parameters in a fixed order.
 *   Two URIs naming the same place normalise to the same string.
 * - Unknown parameters, duplicate parameters and unsupported transports are errors, never
 *   ignored: a typo in `known_hosts` must not silently fall back to other host keys.
 */
import * as os from 'os';
import * as path from 'path';
import { HostError } from './errors';

/** The embed root used when no -c is given: `.virtform` under the cwd (already in .gitignore). */
export const DEFAULT_EMBED_DIR = '.virtform';

export interface EmbedUri {
  readonly kind: 'embed';
  readonly uri: string;
  /** Absolute local directory holding all state. */
  readonly root: string;
}

export interface SystemUri {
  readonly kind: 'system';
  readonly uri: string;
}

export interface SshUri {
  readonly kind: 'ssh';
  readonly uri: string;
  /** Login user; when absent, ~/.ssh/config `User` or the local user name applies. */
  readonly user?: string;
  /** Host name, address or ~/.ssh/config alias (IPv6 without brackets). */
  readonly host: string;
  /** TCP port; when absent, ~/.ssh/config `Port` or 22 applies. */
  readonly port?: number;
  /** Absolute local path of a private key to try first. */
  readonly keyfile?: string;
  /** Absolute local path of the only known_hosts file to check the host key against. */
  readonly knownHosts?: string;
  /** true only when the user wrote no_verify=1: the host key is then not checked at all. */
  readonly noVerify: boolean;
  /** Absolute remote directory that relocates state, as embed's root does. */
  readonly root?: string;
}

export type ConnectionUri = EmbedUri | SystemUri | SshUri;

/** Where virtform keeps things on a host. All absolute host paths. */
export interface HostPaths {
  /** Persistent definitions: <stateDir>/domains/NAME.xml, networks/, pools/. */
  readonly stateDir: string;
  /** Runtime state: <runDir>/NAME/{qmp.sock,pid,status.json}. Keep it short: unix socket paths are limited to 107 bytes. */
  readonly runDir: string;
  /** Rebuildable data (QEMU capabilities cache). Safe to delete. */
  readonly cacheDir: string;
}

export interface ParseUriOptions {
  /** Directory that relative local paths are resolved against. Default: process.cwd(). */
  readonly cwd?: string;
  /** Home directory for `~/`. Default: os.homedir(). */
  readonly home?: string;
}

/** The URI used when the user gives no -c: embedded, state under `<cwd>/.virtform`. */
export function defaultConnectionUri(cwd: string = process.cwd()): string {
  return `qemu:///embed?root=${encodeParam(path.resolve(cwd, DEFAULT_EMBED_DIR))}`;
}

const FORMS =
  'qemu:///embed?root=DIR, qemu:///system, or qemu+ssh://[user@]host[:port]/system[?keyfile=PATH&known_hosts=PATH&no_verify=1&root=DIR]';

const URI_RE = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(?:([^@/?#]*)@)?(\[[^\]/?#]*\]|[^:/?#]*)(?::([^/?#]*))?(\/[^?#]*)?(?:\?([^#]*))?$/;

/** Parses -c. `undefined` or '' gives the embedded default. Throws HostError('BAD_URI') naming the value, the rule and the fix. */
export function parseConnectionUri(text: string | undefined, opts: ParseUriOptions = {}): ConnectionUri {
  const cwd = opts.cwd ?? process.cwd();
  const home = opts.home ?? os.homedir();
  const raw = text === undefined || text === '' ? defaultConnectionUri(cwd) : text;
  const bad = (rule: string, fix: string): HostError =>
    new HostError('BAD_URI', `invalid connection URI '${raw}': ${rule}. ${fix}`);

  const m = URI_RE.exec(raw);
  if (!m) throw bad('it is not of the form scheme://[user@]host[:port]/path[?params]', `Use one of: ${FORMS}.`);
  const [, scheme, userPart, hostPart, portPart, pathPart = '', query] = m;
  const params = parseQuery(query, bad);

  const localPath = (name: string): string | undefined => {
    const v = params.get(name);
    if (v === undefined) return undefined;
    if (v === '~' || v.startsWith('~/')) return path.join(home, v.slice(1));
    return path.resolve(cwd, v);
  };
  const onlyParams = (allowed: readonly string[], where: string): void => {
    for (const k of params.keys()) {
      if (!allowed.includes(k)) {
        const rule = `parameter '${k}' is not supported by ${where}`;
        throw bad(rule, allowed.length ? `Supported parameters there: ${allowed.join(', ')}.` : 'Remove the parameter.');
      }
    }
  };

  if (scheme === 'qemu') {
    if (userPart !== undefined || hostPart !== '' || portPart !== undefined) {
      throw bad(
        `a local qemu:// URI names no host, but this one names '${raw.slice(7).split('/')[0]}'`,
        `Write qemu+ssh://${raw.slice(7).split('/')[0]}/system to reach that host over SSH, or qemu:///system for this machine.`,
      );
    }
    if (pathPart === '/embed') {
      onlyParams(['root'], 'qemu:///embed');
      const root = localPath('root') ?? path.resolve(cwd, DEFAULT_EMBED_DIR);
      return { kind: 'embed', root, uri: `qemu:///embed?root=${encodeParam(root)}` };
    }
    if (pathPart === '/system') {
      onlyParams([], 'qemu:///system');
      return { kind: 'system', uri: 'qemu:///system' };
    }
    if (pathPart === '/session') {
      throw bad('virtform has no session mode', 'Use qemu:///embed?root=DIR for unprivileged local use, or qemu:///system.');
    }
    throw bad(`path '${pathPart || '(empty)'}' must be /embed or /system`, `Use one of: ${FORMS}.`);
  }

  if (scheme === 'qemu+ssh') {
    const host = hostPart.startsWith('[') ? hostPart.slice(1, -1) : hostPart;
    if (host === '') throw bad('qemu+ssh needs a host', 'Write qemu+ssh://user@host/system.');
    if (pathPart !== '/system') {
      throw bad(
        `path '${pathPart || '(empty)'}' must be /system`,
        `Write qemu+ssh://${userPart ? userPart + '@' : ''}${hostPart}${portPart ? ':' + portPart : ''}/system; use root=DIR to relocate state.`,
      );
    }
    let port: number | undefined;
    if (portPart !== undefined) {
      port = /^[0-9]{1,5}$/.test(portPart) ? Number(portPart) : NaN;
      if (!(port >= 1 && port <= 65535)) throw bad(`port '${portPart}' is not a number from 1 to 65535`, 'Fix the port or leave it out for 22.');
    }
    onlyParams(['keyfile', 'known_hosts', 'no_verify', 'root'], 'qemu+ssh');
    const nv = params.get('no_verify');
    if (nv !== undefined && nv !== '1' && nv !== '0') {
      throw bad(`no_verify='${nv}' must be 1 (skip host key checks) or 0`, 'Write no_verify=1 to opt out of host key verification, or leave it out.');
    }
    const root = params.get('root');
    if (root !== undefined && !root.startsWith('/')) {
      throw bad(`root='${root}' must be an absolute path on the remote host`, `Write root=/absolute/dir (for example root=/var/lib/virtform-test).`);
    }
    let user: string | undefined;
    if (userPart !== undefined) {
      user = decode(userPart, bad);
      if (user === '') throw bad('the user name before @ is empty', 'Write user@host, or leave out the @.');
    }
    const hostName = decode(host, bad);
    const keyfile = localPath('keyfile');
    const knownHosts = localPath('known_hosts');
    const noVerify = nv === '1';
    const q: string[] = [];
    if (keyfile) q.push(`keyfile=${encodeParam(keyfile)}`);
    if (knownHosts) q.push(`known_hosts=${encodeParam(knownHosts)}`);
    if (noVerify) q.push('no_verify=1');
    if (root) q.push(`root=${encodeParam(path.posix.normalize(root))}`);
    const hostText = hostName.includes(':') ? `[${hostName}]` : hostName;
    const uri = `qemu+ssh://${user !== undefined ? encodeURIComponent(user) + '@' : ''}${hostText}${port ? ':' + port : ''}/system${q.length ? '?' + q.join('&') : ''}`;
    return {
      kind: 'ssh',
      uri,
      ...(user !== undefined ? { user } : {}),
      host: hostName,
      ...(port !== undefined ? { port } : {}),
      ...(keyfile ? { keyfile } : {}),
      ...(knownHosts ? { knownHosts } : {}),
      noVerify,
      ...(root ? { root: path.posix.normalize(root) } : {}),
    };
  }

  throw bad(
    `transport '${scheme}' is not supported (virtform runs QEMU itself, locally or over SSH)`,
    `Use one of: ${FORMS}.`,
  );
}

/** The directories virtform uses on the host that `uri` names. */
export function hostPaths(uri: ConnectionUri): HostPaths {
  const root = uri.kind === 'system' ? undefined : uri.root;
  if (root === undefined) {
    return { stateDir: '/var/lib/virtform', runDir: '/run/virtform', cacheDir: '/var/cache/virtform' };
  }
  const join = uri.kind === 'ssh' ? path.posix.join : path.join;
  return { stateDir: root, runDir: join(root, 'run'), cacheDir: join(root, 'cache') };
}

function parseQuery(query: string | undefined, bad: (rule: string, fix: string) => HostError): Map<string, string> {
  const params = new Map<string, string>();
  if (query === undefined || query === '') return params;
  for (const part of query.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const key = decode(eq < 0 ? part : part.slice(0, eq), bad);
    const value = eq < 0 ? '' : decode(part.slice(eq + 1), bad);
    if (params.has(key)) throw bad(`parameter '${key}' is given twice`, 'Keep one of them.');
    if (value === '') throw bad(`parameter '${key}' has no value`, `Write ${key}=VALUE or remove it.`);
    params.set(key, value);
  }
  return params;
}

function decode(s: string, bad: (rule: string, fix: string) => HostError): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw bad(`'${s}' has a malformed %-escape`, 'Write %XX with two hex digits, for example %20 for a space.');
  }
}

/** Percent-encodes a parameter value but keeps `/` readable, so paths stay legible in messages. */
function encodeParam(v: string): string {
  return encodeURIComponent(v).replace(/%2F/g, '/');
}
