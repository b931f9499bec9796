/**
 * What a domain asks of a host's hugepage pools: for each guest NUMA cell, how many pages of
 * which size, and from which host NUMA nodes the kernel may take them. Pure.
 *
 * How a cell's page size is chosen (libvirt's rules for `<memoryBacking><hugepages>`):
 * - a `<page>` whose guest-cell `nodeset` holds the cell wins (the first such page);
 * - else the `<page>` without nodeset (for a guest without cells, nodeset '0' counts as none);
 * - else the cell uses ordinary memory;
 * - `<hugepages/>` without any `<page>` means the host's default hugepage size for every cell;
 * - a size equal to the system page size (4 KiB) means ordinary memory.
 *
 * Which host nodes a cell's memory comes from (`<numatune>`):
 * - `<memnode cellid='N' mode='strict|restrictive' nodeset>`: those nodes;
 * - else `<memory mode='strict|restrictive' nodeset>` (strict is the default mode): those nodes;
 * - preferred and interleave let the kernel fall back to any node; so does no `<numatune>`, and
 *   so does placement='auto' (the node is picked when the domain starts), which gets a warning.
 *   restrictive binds through cpuset.mems, which the hugetlb allocator honours like a policy.
 *
 * Sizes: every size here is KiB; page counts are pages.
 */
import { formatCpuList } from '../model/cpu-list';
import { parseCpuset } from '../model/domain/cpuset';
import type { Domain } from '../model/domain/domain';
import { toCanonical } from '../model/domain/scaled-attr';
import type { HostFacts } from '../model/host-facts';
import type { HostIssue } from './host-issue';

/** The system (base) page size on x86_64, KiB. A "hugepage" of this size is ordinary memory. */
export const SYSTEM_PAGE_SIZE_KIB = 4;

export interface HugepageNeed {
  /** Guest NUMA cell id; 0 for a guest without `<numa>` cells. */
  readonly cell: number;
  readonly sizeKiB: number;
  readonly pages: number;
  /** Host NUMA nodes the pages must come from, ascending; null when any node will do. */
  readonly nodes: readonly number[] | null;
  /** The element that binds the memory, for messages: `<memnode cellid='1' mode='strict' nodeset='1'/>`, or `no <numatune>`. */
  readonly binding: string;
  /** XML path of the memory that needs the pages: `/domain/cpu/numa/cell[2]` or `/domain/memory`. */
  readonly path: string;
}

export interface HugepageDemand {
  readonly domain: string;
  /** One entry per guest cell backed by hugepages, by cell id. */
  readonly needs: readonly HugepageNeed[];
  /** Page sizes whose memory is file-backed and so needs a hugetlbfs mount (not `<source type='memfd'/>`), ascending. */
  readonly mountSizesKiB: readonly number[];
  /** Problems found while working out the demand (memory not a multiple of the page size, unknown host nodes, ...). */
  readonly issues: readonly HostIssue[];
}

/** `n` in `unit` as KiB (objects built in code may carry another unit than the parser's canonical KiB). */
function kib(n: number, unit: string | undefined): number {
  if (unit === undefined || unit === 'KiB' || unit === 'k' || unit === 'K') return n;
  return toCanonical(n, unit, 'KiB') ?? n;
}

/** Human form of a page size for fixes: 2048 → `2M`, 1048576 → `1G`. */
export function pageSizeWord(sizeKiB: number): string {
  if (sizeKiB % (1024 * 1024) === 0) return `${sizeKiB / (1024 * 1024)}G`;
  if (sizeKiB % 1024 === 0) return `${sizeKiB / 1024}M`;
  return `${sizeKiB}K`;
}

/** `node1` or `nodes 0-1`. */
export function nodesWord(nodes: readonly number[]): string {
  return nodes.length === 1 ? `node${nodes[0]}` : `nodes ${formatCpuList(nodes)}`;
}

