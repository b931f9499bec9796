/**
 * A fake sysfs that behaves like the kernel, for hosts this machine cannot be (IOMMU, VFIO,
 * SR-IOV, mdev, several NUMA nodes). The state is a real directory tree (fake-host-tree.ts), so
 * host discovery can read it too; `SysfsKernel.apply` does what the kernel does when an
 * attribute is written:
 *
 * - `drivers/D/unbind ADDR`: removes the device's `driver` link and the driver's ADDR link
 *   (ENODEV when not bound to D); the last vfio-pci member of a group removes /dev/vfio/GROUP;
 * - `driver_override`: stores the name; an empty line clears it (reads back as `(null)`);
 * - `drivers_probe ADDR`: an unbound device binds to its override driver, else to its native
 *   driver; binding to vfio-pci creates /dev/vfio/GROUP; `drivers/D/bind` binds directly;
 * - `sriov_numvfs N`: creates VFs (dirs, `physfn`/`virtfnN` links, own IOMMU groups, autoprobe
 *   to the VF driver) or removes them with 0; a non-zero change from non-zero is EBUSY, more
 *   than sriov_totalvfs is ERANGE;
 * - `mdev_supported_types/T/create UUID` and `/sys/bus/mdev/devices/UUID/remove`: create and
 *   remove a mediated device (own IOMMU group and /dev/vfio node), keeping available_instances;
 * - hugepage `nr_hugepages` (per node and system-wide): grows as far as each node's simulated
 *   free memory allows (the write succeeds; nr_hugepages shows what was reached), shrinks by
 *   free pages only; system-wide files stay the sum of the nodes.
 *
 * Configurable failures: a device that never binds to vfio-pci (`neverBind`), a device whose
 * unbind fails with EBUSY (`busy`), per node/size growth limits (`growLimit`).
 *
 * Two ways to drive it:
 * - `FakeSysfs` implements HostFs directly (the write calls `apply`; errors come back as the
 *   HostError a real write would raise). Every write is logged in `ops`.
 * - `KernelWatcher` polls the tree's writable attributes and applies what a real HostFs (over
 *   LocalTransport or SshTransport, with hostRoot) wrote into them, asynchronously, like a
 *   kernel that answers after the write returned.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { HostError } from '../../provider/host/errors';
import type { HostFs } from '../../provider/host/host-fs';
import { buildFakeHost, STANDARD_FAKE_HOST, TreeWriter, writePciFunction, type FakeHostSpec, type FakePciDevice } from './fake-host-tree';

/** A write the kernel refused: `errno` text as strerror prints it. */
export class KernelWriteError extends Error {
  constructor(readonly errno: string) {
    super(errno);
  }
}
const ENODEV = 'No such device';
const EBUSY = 'Device or resource busy';
const EINVAL = 'Invalid argument';
const ERANGE = 'Numerical result out of range';
const EEXIST = 'File exists';
const ENOSPC = 'No space left on device';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface KernelFailures {
  /** Devices that drivers_probe never binds to vfio-pci (a probe that fails or hangs). */
  readonly neverBind: Set<string>;
  /** Devices (or mdev UUIDs) whose unbind/remove fails with EBUSY. */
  readonly busy: Set<string>;
  /** `node:sizeKiB` → pages the kernel can still allocate there (default: memFree / size). */
  readonly growLimit: Map<string, number>;
}

export class SysfsKernel {
  readonly w: TreeWriter;
  readonly failures: KernelFailures = { neverBind: new Set(), busy: new Set(), growLimit: new Map() };
  /** VF and mdev devices created at run time: address/uuid → facts the kernel keeps. */
  private readonly native = new Map<string, string | null>();
  private nextGroup = 100;

  constructor(
    readonly root: string,
    readonly spec: FakeHostSpec,
  ) {
    this.w = new TreeWriter(root);
    for (const d of spec.pci) this.native.set(d.address, d.nativeDriver === undefined ? d.driver : d.nativeDriver);
  }

