/**
 * Where a domain's threads go in a cpuset cgroup, as step lists (./cgroup-steps.ts). Pure.
 *
 * cgroup v1 (cpuset hierarchy at MNT; no threaded mode needed: v1 places single threads anywhere):
 *   MNT/virtform/                 cpus and mems copied from MNT (v1 refuses tasks in an empty cpuset)
 *   MNT/virtform/<uuid>/          union of the domain's CPU sets; mems from the plan, else the parent's
 *   MNT/virtform/<uuid>/emulator/ the whole process first (cgroup.procs), then
 *   MNT/virtform/<uuid>/vcpuN/    each vCPU thread (tasks)
 *   MNT/virtform/<uuid>/iothreadN/ each I/O thread (tasks)
 *
 * cgroup v2 (cgroup2 at MNT offering cpuset), the same tree with v2's rules:
 *   MNT/                          `+cpuset` in cgroup.subtree_control (the root may hold processes)
 *   MNT/virtform/                 `+cpuset` in cgroup.subtree_control; holds no process, so that
 *                                 it may enable controllers ("no internal processes")
 *   MNT/virtform/<uuid>/          a domain: cpuset.cpus = the union, cpuset.mems = the plan's nodes
 *                                 (left empty = the parent's when the plan has none); `+cpuset` in
 *                                 cgroup.subtree_control. Once its first child is threaded it reads
 *                                 `domain threaded`: the resource domain of the whole process.
 *   MNT/virtform/<uuid>/emulator/ `threaded` (cgroup.type), its cpus (and mems); the whole process
 *                                 is written to its cgroup.procs (v2 moves every thread of it)
 *   MNT/virtform/<uuid>/vcpuN/    `threaded`, its cpus; the vCPU thread written to cgroup.threads
 *   MNT/virtform/<uuid>/iothreadN/ likewise for each I/O thread
 * Order matters to the kernel: a child's cpuset files exist only once its parent enabled
 * cpuset; a child must be made threaded while empty; a thread moves by cgroup.threads only
 * within its resource domain (so the process enters first, through cgroup.procs).
 * A v2 mount whose top is nested (a container's cgroup namespace) must hold no process before
 * virtform enables cpuset there: with processes and a threaded controller on, the kernel makes
 * it a threaded domain and no domain cgroup below it (virtform/) could hold processes again. The
 * layout checks that first (`empty` on its cgroup.procs) rather than change the container's tree.
 *
 * Both: named by UUID (two state roots on one host cannot collide); an earlier placement of
 * the same UUID (a re-pin of a running domain, or a leftover) is emptied and removed first;
 * the undo moves the process back to MNT and removes the domain's tree bottom-up; removal
 * after QEMU exited is `rmtree` of the domain's cgroup. `virtform/` is shared and stays.
 * The read-back reads each cgroup's effective CPUs (and nodes when the plan sets them): v2
 * intersects a child's cpuset.cpus with its parent's and takes the parent's when that is
 * empty, so a write that succeeded does not prove the CPUs were granted.
 */
import { formatCpuList } from '../../../model/cpu-list';
import type { CpusetSite } from '../../host/cgroup-layout';
import type { CgroupStep } from './cgroup-steps';

export interface CpusetPlacementInput {
  readonly site: CpusetSite;
  readonly uuid: string;
  /** QEMU's pid. */
  readonly pid: number;
  /** The emulator's CPUs (every thread that is neither a vCPU nor an I/O thread). */
  readonly emulator: readonly number[];
  /** Host NUMA nodes for cpuset.mems, or null to leave memory placement as the parent's. */
  readonly mems: readonly number[] | null;
  /** vCPU and I/O threads: cgroup child (`vcpu0`, `iothread1`), thread id, CPUs, and the role for messages. */
  readonly threads: readonly { readonly child: string; readonly tid: number; readonly cpus: readonly number[]; readonly role: string }[];
}

/** One value the read-back must show. */
export interface CpusetCheck {
  /** The effective file read (host path). */
  readonly file: string;
  readonly want: string;
  /** `the domain`, `the emulator`, `vcpu 0`, `I/O thread 1`. */
  readonly role: string;
  /** The parent's effective file of the same kind, for the message. */
  readonly parentFile: string;
  readonly kind: 'cpus' | 'mems';
}

export interface CpusetLayout {
  /** The domain's cgroup directory (recorded in status.json). */
  readonly path: string;
  readonly steps: readonly CgroupStep[];
  readonly undo: readonly CgroupStep[];
  readonly checks: readonly CpusetCheck[];
}

/** `MNT/virtform/<uuid>`: the domain's cgroup on a cpuset site. */
export function cpusetDomainPath(site: CpusetSite, uuid: string): string {
  return `${site.mountPoint.replace(/\/+$/, '')}/virtform/${uuid}`;
}