export function hugepageDemand(domain: Domain, facts: HostFacts, hostLabel = facts.hostname): HugepageDemand {
  const issues: HostIssue[] = [];
  const hp = domain.memoryBacking?.hugepages;
  if (!hp) return { domain: domain.name, needs: [], mountSizesKiB: [], issues };
  const cells = domain.cpu?.numa?.cells ?? [];
  const pages = hp.pages ?? [];
  const memfd = domain.memoryBacking?.source?.type === 'memfd';
  const hostNodes = facts.numa.nodes.map((n) => n.id);

  // Memory per guest cell, KiB.
  const cellMem: { id: number; kib: number; path: string }[] = [];
  if (cells.length) {
    cells.forEach((c, i) => cellMem.push({ id: c.id ?? i, kib: kib(c.memory, c.unit), path: `/domain/cpu/numa/cell[${i + 1}]` }));
  } else {
    const total = domain.memory ? kib(domain.memory.value, domain.memory.unit) : 0;
    const dimms = (domain.devices?.memories ?? []).reduce((s, m) => s + (m.target?.size ?? 0), 0);
    cellMem.push({ id: 0, kib: Math.max(0, total - dimms), path: '/domain/memory' });
  }

  const pageFor = (cell: number): { sizeKiB: number; path: string } | null => {
    if (pages.length === 0) {
      const def = facts.hugepages.defaultSizeKiB;
      if (def === null) {
        issues.push({
          severity: 'error',
          code: 'HUGEPAGE_NO_SUPPORT',
          path: '/domain/memoryBacking/hugepages',
          problem: `host ${hostLabel}: the kernel has no hugepage support (/proc/meminfo has no Hugepagesize)`,
          detail: '<hugepages/> without <page> asks for the default hugepage size',
          fix: 'use a kernel built with CONFIG_HUGETLBFS, or drop <hugepages>',
        });
        return null;
      }
      return { sizeKiB: def, path: '/domain/memoryBacking/hugepages' };
    }
    const idx = pages.findIndex((p) => p.nodeset !== undefined && !(cells.length === 0 && p.nodeset === '0') && parseCpuset(p.nodeset).includes(cell));
    const master = pages.findIndex((p) => p.nodeset === undefined || (cells.length === 0 && p.nodeset === '0'));
    const i = idx >= 0 ? idx : master;
    if (i < 0) return null;
    return { sizeKiB: kib(pages[i].size, pages[i].unit), path: `/domain/memoryBacking/hugepages/page[${i + 1}]` };
  };

  const nt = domain.numatune;
  let autoWarned = false;
  const bindingFor = (cell: number): { nodes: number[] | null; binding: string; path: string } => {
    const memnodeIdx = (nt?.memnodes ?? []).findIndex((m) => m.cellid === cell);
    if (cells.length && memnodeIdx >= 0) {
      const m = nt!.memnodes![memnodeIdx];
      const text = `<memnode cellid='${m.cellid}' mode='${m.mode}' nodeset='${m.nodeset}'/>`;
      const path = `/domain/numatune/memnode[${memnodeIdx + 1}]`;
      if (m.mode === 'strict' || m.mode === 'restrictive') return { nodes: parseCpuset(m.nodeset), binding: text, path };
      return { nodes: null, binding: `${text} (the kernel may fall back to any node)`, path };
    }
    const mem = nt?.memory;
    if (mem && mem.placement === 'auto') {
      if (!autoWarned) {
        autoWarned = true;
        issues.push({
          severity: 'warning',
          code: 'NUMA_PLACEMENT_AUTO',
          path: '/domain/numatune/memory',
          problem: `host ${hostLabel}: <numatune><memory placement='auto'/> picks the host node when the domain starts, so the hugepage check counts free pages on every node`,
          detail: 'one node may still be short when the domain starts',
          fix: "name the node: <memory mode='strict' nodeset='N'/>",
        });
      }
      return { nodes: null, binding: "<memory placement='auto'/>", path: '/domain/numatune/memory' };
    }
    if (mem && mem.nodeset !== undefined) {
      const mode = mem.mode ?? 'strict';
      const text = `<memory mode='${mode}' nodeset='${mem.nodeset}'/>`;
      if (mode === 'strict' || mode === 'restrictive') return { nodes: parseCpuset(mem.nodeset), binding: text, path: '/domain/numatune/memory' };
      return { nodes: null, binding: `${text} (the kernel may fall back to any node)`, path: '/domain/numatune/memory' };
    }
    return { nodes: null, binding: 'no <numatune> binding (the kernel may use any node)', path: '/domain' };
  };

  const needs: HugepageNeed[] = [];
  const mountSizes = new Set<number>();
  const missingReported = new Set<string>();
  for (const c of cellMem) {
    const page = pageFor(c.id);
    if (!page || page.sizeKiB === SYSTEM_PAGE_SIZE_KIB) continue;
    if (c.kib % page.sizeKiB !== 0) {
      const whole = Math.floor(c.kib / page.sizeKiB);
      issues.push({
        severity: 'error',
        code: 'HUGEPAGE_NOT_MULTIPLE',
        path: c.path,
        problem: `${cells.length ? `guest cell ${c.id}` : 'guest memory'} of ${c.kib} KiB is not a multiple of the ${page.sizeKiB} KiB page size (${page.path})`,
        detail: `${whole} page${whole === 1 ? ' holds' : 's hold'} ${whole * page.sizeKiB} KiB`,
        fix: whole > 0 ? `make it ${(whole + 1) * page.sizeKiB} KiB or ${whole * page.sizeKiB} KiB, or use a smaller page size` : `make it at least ${page.sizeKiB} KiB, or use a smaller page size`,
      });
      continue;
    }
    const b = bindingFor(c.id);
    if (b.nodes) {
      const unknown = b.nodes.filter((n) => !hostNodes.includes(n));
      if (unknown.length) {
        if (!missingReported.has(b.path)) {
          missingReported.add(b.path);
          issues.push({
            severity: 'error',
            code: 'HOST_NODE_MISSING',
            path: b.path,
            problem: `host ${hostLabel}: ${b.binding} names host ${nodesWord(unknown)}, which the host does not have (it has ${nodesWord(hostNodes)})`,
            detail: '',
            fix: `use host nodes from ${formatCpuList(hostNodes)}`,
          });
        }
        continue;
      }
    }
    needs.push({ cell: c.id, sizeKiB: page.sizeKiB, pages: c.kib / page.sizeKiB, nodes: b.nodes, binding: b.binding, path: c.path });
    if (!memfd) mountSizes.add(page.sizeKiB);
  }
  return { domain: domain.name, needs, mountSizesKiB: [...mountSizes].sort((a, b) => a - b), issues };
}