  // ---- tree access -------------------------------------------------------------------------
  real(p: string): string {
    return path.join(this.root, p);
  }
  text(p: string): string {
    return fs.readFileSync(this.real(p), 'utf8');
  }
  has(p: string): boolean {
    try {
      fs.lstatSync(this.real(p));
      return true;
    } catch {
      return false;
    }
  }
  /** Host path with every symlink resolved (the attribute's real place in sysfs). */
  canonical(p: string): string {
    const dir = fs.realpathSync(path.dirname(this.real(p)));
    const full = path.join(dir, path.basename(p));
    const rootReal = fs.realpathSync(this.root);
    return full.slice(rootReal.length) || '/';
  }
  devDir(address: string): string {
    return this.canonical(`/sys/bus/pci/devices/${address}/vendor`).replace(/\/vendor$/, '');
  }
  driverOf(address: string): string | null {
    const l = `/sys/bus/pci/devices/${address}/driver`;
    return this.has(l) ? path.basename(fs.readlinkSync(this.real(l))) : null;
  }
  groupOf(address: string): number | null {
    const l = `/sys/bus/pci/devices/${address}/iommu_group`;
    return this.has(l) ? Number(path.basename(fs.readlinkSync(this.real(l)))) : null;
  }
  override(address: string): string | null {
    const t = this.text(`${this.devDir(address)}/driver_override`).trim();
    return t === '(null)' || t === '' ? null : t;
  }

  // ---- the kernel's answer to a write ------------------------------------------------------
  /** Applies a write of `data` to the attribute at canonical host path `p`. Throws KernelWriteError. */
  apply(p: string, data: string): void {
    const arg = data.replace(/\n$/, '');
    let m: RegExpExecArray | null;
    if ((m = /^\/sys\/bus\/pci\/drivers\/([^/]+)\/unbind$/.exec(p))) return this.unbind(arg.trim(), m[1]);
    if ((m = /^\/sys\/bus\/pci\/drivers\/([^/]+)\/bind$/.exec(p))) return this.bindStore(arg.trim(), m[1]);
    if (p === '/sys/bus/pci/drivers_probe') return this.probe(arg.trim());
    if ((m = /^(\/sys\/devices\/.*)\/driver_override$/.exec(p))) {
      this.w.file(p, arg.trim() === '' ? '(null)\n' : `${arg.trim()}\n`);
      return;
    }
    if ((m = /^(\/sys\/devices\/.*)\/sriov_numvfs$/.exec(p))) return this.setNumVfs(m[1], arg.trim());
    if ((m = /^(\/sys\/devices\/.*)\/mdev_supported_types\/([^/]+)\/create$/.exec(p))) return this.createMdev(m[1], m[2], arg.trim());
    if ((m = /^\/sys\/devices\/.*\/([0-9a-f-]{36})\/remove$/i.exec(p))) return this.removeMdev(m[1]);
    if ((m = /^\/sys\/devices\/system\/node\/node(\d+)\/hugepages\/hugepages-(\d+)kB\/nr_hugepages$/.exec(p))) return this.setNodePool(Number(m[1]), Number(m[2]), arg);
    if ((m = /^\/sys\/kernel\/mm\/hugepages\/hugepages-(\d+)kB\/nr_hugepages$/.exec(p))) return this.setSystemPool(Number(m[1]), arg);
    if (/\/(free_hugepages|vendor|device|class|numa_node|sriov_totalvfs|available_instances|cpulist|meminfo)$/.test(p)) throw new KernelWriteError('Permission denied');
    // Any other attribute (reset, new_id, ...): accepted and stored.
    if (!/\/(reset|new_id|remove_id)$/.test(p)) this.w.file(p, data);
  }

