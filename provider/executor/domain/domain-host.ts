/**
 * The host a domain runs on, as the lifecycle functions need it: the Transport, the host's run
 * directory, and the hooks that give back what other steps took for a domain (VFIO devices,
 * hugepages) once its QEMU is gone. Plus the run-dir file operations every step shares.
 *
 * Invariants:
 * - Only `<runDir>/NAME` directories are created or removed, NAME checked by run-paths.ts.
 * - status.json is written atomically (Transport.writeFile: temp + rename), so a reader sees
 *   the old or the new record, never half of one.
 */
import type { Transport } from '../../host/transport';
import type { CgroupRunner } from './cgroup-steps';
import { domainRunPaths, type DomainRunPaths } from './run-paths';
import { formatStatusRecord, parseStatusRecord, type DomainStatusRecord } from './status-record';

/**
 * Gives back what another step took for a domain (rebind VFIO devices to their original
 * drivers, shrink a hugepage pool), from its status record. Called after QEMU has exited,
 * before the record is removed; a hook that throws keeps the record so it can be retried.
 */
export type ReleaseHook = (host: DomainHost, record: DomainStatusRecord) => Promise<void>;

export interface DomainHost {
  readonly transport: Transport;
  /** HostPaths.runDir of the connection URI. */
  readonly runDir: string;
  readonly releaseHooks?: readonly ReleaseHook[];
  /** Clock for startedAt and exit times; default `() => new Date()`. */
  readonly now?: () => Date;
  /**
   * Runs cpuset cgroup steps (placement, removal). Default: the sh interpreter over the
   * transport, inside the pinning exec. Tests give the cgroup2 kernel simulator.
   */
  readonly cgroups?: CgroupRunner;
}

export function hostNow(h: DomainHost): string {
  return (h.now ? h.now() : new Date()).toISOString();
}

export function runPaths(h: DomainHost, name: string): DomainRunPaths {
  return domainRunPaths(h.runDir, name);
}

/** What is on disk for one domain: its status record and pidfile (either may be missing). */
export interface RunDirState {
  readonly paths: DomainRunPaths;
  /** undefined when status.json is missing. Throws (via `error`) when it is unreadable. */
  readonly record?: DomainStatusRecord;
  readonly recordError?: string;
  /** The pid QEMU wrote, when the pidfile holds one. */
  readonly pidFromFile?: number;
  readonly dirExists: boolean;
}

const RUN_DIR_SCRIPT = `
[ -d "$1" ] || exit 3
printf '%s\\0' "$(cat "$1/pid" 2>/dev/null)"
if [ -f "$1/status.json" ]; then printf 'S\\0'; cat "$1/status.json"; else printf 'N\\0'; fi
exit 0
`;

/** status.json, the pidfile and whether the directory exists: one round trip. */
export async function readRunDir(h: DomainHost, name: string): Promise<RunDirState> {
  const paths = runPaths(h, name);
  const r = await h.transport.exec(['sh', '-c', RUN_DIR_SCRIPT, 'sh', paths.dir], { timeoutMs: 30000 });
  if (r.code === 3) return { paths, dirExists: false };
  if (r.code !== 0) throw new Error(`${h.transport.hostLabel}: cannot read ${paths.dir}: ${r.stderr.toString('utf8').trim() || `exit ${r.code}`}`);
  const out = r.stdout;
  const a = out.indexOf(0);
  const pidText = out.subarray(0, a).toString('utf8').trim();
  const pidFromFile = /^[1-9][0-9]*$/.test(pidText) ? Number(pidText) : undefined;
  const hasStatus = out.subarray(a + 1, a + 2).toString() === 'S';
  if (!hasStatus) return { paths, dirExists: true, ...(pidFromFile !== undefined ? { pidFromFile } : {}) };
  const where = `${h.transport.hostLabel}:${paths.statusFile}`;
  try {
    const record = parseStatusRecord(out.subarray(a + 3).toString('utf8'), where);
    return { paths, dirExists: true, record, ...(pidFromFile !== undefined ? { pidFromFile } : {}) };
  } catch (e) {
    return { paths, dirExists: true, recordError: (e as Error).message, ...(pidFromFile !== undefined ? { pidFromFile } : {}) };
  }
}

export async function writeStatus(h: DomainHost, record: DomainStatusRecord): Promise<void> {
  await h.transport.writeFile(runPaths(h, record.name).statusFile, formatStatusRecord(record), 0o600);
}

/** Creates `<runDir>/NAME` (mode 0700; runDir 0755 when missing) holding the first status.json: one round trip. Fails if the directory exists. */
export async function makeRunDir(h: DomainHost, paths: DomainRunPaths, first: DomainStatusRecord): Promise<void> {
  const script = 'mkdir -p -m 0755 -- "$1" && mkdir -m 0700 -- "$2" && umask 077 && cat >"$2/.status.json.new" && mv -f -- "$2/.status.json.new" "$2/status.json"';
  const r = await h.transport.exec(['sh', '-c', script, 'sh', h.runDir, paths.dir], { stdin: formatStatusRecord(first), timeoutMs: 30000 });
  if (r.code !== 0) throw new Error(`cannot create ${paths.dir}: ${r.stderr.toString('utf8').trim() || `exit ${r.code}`}`);
}

/** Removes `<runDir>/NAME` and everything in it. */
export async function removeRunDir(h: DomainHost, paths: DomainRunPaths): Promise<void> {
  const r = await h.transport.exec(['rm', '-rf', '--', paths.dir]);
  if (r.code !== 0) throw new Error(`cannot remove ${paths.dir}: ${r.stderr.toString('utf8').trim()}`);
}

/** Removes the sockets and the pidfile, keeping status.json and qemu.log for post-mortem. */
export async function removeRuntimeFiles(h: DomainHost, paths: DomainRunPaths): Promise<void> {
  await h.transport.exec(['rm', '-f', '--', paths.qmpSocket, paths.consoleSocket, paths.pidFile]);
}

/** Names of the domains with a run directory holding status.json, sorted. */
export async function listRunDirNames(h: DomainHost): Promise<string[]> {
  const r = await h.transport.exec(['sh', '-c', 'for d in "$1"/*/; do [ -f "$d/status.json" ] && { d=${d%/}; printf "%s\\0" "${d##*/}"; }; done; exit 0', 'sh', h.runDir]);
  return r.stdout
    .toString('utf8')
    .split('\0')
    .filter((n) => n !== '')
    .sort();
}
