/**
 * A fake cgroup2 file system that behaves like the kernel, for the hosts this machine cannot
 * be (its cpuset controller is bound to cgroup v1, so its cgroup2 offers no cpuset). The state
 * is a model of the cgroup tree; after every operation it is written out as a real directory
 * tree under a host-root prefix (the interface files with their contents, and a
 * /proc/self/mountinfo naming the mount), so that tests and the production probe read it with
 * plain file reads.
 *
 * `FakeCgroup2` implements the CgroupRunner port (as FakeSysfs implements HostFs): the
 * production step lists (provider/executor/domain/cpuset-layout.ts) run against it with the
 * same semantics as the sh interpreter. Every operation is logged in `ops`.
 *
 * Kernel rules modelled (Documentation/admin-guide/cgroup-v2.rst; the core ones, without
 * cpuset, are checked against this machine's real cgroup2 in cgroup-v2-conformance.test.ts):
 * - mkdir creates the core interface files, plus a controller's files when the parent enables
 *   it in cgroup.subtree_control; a missing parent is ENOENT, an existing name EEXIST. A new
 *   cgroup below a threaded one, or below a non-root threaded domain, reads `domain invalid`.
 * - rmdir: EBUSY while the cgroup has threads or child cgroups, and always for the top.
 * - Writing a file that does not exist is EACCES (cgroupfs cannot create files); writing a
 *   read-only one (cgroup.controllers, cgroup.events, *.effective, cgroup.stat) EINVAL.
 * - cgroup.subtree_control `+c`/`-c`: ENOENT for a controller missing from cgroup.controllers,
 *   EINVAL for a malformed token, EBUSY when disabling one a child still enables; enabling
 *   vetted as the kernel does: EOPNOTSUPP in a cgroup that is not a valid domain; domain
 *   controllers (memory, io, ...) EOPNOTSUPP in a threaded cgroup or threaded domain and EBUSY
 *   in a non-root cgroup holding threads; threaded controllers (cpuset, cpu, pids) are allowed
 *   where the cgroup is or can become a threaded domain, else EBUSY with threads. A non-root
 *   cgroup with threads and a threaded controller on becomes a threaded domain.
 * - cgroup.type: only `threaded` (EINVAL otherwise); EOPNOTSUPP when the cgroup is populated or
 *   enables domain controllers, or its parent's domain cannot be a threaded domain (it enables
 *   domain controllers, or has populated domain children). Never back to `domain`.
 * - cgroup.procs PID / cgroup.threads TID: ESRCH for an unknown id, EINVAL for a non-number;
 *   EOPNOTSUPP when the target's domain is not valid; EBUSY when the target is a non-root domain
 *   that enables controllers and cannot be a threaded domain; cgroup.threads also EOPNOTSUPP
 *   across resource domains. cgroup.procs moves every thread of the process; reading it in a
 *   threaded cgroup is EOPNOTSUPP; a threaded domain lists the processes of its whole subtree.
 * - cpuset.cpus / cpuset.mems: kernel list syntax, EINVAL for a malformed list or ids the host
 *   lacks; empty means the parent's. Effective = requested ∩ parent's effective, or the
 *   parent's when that is empty (v2 never refuses CPUs the parent lacks).
 *
 * Tasks: processes added with `addProcess`, or real ones looked up in this machine's /proc
 * when `realProc` is on (a real QEMU's threads), starting in the top; real tasks that exited
 * (zombies included) leave their cgroups before every operation.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { formatCpuList, parseCpuList } from '../../model/cpu-list';
import type { CgroupRunner, CgroupRunResult, CgroupStep } from '../../provider/executor/domain/cgroup-steps';

function readOrNull(p: string): string | null {
  try {
    return fs.readFileSync(p, 'utf8');
  } catch {
    return null;
  }
}

export class CgroupFsError extends Error {
  constructor(readonly errno: string) {
    super(errno);
  }
}
const EACCES = 'Permission denied';
const EINVAL = 'Invalid argument';
const ENOENT = 'No such file or directory';
const EEXIST = 'File exists';
const EBUSY = 'Device or resource busy';
const EOPNOTSUPP = 'Operation not supported';
const ESRCH = 'No such process';

/** Controllers in the kernel's order (cgroup.controllers prints them so). */
const ORDER = ['cpuset', 'cpu', 'io', 'memory', 'perf_event', 'hugetlb', 'pids', 'rdma', 'misc'];
/** Controllers that work in threaded mode; the others are domain controllers. */
const THREADED = new Set(['cpuset', 'cpu', 'perf_event', 'pids']);
/** A few files each controller adds to the cgroups below the one enabling it (cpuset's are modelled). */
const CONTROLLER_FILES: Record<string, Record<string, string>> = {
  cpu: { 'cpu.weight': '100\n', 'cpu.max': 'max 100000\n' },
  io: { 'io.weight': 'default 100\n' },
  memory: { 'memory.max': 'max\n', 'memory.current': '0\n' },
  pids: { 'pids.max': 'max\n', 'pids.current': '0\n' },
  hugetlb: { 'hugetlb.2MB.max': 'max\n' },
};

