/**
 * cpuset cgroup placement of a domain's threads, as a second fence beside thread affinity
 * (a process can widen its own affinity; it cannot leave its cpuset). Layouts for cgroup v1
 * and v2 are in ./cpuset-layout.ts; the steps run through a CgroupRunner (./cgroup-steps.ts).
 *
 * Degrades, never fails a launch: no cpuset controller (none mounted, or bound where virtform
 * cannot use it), or a step the kernel refuses (not root, a read-only or nested cgroup mount,
 * the "no internal processes" rule) gives `{kind:'none', note}` in status.json naming the
 * host, the file, the value, the kernel's reason and the fix, and pinning relies on affinity
 * alone. A half-made placement is undone; when even that fails, the leftover is recorded and
 * removed with the domain. A placement that went through but whose read-back shows other CPUs
 * or nodes than planned is a pinning failure (the CPUs are not granted: affinity cannot get
 * them either).
 */
import { formatCpuList, parseCpuList } from '../../../model/cpu-list';
import { detectCgroupLayout, type CgroupLayout, type CpusetSite } from '../../host/cgroup-layout';
import type { Transport } from '../../host/transport';
import { ShellCgroupRunner, type CgroupRunner, type CgroupRunResult, type CgroupStep } from './cgroup-steps';
import { cpusetLayout, cpusetRemoval, type CpusetLayout, type CpusetPlacementInput } from './cpuset-layout';
import type { CgroupPlacement } from './status-record';

/** Where the cpuset controller is, or null when the host has none virtform can use. */
export type CpusetMount = CpusetSite | null;

/** Files read in the launch's first batch so that a host with cgroup2 at a usual place needs no second read. */
export const CGROUP_PROBE_FILES = [
  '/proc/self/mountinfo',
  '/sys/fs/cgroup/cgroup.controllers',
  '/sys/fs/cgroup/cgroup.type',
  '/sys/fs/cgroup/unified/cgroup.controllers',
  '/sys/fs/cgroup/unified/cgroup.type',
] as const;

/**
 * The host's cgroup layout from /proc/self/mountinfo and the cgroup2 top's cgroup.controllers
 * and cgroup.type. `pre` may hold files already read (CGROUP_PROBE_FILES); what is missing is
 * read in one more round trip.
 */
export async function probeCgroupLayout(t: Pick<Transport, 'readFiles'>, pre?: ReadonlyMap<string, Buffer | null>): Promise<CgroupLayout> {
  const got = new Map(pre ?? []);
  if (!got.has('/proc/self/mountinfo')) for (const [k, v] of await t.readFiles(['/proc/self/mountinfo'])) got.set(k, v);
  const mountinfo = got.get('/proc/self/mountinfo')?.toString('utf8') ?? '';
  const tops: string[] = [];
  detectCgroupLayout(mountinfo, (m) => (tops.push(m), { controllers: null, hasType: false }));
  const need = tops.flatMap((m) => [`${m}/cgroup.controllers`, `${m}/cgroup.type`]).filter((p) => !got.has(p));
  if (need.length) for (const [k, v] of await t.readFiles(need)) got.set(k, v);
  return detectCgroupLayout(mountinfo, (m) => ({
    controllers: got.get(`${m}/cgroup.controllers`)?.toString('utf8') ?? null,
    hasType: (got.get(`${m}/cgroup.type`) ?? null) !== null,
  }));
}

/** The note for a host without a usable cpuset controller. */
export function noCpusetNote(why?: string): string {
  return `${why ? `no usable cpuset cgroup controller: ${why}` : 'no cpuset cgroup controller is mounted on this host'}: pinned by thread affinity only`;
}

export interface CpusetOutcome {
  readonly placement: CgroupPlacement;
  /** Set when the placement went through but reads back other CPUs or nodes than planned: a pinning failure. */
  readonly mismatch?: string;
}

/** Runs a layout's steps on `runner` and judges the outcome (see `judgePlacement`). */
export async function placeInCpuset(runner: CgroupRunner, input: CpusetPlacementInput): Promise<CpusetOutcome> {
  const layout = cpusetLayout(input);
  return judgePlacement(runner.hostLabel, input.site, layout, await runner.run(layout.steps, layout.undo));
}

/** The placement record (or the note why there is none) and any read-back mismatch, from a run's result. Pure. */
export function judgePlacement(host: string, site: CpusetSite, layout: CpusetLayout, r: CgroupRunResult): CpusetOutcome {
  const kind = site.version === 1 ? 'cpuset-v1' : 'cpuset-v2';
  if (r.failed) {
    const undone = r.undoFailed?.length
      ? `undoing it failed too (${r.undoFailed.map((u) => `${describeStep(u.step)}: ${u.message}`).join('; ')}): ${layout.path} is removed with the domain`
      : 'undone';
    const note =
      `cpuset cgroup v${site.version} placement on ${host} failed: ${describeStep(r.failed.step)}: ${r.failed.message}` +
      `${fixFor(host, r.failed.step, r.failed.message, site)}; ${undone}: pinned by thread affinity only`;
    return { placement: { kind: 'none', note, ...(r.undoFailed?.length ? { leftover: layout.path } : {}) } };
  }
  const placement: CgroupPlacement = { kind, path: layout.path };
  for (const c of layout.checks) {
    const got = r.reads.get(c.file);
    if (got === undefined) return { placement, mismatch: `${host}: ${c.file} was not read back after placing ${c.role} in the cpuset cgroup` };
    if (formatCpuList(parseCpuList(got)) === c.want) continue;
    const parent = r.reads.get(c.parentFile);
    const what = c.kind === 'cpus' ? 'CPUs' : 'memory nodes';
    return {
      placement,
      mismatch:
        `${host}: ${c.role} reads back ${c.file.split('/').pop()} '${got}' in ${c.file}, but the plan is '${c.want}': ` +
        `the cgroup above grants ${what} '${parent ?? '?'}' (${c.parentFile}), and the kernel keeps a child within its parent. ` +
        `Fix: pin within ${parent ?? 'what the parent grants'}, or widen the cpuset of the cgroups above ${layout.path}`,
    };
  }
  return { placement };
}

