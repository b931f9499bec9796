/**
 * Guest NUMA topology. For each `<cell>`: its memory backend (`ram-nodeN`, preceded by a
 * `thread-context` when preallocating on host nodes) and `-numa node,nodeid=N,cpus=...,memdev=`.
 * Machines that still accept `-numa node,mem=` get the legacy form when nothing needs a backend
 * (then hugepages/preallocation are global: `-mem-prealloc`, `-mem-path`). Then the distance
 * matrix (`-numa dist`, all pairs once any distance is given) and HMAT (`hmat-lb`, `hmat-cache`).
 *
 * Owner: argv-core engineer.
 */
import type { Domain } from '../../../../model/domain/domain';
import type { QemuCommandLine } from '../command-line';
import type { ArgvContext } from '../context';
import type { ArgvState } from '../build';
import { alignedMemory, defaultHugepageSizeKiB, hugepageMemPath, memoryBackend, memoryBackingPath, numaCells, type Backend } from '../guest-memory';
import { machineCaps } from '../machine-options';
import { hasHmat } from './machine';
import { unsupported } from '../../validate/errors';

/** ArgvState note set when `-mem-prealloc` is on the command line (backends then omit prealloc). */
export const MEM_PREALLOC_NOTE = 'memory.globalPrealloc';

/** `-mem-prealloc` / `-mem-path` for legacy (`mem=`) NUMA memory. */
function legacyMemPath(cmd: QemuCommandLine, def: Domain, ctx: ArgvContext, state: ArgvState): void {
  const mb = def.memoryBacking;
  let memPath: string | undefined;
  let prealloc = false;
  const pages = mb?.hugepages?.pages ?? [];
  if (mb?.hugepages) {
    const size = pages[0]?.size ?? defaultHugepageSizeKiB(ctx);
    if (size === ctx.host.systemPageSizeKiB) return;
    memPath = hugepageMemPath(def, ctx, size);
    prealloc = true;
  } else if (mb?.source?.type === 'file') {
    memPath = memoryBackingPath(def, ctx, 'ram');
  }
  if (mb?.allocation?.mode === 'immediate') prealloc = true;
  if (prealloc && !state.notes.get(MEM_PREALLOC_NOTE)) {
    cmd.add('-mem-prealloc');
    state.notes.set(MEM_PREALLOC_NOTE, true);
  }
  if (memPath !== undefined) cmd.add('-mem-path', memPath);
}

function distance(def: Domain, from: number, to: number): number {
  const cells = numaCells(def);
  const direct = cells[from]?.distances?.siblings?.find((s) => s.id === to)?.value;
  if (direct !== undefined) return direct;
  const reverse = cells[to]?.distances?.siblings?.find((s) => s.id === from)?.value;
  if (reverse !== undefined) return reverse;
  return from === to ? 10 : 20;
}

const HMAT_POLICY: Readonly<Record<string, string>> = { none: 'none', writeback: 'write-back', writethrough: 'write-through' };
const HMAT_ASSOC: Readonly<Record<string, string>> = { none: 'none', direct: 'direct', full: 'complex' };
const HIERARCHY = ['memory', 'first-level', 'second-level', 'third-level'];

/** The initiator of cell `i` for HMAT: itself when it has CPUs, else the first cell with CPUs. */
function initiatorOf(def: Domain, i: number, master: number): number {
  const cell = numaCells(def)[i];
  if (cell?.cpus !== undefined) return i;
  return master;
}

function buildHmat(cmd: QemuCommandLine, def: Domain): void {
  const numa = def.cpu?.numa;
  const ic = numa?.interconnects;
  for (const l of ic?.latencies ?? []) {
    cmd.add('-numa', `hmat-lb,initiator=${l.initiator},target=${l.target},hierarchy=${HIERARCHY[l.cache ?? 0]},data-type=${l.type}-latency,latency=${l.value}`);
  }
  for (const b of ic?.bandwidths ?? []) {
    cmd.add('-numa', `hmat-lb,initiator=${b.initiator},target=${b.target},hierarchy=${HIERARCHY[b.cache ?? 0]},data-type=${b.type}-bandwidth,bandwidth=${b.value}K`);
  }
  numaCells(def).forEach((cell, i) => {
    for (const c of cell.caches ?? []) {
      cmd.add(
        '-numa',
        `hmat-cache,node-id=${i},size=${c.size.value}K,level=${c.level},associativity=${HMAT_ASSOC[c.associativity]},policy=${HMAT_POLICY[c.policy]},line=${c.line.value}`,
      );
    }
  });
}

export function buildNuma(cmd: QemuCommandLine, def: Domain, ctx: ArgvContext, state: ArgvState): void {
  const cells = numaCells(def);
  if (cells.length === 0) return;
  const mem = alignedMemory(def);
  const hmat = hasHmat(def);
  const master = cells.findIndex((c) => c.cpus !== undefined);
  if (master < 0) throw unsupported('At least one NUMA node has to have CPUs');

  const backends: Backend[] = cells.map((_, i) =>
    memoryBackend(def, ctx, { id: `ram-node${i}`, sizeKiB: mem.cellsKiB[i], targetNode: i, pathAlias: `ram-node${i}` }, false),
  );
  const needBackend = backends.some((b) => b.needed) || hmat || !(machineCaps(def, ctx)?.numaMemSupported ?? false);
  if (!needBackend) legacyMemPath(cmd, def, ctx, state);

  cells.forEach((cell, i) => {
    if (needBackend) {
      const b = backends[i];
      if (b.threadContext) {
        cmd.addJson('-object', b.threadContext);
        cmd.preallocThreadContexts.push(String(b.threadContext.id));
      }
      cmd.addJson('-object', b.props);
    }
    let v = `node,nodeid=${i}`;
    if (cell.cpus !== undefined) {
      for (const part of cell.cpus.split(',')) v += `,cpus=${part}`;
    }
    if (hmat) v += `,initiator=${initiatorOf(def, i, master)}`;
    v += needBackend ? `,memdev=ram-node${i}` : `,mem=${Math.floor(mem.cellsKiB[i] / 1024)}`;
    cmd.add('-numa', v);
  });

  if (cells.some((c) => (c.distances?.siblings ?? []).length > 0)) {
    for (let i = 0; i < cells.length; i++) {
      for (let j = 0; j < cells.length; j++) cmd.add('-numa', `dist,src=${i},dst=${j},val=${distance(def, i, j)}`);
    }
  }
  if (hmat) buildHmat(cmd, def);
}
