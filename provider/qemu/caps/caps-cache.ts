/**
 * A cache of probed QemuCaps, so that `plan` does not start QEMU twice on every run.
 *
 * An entry is keyed by what changes the answers: the host, the binary's path, its modification
 * time (ns) and size, and the host's kernel release (KVM features follow the kernel). Entries are
 * JSON files in a directory the caller owns (on the machine running virtform, not on the host).
 * A key mismatch is a miss; the new probe overwrites the entry. Writes are atomic (temp + rename),
 * so parallel runs at worst probe twice.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { probeQemuCaps, ProbeOptions, QemuProbeHost } from './binary-probe';
import type { AccelCaps, QemuCaps, TypeProperty } from './qemu-caps';

/** Bump when QemuCaps or the flag rules change meaning: older entries then miss. */
export const CAPS_CACHE_FORMAT = 1;

/** What identifies one probe result. */
export interface QemuBinaryIdentity {
  readonly host: string;
  readonly binary: string;
  /** Modification time in nanoseconds since the epoch, as a decimal string (exceeds 2^53). */
  readonly mtimeNs: string;
  /** Size in bytes. */
  readonly size: number;
  /** `uname -r` of the host. */
  readonly kernelRelease: string;
}

export interface CachedCaps {
  readonly caps: QemuCaps;
  /** True when the entry was current; false when the binary was probed now. */
  readonly fromCache: boolean;
  readonly identity: QemuBinaryIdentity;
}

export interface CapsCacheOptions extends ProbeOptions {
  /** Directory holding the cache entries; created when missing. */
  readonly cacheDir: string;
  /** The prober; tests count calls through it. @default probeQemuCaps */
  readonly probe?: (host: QemuProbeHost, binary: string, opts: ProbeOptions) => Promise<QemuCaps>;
}

interface CacheEntry {
  readonly format: number;
  readonly identity: QemuBinaryIdentity;
  readonly caps: QemuCapsJson;
}

/** Reads the binary's identity on the host: two commands, no shell. */
export async function identifyQemuBinary(host: QemuProbeHost, binary: string): Promise<QemuBinaryIdentity> {
  const st = await host.exec(['stat', '-L', '--printf=%s %.9Y', '--', binary]);
  if (st.code !== 0) {
    throw new Error(`cannot stat the QEMU binary ${binary} on ${host.hostLabel}: ${st.stderr.toString().trim()}; install QEMU or fix the emulator path`);
  }
  const m = /^(\d+) (\d+)\.(\d{9})$/.exec(st.stdout.toString().trim());
  if (!m) throw new Error(`unexpected output of stat for ${binary} on ${host.hostLabel}: ${st.stdout.toString()}`);
  const un = await host.exec(['uname', '-r']);
  if (un.code !== 0) throw new Error(`uname -r failed on ${host.hostLabel}: ${un.stderr.toString().trim()}`);
  return {
    host: host.hostLabel,
    binary,
    mtimeNs: (BigInt(m[2]) * 1_000_000_000n + BigInt(m[3])).toString(),
    size: Number(m[1]),
    kernelRelease: un.stdout.toString().trim(),
  };
}

/** Returns current cached caps for `binary` on `host`, probing (and storing) on a miss. */
export async function loadQemuCapsCached(host: QemuProbeHost, binary: string, opts: CapsCacheOptions): Promise<CachedCaps> {
  const identity = await identifyQemuBinary(host, binary);
  const file = path.join(opts.cacheDir, cacheFileName(identity));
  const entry = readEntry(file);
  if (entry && entry.format === CAPS_CACHE_FORMAT && sameIdentity(entry.identity, identity)) {
    return { caps: capsFromJson(entry.caps), fromCache: true, identity };
  }
  const caps = await (opts.probe ?? probeQemuCaps)(host, binary, opts);
  fs.mkdirSync(opts.cacheDir, { recursive: true });
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  const body: CacheEntry = { format: CAPS_CACHE_FORMAT, identity, caps: capsToJson(caps) };
  fs.writeFileSync(tmp, JSON.stringify(body, null, 1) + '\n');
  fs.renameSync(tmp, file);
  return { caps, fromCache: false, identity };
}

/** One file per host and binary path; the rest of the identity is checked inside. */
function cacheFileName(id: QemuBinaryIdentity): string {
  const digest = createHash('sha256').update(`${id.host}\0${id.binary}`).digest('hex').slice(0, 16);
  return `qemu-caps-${path.basename(id.binary).replace(/[^A-Za-z0-9._-]/g, '_')}-${digest}.json`;
}

function readEntry(file: string): CacheEntry | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as CacheEntry;
  } catch {
    return undefined; // missing or corrupt: a miss
  }
}

function sameIdentity(a: QemuBinaryIdentity, b: QemuBinaryIdentity): boolean {
  return a.host === b.host && a.binary === b.binary && a.mtimeNs === b.mtimeNs && a.size === b.size && a.kernelRelease === b.kernelRelease;
}

/** QemuCaps with its sets as sorted arrays: stable, diffable JSON. */
export interface QemuCapsJson {
  readonly emulator: string;
  readonly arch: string;
  readonly version: number;
  readonly versionString: string;
  readonly package: string;
  readonly kvmAvailable: boolean;
  readonly flags: readonly string[];
  readonly qomTypes: readonly string[];
  readonly deviceProps: Readonly<Record<string, readonly TypeProperty[]>>;
  readonly objectProps: Readonly<Record<string, readonly TypeProperty[]>>;
  readonly accel: { readonly kvm?: AccelCaps; readonly tcg?: AccelCaps };
}

export function capsToJson(caps: QemuCaps): QemuCapsJson {
  return { ...caps, flags: [...caps.flags].sort(), qomTypes: [...caps.qomTypes].sort() };
}

export function capsFromJson(json: QemuCapsJson): QemuCaps {
  return { ...json, flags: new Set(json.flags), qomTypes: new Set(json.qomTypes) };
}