export interface FakeCgroup2Spec {
  readonly hostname: string;
  /** Host path of the cgroup2 mount. */
  readonly mountPoint: string;
  /** What the top offers (its cgroup.controllers). */
  readonly controllers: readonly string[];
  /** Enabled in the top's cgroup.subtree_control at the start. */
  readonly subtreeControl: readonly string[];
  /** Online CPUs and memory nodes: what the top grants. */
  readonly cpus: string;
  readonly mems: string;
  /** The top is a nested cgroup (a container's cgroup namespace), not the hierarchy root. */
  readonly nested: boolean;
  /** Processes in the top at the start. */
  readonly processes: readonly { readonly pid: number; readonly tids: readonly number[] }[];
  /** Look ids the model does not know up in this machine's /proc (real processes). */
  readonly realProc: boolean;
}

/** A pure cgroup v2 host as systemd sets it up (Debian 12, RHEL 9): cpuset offered and enabled at the root, init in it. */
export const SYSTEMD_V2_HOST: FakeCgroup2Spec = {
  hostname: 'fakehost',
  mountPoint: '/sys/fs/cgroup',
  controllers: ['cpuset', 'cpu', 'io', 'memory', 'hugetlb', 'pids'],
  subtreeControl: ['cpuset', 'cpu', 'io', 'memory', 'pids'],
  cpus: '0-3',
  mems: '0-1',
  nested: false,
  processes: [{ pid: 1, tids: [1] }],
  realProc: false,
};

interface Cg {
  readonly name: string;
  readonly parent: Cg | null;
  readonly children: Map<string, Cg>;
  threaded: boolean;
  readonly subtree: Set<string>;
  /** Requested cpuset.cpus / cpuset.mems; null = empty (the parent's). */
  cpus: number[] | null;
  mems: number[] | null;
  /** Other writable files' contents. */
  readonly files: Map<string, string>;
}

interface Task {
  readonly pid: number;
  cg: Cg;
  readonly real: boolean;
}

export class FakeCgroup2 implements CgroupRunner {
  readonly hostLabel: string;
  /** Every operation, in order: `mkdir P`, `rmdir P`, `write P "VALUE"`, `read P` (failures end with ` -> ERRNO`). */
  readonly ops: string[] = [];
  /** `write P` / `mkdir P` / `rmdir P` → errno text the kernel answers instead (permission, read-only mounts). */
  readonly failures = new Map<string, string>();
  private readonly top: Cg;
  private readonly tasks = new Map<number, Task>();
  private readonly online: number[];
  private readonly nodes: number[];

