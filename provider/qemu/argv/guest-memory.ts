/**
 * Guest RAM as QEMU gets it: sizes aligned the way libvirt aligns them at start, and the
 * `memory-backend-*` objects for the initial RAM (`pc.ram`), guest NUMA cells (`ram-nodeN`)
 * and memory devices (`memdimm0`, ...), with hugepages, file/memfd sources, shared access,
 * preallocation, discard and the host NUMA policy.
 *
 * Sizes in this module are KiB unless a name says otherwise; QEMU's `size` is bytes.
 */
import type { Domain } from '../../../model/domain/domain';
import type { MemoryDevice } from '../../../model/domain/devices/memory';
import { parseCpuset } from '../../../model/domain/cpuset';
import type { ArgvContext } from './context';
import { internalError, unsupported } from '../validate/errors';

/** libvirt aligns initial memory and NUMA cells to 1 MiB on x86. */
const MEMORY_ALIGN_KIB = 1024;

function roundUp(v: number, align: number): number {
  return Math.ceil(v / align) * align;
}

/** The NUMA cells of the guest (`<cpu><numa><cell>`), in order. */
export function numaCells(def: Domain) {
  return def.cpu?.numa?.cells ?? [];
}

/** Memory devices (`<devices><memory>`), in order. */
export function memoryDevices(def: Domain): readonly MemoryDevice[] {
  return def.devices?.memories ?? [];
}

/** Memory device size alignment on x86: 2 MiB (QEMU requires it of DIMM-like devices). */
function deviceAlignKiB(_mem: MemoryDevice): number {
  return 2048;
}

/** The guest's memory after libvirt's start-time alignment. */
export interface AlignedMemory {
  /** Per NUMA cell, KiB. */
  readonly cellsKiB: readonly number[];
  /** Boot memory (sum of cells with NUMA), KiB. */
  readonly initialKiB: number;
  /** `<maxMemory>` rounded up, KiB (0 without memory hotplug). */
  readonly maxKiB: number;
  /** Per memory device, KiB. */
  readonly devicesKiB: readonly number[];
}

/**
 * libvirt's start-time alignment: each NUMA cell and the initial memory round up to 1 MiB, the
 * hotplug ceiling too, memory devices to their module alignment. The initial memory is the
 * total `<memory>` minus the memory devices, or the sum of the cells when there are cells.
 */
export function alignedMemory(def: Domain): AlignedMemory {
  const cellsKiB = numaCells(def).map((c) => roundUp(c.memory, MEMORY_ALIGN_KIB));
  const devs = memoryDevices(def);
  const devicesKiB = devs.map((m) => roundUp(m.target?.size ?? 0, deviceAlignKiB(m)));
  let initialKiB = cellsKiB.reduce((a, b) => a + b, 0);
  if (initialKiB === 0) {
    const total = def.memory?.value ?? 0;
    const plugged = devs.reduce((a, m) => a + (m.target?.size ?? 0), 0);
    initialKiB = roundUp(Math.max(total - plugged, 0), MEMORY_ALIGN_KIB);
  }
  const maxKiB = def.maxMemory ? roundUp(def.maxMemory.value, MEMORY_ALIGN_KIB) : 0;
  return { cellsKiB, initialKiB, maxKiB, devicesKiB };
}

/** True when the domain can hotplug memory (`<maxMemory>` with a size). */
export function hasMemoryHotplug(def: Domain): boolean {
  return def.maxMemory !== undefined && def.maxMemory.value > 0;
}

/**
 * libvirt's short domain name for host paths: `ID-NAME` with the name cut to 20 characters
 * (hugepage and memory backing dirs are named with it).
 */
export function domainShortName(def: Domain, id: number): string {
  return `${id}-${[...def.name].slice(0, 20).join('')}`;
}

/** The hugetlbfs mount for pages of `pageSizeKiB`, or libvirt's error when the host has none. */
export function hugepageMemPath(def: Domain, ctx: ArgvContext, pageSizeKiB: number): string {
  const mount = ctx.host.hugetlbfs.find((m) => m.pageSizeKiB === pageSizeKiB);
  if (!mount) throw internalError(`Unable to find any usable hugetlbfs mount for ${pageSizeKiB} KiB`);
  return `${mount.path}/${ctx.paths.hugepageSubdir}/${domainShortName(def, ctx.domainId)}`;
}

/** The page size of the default hugetlbfs mount (`<hugepages/>` without a size). */
export function defaultHugepageSizeKiB(ctx: ArgvContext): number {
  const mount = ctx.host.hugetlbfs.find((m) => m.isDefault) ?? ctx.host.hugetlbfs[0];
  if (!mount) throw internalError('Unable to find any usable hugetlbfs mount');
  return mount.pageSizeKiB;
}