/** The steps that place a domain's threads, their undo, and what the read-back must show. */
export function cpusetLayout(p: CpusetPlacementInput): CpusetLayout {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(p.uuid)) throw new TypeError(`uuid '${p.uuid}' is not a lower-case UUID`);
  for (const t of p.threads) if (!/^(vcpu|iothread)\d+$/.test(t.child)) throw new TypeError(`cgroup child '${t.child}' is not vcpuN or iothreadN`);
  const mnt = p.site.mountPoint.replace(/\/+$/, '');
  const base = `${mnt}/virtform`;
  const dom = `${base}/${p.uuid}`;
  const v2 = p.site.version === 2;
  const eff = (dir: string, kind: 'cpus' | 'mems'): string => `${dir}/${v2 ? `cpuset.${kind}.effective` : `cpuset.effective_${kind}`}`;
  const mems = p.mems === null ? null : formatCpuList(p.mems);
  const all = formatCpuList([...new Set([...p.emulator, ...p.threads.flatMap((t) => t.cpus)])].sort((a, b) => a - b));
  const children = [{ child: 'emulator', cpus: p.emulator, role: 'the emulator' }, ...p.threads];

  const steps: CgroupStep[] = [];
  // v1 needs mems in every cpuset a task joins; v2 leaves them empty (= the parent's) unless planned.
  const setMems = (dir: string, parent: string): void => {
    if (mems !== null) steps.push({ op: 'write', path: `${dir}/cpuset.mems`, value: mems });
    else if (!v2) steps.push({ op: 'copy', path: `${dir}/cpuset.mems`, from: `${parent}/cpuset.mems` });
  };
  if (v2) {
    if (p.site.nested) steps.push({ op: 'empty', path: `${mnt}/cgroup.procs` });
    steps.push({ op: 'write', path: `${mnt}/cgroup.subtree_control`, value: '+cpuset' });
    steps.push({ op: 'ensure', path: base });
    steps.push({ op: 'write', path: `${base}/cgroup.subtree_control`, value: '+cpuset' });
  } else {
    steps.push({ op: 'ensure', path: base });
    steps.push({ op: 'copy', path: `${base}/cpuset.cpus`, from: `${mnt}/cpuset.cpus` });
    steps.push({ op: 'copy', path: `${base}/cpuset.mems`, from: `${mnt}/cpuset.mems` });
  }
  // An earlier placement of this UUID: the process out of it first, then the tree.
  steps.push({ op: 'write', path: `${mnt}/cgroup.procs`, value: String(p.pid), optional: true, ifExists: dom });
  steps.push({ op: 'rmtree', path: dom });
  steps.push({ op: 'mkdir', path: dom });
  steps.push({ op: 'write', path: `${dom}/cpuset.cpus`, value: all });
  setMems(dom, base);
  if (v2) steps.push({ op: 'write', path: `${dom}/cgroup.subtree_control`, value: '+cpuset' });
  for (const c of children) {
    const dir = `${dom}/${c.child}`;
    steps.push({ op: 'mkdir', path: dir });
    if (v2) steps.push({ op: 'write', path: `${dir}/cgroup.type`, value: 'threaded' });
    if (!v2) setMems(dir, dom);
    steps.push({ op: 'write', path: `${dir}/cpuset.cpus`, value: formatCpuList(c.cpus) });
    if (v2) setMems(dir, dom);
  }
  steps.push({ op: 'write', path: `${dom}/emulator/cgroup.procs`, value: String(p.pid) });
  for (const t of p.threads) steps.push({ op: 'write', path: `${dom}/${t.child}/${v2 ? 'cgroup.threads' : 'tasks'}`, value: String(t.tid) });

  const checks: CpusetCheck[] = [{ file: eff(dom, 'cpus'), want: all, role: 'the domain', parentFile: eff(base, 'cpus'), kind: 'cpus' }];
  for (const c of children) checks.push({ file: eff(`${dom}/${c.child}`, 'cpus'), want: formatCpuList(c.cpus), role: c.role, parentFile: eff(dom, 'cpus'), kind: 'cpus' });
  if (mems !== null) {
    checks.push({ file: eff(dom, 'mems'), want: mems, role: 'the domain', parentFile: eff(base, 'mems'), kind: 'mems' });
    for (const c of children) checks.push({ file: eff(`${dom}/${c.child}`, 'mems'), want: mems, role: c.role, parentFile: eff(dom, 'mems'), kind: 'mems' });
  }
  const reads = [...new Set([eff(base, 'cpus'), ...(mems !== null ? [eff(base, 'mems')] : []), ...checks.map((c) => c.file)])];
  for (const file of reads) steps.push({ op: 'read', path: file });

  // Only what this run made is undone: nothing when it failed before creating the domain's cgroup.
  const undo: CgroupStep[] = [
    { op: 'write', path: `${mnt}/cgroup.procs`, value: String(p.pid), ifExists: dom },
    { op: 'rmtree', path: dom },
  ];
  return { path: dom, steps, undo, checks };
}

/** Removes a domain's cgroup after its QEMU exited (bottom-up; exiting threads are waited for). */
export function cpusetRemoval(path: string): CgroupStep[] {
  return [{ op: 'rmtree', path }];
}