  constructor(
    readonly root: string,
    readonly spec: FakeCgroup2Spec = SYSTEMD_V2_HOST,
  ) {
    this.hostLabel = spec.hostname;
    this.online = parseCpuList(spec.cpus);
    this.nodes = parseCpuList(spec.mems);
    this.top = this.newCg('', null);
    for (const c of spec.subtreeControl) this.top.subtree.add(c);
    for (const p of spec.processes) for (const tid of p.tids) this.tasks.set(tid, { pid: p.pid, cg: this.top, real: false });
    const mnt = spec.mountPoint.replace(/ /g, '\\040');
    this.file('/proc/self/mountinfo', `24 1 0:22 / / rw,relatime - ext4 /dev/vda1 rw\n30 24 0:26 / ${mnt} rw,nosuid,nodev,noexec,relatime - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n`);
    this.render();
  }

  /** A fresh tree in a temp dir. Call `remove()` afterwards. */
  static create(spec: Partial<FakeCgroup2Spec> = {}): FakeCgroup2 {
    const root = fs.mkdtempSync(path.join(fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir(), 'virtform-fakecg2-'));
    return new FakeCgroup2(root, { ...SYSTEMD_V2_HOST, ...spec });
  }

  remove(): void {
    fs.rmSync(this.root, { recursive: true, force: true });
  }

  /** Adds a process (its threads start in the top, as if the kernel had just forked it). */
  addProcess(pid: number, tids: readonly number[], inCgroup = this.spec.mountPoint): void {
    const cg = this.find(inCgroup);
    if (!cg) throw new Error(`fake cgroup2: no cgroup ${inCgroup}`);
    for (const tid of tids) this.tasks.set(tid, { pid, cg, real: false });
    this.render();
  }

  /** The process exits: its threads leave their cgroups. */
  exitProcess(pid: number): void {
    for (const [tid, t] of this.tasks) if (t.pid === pid) this.tasks.delete(tid);
    this.render();
  }

  /** Host path → the file under the root. */
  real(p: string): string {
    return path.join(this.root, p);
  }

  // ---- the kernel's file operations (host paths) --------------------------------------------

  mkdir(p: string): void {
    this.op(`mkdir ${p}`, () => {
      const { parent, name } = this.split(p);
      const dir = parent === null ? null : this.find(parent);
      if (this.find(p)) throw new CgroupFsError(EEXIST);
      if (!dir) throw new CgroupFsError(ENOENT);
      this.newCg(name, dir);
    });
  }

  rmdir(p: string): void {
    this.op(`rmdir ${p}`, () => {
      const cg = this.find(p);
      if (!cg) throw new CgroupFsError(ENOENT);
      if (cg === this.top || cg.children.size > 0 || this.hasTasks(cg)) throw new CgroupFsError(EBUSY);
      cg.parent!.children.delete(cg.name);
    });
  }

  write(p: string, data: string): void {
    this.op(`write ${p} ${JSON.stringify(data.replace(/\n$/, ''))}`, () => this.store(p, data.replace(/\n$/, '')));
  }

  read(p: string): string {
    let out = '';
    this.op(`read ${p}`, () => {
      const { parent, name } = this.split(p);
      const cg = parent === null ? null : this.find(parent);
      const files = cg ? this.filesOf(cg) : null;
      if (!cg || !files || !files.has(name)) throw new CgroupFsError(ENOENT);
      if (name === 'cgroup.procs' && cg.threaded) throw new CgroupFsError(EOPNOTSUPP);
      out = files.get(name)!;
    });
    return out;
  }

  exists(p: string): boolean {
    if (this.find(p)) return true;
    const { parent, name } = this.split(p);
    const cg = parent === null ? null : this.find(parent);
    return !!cg && this.filesOf(cg).has(name);
  }

  // ---- the CgroupRunner port ----------------------------------------------------------------

