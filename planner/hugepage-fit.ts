/**
 * The hugepage fit check: do the pages a domain needs exist on the host nodes its memory is
 * bound to, after what other virtform domains hold but have not touched yet? Pure; the
 * executor runs the same function on numbers it has just read from sysfs.
 *
 * The check is exact for any mix of bindings. Needs and claims bound to overlapping node sets
 * compete for the same pages, so per page size it tests every union U of the node sets
 * involved: the pages needed inside U (this domain's needs and other domains' untouched
 * claims whose nodes all lie in U) must not exceed the free pages of U. When that holds for
 * every U, an assignment of pages to nodes exists (Hall's theorem for supplies and demands);
 * when it fails, the smallest failing U is what the message names:
 *
 *   host h1 node1: need 512 × 2048 KiB pages, 300 free
 *
 * "free" there is the kernel's free_hugepages on those nodes minus other domains' untouched
 * claims inside them. The fix proposes a host node that would fit the same memory.
 *
 * With `growPools` (the host declares that virtform may grow pools), a shortfall becomes pool
 * growth on the failing nodes (most free memory first), as long as the nodes have the free
 * memory; otherwise the error says how much memory growing would take.
 */
import { formatCpuList } from '../model/cpu-list';
import type { Domain } from '../model/domain/domain';
import type { HostFacts, HugepagePool } from '../model/host-facts';
import { orderHugetlbfsMounts } from '../model/hugetlbfs-mount-choice';
import { hugepageDemand, nodesWord, pageSizeWord, type HugepageDemand, type HugepageNeed } from './hugepage-demand';
import type { HugepageClaim, HugepageLedger } from './hugepage-ledger';
import type { HostIssue } from './host-issue';

export interface HugepageFitOptions {
  /** Host name in messages. Default: facts.hostname. */
  readonly hostLabel?: string;
  /** The host allows virtform to grow hugepage pools (per-node nr_hugepages) when they are short. */
  readonly growPools?: boolean;
  /** The host allows virtform to mount hugetlbfs under its run dir when no mount has a needed page size. */
  readonly mountMissing?: boolean;
}

/** Pages to add to one node's pool (`nr_hugepages` from → to). */
export interface PoolGrowth {
  readonly node: number;
  readonly sizeKiB: number;
  readonly pages: number;
  /** nr_hugepages before, as seen by the check. */
  readonly from: number;
  readonly to: number;
}

/** The hugetlbfs mount a page size will use: an existing mount point, or null when virtform is to mount one. */
export interface HugepageMountStep {
  readonly sizeKiB: number;
  readonly existing: string | null;
}

export interface HugepageFit {
  readonly demand: HugepageDemand;
  /** Errors and warnings, demand problems first. No error means the domain's pages fit. */
  readonly issues: readonly HostIssue[];
  /** Pool growth to carry out first (only with growPools). */
  readonly growth: readonly PoolGrowth[];
  readonly mounts: readonly HugepageMountStep[];
  /** This domain's pages, to add to the ledger before checking the next domain planned on the host. */
  readonly claims: readonly HugepageClaim[];
}

/** One host node's memory and pools: NumaNodeFacts has this shape; the executor builds it from live sysfs. */
export interface NodeHugepages {
  readonly id: number;
  readonly memory: { readonly freeKiB: number };
  readonly hugepages: readonly HugepagePool[];
}