  private unbind(address: string, driver: string): void {
    if (!this.has(`/sys/bus/pci/devices/${address}`) || this.driverOf(address) !== driver) throw new KernelWriteError(ENODEV);
    if (this.failures.busy.has(address)) throw new KernelWriteError(EBUSY);
    const dir = this.devDir(address);
    fs.rmSync(this.real(`${dir}/driver`));
    fs.rmSync(this.real(`/sys/bus/pci/drivers/${driver}/${address}`), { force: true });
    const g = this.groupOf(address);
    if (driver === 'vfio-pci' && g !== null) {
      const still = fs.readdirSync(this.real(`/sys/kernel/iommu_groups/${g}/devices`)).some((a) => a !== address && this.driverOf(a) === 'vfio-pci');
      if (!still) fs.rmSync(this.real(`/dev/vfio/${g}`), { force: true });
    }
  }

  private attach(address: string, driver: string): void {
    if (!this.has(`/sys/bus/pci/drivers/${driver}`)) return;
    if (driver === 'vfio-pci' && this.failures.neverBind.has(address)) return;
    const dir = this.devDir(address);
    this.w.link(`${dir}/driver`, `/sys/bus/pci/drivers/${driver}`);
    this.w.link(`/sys/bus/pci/drivers/${driver}/${address}`, dir);
    const g = this.groupOf(address);
    if (driver === 'vfio-pci' && g !== null) this.w.file(`/dev/vfio/${g}`, '');
  }

  private bindStore(address: string, driver: string): void {
    if (!this.has(`/sys/bus/pci/devices/${address}`)) throw new KernelWriteError(ENODEV);
    if (this.driverOf(address) !== null) throw new KernelWriteError(EBUSY);
    const ov = this.override(address);
    const matches = ov !== null ? ov === driver : this.native.get(address) === driver;
    if (!matches) throw new KernelWriteError(ENODEV);
    this.attach(address, driver);
  }

  private probe(address: string): void {
    if (!this.has(`/sys/bus/pci/devices/${address}`)) throw new KernelWriteError(ENODEV);
    if (this.driverOf(address) !== null) return;
    const ov = this.override(address);
    const target = ov ?? this.native.get(address) ?? null;
    if (target) this.attach(address, target);
  }

  private pfSpec(dir: string): FakePciDevice {
    const address = path.basename(dir);
    const d = this.spec.pci.find((x) => x.address === address);
    if (!d?.sriov) throw new KernelWriteError(EINVAL);
    return d;
  }

  private vfAddress(pf: string, offset: number, stride: number, i: number): string {
    const [dom, bus, sf] = pf.split(':');
    const [slot, fn] = sf.split('.');
    const rid = (parseInt(bus, 16) << 8) | (parseInt(slot, 16) << 3) | parseInt(fn, 16);
    const vf = rid + offset + i * stride;
    const h = (n: number, w: number) => n.toString(16).padStart(w, '0');
    return `${dom}:${h(vf >> 8, 2)}:${h((vf >> 3) & 0x1f, 2)}.${vf & 7}`;
  }