  async run(steps: readonly CgroupStep[], undo: readonly CgroupStep[]): Promise<CgroupRunResult> {
    const reads = new Map<string, string>();
    const exec = (s: CgroupStep): void => {
      switch (s.op) {
        case 'mkdir':
          return this.mkdir(s.path);
        case 'ensure':
          if (!this.find(s.path)) this.mkdir(s.path);
          return;
        case 'write':
          return this.write(s.path, `${s.value}\n`);
        case 'copy':
          return this.write(s.path, this.read(s.from).split('\n')[0] + '\n');
        case 'read':
          reads.set(s.path, this.read(s.path).split('\n')[0]);
          return;
        case 'empty': {
          const ids = this.read(s.path).split('\n').filter(Boolean);
          if (ids.length) throw new CgroupFsError(`not empty: ${ids.join(' ')}`);
          return;
        }
        case 'rmtree':
          return this.rmtree(s.path);
      }
    };
    let failed: CgroupRunResult['failed'];
    for (let i = 0; i < steps.length && !failed; i++) {
      const s = steps[i];
      if (s.ifExists !== undefined && !this.exists(s.ifExists)) continue;
      try {
        exec(s);
      } catch (e) {
        if (!(e instanceof CgroupFsError)) throw e;
        if (!s.optional) failed = { index: i, step: s, message: e.errno };
      }
    }
    const undoFailed: { step: CgroupStep; message: string }[] = [];
    if (failed) {
      for (const s of undo) {
        if (s.ifExists !== undefined && !this.exists(s.ifExists)) continue;
        try {
          exec(s);
        } catch (e) {
          if (!(e instanceof CgroupFsError)) throw e;
          undoFailed.push({ step: s, message: e.errno });
        }
      }
    }
    return { reads, ...(failed ? { failed } : {}), ...(undoFailed.length ? { undoFailed } : {}) };
  }

  private rmtree(p: string): void {
    const cg = this.find(p);
    if (!cg) return;
    for (const name of [...cg.children.keys()].sort()) this.rmtree(`${p}/${name}`);
    this.rmdir(p);
  }

  // ---- model ----------------------------------------------------------------------------------

  private newCg(name: string, parent: Cg | null): Cg {
    const cg: Cg = { name, parent, children: new Map(), threaded: false, subtree: new Set(), cpus: null, mems: null, files: new Map() };
    parent?.children.set(name, cg);
    return cg;
  }

  private split(p: string): { parent: string | null; name: string } {
    const i = p.lastIndexOf('/');
    return { parent: i <= 0 ? null : p.slice(0, i), name: p.slice(i + 1) };
  }

  /** The cgroup at host path p, or null. */
  private find(p: string): Cg | null {
    const mnt = this.spec.mountPoint;
    if (p === mnt) return this.top;
    if (!p.startsWith(`${mnt}/`)) return null;
    let cg: Cg | undefined = this.top;
    for (const part of p.slice(mnt.length + 1).split('/')) {
      cg = cg.children.get(part);
      if (!cg) return null;
    }
    return cg;
  }

  private pathOf(cg: Cg): string {
    return cg.parent ? `${this.pathOf(cg.parent)}/${cg.name}` : this.spec.mountPoint;
  }

