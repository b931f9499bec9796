/**
 * Where a running domain's files live on its host: `<runDir>/NAME/` (DESIGN.md "State on a
 * host"). Pure.
 *
 *   <runDir>/NAME/qmp.sock      QMP monitor (QEMU listens; one client at a time)
 *   <runDir>/NAME/console.sock  serial console, when the caller gives the serial this chardev
 *   <runDir>/NAME/pid           QEMU's pidfile (-pidfile)
 *   <runDir>/NAME/status.json   DomainStatusRecord (./status-record.ts)
 *   <runDir>/NAME/qemu.log      what QEMU printed on stderr while starting (warnings included)
 *
 * Invariants: NAME is a single path component (no '/', not '.' or '..', no NUL, no newline) and
 * every socket path fits a unix socket address (at most 107 bytes): checked here, before any
 * file is made, so the error names the fix instead of QEMU failing later.
 */
import * as path from 'path';

/** Unix socket paths are limited to sizeof(sun_path) - 1 = 107 bytes on Linux. */
export const MAX_UNIX_SOCKET_PATH = 107;

export interface DomainRunPaths {
  readonly dir: string;
  readonly qmpSocket: string;
  readonly consoleSocket: string;
  readonly pidFile: string;
  readonly statusFile: string;
  readonly logFile: string;
}

/** A reason `name` cannot be a run-dir name, or undefined when it can. */
export function runDirNameProblem(name: string): string | undefined {
  if (name === '') return 'the name is empty';
  if (name === '.' || name === '..') return `'${name}' is not a usable directory name`;
  if (name.includes('/')) return "the name contains '/', which libvirt does not allow in domain names";
  if (/[\0\n]/.test(name)) return 'the name contains a NUL or newline character';
  return undefined;
}

/** The run paths of domain `name` under the host's runDir (absolute, POSIX). Throws a TypeError naming the problem and the fix. */
export function domainRunPaths(runDir: string, name: string): DomainRunPaths {
  if (!runDir.startsWith('/')) throw new TypeError(`runDir '${runDir}' must be an absolute host path`);
  const bad = runDirNameProblem(name);
  if (bad) throw new TypeError(`domain name ${JSON.stringify(name)} cannot name a run directory: ${bad}; rename the domain`);
  const dir = path.posix.join(runDir, name);
  const p: DomainRunPaths = {
    dir,
    qmpSocket: path.posix.join(dir, 'qmp.sock'),
    consoleSocket: path.posix.join(dir, 'console.sock'),
    pidFile: path.posix.join(dir, 'pid'),
    statusFile: path.posix.join(dir, 'status.json'),
    logFile: path.posix.join(dir, 'qemu.log'),
  };
  const longest = Buffer.byteLength(p.consoleSocket);
  if (longest > MAX_UNIX_SOCKET_PATH) {
    throw new TypeError(
      `the domain's socket path ${p.consoleSocket} is ${longest} bytes, more than the ${MAX_UNIX_SOCKET_PATH} a unix socket address holds; ` +
        `use a shorter state root (root=DIR in the URI) or a shorter domain name`,
    );
  }
  return p;
}