  private setNumVfs(dir: string, arg: string): void {
    const pf = this.pfSpec(dir);
    const s = pf.sriov!;
    if (!/^\d+$/.test(arg)) throw new KernelWriteError(EINVAL);
    const n = Number(arg);
    const cur = Number(this.text(`${dir}/sriov_numvfs`).trim());
    if (n > s.totalVfs) throw new KernelWriteError(ERANGE);
    if (n === cur) return;
    if (cur !== 0 && n !== 0) throw new KernelWriteError(EBUSY);
    const parent = path.posix.dirname(dir);
    if (n === 0) {
      for (let i = 0; i < cur; i++) {
        const vf = this.vfAddress(pf.address, s.offset, s.stride, i);
        const drv = this.driverOf(vf);
        if (drv) this.unbind(vf, drv);
        const g = this.groupOf(vf);
        fs.rmSync(this.real(`${parent}/${vf}`), { recursive: true, force: true });
        fs.rmSync(this.real(`/sys/bus/pci/devices/${vf}`), { force: true });
        fs.rmSync(this.real(`${dir}/virtfn${i}`), { force: true });
        if (g !== null) fs.rmSync(this.real(`/sys/kernel/iommu_groups/${g}`), { recursive: true, force: true });
        this.native.delete(vf);
      }
      this.w.file(`${dir}/sriov_numvfs`, '0\n');
      return;
    }
    const iommu = this.spec.iommu;
    for (let i = 0; i < n; i++) {
      const vf = this.vfAddress(pf.address, s.offset, s.stride, i);
      const vdir = `${parent}/${vf}`;
      writePciFunction(this.w, vdir, { address: vf, vendor: pf.vendor, device: s.vfDevice, class: pf.class, numaNode: pf.numaNode, group: iommu ? s.firstGroup + i : null, header: 0, resetMethods: ['flr'] });
      this.w.link(`${vdir}/physfn`, dir);
      this.w.link(`${dir}/virtfn${i}`, vdir);
      this.native.set(vf, s.vfDriver);
      if (s.vfDriver && this.text(`${dir}/sriov_drivers_autoprobe`).trim() === '1') this.attach(vf, s.vfDriver);
    }
    this.w.file(`${dir}/sriov_numvfs`, `${n}\n`);
  }

  private createMdev(parentDir: string, type: string, uuid: string): void {
    if (!UUID_RE.test(uuid)) throw new KernelWriteError(EINVAL);
    const u = uuid.toLowerCase();
    if (this.has(`/sys/bus/mdev/devices/${u}`)) throw new KernelWriteError(EEXIST);
    const td = `${parentDir}/mdev_supported_types/${type}`;
    const avail = Number(this.text(`${td}/available_instances`).trim());
    if (avail <= 0) throw new KernelWriteError(ENOSPC);
    const md = `${parentDir}/${u}`;
    const g = this.nextGroup++;
    this.w.file(`${md}/remove`, '');
    this.w.link(`${md}/mdev_type`, td);
    this.w.link(`${td}/devices/${u}`, md);
    this.w.link(`/sys/bus/mdev/devices/${u}`, md);
    this.w.link(`${md}/iommu_group`, `/sys/kernel/iommu_groups/${g}`);
    this.w.link(`/sys/kernel/iommu_groups/${g}/devices/${u}`, md);
    this.w.file(`/sys/kernel/iommu_groups/${g}/type`, 'DMA\n');
    this.w.file(`/dev/vfio/${g}`, '');
    this.w.file(`${td}/available_instances`, `${avail - 1}\n`);
  }

  private removeMdev(uuid: string): void {
    const u = uuid.toLowerCase();
    if (this.failures.busy.has(u)) throw new KernelWriteError(EBUSY);
    const link = `/sys/bus/mdev/devices/${u}`;
    if (!this.has(link)) throw new KernelWriteError(ENODEV);
    const md = this.canonical(`${link}/remove`).replace(/\/remove$/, '');
    const td = this.canonical(`${md}/mdev_type/name`).replace(/\/name$/, '');
    const g = Number(path.basename(fs.readlinkSync(this.real(`${md}/iommu_group`))));
    fs.rmSync(this.real(md), { recursive: true, force: true });
    fs.rmSync(this.real(link), { force: true });
    fs.rmSync(this.real(`${td}/devices/${u}`), { force: true });
    fs.rmSync(this.real(`/sys/kernel/iommu_groups/${g}`), { recursive: true, force: true });
    fs.rmSync(this.real(`/dev/vfio/${g}`), { force: true });
    const avail = Number(this.text(`${td}/available_instances`).trim());
    this.w.file(`${td}/available_instances`, `${avail + 1}\n`);
  }