  /** The real root: exempt from the no-internal-process rule ("mixable"). */
  private mixable(cg: Cg): boolean {
    return cg === this.top && !this.spec.nested;
  }
  private hasTasks(cg: Cg): boolean {
    for (const t of this.tasks.values()) if (t.cg === cg) return true;
    return false;
  }
  private populated(cg: Cg): boolean {
    return this.hasTasks(cg) || [...cg.children.values()].some((c) => this.populated(c));
  }
  /** The resource domain: the nearest ancestor-or-self that is not threaded. */
  private dom(cg: Cg): Cg {
    return cg.threaded && cg.parent ? this.dom(cg.parent) : cg;
  }
  private domainControllers(cg: Cg): boolean {
    return [...cg.subtree].some((c) => !THREADED.has(c));
  }
  private isThreadRoot(cg: Cg): boolean {
    if (cg.threaded) return false;
    if ([...cg.children.values()].some((c) => c.threaded)) return true;
    return this.hasTasks(cg) && [...cg.subtree].some((c) => THREADED.has(c));
  }
  private isValidDomain(cg: Cg): boolean {
    if (cg.threaded) return false;
    for (let p = cg.parent; p; p = p.parent) {
      if (!this.mixable(p) && this.isThreadRoot(p)) return false;
      if (p.threaded) return false;
    }
    return true;
  }
  private canBeThreadRoot(cg: Cg): boolean {
    if (this.mixable(cg)) return true;
    if (cg.threaded) return false;
    if ([...cg.children.values()].some((c) => !c.threaded && this.populated(c))) return false;
    return !this.domainControllers(cg);
  }
  private typeOf(cg: Cg): string {
    if (cg.threaded) return 'threaded';
    if (!this.isValidDomain(cg)) return 'domain invalid';
    if (this.isThreadRoot(cg)) return 'domain threaded';
    return 'domain';
  }
  private controllersOf(cg: Cg): string[] {
    return cg.parent ? [...cg.parent.subtree] : [...this.spec.controllers];
  }
  private enabled(cg: Cg, c: string): boolean {
    return this.controllersOf(cg).includes(c);
  }
  private effective(cg: Cg, kind: 'cpus' | 'mems'): number[] {
    if (!cg.parent) return kind === 'cpus' ? this.online : this.nodes;
    const parent = this.effective(cg.parent, kind);
    const req = cg[kind];
    if (!this.enabled(cg, 'cpuset') || req === null) return parent;
    const both = req.filter((x) => parent.includes(x));
    return both.length ? both : parent;
  }

  /** Real tasks that exited leave their cgroups; a zombie no longer counts (the kernel unlinks it at exit). */
  private reap(): void {
    for (const [tid, t] of this.tasks) {
      if (!t.real) continue;
      const stat = readOrNull(`/proc/${t.pid}/task/${tid}/stat`);
      const state = stat === null ? 'X' : stat.slice(stat.lastIndexOf(')') + 2)[0];
      if (state === 'Z' || state === 'X') this.tasks.delete(tid);
    }
  }

  /** The task with this id, looked up in the real /proc when allowed. */
  private task(id: number): Task | undefined {
    const known = this.tasks.get(id);
    if (known || !this.spec.realProc) return known;
    let status: string;
    try {
      status = fs.readFileSync(`/proc/${id}/status`, 'utf8');
    } catch {
      return undefined;
    }
    const pid = Number(/^Tgid:\s*(\d+)/m.exec(status)?.[1]);
    let tids: number[];
    try {
      tids = fs.readdirSync(`/proc/${pid}/task`).map(Number);
    } catch {
      return undefined;
    }
    for (const tid of tids) if (!this.tasks.has(tid)) this.tasks.set(tid, { pid, cg: this.top, real: true });
    return this.tasks.get(id);
  }

  /** The kernel's checks before tasks move into dst (cgroup_migrate_vet_dst, in words). */
  private vetDestination(dst: Cg): void {
    if (!this.isValidDomain(this.dom(dst))) throw new CgroupFsError(EOPNOTSUPP);
    if (this.mixable(dst)) return;
    if (this.canBeThreadRoot(dst) || dst.threaded) return;
    if (dst.subtree.size > 0) throw new CgroupFsError(EBUSY);
  }