/** `memory-backend-file` path for file-backed (non-hugepage) memory of the object `alias`. */
export function memoryBackingPath(def: Domain, ctx: ArgvContext, alias: string): string {
  return `${ctx.paths.memoryBackingDir}/${domainShortName(def, ctx.domainId)}/${alias}`;
}

/** Host NUMA policy names QEMU uses for libvirt's numatune modes. */
const POLICY: Readonly<Record<string, string>> = { strict: 'bind', preferred: 'preferred', interleave: 'interleave' };

/** The numatune mode and host nodeset for guest cell `cell` (or the whole guest, `cell` < 0). */
export function numatuneFor(def: Domain, cell: number): { mode: string; nodeset?: number[]; cellSpecific: boolean } {
  const nt = def.numatune;
  const memnode = cell >= 0 ? nt?.memnodes?.find((m) => m.cellid === cell) : undefined;
  if (memnode) return { mode: memnode.mode, nodeset: parseCpuset(memnode.nodeset), cellSpecific: true };
  const mode = nt?.memory?.mode ?? 'strict';
  const nodeset = nt?.memory?.nodeset !== undefined ? parseCpuset(nt.memory.nodeset) : undefined;
  return { mode, ...(nodeset ? { nodeset } : {}), cellSpecific: false };
}

/** Throws the host's error when a host nodeset names a node the host does not have. */
export function checkHostNodes(ctx: ArgvContext, nodes: readonly number[]): void {
  for (const n of nodes) {
    if (!ctx.host.numaNodes.includes(n)) {
      const msg = ctx.host.unavailableNodeMessage?.(n);
      if (msg !== undefined) throw internalError(msg);
      throw unsupported(`NUMA node ${n} is unavailable`);
    }
  }
}

/** What to build one memory backend for. */
export interface BackendRequest {
  /** Object id: `pc.ram`, `ram-node0`, `memdimm0`, ... */
  readonly id: string;
  readonly sizeKiB: number;
  /** Guest NUMA cell the memory belongs to, or -1. */
  readonly targetNode: number;
  /** The memory device this backend is for, if any. */
  readonly device?: MemoryDevice;
  /** Alias used for file-backed memory paths (`ram-node0`, `dimm1`, `ram`). */
  readonly pathAlias: string;
  /** The initial RAM (`pc.ram`): QEMU's default backend uses a non-canonical ramblock id. */
  readonly systemMemory?: boolean;
  /** Build a backend even when plain `-m`/`mem=` would do (memory devices, machines needing memdev). */
  readonly force?: boolean;
}

export interface Backend {
  /** `memory-backend-ram`, `-file` or `-memfd`. */
  readonly qomType: string;
  /** The object's JSON props, `qom-type` and `id` first, in libvirt's key order. */
  readonly props: Record<string, unknown>;
  /** The `thread-context` object to emit before the backend when preallocating on host nodes. */
  readonly threadContext?: Record<string, unknown>;
  /**
   * False when nothing in the configuration needs an explicit backend (no hugepages, host
   * nodes, file/memfd source or access mode): the legacy `-numa node,mem=` form would do.
   */
  readonly needed: boolean;
  /** virtio-mem: the device itself preallocates (`"prealloc":true` on the -device). */
  readonly devicePrealloc: boolean;
}

/**
 * libvirt's memory backend for a piece of guest memory. `prealloc` is dropped when `-mem-prealloc`
 * is already on the command line (`memPreallocGlobal`).
 */