  // ---- hugepages ---------------------------------------------------------------------------
  private poolDir(node: number, size: number): string {
    return `/sys/devices/system/node/node${node}/hugepages/hugepages-${size}kB`;
  }
  /** nr_hugepages (surplus included, as the kernel shows it), free_hugepages, surplus_hugepages. */
  pool(node: number, size: number): { nr: number; free: number; surplus: number } {
    const d = this.poolDir(node, size);
    const n = (f: string) => Number(this.text(`${d}/${f}`).trim());
    return { nr: n('nr_hugepages'), free: n('free_hugepages'), surplus: n('surplus_hugepages') };
  }
  private setPool(node: number, size: number, nr: number, free: number, surplus: number): void {
    const d = this.poolDir(node, size);
    this.w.file(`${d}/nr_hugepages`, `${nr}\n`);
    this.w.file(`${d}/free_hugepages`, `${free}\n`);
    this.w.file(`${d}/surplus_hugepages`, `${surplus}\n`);
    const nodes = this.spec.nodes.map((n) => n.id);
    const g = `/sys/kernel/mm/hugepages/hugepages-${size}kB`;
    const sum = (k: 'nr' | 'free' | 'surplus') => nodes.reduce((s, id) => s + this.pool(id, size)[k], 0);
    this.w.file(`${g}/nr_hugepages`, `${sum('nr')}\n`);
    this.w.file(`${g}/free_hugepages`, `${sum('free')}\n`);
    this.w.file(`${g}/surplus_hugepages`, `${sum('surplus')}\n`);
  }
  private growable(node: number, size: number): number {
    const k = `${node}:${size}`;
    if (this.failures.growLimit.has(k)) return this.failures.growLimit.get(k)!;
    const memFree = this.spec.nodes.find((n) => n.id === node)!.memFreeKiB;
    return Math.floor(memFree / size);
  }
  /**
   * Moves one node's persistent pool towards `want` pages, as the kernel does: growing first
   * turns surplus pages back into persistent ones, then allocates as far as memory allows;
   * shrinking frees free pages, and pages in use become surplus (freed when released).
   * Returns the change of nr_hugepages.
   */
  private adjust(node: number, size: number, want: number): number {
    let { nr, free, surplus } = this.pool(node, size);
    const before = nr;
    const k = `${node}:${size}`;
    if (want > nr - surplus) {
      surplus -= Math.min(surplus, want - (nr - surplus));
      const got = Math.min(Math.max(0, want - (nr - surplus)), this.growable(node, size));
      this.failures.growLimit.set(k, this.growable(node, size) - got);
      nr += got;
      free += got;
    } else {
      const drop = Math.min(nr - surplus - want, free);
      this.failures.growLimit.set(k, this.growable(node, size) + drop);
      nr -= drop;
      free -= drop;
      surplus = Math.min(nr, Math.max(surplus, nr - want));
    }
    this.setPool(node, size, nr, free, surplus);
    return nr - before;
  }
  private setNodePool(node: number, size: number, arg: string): void {
    if (!/^\s*\d+\s*$/.test(arg)) throw new KernelWriteError(EINVAL);
    this.adjust(node, size, Number(arg));
  }
  private setSystemPool(size: number, arg: string): void {
    if (!/^\s*\d+\s*$/.test(arg)) throw new KernelWriteError(EINVAL);
    const want = Number(arg);
    const nodes = this.spec.nodes.map((n) => n.id);
    const persistent = (id: number) => this.pool(id, size).nr - this.pool(id, size).surplus;
    const total = () => nodes.reduce((s, id) => s + persistent(id), 0);
    // Grow one page at a time round-robin over the nodes (the kernel interleaves); shrink from the highest node.
    let progress = true;
    while (total() < want && progress) {
      progress = false;
      for (const id of nodes) {
        if (total() >= want) break;
        const p = persistent(id);
        this.adjust(id, size, p + 1);
        if (persistent(id) === p + 1) progress = true;
      }
    }
    for (const id of [...nodes].reverse()) {
      if (total() <= want) break;
      this.adjust(id, size, Math.max(0, persistent(id) - (total() - want)));
    }
  }
  /** Simulates a process faulting in `pages` pages (positive) or freeing them (negative; surplus pages then leave the pool). */
  touchHugepages(node: number, size: number, pages: number): void {
    let { nr, free, surplus } = this.pool(node, size);
    if (free - pages < 0 || free - pages > nr) throw new Error(`fake kernel: cannot touch ${pages} pages on node${node} (${free} free of ${nr})`);
    free -= pages;
    const gone = Math.min(surplus, free);
    nr -= gone;
    free -= gone;
    surplus -= gone;
    const k = `${node}:${size}`;
    this.failures.growLimit.set(k, this.growable(node, size) + gone);
    this.setPool(node, size, nr, free, surplus);
  }
}