/** Plan check: the domain's hugepage needs against the host's pools, mounts and ledger. Pure. */
export function checkHugepageFit(domain: Domain, facts: HostFacts, ledger: HugepageLedger, opts: HugepageFitOptions = {}): HugepageFit {
  const hostLabel = opts.hostLabel ?? facts.hostname;
  const demand = hugepageDemand(domain, facts, hostLabel);
  const issues: HostIssue[] = [...demand.issues];
  const fit = fitHugepageNeeds(demand.needs, facts.numa.nodes, ledger.without(domain.name), { hostLabel, growPools: opts.growPools });
  issues.push(...fit.issues);

  const mounts: HugepageMountStep[] = [];
  for (const size of demand.mountSizesKiB) {
    // The mount a launch chooses with the default settings (the conventional mount points first).
    const m = orderHugetlbfsMounts(facts.hugepages.mounts).find((x) => x.pageSizeKiB === size);
    if (m) {
      mounts.push({ sizeKiB: size, existing: m.path });
    } else if (opts.mountMissing) {
      mounts.push({ sizeKiB: size, existing: null });
    } else {
      const have = facts.hugepages.mounts.map((x) => `${x.path} (${x.pageSizeKiB} KiB)`);
      issues.push({
        severity: 'error',
        code: 'HUGEPAGE_NO_MOUNT',
        path: demand.needs.find((n) => n.sizeKiB === size)?.path ?? '/domain/memoryBacking/hugepages',
        problem: `host ${hostLabel}: no hugetlbfs mount for ${size} KiB pages`,
        detail: have.length ? `hugetlbfs is mounted only for other sizes: ${have.join(', ')}` : 'no hugetlbfs is mounted at all',
        fix: `mount one (mount -t hugetlbfs -o pagesize=${pageSizeWord(size)} hugetlbfs /dev/hugepages${size === facts.hugepages.defaultSizeKiB ? '' : pageSizeWord(size)}), or let virtform mount one under its run dir (mountMissing)`,
      });
    }
  }
  const claims = demand.needs.map((n) => ({ domain: domain.name, sizeKiB: n.sizeKiB, nodes: n.nodes, pages: n.pages, touched: 0 }));
  return { demand, issues, growth: fit.growth, mounts, claims };
}

interface Demand {
  readonly set: readonly number[];
  readonly pages: number;
  readonly need?: HugepageNeed;
  readonly claim?: HugepageClaim;
}

interface Violation {
  readonly union: readonly number[];
  readonly mine: number;
  readonly others: number;
  readonly cap: number;
  readonly deficit: number;
}

const subset = (a: readonly number[], b: readonly number[]): boolean => a.every((x) => b.includes(x));

/**
 * The fit of `needs` on `nodes` given other domains' claims in `ledger` (callers remove the
 * domain's own claims first). Pure; shared by the planner and the executor.
 */