  private store(p: string, value: string): void {
    const failure = this.failures.get(`write ${p}`);
    if (failure) throw new CgroupFsError(failure);
    const { parent, name } = this.split(p);
    const cg = parent === null ? null : this.find(parent);
    if (!cg || !this.filesOf(cg).has(name)) throw new CgroupFsError(cg ? EACCES : ENOENT);
    const v = value.trim();
    switch (name) {
      case 'cgroup.subtree_control':
        return this.setSubtree(cg, v);
      case 'cgroup.type': {
        if (v !== 'threaded') throw new CgroupFsError(EINVAL);
        if (cg.threaded) return;
        if (this.populated(cg) || this.domainControllers(cg)) throw new CgroupFsError(EOPNOTSUPP);
        const d = cg.parent ? this.dom(cg.parent) : null;
        if (!d || !this.isValidDomain(d) || !this.canBeThreadRoot(d)) throw new CgroupFsError(EOPNOTSUPP);
        cg.threaded = true;
        return;
      }
      case 'cgroup.procs':
      case 'cgroup.threads': {
        if (!/^\d+$/.test(v)) throw new CgroupFsError(EINVAL);
        const t = this.task(Number(v));
        if (!t) throw new CgroupFsError(ESRCH);
        this.vetDestination(cg);
        if (name === 'cgroup.threads') {
          if (this.dom(t.cg) !== this.dom(cg)) throw new CgroupFsError(EOPNOTSUPP);
          t.cg = cg;
        } else {
          for (const x of this.tasks.values()) if (x.pid === t.pid) x.cg = cg;
        }
        return;
      }
      case 'cpuset.cpus':
      case 'cpuset.mems': {
        const kind = name === 'cpuset.cpus' ? 'cpus' : 'mems';
        let ids: number[];
        try {
          ids = parseCpuList(v);
        } catch {
          throw new CgroupFsError(EINVAL);
        }
        const have = kind === 'cpus' ? this.online : this.nodes;
        if (ids.some((x) => !have.includes(x))) throw new CgroupFsError(EINVAL);
        cg[kind] = ids.length ? ids : null;
        return;
      }
      case 'cgroup.freeze':
      case 'cgroup.max.depth':
      case 'cgroup.max.descendants':
      case 'cpuset.cpus.partition':
        cg.files.set(name, `${v}\n`);
        return;
      default:
        if (/^(cpu|io|memory|pids|hugetlb)\./.test(name) && !/\.(current|stat)$/.test(name)) {
          cg.files.set(name, `${v}\n`);
          return;
        }
        // cgroup.controllers, cgroup.events, cgroup.stat, *.effective, cpu.stat: no write handler.
        throw new CgroupFsError(EINVAL);
    }
  }

  private setSubtree(cg: Cg, v: string): void {
    const enable = new Set<string>();
    const disable = new Set<string>();
    for (const tok of v.split(/\s+/).filter(Boolean)) {
      const m = /^([+-])([a-z_]+)$/.exec(tok);
      if (!m || !ORDER.includes(m[2])) throw new CgroupFsError(EINVAL);
      (m[1] === '+' ? enable : disable).add(m[2]);
      (m[1] === '+' ? disable : enable).delete(m[2]);
    }
    const offered = this.controllersOf(cg);
    for (const c of enable) if (!offered.includes(c)) throw new CgroupFsError(ENOENT);
    for (const c of [...enable]) if (cg.subtree.has(c)) enable.delete(c);
    for (const c of [...disable]) if (!cg.subtree.has(c)) disable.delete(c);
    for (const c of disable) for (const child of cg.children.values()) if (child.subtree.has(c)) throw new CgroupFsError(EBUSY);
    if (enable.size) {
      if (!this.isValidDomain(this.dom(cg))) throw new CgroupFsError(EOPNOTSUPP);
      if (!this.mixable(cg)) {
        const domainEnable = [...enable].some((c) => !THREADED.has(c));
        if (domainEnable) {
          if (this.isThreadRoot(cg) || cg.threaded) throw new CgroupFsError(EOPNOTSUPP);
          if (this.hasTasks(cg)) throw new CgroupFsError(EBUSY);
        } else if (!(this.canBeThreadRoot(cg) || cg.threaded) && this.hasTasks(cg)) {
          throw new CgroupFsError(EBUSY);
        }
      }
    }
    for (const c of enable) cg.subtree.add(c);
    for (const c of disable) cg.subtree.delete(c);
  }

  // ---- rendering ------------------------------------------------------------------------------

