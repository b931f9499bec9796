/**
 * OpenSSH known_hosts: parsing and the host key check SshTransport runs during the handshake.
 *
 * Supported: plain host patterns with `*`/`?` wildcards and `!` negation, `[host]:port` for
 * non-22 ports, hashed entries (`|1|salt|hmac-sha1`), `@revoked` markers. Lines marked
 * `@cert-authority` are skipped (certificates are not supported): a host known only through
 * a CA is reported as unknown, which is safe.
 *
 * Invariant: checkHostKey only answers 'ok' when an entry for this exact lookup name carries
 * byte-identical key material and no @revoked line lists that key.
 */
import { createHash, createHmac } from 'crypto';

export interface KnownHostEntry {
  readonly file: string;
  /** 1-based line number, for messages. */
  readonly line: number;
  readonly marker: 'revoked' | null;
  /** Comma-separated patterns, or null for a hashed entry. */
  readonly patterns: readonly string[] | null;
  readonly hashed: { readonly salt: Buffer; readonly hash: Buffer } | null;
  readonly keyType: string;
  /** The public key blob (SSH wire format), as the server sends it. */
  readonly key: Buffer;
}

export function parseKnownHosts(text: string, file: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const fields = line.split(/\s+/);
    let marker: 'revoked' | null = null;
    if (fields[0].startsWith('@')) {
      const m = fields.shift()!;
      if (m === '@cert-authority') return;
      if (m !== '@revoked') return;
      marker = 'revoked';
    }
    if (fields.length < 3) return;
    const [hostField, keyType, keyB64] = fields;
    let hashed: KnownHostEntry['hashed'] = null;
    let patterns: string[] | null = null;
    if (hostField.startsWith('|1|')) {
      const [, , salt, hash] = hostField.split('|');
      if (!salt || !hash) return;
      hashed = { salt: Buffer.from(salt, 'base64'), hash: Buffer.from(hash, 'base64') };
    } else {
      patterns = hostField.split(',');
    }
    entries.push({ file, line: i + 1, marker, patterns, hashed, keyType, key: Buffer.from(keyB64, 'base64') });
  });
  return entries;
}

/** The name OpenSSH looks up: `host` on port 22, else `[host]:port`. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** Whether an entry's host field names `name` (a knownHostsName). */
export function entryMatches(entry: KnownHostEntry, name: string): boolean {
  if (entry.hashed) {
    const h = createHmac('sha1', entry.hashed.salt).update(name).digest();
    return h.equals(entry.hashed.hash);
  }
  let matched = false;
  for (const p of entry.patterns ?? []) {
    if (p.startsWith('!')) {
      if (wildcard(p.slice(1), name)) return false;
    } else if (wildcard(p, name)) {
      matched = true;
    }
  }
  return matched;
}

function wildcard(pattern: string, name: string): boolean {
  const re = '^' + pattern.replace(/[.+^${}()|\\[\]]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$';
  return new RegExp(re, 'i').test(name);
}

/** The key type inside an SSH public key blob (its first wire-format string). */
export function keyTypeOf(key: Buffer): string {
  if (key.length < 4) return 'unknown';
  const len = key.readUInt32BE(0);
  return key.subarray(4, 4 + len).toString('latin1');
}

/** `SHA256:...` as `ssh-keygen -l` prints it. */
export function fingerprint(key: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(key).digest('base64').replace(/=+$/, '');
}

export type HostKeyVerdict =
  | { readonly status: 'ok'; readonly entry: KnownHostEntry }
  | { readonly status: 'unknown' }
  | { readonly status: 'mismatch'; readonly known: readonly KnownHostEntry[] }
  | { readonly status: 'revoked'; readonly entry: KnownHostEntry };

/** Checks the key a server offered against the entries for `name`. */
export function checkHostKey(entries: readonly KnownHostEntry[], name: string, key: Buffer): HostKeyVerdict {
  const revoked = entries.find((e) => e.marker === 'revoked' && e.key.equals(key));
  if (revoked) return { status: 'revoked', entry: revoked };
  const known = entries.filter((e) => e.marker === null && entryMatches(e, name));
  const hit = known.find((e) => e.key.equals(key));
  if (hit) return { status: 'ok', entry: hit };
  return known.length ? { status: 'mismatch', known } : { status: 'unknown' };
}

/** ssh2 host key algorithm names for a known_hosts key type, most preferred first. */
export function hostKeyAlgorithms(keyType: string): string[] {
  return keyType === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [keyType];
}