export function fitHugepageNeeds(
  needs: readonly HugepageNeed[],
  nodes: readonly NodeHugepages[],
  ledger: HugepageLedger,
  opts: { readonly hostLabel: string; readonly growPools?: boolean },
): { issues: HostIssue[]; growth: PoolGrowth[] } {
  const issues: HostIssue[] = [];
  const growth: PoolGrowth[] = [];
  const host = opts.hostLabel;
  const allNodes = nodes.map((n) => n.id).sort((a, b) => a - b);
  const sizes = [...new Set(needs.map((n) => n.sizeKiB))].sort((a, b) => a - b);

  for (const size of sizes) {
    const mine = needs.filter((n) => n.sizeKiB === size);
    const pool = (id: number) => nodes.find((n) => n.id === id)?.hugepages.find((p) => p.sizeKiB === size);
    if (!allNodes.some((id) => pool(id))) {
      const sizesHere = [...new Set(nodes.flatMap((n) => n.hugepages.map((p) => p.sizeKiB)))].sort((a, b) => a - b);
      issues.push({
        severity: 'error',
        code: 'HUGEPAGE_SIZE_UNAVAILABLE',
        path: mine[0].path,
        problem: `host ${host} has no ${size} KiB hugepage pool`,
        detail: sizesHere.length ? `its pools: ${sizesHere.map((s) => `${s} KiB`).join(', ')}` : 'the kernel offers no hugepage pools',
        fix: `boot the host with hugepagesz=${pageSizeWord(size)} hugepages=N (1G pages are best reserved at boot), or use a page size the host has`,
      });
      continue;
    }
    const free = new Map<number, number>(allNodes.map((id) => [id, pool(id)?.free ?? 0]));
    const memFreeKiB = new Map<number, number>(nodes.map((n) => [n.id, n.memory.freeKiB]));
    const demands: Demand[] = [
      ...mine.map((n) => ({ set: n.nodes ?? allNodes, pages: n.pages, need: n })),
      ...ledger.untouched(size).map((c) => ({ set: (c.nodes ?? allNodes).filter((x) => allNodes.includes(x)), pages: c.pages - c.touched, claim: c })),
    ];
    const unions = unionsOf(demands.map((d) => d.set));

    const violations = (): Violation[] => {
      const out: Violation[] = [];
      for (const u of unions) {
        let m = 0;
        let o = 0;
        for (const d of demands) {
          if (!subset(d.set, u)) continue;
          if (d.need) m += d.pages;
          else o += d.pages;
        }
        const cap = u.reduce((s, id) => s + (free.get(id) ?? 0), 0);
        if (m > 0 && m + o > cap) {
          const deficit = m + o - cap;
          const below = out.filter((v) => subset(v.union, u));
          if (below.length && deficit <= below.reduce((s, v) => s + v.deficit, 0)) continue;
          out.push({ union: u, mine: m, others: o, cap, deficit });
        }
      }
      return out;
    };

    let found = violations();
    if (opts.growPools) {
      const grownBy = new Map<number, number>();
      while (found.length) {
        const v = found[0];
        let left = v.deficit;
        const order = v.union
          .filter((id) => pool(id))
          .sort((a, b) => (memFreeKiB.get(b)! - (grownBy.get(b) ?? 0) * size) - (memFreeKiB.get(a)! - (grownBy.get(a) ?? 0) * size) || a - b);
        const take = new Map<number, number>();
        for (const id of order) {
          if (left === 0) break;
          const can = Math.max(0, Math.floor((memFreeKiB.get(id)! - (grownBy.get(id) ?? 0) * size) / size));
          const t = Math.min(can, left);
          if (t > 0) take.set(id, t);
          left -= t;
        }
        if (left > 0) {
          const memFree = v.union.reduce((s, id) => s + Math.max(0, memFreeKiB.get(id)! - (grownBy.get(id) ?? 0) * size), 0);
          issues.push(shortfallIssue(host, size, v, demands, {
            code: 'HUGEPAGE_GROW_TOO_LITTLE_MEMORY',
            extra: `growing the pool by ${v.deficit} pages needs ${v.deficit * size} KiB of free memory, ${nodesWord(v.union)} ${v.union.length === 1 ? 'has' : 'have'} ${memFree} KiB free`,
            fix: `free memory on ${nodesWord(v.union)}, reserve the pages at boot (hugepagesz=${pageSizeWord(size)} hugepages=N), or bind the memory to another node`,
          }));
          found = [];
          break;
        }
        for (const [id, t] of take) {
          grownBy.set(id, (grownBy.get(id) ?? 0) + t);
          free.set(id, free.get(id)! + t);
        }
        found = violations();
      }
      for (const id of allNodes) {
        const g = grownBy.get(id);
        if (!g) continue;
        const from = pool(id)!.total;
        growth.push({ node: id, sizeKiB: size, pages: g, from, to: from + g });
      }
      continue;
    }
    for (const v of found) {
      issues.push(shortfallIssue(host, size, v, demands, { code: 'HUGEPAGE_SHORTFALL', fix: suggestFix(size, v, demands, free, pool) }));
    }
  }
  return { issues, growth };
}

/** Every union of the given sets (closure), smallest first; capped so that odd inputs cannot explode. */
function unionsOf(sets: readonly (readonly number[])[]): number[][] {
  const key = (s: readonly number[]) => s.join(',');
  const base = new Map<string, number[]>();
  for (const s of sets) base.set(key(s), [...s].sort((a, b) => a - b));
  const all = new Map(base);
  let frontier = [...base.values()];
  while (frontier.length && all.size < 4096) {
    const next: number[][] = [];
    for (const a of frontier) {
      for (const b of base.values()) {
        const u = [...new Set([...a, ...b])].sort((x, y) => x - y);
        const k = key(u);
        if (!all.has(k)) {
          all.set(k, u);
          next.push(u);
        }
      }
    }
    frontier = next;
  }
  return [...all.values()].sort((a, b) => a.length - b.length || key(a).localeCompare(key(b)));
}

