/**
 * Volume paths that cannot leave their pool.
 *
 * A volume is `<pool dir>/<name>` where the name is one file name (checkEntryName: no `/`,
 * not `.`/`..`, no leading `.`, no control characters). The pool directory is resolved with
 * realpath on the host (it may itself be a symlink an administrator made), and the volume's
 * path is checked on the host in the same command:
 * - a symlink at the volume's place is refused, wherever it points (ESCAPES_POOL), because
 *   qemu-img and QEMU would follow it out of the pool;
 * - anything there that is not a regular file (directory, device, fifo) is refused;
 * - realpath of the result must be directly inside the resolved pool directory.
 * These checks run under the host lock; a host user who can write the pool directory could
 * still swap files between check and use, so pool directories must not be writable by
 * untrusted users (their default mode is 0711).
 */
import * as path from 'path';
import type { Transport } from '../../host';
import { checkEntryName } from '../state/resource-ref';
import { StateError } from '../state/state-error';

/** What is at a volume's path. */
export interface VolumePathState {
  /** Resolved pool directory. */
  readonly poolDir: string;
  /** `<poolDir>/<name>`. */
  readonly path: string;
  /** A regular file is there. */
  readonly exists: boolean;
  /** Size in bytes, mode bits, owner and group of the file when it exists. */
  readonly size?: number;
  readonly mode?: number;
  readonly uid?: number;
  readonly gid?: number;
}

// $1 pool dir, $2 volume name. Prints NUL-separated fields: status, resolved pool dir, then
// per status: symlink → link target; file → realpath of the file, "size mode uid gid".
const CHECK_SCRIPT = `
p=$(realpath -e -- "$1" 2>/dev/null) || { printf 'nopool\\0'; exit 0; }
[ -d "$p" ] || { printf 'notdir\\0%s\\0' "$p"; exit 0; }
case $p in /) f=/$2 ;; *) f=$p/$2 ;; esac
if [ -L "$f" ]; then printf 'symlink\\0%s\\0%s\\0' "$p" "$(readlink -- "$f")"; exit 0; fi
if [ ! -e "$f" ]; then printf 'absent\\0%s\\0' "$p"; exit 0; fi
[ -f "$f" ] || { printf 'notfile\\0%s\\0' "$p"; exit 0; }
printf 'file\\0%s\\0%s\\0%s\\0' "$p" "$(realpath -e -- "$f")" "$(stat -c '%s %a %u %g' -- "$f")"
`;

/**
 * Resolves and checks a volume's path on the host. Throws BAD_NAME for a name that is not one
 * file name, NOT_FOUND when the pool directory is missing, ESCAPES_POOL for a symlink or a
 * path outside the pool, EXISTS for something that is not a regular file.
 */
export async function checkVolumePath(transport: Transport, poolName: string, poolDir: string, name: string): Promise<VolumePathState> {
  checkEntryName(name, `volume in pool '${poolName}'`);
  if (!poolDir.startsWith('/')) throw new TypeError(`pool directory '${poolDir}' must be absolute`);
  const r = await transport.exec(['sh', '-c', CHECK_SCRIPT, 'sh', poolDir, name]);
  if (r.code !== 0) throw new StateError('COMMAND_FAILED', `${transport.hostLabel}: cannot check ${poolDir}/${name}: ${r.stderr.toString('utf8').trim() || `exit ${r.code}`}`);
  const f = r.stdout.toString('utf8').split('\0');
  const host = transport.hostLabel;
  const where = `volume '${name}' in pool '${poolName}'`;
  switch (f[0]) {
    case 'nopool':
      throw new StateError('NOT_FOUND', `${host}: the directory ${poolDir} of pool '${poolName}' does not exist. Build the pool first.`);
    case 'notdir':
      throw new StateError('NOT_FOUND', `${host}: ${poolDir} of pool '${poolName}' is not a directory (it resolves to ${f[1]}).`);
    case 'symlink':
      throw new StateError(
        'ESCAPES_POOL',
        `${host}: ${where}: ${path.posix.join(f[1], name)} is a symlink (to ${f[2]}); volumes must be regular files inside the pool, because ` +
          `qemu-img and QEMU would follow the link out of ${f[1]}. Remove the link or choose another name.`,
      );
    case 'notfile':
      throw new StateError('EXISTS', `${host}: ${where}: ${path.posix.join(f[1], name)} exists and is not a regular file. Choose another name.`);
    case 'absent': {
      const p = joinIn(f[1], name);
      return { poolDir: f[1], path: p, exists: false };
    }
    case 'file': {
      const p = joinIn(f[1], name);
      if (f[2] !== p) {
        throw new StateError('ESCAPES_POOL', `${host}: ${where}: ${p} resolves to ${f[2]}, outside ${f[1]}. Volumes must stay inside their pool.`);
      }
      const [size, mode, uid, gid] = f[3].split(' ');
      return { poolDir: f[1], path: p, exists: true, size: Number(size), mode: parseInt(mode, 8), uid: Number(uid), gid: Number(gid) };
    }
    default:
      throw new StateError('COMMAND_FAILED', `${host}: unexpected output checking ${poolDir}/${name}: ${JSON.stringify(r.stdout.toString('utf8').slice(0, 100))}`);
  }
}

function joinIn(dir: string, name: string): string {
  return dir === '/' ? `/${name}` : `${dir}/${name}`;
}

/**
 * Checks that `file` (a backing file) resolves to a regular file directly inside `poolDir`
 * (already resolved). Returns the resolved path; throws ESCAPES_POOL or NOT_FOUND.
 */
export async function resolveInsidePool(transport: Transport, poolName: string, poolDir: string, file: string, what: string): Promise<string> {
  const r = await transport.exec(['realpath', '-e', '--', file]);
  if (r.code !== 0) throw new StateError('NOT_FOUND', `${transport.hostLabel}: ${what} ${file} does not exist: ${r.stderr.toString('utf8').trim()}`);
  const resolved = r.stdout.toString('utf8').replace(/\n$/, '');
  if (path.posix.dirname(resolved) !== poolDir) {
    throw new StateError(
      'ESCAPES_POOL',
      `${transport.hostLabel}: ${what} ${file} resolves to ${resolved}, which is not in pool '${poolName}' (${poolDir}). ` +
        `Put the base image in the pool, or allow backing files outside the pool explicitly.`,
    );
  }
  return resolved;
}
