/**
 * The live hugepage state of a host, read through HostFs just before the executor acts (the
 * HostFacts a plan was made from may be old): per-node pools and free memory, system-wide pools
 * with the reserved count, hugetlbfs mounts. Two directory listings and one batched read.
 *
 * A kernel without NUMA (no /sys/devices/system/node) is one node 0 holding the system-wide
 * pools; its pools are grown through /sys/kernel/mm/hugepages (`numa: false`).
 */
import { parseMeminfo, parseMounts, parseSizeKiB } from '../../host/host-discovery';
import type { HostFs } from '../../host/host-fs';
import type { NodeHugepages } from '../../../planner/hugepage-fit';

export interface LiveHugepagePool {
  readonly sizeKiB: number;
  /** nr_hugepages. */
  readonly total: number;
  /** free_hugepages (includes pages reserved by mappings that did not fault them in yet). */
  readonly free: number;
}

export interface LiveHugepages {
  /** Per-node directories exist (pools are grown per node). */
  readonly numa: boolean;
  readonly nodes: readonly (NodeHugepages & { readonly hugepages: readonly LiveHugepagePool[] })[];
  /** System-wide pools with resv_hugepages (reserved by mappings, still counted in free). */
  readonly system: readonly (LiveHugepagePool & { readonly reserved: number })[];
  readonly mounts: readonly { readonly path: string; readonly pageSizeKiB: number }[];
  readonly defaultSizeKiB: number | null;
}

export const SYSTEM_POOLS_DIR = '/sys/kernel/mm/hugepages';
export const NODE_DIR = '/sys/devices/system/node';

/** The nr_hugepages file that grows `size` pages on `node` (null or a non-NUMA kernel: the system-wide pool). */
export function poolFile(numa: boolean, node: number | null, sizeKiB: number, file: 'nr_hugepages' | 'free_hugepages' = 'nr_hugepages'): string {
  return numa && node !== null ? `${NODE_DIR}/node${node}/hugepages/hugepages-${sizeKiB}kB/${file}` : `${SYSTEM_POOLS_DIR}/hugepages-${sizeKiB}kB/${file}`;
}

async function listOrEmpty(fs: HostFs, p: string): Promise<string[]> {
  return (await fs.exists(p)) ? fs.readdir(p) : [];
}

export async function readHugepageState(fs: HostFs): Promise<LiveHugepages> {
  const sizes = (await listOrEmpty(fs, SYSTEM_POOLS_DIR))
    .map((e) => /^hugepages-(\d+)kB$/.exec(e))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
  const nodeIds = (await listOrEmpty(fs, NODE_DIR))
    .map((e) => /^node(\d+)$/.exec(e))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
  const files = ['/proc/meminfo', '/proc/mounts'];
  for (const s of sizes) for (const f of ['nr_hugepages', 'free_hugepages', 'resv_hugepages']) files.push(`${SYSTEM_POOLS_DIR}/hugepages-${s}kB/${f}`);
  for (const n of nodeIds) {
    files.push(`${NODE_DIR}/node${n}/meminfo`);
    for (const s of sizes) files.push(poolFile(true, n, s), poolFile(true, n, s, 'free_hugepages'));
  }
  const got = await fs.readMany(files);
  const text = (p: string) => got.get(p)?.toString('utf8') ?? null;
  const int = (p: string) => {
    const t = text(p)?.trim();
    return t !== undefined && /^\d+$/.test(t) ? Number(t) : null;
  };
  const meminfo = parseMeminfo(text('/proc/meminfo') ?? '');
  const defaultSizeKiB = meminfo.get('Hugepagesize') ?? null;
  const system = sizes.map((s) => ({
    sizeKiB: s,
    total: int(`${SYSTEM_POOLS_DIR}/hugepages-${s}kB/nr_hugepages`) ?? 0,
    free: int(`${SYSTEM_POOLS_DIR}/hugepages-${s}kB/free_hugepages`) ?? 0,
    reserved: int(`${SYSTEM_POOLS_DIR}/hugepages-${s}kB/resv_hugepages`) ?? 0,
  }));
  const numa = nodeIds.length > 0;
  const nodes = numa
    ? nodeIds.map((id) => ({
        id,
        memory: { freeKiB: parseMeminfo(text(`${NODE_DIR}/node${id}/meminfo`) ?? '').get('MemFree') ?? 0 },
        hugepages: sizes
          .filter((s) => int(poolFile(true, id, s)) !== null)
          .map((s) => ({ sizeKiB: s, total: int(poolFile(true, id, s)) ?? 0, free: int(poolFile(true, id, s, 'free_hugepages')) ?? 0 })),
      }))
    : [{ id: 0, memory: { freeKiB: meminfo.get('MemFree') ?? 0 }, hugepages: system.map(({ sizeKiB, total, free }) => ({ sizeKiB, total, free })) }];
  const mounts = parseMounts(text('/proc/mounts') ?? '')
    .filter((m) => m.type === 'hugetlbfs')
    .map((m) => {
      const opt = m.options.find((o) => o.startsWith('pagesize='));
      return { path: m.mountPoint, pageSizeKiB: (opt ? parseSizeKiB(opt.slice('pagesize='.length)) : defaultSizeKiB) ?? 0 };
    });
  return { numa, nodes, system, mounts, defaultSizeKiB };
}
