/**
 * HostFs: the small file-system port the executor uses for sysfs/procfs work (bind a PCI
 * device to vfio-pci, grow a hugepage pool, read a cgroup). Kept to six operations so that a
 * kernel-behaviour simulator (VFIO: unbind removes `driver`, drivers_probe binds) can
 * implement or wrap it easily.
 *
 * Invariants:
 * - Paths are absolute host paths (`/sys/bus/pci/...`). With a host-root prefix, every path
 *   is looked up under that directory instead (tests point /sys and /proc at a fixture tree);
 *   results and messages still use the host path.
 * - `write` writes in place: open (no create), truncate, one write. Never temp+rename, because
 *   a sysfs attribute only acts when written directly, and renaming over it is impossible.
 * - `readMany` is one round trip (Transport.readFiles).
 */
import { HostError } from './errors';
import type { Transport } from './transport';

export interface HostFs {
  /** The file's bytes. Throws HostError NOT_FOUND or IO naming the host and path. */
  read(path: string): Promise<Buffer>;
  /** Many files in one round trip; a missing or unreadable file maps to null. */
  readMany(paths: readonly string[]): Promise<Map<string, Buffer | null>>;
  /** Entry names of a directory (no . or ..), sorted. Throws NOT_FOUND when it is not a directory. */
  readdir(path: string): Promise<string[]>;
  /** A symlink's target as stored (often relative); null when path is not a symlink. */
  readlink(path: string): Promise<string | null>;
  /** True for anything at path, including a dangling symlink. */
  exists(path: string): Promise<boolean>;
  /** Writes data to an existing file in place. Throws NOT_FOUND if it does not exist, IO with the kernel's error otherwise. */
  write(path: string, data: Buffer | string): Promise<void>;
}

export interface TransportHostFsOptions {
  /** Absolute directory standing in for `/` (tests only). Default: none. */
  readonly hostRoot?: string;
}

const READDIR = `
[ -d "$1" ] || { printf '%s: not a directory\\n' "$1" >&2; exit 2; }
for e in "$1"/* "$1"/.[!.]* "$1"/..?*; do
  [ -e "$e" ] || [ -L "$e" ] || continue
  printf '%s\\0' "\${e##*/}"
done
`;
const READLINK = `
[ -L "$1" ] || exit 3
t=$(readlink -- "$1"; echo .) || exit 1
t=\${t%.}
printf '%s' "\${t%?}"
`;
const EXISTS = '[ -e "$1" ] || [ -L "$1" ]';
const WRITE = `
[ -e "$1" ] || { printf '%s: No such file or directory\\n' "$1" >&2; exit 2; }
cat >"$1"
`;

/** HostFs over any Transport, with an optional host-root prefix. */
export class TransportHostFs implements HostFs {
  private readonly root: string;

  constructor(
    private readonly transport: Transport,
    opts: TransportHostFsOptions = {},
  ) {
    const r = opts.hostRoot ?? '';
    if (r !== '' && !r.startsWith('/')) throw new TypeError(`hostRoot '${r}' must be an absolute path`);
    this.root = r.replace(/\/+$/, '');
  }

  async read(path: string): Promise<Buffer> {
    const got = (await this.readMany([path])).get(path);
    if (got) return got;
    // Ask again for the reason only on failure, so the common path stays one round trip.
    try {
      return await this.transport.readFile(this.map(path));
    } catch (e) {
      throw this.error(path, e as Error);
    }
  }

  async readMany(paths: readonly string[]): Promise<Map<string, Buffer | null>> {
    const mapped = await this.transport.readFiles(paths.map((p) => this.map(p)));
    return new Map(paths.map((p) => [p, mapped.get(this.map(p)) ?? null]));
  }

  async readdir(path: string): Promise<string[]> {
    const r = await this.sh(READDIR, path);
    if (r.code !== 0) throw new HostError('NOT_FOUND', `${this.where(path)}: cannot list directory: ${r.stderr.toString().trim()}`);
    return r.stdout.toString('utf8').split('\0').filter((s) => s !== '').sort();
  }

  async readlink(path: string): Promise<string | null> {
    const r = await this.sh(READLINK, path);
    if (r.code === 3) return null;
    if (r.code !== 0) throw new HostError('IO', `${this.where(path)}: cannot read symlink: ${r.stderr.toString().trim()}`);
    return r.stdout.toString('utf8');
  }

  async exists(path: string): Promise<boolean> {
    return (await this.sh(EXISTS, path)).code === 0;
  }

  async write(path: string, data: Buffer | string): Promise<void> {
    const r = await this.sh(WRITE, path, data);
    if (r.code === 0) return;
    const msg = r.stderr.toString('utf8').trim();
    const text = typeof data === 'string' ? data : data.toString('utf8');
    throw new HostError(
      r.code === 2 ? 'NOT_FOUND' : 'IO',
      `${this.where(path)}: writing ${JSON.stringify(text.length > 60 ? text.slice(0, 60) + '…' : text)} failed: ${msg || `exit ${r.code}`}` +
        (r.code === 2 ? '. The kernel does not expose this attribute here: check the device address and driver.' : ''),
    );
  }

  private sh(script: string, path: string, stdin?: Buffer | string) {
    return this.transport.exec(['sh', '-c', script, 'sh', this.map(path)], stdin === undefined ? {} : { stdin });
  }

  /** Host path → path to open, under the host root. */
  private map(path: string): string {
    if (!path.startsWith('/')) throw new TypeError(`HostFs: '${path}' is not an absolute host path`);
    if (this.root && path.split('/').includes('..')) {
      throw new TypeError(`HostFs: '${path}' contains '..', which could leave the host root ${this.root}`);
    }
    return this.root + path;
  }

  private where(path: string): string {
    return `${this.transport.hostLabel}: ${path}${this.root ? ` (under host root ${this.root})` : ''}`;
  }

  private error(path: string, e: Error): Error {
    if (e instanceof HostError) return new HostError(e.code, `${this.where(path)}: ${e.message.replace(/^[^:]*: /, '')}`);
    return e;
  }
}