/** Writable attributes the kernel acts on, found in the tree now (for KernelWatcher). */
function writableAttributes(k: SysfsKernel): string[] {
  const out: string[] = ['/sys/bus/pci/drivers_probe'];
  const ls = (p: string): string[] => {
    try {
      return fs.readdirSync(k.real(p)).sort();
    } catch {
      return [];
    }
  };
  for (const d of ls('/sys/bus/pci/drivers')) out.push(`/sys/bus/pci/drivers/${d}/unbind`, `/sys/bus/pci/drivers/${d}/bind`);
  for (const a of ls('/sys/bus/pci/devices')) {
    const dir = k.devDir(a);
    out.push(`${dir}/driver_override`);
    if (k.has(`${dir}/sriov_numvfs`)) out.push(`${dir}/sriov_numvfs`);
    for (const t of ls(`${dir}/mdev_supported_types`)) out.push(`${dir}/mdev_supported_types/${t}/create`);
  }
  for (const u of ls('/sys/bus/mdev/devices')) out.push(k.canonical(`/sys/bus/mdev/devices/${u}/remove`));
  for (const n of k.spec.nodes) for (const [size] of n.pools) out.push(`/sys/devices/system/node/node${n.id}/hugepages/hugepages-${size}kB/nr_hugepages`);
  return out;
}

/** Action attributes read back empty; stored ones keep their value. */
const ACTION = /\/(unbind|bind|drivers_probe|create|remove)$/;

/**
 * Makes a fake tree written by any HostFs behave like the kernel: every `intervalMs` it looks
 * at the writable attributes and applies what changed. Errors cannot reach the writer (its
 * write already returned), so they are collected in `errors`.
 */
export class KernelWatcher {
  readonly errors: string[] = [];
  readonly applied: string[] = [];
  private readonly seen = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly kernel: SysfsKernel,
    private readonly intervalMs = 5,
  ) {
    for (const p of writableAttributes(kernel)) this.seen.set(p, this.read(p));
  }

  start(): this {
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    return this;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private read(p: string): string {
    try {
      return this.kernel.text(p);
    } catch {
      return '';
    }
  }

  private mtime(p: string): bigint {
    try {
      return fs.statSync(this.kernel.real(p), { bigint: true }).mtimeNs;
    } catch {
      return 0n;
    }
  }

  tick(): void {
    // Changed attributes in the order they were written (mtime), as a kernel sees writes.
    const changed: { p: string; now: string; before: string; at: bigint }[] = [];
    for (const p of writableAttributes(this.kernel)) {
      const now = this.read(p);
      const before = this.seen.get(p);
      if (before === undefined) {
        this.seen.set(p, now);
        continue;
      }
      if (now === before || now === '') continue;
      changed.push({ p, now, before, at: this.mtime(p) });
    }
    changed.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
    for (const { p, now, before } of changed) {
      if (ACTION.test(p)) this.kernel.w.file(p, '');
      try {
        this.kernel.apply(p, now);
        this.applied.push(`${p} ${JSON.stringify(now)}`);
      } catch (e) {
        this.errors.push(`${p} ${JSON.stringify(now)}: ${(e as Error).message}`);
        if (!ACTION.test(p)) this.kernel.w.file(p, before);
      }
      // Only this attribute's value is taken as seen: a write to another one that lands while
      // this tick runs (a shell already started) must still look changed on the next tick.
      this.seen.set(p, this.read(p));
    }
    // Attributes the writes created (VFs, mdevs): the writer cannot have used them yet, since
    // it learns of them only after this synchronous tick.
    if (changed.length) for (const q of writableAttributes(this.kernel)) if (!this.seen.has(q)) this.seen.set(q, this.read(q));
  }
}

