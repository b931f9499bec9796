/**
 * What the host-resource steps (hugepages, VFIO) need from a host: sysfs/procfs through the
 * HostFs port, and the few commands sysfs cannot do (mkdir, rmdir, mount, umount, modprobe)
 * through HostCommands. Tests give a FakeSysfs (the kernel simulator) and recording commands;
 * production gives both over the domain's Transport.
 *
 * Invariants: every path is a host path; commands are argv arrays (never a shell line); with
 * a host root (tests, `root=DIR`), command paths are mapped under it exactly as HostFs maps
 * file paths.
 */
import { HostError } from '../host/errors';
import { TransportHostFs, type HostFs } from '../host/host-fs';
import type { ExecResult, Transport } from '../host/transport';

export interface HostCommands {
  /** `mkdir -p -m MODE -- PATH` (mode applies to the last component). */
  mkdir(path: string, mode: number): Promise<void>;
  /** `rmdir -- PATH`: an empty directory only. Resolves false when it did not exist. */
  rmdir(path: string): Promise<boolean>;
  /** `mount -t hugetlbfs -o pagesize=NK hugetlbfs PATH`. */
  mountHugetlbfs(path: string, pageSizeKiB: number): Promise<void>;
  /** `umount -- PATH`. */
  umount(path: string): Promise<void>;
  /** `modprobe -- NAME`. */
  modprobe(module: string): Promise<void>;
}

export interface HostContext {
  /** Host name in messages. */
  readonly hostLabel: string;
  readonly fs: HostFs;
  /** Absent: steps that need a command fail with a message naming it. */
  readonly commands?: HostCommands;
}

/** HostCommands over a Transport, with an optional host-root prefix for paths. */
export function transportHostCommands(transport: Transport, opts: { readonly hostRoot?: string } = {}): HostCommands {
  const root = (opts.hostRoot ?? '').replace(/\/+$/, '');
  const map = (p: string): string => {
    if (!p.startsWith('/')) throw new TypeError(`'${p}' is not an absolute host path`);
    if (root && p.split('/').includes('..')) throw new TypeError(`'${p}' contains '..', which could leave the host root ${root}`);
    return root + p;
  };
  const run = async (argv: string[], what: string): Promise<ExecResult> => {
    const r = await transport.exec(argv, { timeoutMs: 30000 });
    if (r.code !== 0) {
      const msg = r.stderr.toString('utf8').trim() || r.stdout.toString('utf8').trim() || `exit ${r.code}`;
      throw new HostError(r.code === 127 ? 'NOT_FOUND' : 'IO', `${transport.hostLabel}: ${what} failed: ${msg}`);
    }
    return r;
  };
  return {
    async mkdir(p, mode) {
      await run(['mkdir', '-p', '-m', mode.toString(8).padStart(4, '0'), '--', map(p)], `mkdir ${p}`);
    },
    async rmdir(p) {
      const r = await transport.exec(['sh', '-c', '[ -d "$1" ] || exit 3; rmdir -- "$1"', 'sh', map(p)], { timeoutMs: 30000 });
      if (r.code === 3) return false;
      if (r.code !== 0) throw new HostError('IO', `${transport.hostLabel}: rmdir ${p} failed: ${r.stderr.toString('utf8').trim() || `exit ${r.code}`}`);
      return true;
    },
    async mountHugetlbfs(p, size) {
      await run(['mount', '-t', 'hugetlbfs', '-o', `pagesize=${size}k`, 'hugetlbfs', map(p)], `mounting hugetlbfs (pagesize=${size}k) on ${p}`);
    },
    async umount(p) {
      await run(['umount', '--', map(p)], `umount ${p}`);
    },
    async modprobe(module) {
      await run(['modprobe', '--', module], `modprobe ${module}`);
    },
  };
}

/** The production context: HostFs and commands over the same transport. */
export function transportHostContext(transport: Transport, opts: { readonly hostRoot?: string } = {}): HostContext {
  return {
    hostLabel: transport.hostLabel,
    fs: new TransportHostFs(transport, opts),
    commands: transportHostCommands(transport, opts),
  };
}