/** `writing '+cpuset' to P`, `creating P`, ... for messages. */
export function describeStep(s: CgroupStep): string {
  switch (s.op) {
    case 'mkdir':
    case 'ensure':
      return `creating ${s.path}`;
    case 'write':
      return `writing '${s.value}' to ${s.path}`;
    case 'copy':
      return `copying ${s.from} to ${s.path}`;
    case 'read':
      return `reading ${s.path}`;
    case 'empty':
      return `checking that ${s.path} lists no process`;
    case 'rmtree':
      return `removing ${s.path}`;
  }
}

/** ` (fix: ...)` for a refused step, from the file and the kernel's errno text; '' when there is no better advice. */
function fixFor(host: string, s: CgroupStep, msg: string, site: CpusetSite): string {
  const file = s.path.split('/').pop() ?? '';
  const dir = s.path.slice(0, s.path.length - file.length - 1);
  const fix = ((): string | undefined => {
    if (msg === 'Permission denied' || msg === 'Operation not permitted') {
      return `connect to ${host} as root, or delegate ${site.mountPoint}/virtform to virtform's user (chown the directory and its cgroup.procs, cgroup.threads and cgroup.subtree_control)`;
    }
    if (msg === 'Read-only file system') return `${site.mountPoint} is mounted read-only (a container without a writable cgroup): mount it read-write or run virtform on the host itself`;
    if (s.op === 'empty') {
      return (
        `${dir} is not the hierarchy root (the cgroup2 mount shows a nested cgroup, as in a container) and holds processes; ` +
        'enabling cpuset for its children would make it a threaded domain, below which no domain cgroup may hold processes. ' +
        `Move the processes of ${dir} into a child cgroup (as container inits do with init.scope), then launch again`
      );
    }
    if (s.op === 'write' && file === 'cgroup.subtree_control') {
      if (msg === 'No such file or directory') return `cpuset is not in ${dir}/cgroup.controllers: the cgroup above it does not enable cpuset; enable it in every ancestor's cgroup.subtree_control from the root down`;
      if (msg === 'Device or resource busy') return `${dir} holds processes, and a non-root cgroup with processes cannot enable controllers for its children (no internal processes): move them into a child cgroup`;
      if (msg === 'Operation not supported') return `${dir} cannot host cpuset for its children: its cgroup.type is not a valid domain (an ancestor is a threaded domain); move the processes of that ancestor into a child cgroup`;
    }
    if (s.op === 'write' && file === 'cgroup.type' && msg === 'Operation not supported') {
      return `${dir.slice(0, dir.lastIndexOf('/'))} cannot become a threaded domain: it enables domain controllers (memory, io, ...) in cgroup.subtree_control or has child cgroups holding processes; remove them`;
    }
    if (s.op === 'write' && /^(cgroup\.procs|cgroup\.threads|tasks)$/.test(file)) {
      if (msg === 'No such process') return `thread ${s.value} exited before it could be placed`;
      if (msg === 'Operation not supported') return `${dir} cannot take the thread: its cgroup.type is 'domain invalid', or the thread belongs to another resource domain`;
      if (msg === 'Device or resource busy') return `${dir} enables controllers for its children, so it may hold no process (no internal processes)`;
    }
    if (s.op === 'write' && /^cpuset\.(cpus|mems)$/.test(file) && msg === 'Invalid argument') {
      return `the host has no ${file === 'cpuset.cpus' ? 'CPU' : 'memory node'} in '${s.value}' online${site.version === 1 ? ', or they are not within the parent cgroup' : ''}`;
    }
    if (s.op === 'mkdir' && msg === 'File exists') return `${s.path} is left from an earlier run and could not be removed: remove it bottom-up with rmdir once no thread is in it`;
    if (s.op === 'rmtree' && msg === 'Device or resource busy') return `a thread is still in it (${site.version === 2 ? 'cgroup.threads' : 'tasks'} of its children): stop that process, then rmdir the cgroups bottom-up`;
    return undefined;
  })();
  return fix ? ` (fix: ${fix})` : '';
}

/** The runner a domain host uses: its own (tests: the kernel simulator), else the sh interpreter over its transport. */
export function hostCgroupRunner(h: { readonly transport: Transport; readonly cgroups?: CgroupRunner }): CgroupRunner {
  return h.cgroups ?? new ShellCgroupRunner(h.transport, { timeoutMs: 30000 });
}

/** Removes the cgroup of `placement` (after QEMU exited), or a leftover of a failed one. Throws with the kernel's reason when it cannot. */
export async function removeCpusetCgroup(runner: CgroupRunner, placement: CgroupPlacement | null): Promise<void> {
  const path = !placement ? undefined : placement.kind === 'none' ? placement.leftover : placement.path;
  if (path === undefined) return;
  const r = await runner.run(cpusetRemoval(path), []);
  if (r.failed) {
    const busy = r.failed.message === 'Device or resource busy' ? ' (a thread is still in it; it is retried by the next destroy or status)' : '';
    throw new Error(`${runner.hostLabel}: cannot remove the cpuset cgroup ${path}: ${describeStep(r.failed.step)}: ${r.failed.message}${busy}`);
  }
}