/** HostFs over the fake tree; writes go to the simulated kernel. */
export class FakeSysfs implements HostFs {
  /** Every write, as `write PATH "DATA"` with the path the caller used. */
  readonly ops: string[] = [];
  readonly kernel: SysfsKernel;

  constructor(
    readonly root: string,
    spec: FakeHostSpec = STANDARD_FAKE_HOST,
    readonly hostLabel = spec.hostname,
  ) {
    this.kernel = new SysfsKernel(root, spec);
  }

  /** A fresh tree in a temp dir. Call `remove()` afterwards. */
  static create(spec: FakeHostSpec = STANDARD_FAKE_HOST): FakeSysfs {
    const root = fs.mkdtempSync(path.join(fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir(), 'virtform-fakesys-'));
    buildFakeHost(root, spec);
    return new FakeSysfs(root, spec);
  }

  remove(): void {
    fs.rmSync(this.root, { recursive: true, force: true });
  }

  get failures(): KernelFailures {
    return this.kernel.failures;
  }

  private map(p: string): string {
    if (!p.startsWith('/')) throw new TypeError(`HostFs: '${p}' is not an absolute host path`);
    if (p.split('/').includes('..')) throw new TypeError(`HostFs: '${p}' contains '..', which could leave the host root ${this.root}`);
    return path.join(this.root, p);
  }

  private where(p: string): string {
    return `${this.hostLabel}: ${p} (under host root ${this.root})`;
  }

  async read(p: string): Promise<Buffer> {
    try {
      return fs.readFileSync(this.map(p));
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      throw new HostError(err.code === 'ENOENT' ? 'NOT_FOUND' : 'IO', `${this.where(p)}: ${err.code === 'ENOENT' ? 'No such file or directory' : err.message}`);
    }
  }

  async readMany(paths: readonly string[]): Promise<Map<string, Buffer | null>> {
    return new Map(
      paths.map((p) => {
        try {
          return [p, fs.readFileSync(this.map(p))];
        } catch {
          return [p, null];
        }
      }),
    );
  }

  async readdir(p: string): Promise<string[]> {
    try {
      return fs.readdirSync(this.map(p)).sort();
    } catch {
      throw new HostError('NOT_FOUND', `${this.where(p)}: cannot list directory: not a directory`);
    }
  }

  async readlink(p: string): Promise<string | null> {
    try {
      return fs.readlinkSync(this.map(p));
    } catch {
      return null;
    }
  }

  async exists(p: string): Promise<boolean> {
    try {
      fs.lstatSync(this.map(p));
      return true;
    } catch {
      return false;
    }
  }

  async write(p: string, data: Buffer | string): Promise<void> {
    const text = typeof data === 'string' ? data : data.toString('utf8');
    this.ops.push(`write ${p} ${JSON.stringify(text)}`);
    const shown = JSON.stringify(text.length > 60 ? text.slice(0, 60) + '…' : text);
    let canonical: string;
    try {
      fs.statSync(this.map(p));
      canonical = this.kernel.canonical(p);
    } catch {
      throw new HostError('NOT_FOUND', `${this.where(p)}: writing ${shown} failed: ${p}: No such file or directory. The kernel does not expose this attribute here: check the device address and driver.`);
    }
    try {
      this.kernel.apply(canonical, text);
    } catch (e) {
      if (e instanceof KernelWriteError) throw new HostError('IO', `${this.where(p)}: writing ${shown} failed: cat: write error: ${e.errno}`);
      throw e;
    }
  }
}