function describeNeed(n: HugepageNeed): string {
  const what = n.path.startsWith('/domain/cpu/numa') ? `guest cell ${n.cell}` : 'guest memory';
  return `${what} needs ${n.pages} (${n.binding})`;
}

function shortfallIssue(
  host: string,
  size: number,
  v: Violation,
  demands: readonly Demand[],
  o: { code: 'HUGEPAGE_SHORTFALL' | 'HUGEPAGE_GROW_TOO_LITTLE_MEMORY'; extra?: string; fix: string },
): HostIssue {
  const inside = demands.filter((d) => subset(d.set, v.union));
  const needs = inside.filter((d) => d.need).map((d) => d.need!);
  const others = inside.filter((d) => d.claim);
  const parts = [needs.map(describeNeed).join('; ')];
  if (others.length) {
    const byHolder = new Map<string, number>();
    for (const d of others) {
      const who = d.claim!.holder ?? `by domain '${d.claim!.domain}', which has not started yet`;
      byHolder.set(who, (byHolder.get(who) ?? 0) + d.pages);
    }
    const list = [...byHolder].map(([who, p]) => `${p} ${who}`).join(', ');
    parts.push(`the kernel has ${v.cap} free, ${v.others} of them held: ${list}`);
  }
  if (o.extra) parts.push(o.extra);
  const shownFree = Math.max(0, v.cap - v.others);
  return {
    severity: 'error',
    code: o.code,
    path: needs[0]?.path ?? '/domain/memoryBacking/hugepages',
    problem: `host ${host} ${nodesWord(v.union)}: need ${v.mine} × ${size} KiB pages, ${shownFree} free`,
    detail: parts.join('; '),
    fix: o.fix,
  };
}

function suggestFix(
  size: number,
  v: Violation,
  demands: readonly Demand[],
  free: ReadonlyMap<number, number>,
  pool: (id: number) => HugepagePool | undefined,
): string {
  const inside = demands.filter((d) => d.need && subset(d.set, v.union)).map((d) => d.need!);
  const bound = inside.every((n) => n.nodes !== null);
  const fixes: string[] = [];
  if (bound) {
    let best: { id: number; avail: number } | null = null;
    for (const [id, f] of free) {
      if (v.union.includes(id) || !pool(id)) continue;
      const held = demands.filter((d) => subset(d.set, [id]) && !(d.need && inside.includes(d.need))).reduce((s, d) => s + d.pages, 0);
      const avail = f - held;
      if (avail >= v.mine && (!best || avail > best.avail)) best = { id, avail };
    }
    if (best) {
      const cellBound = inside.every((n) => n.path.startsWith('/domain/cpu/numa'));
      const how = cellBound
        ? inside.map((n) => `<memnode cellid='${n.cell}' mode='strict' nodeset='${best!.id}'/>`).join(' and ')
        : `<numatune><memory mode='strict' nodeset='${best.id}'/></numatune>`;
      fixes.push(`node${best.id} has ${best.avail} free ${size} KiB pages: bind the memory there with ${how}`);
    }
  }
  const grow =
    v.union.length === 1
      ? `grow node${v.union[0]}'s pool: echo ${(pool(v.union[0])?.total ?? 0) + v.deficit} > /sys/devices/system/node/node${v.union[0]}/hugepages/hugepages-${size}kB/nr_hugepages`
      : `grow the pools of ${nodesWord(v.union)} by ${v.deficit} pages in total (nodeN/hugepages/hugepages-${size}kB/nr_hugepages)`;
  fixes.push(`${grow} (virtform does it on apply when the host allows growPools)`);
  if (!bound) fixes.push(`free pages held by other processes on ${v.union.length > 1 ? `nodes ${formatCpuList(v.union)}` : `node${v.union[0]}`}`);
  return fixes.join(', or ');
}