export function memoryBackend(def: Domain, ctx: ArgvContext, req: BackendRequest, memPreallocGlobal = false): Backend {
  const mb = def.memoryBacking;
  const dev = req.device;
  const cells = numaCells(def);
  const systemPageKiB = ctx.host.systemPageSizeKiB;

  let memAccess: string | undefined = dev?.access;
  let discard: string | undefined = dev?.discard;
  if (req.targetNode >= 0) {
    if (req.targetNode >= cells.length) {
      throw unsupported(`can't add memory backend for guest node '${req.targetNode}' as the guest has only '${cells.length}' NUMA nodes configured`);
    }
    memAccess ??= cells[req.targetNode].memAccess;
    discard ??= cells[req.targetNode].discard;
  }
  memAccess ??= mb?.access?.mode;
  if (discard === undefined && mb?.discard) discard = 'yes';

  const tune = numatuneFor(def, req.targetNode);

  let pagesize = dev?.source?.pagesize ?? 0;
  let needHugepage = pagesize !== 0;
  let useHugepage = pagesize !== 0;
  if (pagesize === 0) {
    const pages = mb?.hugepages?.pages;
    let chosen: { size: number } | undefined;
    let master: { size: number } | undefined;
    let specific = false;
    for (const p of pages ?? []) {
      if (p.nodeset === undefined) {
        master = p;
        continue;
      }
      if (req.targetNode < 0) continue;
      if (parseCpuset(p.nodeset).includes(req.targetNode)) {
        chosen = p;
        specific = true;
        break;
      }
    }
    if (specific) needHugepage = true;
    else chosen = master;
    if (chosen) {
      pagesize = chosen.size;
      useHugepage = true;
    } else if (mb?.hugepages && (pages === undefined || pages.length === 0)) {
      // <hugepages/> without <page>: the default huge page size.
      useHugepage = true;
    }
  }
  if (pagesize === systemPageKiB) {
    pagesize = 0;
    needHugepage = false;
    useHugepage = false;
  } else if (useHugepage && pagesize === 0) {
    pagesize = defaultHugepageSizeKiB(ctx);
  }

  const nvdimmPath = dev && (dev.model === 'nvdimm' || dev.model === 'virtio-pmem') ? dev.source?.path : undefined;
  const source = mb?.source?.type;
  const props: Record<string, unknown> = {};
  let qomType = 'memory-backend-file';
  let prealloc = false;
  let disableCanonicalPath = false;
  const share = () => {
    if (memAccess === 'shared') props.share = true;
    else if (memAccess === 'private') props.share = false;
  };

  if (!nvdimmPath && source === 'memfd') {
    qomType = 'memory-backend-memfd';
    if (useHugepage) {
      props.hugetlb = true;
      props.hugetlbsize = pagesize * 1024;
      prealloc = true;
    }
    share();
    if (req.systemMemory) disableCanonicalPath = true;
  } else if (useHugepage || nvdimmPath || memAccess !== undefined || source === 'file') {
    if (nvdimmPath) {
      props['mem-path'] = nvdimmPath;
      if (!dev?.source?.pmem && dev?.model !== 'virtio-pmem') prealloc = true;
    } else if (useHugepage) {
      props['mem-path'] = hugepageMemPath(def, ctx, pagesize);
      prealloc = true;
    } else {
      props['mem-path'] = memoryBackingPath(def, ctx, req.pathAlias);
    }
    if (!nvdimmPath && discard !== undefined) props['discard-data'] = discard === 'yes';
    share();
    if (req.systemMemory) disableCanonicalPath = true;
  } else {
    qomType = 'memory-backend-ram';
  }

  if (disableCanonicalPath) props['x-use-canonical-path-for-ramblock-id'] = false;

  if (mb?.allocation?.mode === 'immediate') prealloc = true;

  let devicePrealloc = false;
  if (dev?.model === 'virtio-mem') {
    if (!ctx.caps.flags.has('virtio-mem-pci.prealloc')) prealloc = false;
    devicePrealloc = prealloc;
    props.reserve = false;
  } else if (!memPreallocGlobal) {
    if (prealloc) props.prealloc = true;
    if (prealloc && mb?.allocation?.threads) props['prealloc-threads'] = mb.allocation.threads;
  }

  props.size = req.sizeKiB * 1024;
  if (dev?.source?.alignsize) props.align = dev.source.alignsize * 1024;
  if (dev?.source?.pmem) props.pmem = true;

  let nodemask: number[] | undefined;
  if (dev?.source?.nodemask !== undefined) nodemask = parseCpuset(dev.source.nodemask);
  else if (def.numatune?.memory?.placement !== 'auto' || tune.cellSpecific) nodemask = tune.nodeset;

  let threadContext: Record<string, unknown> | undefined;
  if (nodemask) checkHostNodes(ctx, nodemask);
  // restrictive: the nodes are enforced through cgroups only, QEMU gets no policy.
  if (nodemask && tune.mode !== 'restrictive') {
    props['host-nodes'] = nodemask;
    props.policy = POLICY[tune.mode] ?? tune.mode;
    if (props.prealloc === true && ctx.caps.flags.has('thread-context')) {
      const tcId = `tc-${req.id}`;
      threadContext = { 'qom-type': 'thread-context', id: tcId, 'node-affinity': nodemask };
      props['prealloc-context'] = tcId;
    }
  }

  const needed =
    needHugepage ||
    dev?.source?.nodemask !== undefined ||
    tune.cellSpecific ||
    nvdimmPath !== undefined ||
    memAccess !== undefined ||
    source === 'file' ||
    source === 'memfd' ||
    req.force === true;

  return { qomType, props: { 'qom-type': qomType, id: req.id, ...props }, ...(threadContext ? { threadContext } : {}), needed, devicePrealloc };
}