  /** The interface files of a cgroup and their contents, as the kernel shows them now. */
  private filesOf(cg: Cg): Map<string, string> {
    const f = new Map<string, string>();
    const isRealRoot = this.mixable(cg);
    const ids = (xs: Iterable<number>) => [...xs].sort((a, b) => a - b).map((x) => `${x}\n`).join('');
    // An empty controller list reads as nothing at all, not an empty line (as on the real kernel).
    const ordered = (xs: Iterable<string>) => ORDER.filter((c) => [...xs].includes(c)).map((c, i, a) => (i === a.length - 1 ? `${c}\n` : `${c} `)).join('');
    f.set('cgroup.controllers', ordered(this.controllersOf(cg)));
    f.set('cgroup.subtree_control', ordered(cg.subtree));
    const procs = new Set<number>();
    const threads: number[] = [];
    for (const [tid, t] of this.tasks) {
      if (t.cg === cg) threads.push(tid);
      if (!cg.threaded && this.dom(t.cg) === cg) procs.add(t.pid);
    }
    f.set('cgroup.procs', cg.threaded ? '' : ids(procs));
    f.set('cgroup.threads', ids(threads));
    f.set('cgroup.max.depth', cg.files.get('cgroup.max.depth') ?? 'max\n');
    f.set('cgroup.max.descendants', cg.files.get('cgroup.max.descendants') ?? 'max\n');
    const count = (c: Cg): number => [...c.children.values()].reduce((n, x) => n + 1 + count(x), 0);
    f.set('cgroup.stat', `nr_descendants ${count(cg)}\nnr_dying_descendants 0\n`);
    f.set('cpu.stat', 'usage_usec 0\nuser_usec 0\nsystem_usec 0\n');
    if (!isRealRoot) {
      f.set('cgroup.type', `${this.typeOf(cg)}\n`);
      f.set('cgroup.events', `populated ${this.populated(cg) ? 1 : 0}\nfrozen 0\n`);
      f.set('cgroup.freeze', cg.files.get('cgroup.freeze') ?? '0\n');
      f.set('cgroup.kill', '');
    }
    if (this.enabled(cg, 'cpuset')) {
      if (!isRealRoot) {
        f.set('cpuset.cpus', `${formatCpuList(cg.cpus ?? [])}\n`);
        f.set('cpuset.mems', `${formatCpuList(cg.mems ?? [])}\n`);
        f.set('cpuset.cpus.partition', cg.files.get('cpuset.cpus.partition') ?? 'member\n');
      }
      f.set('cpuset.cpus.effective', `${formatCpuList(this.effective(cg, 'cpus'))}\n`);
      f.set('cpuset.mems.effective', `${formatCpuList(this.effective(cg, 'mems'))}\n`);
    }
    if (!isRealRoot) {
      for (const c of this.controllersOf(cg)) for (const [name, content] of Object.entries(CONTROLLER_FILES[c] ?? {})) f.set(name, cg.files.get(name) ?? content);
    }
    return f;
  }

  /** Writes the model out under the root: every cgroup directory with exactly its interface files. */
  private render(): void {
    const walk = (cg: Cg): void => {
      const dir = this.real(this.pathOf(cg));
      fs.mkdirSync(dir, { recursive: true });
      const want = this.filesOf(cg);
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        if (e.isDirectory() ? !cg.children.has(e.name) : !want.has(e.name)) fs.rmSync(path.join(dir, e.name), { recursive: true, force: true });
      }
      for (const [name, content] of want) fs.writeFileSync(path.join(dir, name), content);
      for (const c of cg.children.values()) walk(c);
    };
    walk(this.top);
  }

  private file(p: string, content: string): void {
    fs.mkdirSync(path.dirname(this.real(p)), { recursive: true });
    fs.writeFileSync(this.real(p), content);
  }

  /** Runs one operation: reaps exited real tasks, applies injected failures, logs, re-renders. */
  private op(what: string, fn: () => void): void {
    this.reap();
    const injected = /^(mkdir|rmdir) /.test(what) ? this.failures.get(what) : undefined;
    try {
      if (injected) throw new CgroupFsError(injected);
      fn();
      this.ops.push(what);
    } catch (e) {
      if (e instanceof CgroupFsError) this.ops.push(`${what} -> ${e.errno}`);
      throw e;
    } finally {
      if (!what.startsWith('read ')) this.render();
    }
  }
}
