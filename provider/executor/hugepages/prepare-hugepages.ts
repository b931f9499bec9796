/**
 * Prepares a host's hugepages for one domain before its QEMU starts, and gives back what was
 * taken after QEMU exited.
 *
 * prepareHugepages, in order (each step verified; any failure undoes the earlier ones and
 * throws HostResourceError before QEMU is started):
 * 1. read the live pools, mounts and free memory (hugepage-state.ts);
 * 2. run the planner's fit (fitHugepageNeeds) on them, with other domains' untouched claims
 *    (ledger) and the pages running processes reserved but did not fault in (resv_hugepages);
 * 3. grow pools where short, only with `growPools` (the host declares it): per node
 *    `nodeN/hugepages/hugepages-SkB/nr_hugepages`, then read back; if the kernel gave fewer
 *    pages (too little free contiguous memory), everything grown is shrunk back and the error
 *    says what was asked and what was reached;
 * 4. find a hugetlbfs mount per page size (the one the command line was built for, `mounts`);
 *    mount one under `mountMissingUnder` when the host allows it and there is none (read back
 *    from /proc/mounts);
 * 5. create the domain's directory for QEMU's mem-path under each mount (`memDir`).
 *
 * The result is what status.json records (`hugepages`): per page size and host node set, the
 * pages the domain takes, what virtform grew, the mount and the directory it made.
 *
 * releaseHugepages (after QEMU exited): removes the directories, shrinks each pool by what was
 * grown (read back), unmounts mounts virtform made once empty. Pages still mapped (a QEMU whose
 * last threads are still exiting) cannot leave the pool at once: the kernel marks them surplus
 * and frees them when they are released, which is reported as a note, not an error. It carries
 * on past failures and throws them together at the end, so a retry finds less to do.
 */
import { formatCpuList } from '../../../model/cpu-list';
import type { HugepageDemand } from '../../../planner/hugepage-demand';
import { fitHugepageNeeds, type PoolGrowth } from '../../../planner/hugepage-fit';
import { HugepageLedger, type HugepageClaim } from '../../../planner/hugepage-ledger';
import { HostResourceError, type HostIssue } from '../../../planner/host-issue';
import type { HostContext } from '../host-context';
import { poolFile, readHugepageState, type LiveHugepages } from './hugepage-state';

export interface HugepageRequest {
  /** The domain's name (for the ledger and messages). */
  readonly domain: string;
  /** hugepageDemand(domain, facts): needs per guest cell and the sizes that need a mount. */
  readonly demand: Pick<HugepageDemand, 'needs' | 'mountSizesKiB'>;
  /** Other domains' claims (HugepageLedger.fromStatus over the host's status records). The domain's own are ignored. */
  readonly ledger?: HugepageLedger;
  /** The host allows virtform to grow pools that are short. */
  readonly growPools?: boolean;
  /** The host allows virtform to mount hugetlbfs at `<dir>/hugepages-<size>kB` when no mount has the size. */
  readonly mountMissingUnder?: string;
  /**
   * The mount to use per page size (KiB → mount point): the one the command line was built for,
   * when a host has several mounts of a size. Without an entry, the first mount of the size in
   * /proc/mounts order.
   */
  readonly mounts?: ReadonlyMap<number, string>;
  /** A directory (relative, e.g. `virtform/1-web`) made under each mount for QEMU's mem-path, mode 0700. */
  readonly memDir?: string;
}

/** status.json `hugepages` entry: one per page size and host node set the domain's memory is bound to. */
export interface HugepageRecord {
  readonly sizeKiB: number;
  /** The host node when the pages come from exactly one, else null. */
  readonly node: number | null;
  /** Host nodes the pages come from; null: any node. */
  readonly nodes: readonly number[] | null;
  /** Pages the domain takes. */
  readonly pages: number;
  /** Pages virtform added to pools for this entry (sum of `grown`); given back at release. */
  readonly grownBy: number;
  /** Where the pages were added: host node, or null for the system-wide pool of a kernel without NUMA. */
  readonly grown: readonly { readonly node: number | null; readonly pages: number }[];
  /** hugetlbfs mount used for this size; null when the memory is memfd-backed. */
  readonly mount: string | null;
  /** virtform mounted it (unmounted at release once empty). */
  readonly mountedByVirtform: boolean;
  /** The directory made for QEMU's mem-path (removed at release); null when none was asked for. */
  readonly memDir: string | null;
}

export interface HugepagePreparation {
  readonly records: readonly HugepageRecord[];
  /** The hugetlbfs mount per page size (what ArgvContext.host.hugetlbfs needs). */
  readonly mounts: readonly { readonly sizeKiB: number; readonly path: string; readonly mountedByVirtform: boolean }[];
}

/** The claim for pages running processes reserved but did not touch (resv_hugepages, system-wide). */
export const RESERVED_CLAIM_OWNER = 'processes with reserved pages (resv_hugepages)';

function issue(code: HostIssue['code'], problem: string, detail: string, fix: string, path = '/domain/memoryBacking/hugepages'): HostIssue {
  return { severity: 'error', code, path, problem, detail, fix };
}

export async function prepareHugepages(ctx: HostContext, req: HugepageRequest): Promise<HugepagePreparation> {
  const host = ctx.hostLabel;
  const needs = req.demand.needs;
  if (needs.length === 0) return { records: [], mounts: [] };

  const undo: (() => Promise<void>)[] = [];
  const rollback = async (): Promise<void> => {
    for (const u of undo.reverse()) await u().catch(() => undefined);
  };
  try {
    // 1-2. Live state and fit.
    let live = await readHugepageState(ctx.fs);
    const others = (req.ledger ?? new HugepageLedger()).without(req.domain);
    const ledgerFor = (l: LiveHugepages) =>
      others.with(l.system.filter((s) => s.reserved > 0).map((s): HugepageClaim => ({ domain: RESERVED_CLAIM_OWNER, sizeKiB: s.sizeKiB, nodes: null, pages: s.reserved, touched: 0, holder: 'reserved by running processes that have not touched them yet (resv_hugepages)' })));
    const fit = fitHugepageNeeds(needs, live.nodes, ledgerFor(live), { hostLabel: host, growPools: req.growPools });
    if (fit.issues.length) throw new HostResourceError(fit.issues);

    // 3. Grow, then verify with the kernel's numbers.
    const grown: { node: number | null; sizeKiB: number; pages: number; step: PoolGrowth; before: number; after: number }[] = [];
    for (const g of fit.growth) {
      const node = live.numa ? g.node : null;
      const file = poolFile(live.numa, node, g.sizeKiB);
      const before = Number((await ctx.fs.read(file)).toString('utf8').trim());
      await ctx.fs.write(file, `${before + g.pages}\n`);
      const after = Number((await ctx.fs.read(file)).toString('utf8').trim());
      const rec = { node, sizeKiB: g.sizeKiB, pages: Math.max(0, after - before), step: g, before, after };
      grown.push(rec);
      undo.push(async () => {
        const now = Number((await ctx.fs.read(file)).toString('utf8').trim());
        await ctx.fs.write(file, `${Math.max(0, now - rec.pages)}\n`);
      });
    }
    if (grown.length) {
      live = await readHugepageState(ctx.fs);
      const again = fitHugepageNeeds(needs, live.nodes, ledgerFor(live), { hostLabel: host });
      if (again.issues.length) {
        const asked = grown
          .map((g) => `${g.node === null ? 'the system-wide' : `node${g.node}'s`} ${g.sizeKiB} KiB pool by ${g.step.pages} (nr_hugepages ${g.before} → ${g.before + g.step.pages}), it reached ${g.after}`)
          .join('; ');
        const short = grown.filter((g) => g.pages < g.step.pages);
        throw new HostResourceError(
          again.issues.map((i) => ({
            ...i,
            detail: `${i.detail}; virtform asked the kernel to grow ${asked}${short.length ? `: ${short.map((g) => (g.node === null ? 'the host' : `node${g.node}`)).join(', ')} lacked free contiguous memory` : ''}; the pools were shrunk back`,
            fix: `free memory on ${short.length ? short.map((g) => (g.node === null ? 'the host' : `node${g.node}`)).join(', ') : 'the node'} (drop caches: echo 3 > /proc/sys/vm/drop_caches; compact: echo 1 > /proc/sys/vm/compact_memory), or reserve the pages at boot (hugepages= on the kernel command line)`,
          })),
        );
      }
    }

    // 4. Mounts.
    const mounts: { sizeKiB: number; path: string; mountedByVirtform: boolean }[] = [];
    for (const size of req.demand.mountSizesKiB) {
      const want = req.mounts?.get(size);
      const m = live.mounts.find((x) => x.pageSizeKiB === size && (want === undefined || x.path === want));
      if (m) {
        mounts.push({ sizeKiB: size, path: m.path, mountedByVirtform: false });
        continue;
      }
      const own = req.mountMissingUnder === undefined ? undefined : `${req.mountMissingUnder.replace(/\/+$/, '')}/hugepages-${size}kB`;
      if (want !== undefined && want !== own) {
        throw new HostResourceError([
          issue(
            'HUGEPAGE_NO_MOUNT',
            `host ${host}: the command line puts ${size} KiB pages on ${want}, which is not a hugetlbfs mount of that size now`,
            live.mounts.length ? `hugetlbfs is mounted on ${live.mounts.map((x) => `${x.path} (${x.pageSizeKiB} KiB)`).join(', ')}` : 'no hugetlbfs is mounted at all',
            `mount it again (mount -t hugetlbfs -o pagesize=${size}k hugetlbfs ${want}), or run the command again to use the mounts there are now`,
          ),
        ]);
      }
      if (req.mountMissingUnder === undefined) {
        throw new HostResourceError([
          issue('HUGEPAGE_NO_MOUNT', `host ${host}: no hugetlbfs mount for ${size} KiB pages`, live.mounts.length ? `hugetlbfs is mounted only for other sizes: ${live.mounts.map((x) => `${x.path} (${x.pageSizeKiB} KiB)`).join(', ')}` : 'no hugetlbfs is mounted at all', `mount one (mount -t hugetlbfs -o pagesize=${size}k hugetlbfs DIR), or let virtform mount one under its run dir (mountMissing)`),
        ]);
      }
      if (!ctx.commands) throw new Error(`host ${host}: mounting hugetlbfs needs host commands (mkdir, mount), and none were given to prepareHugepages`);
      const dir = `${req.mountMissingUnder.replace(/\/+$/, '')}/hugepages-${size}kB`;
      await ctx.commands.mkdir(dir, 0o755);
      await ctx.commands.mountHugetlbfs(dir, size);
      undo.push(() => ctx.commands!.umount(dir));
      const after = await readHugepageState(ctx.fs);
      const seen = after.mounts.find((x) => x.path === dir);
      if (!seen || seen.pageSizeKiB !== size) {
        throw new HostResourceError([
          issue('HUGEPAGE_NO_MOUNT', `host ${host}: mounted hugetlbfs on ${dir} for ${size} KiB pages, but /proc/mounts ${seen ? `shows page size ${seen.pageSizeKiB} KiB` : 'does not list it'}`, '', 'check that the kernel supports this page size (hugepagesz=)'),
        ]);
      }
      mounts.push({ sizeKiB: size, path: dir, mountedByVirtform: true });
    }

    // 5. The domain's mem-path directories.
    const memDirs = new Map<number, string>();
    if (req.memDir !== undefined) {
      if (req.memDir.startsWith('/') || req.memDir.split('/').includes('..') || req.memDir === '') {
        throw new TypeError(`memDir '${req.memDir}' must be a relative path below the mount, without '..'`);
      }
      if (mounts.length && !ctx.commands) throw new Error(`host ${host}: making ${req.memDir} under the hugetlbfs mounts needs host commands (mkdir), and none were given`);
      for (const m of mounts) {
        const dir = `${m.path}/${req.memDir}`;
        await ctx.commands!.mkdir(dir, 0o700);
        undo.push(async () => void (await ctx.commands!.rmdir(dir)));
        memDirs.set(m.sizeKiB, dir);
      }
    }

    // Records: one per page size and node set.
    const groups = new Map<string, { sizeKiB: number; nodes: readonly number[] | null; pages: number }>();
    for (const n of needs) {
      const key = `${n.sizeKiB}/${n.nodes === null ? '*' : formatCpuList(n.nodes)}`;
      const g = groups.get(key) ?? { sizeKiB: n.sizeKiB, nodes: n.nodes, pages: 0 };
      g.pages += n.pages;
      groups.set(key, g);
    }
    const allNodes = live.nodes.map((n) => n.id);
    const pending = grown.map((g) => ({ ...g }));
    const mountedOnce = new Set<string>();
    const records: HugepageRecord[] = [...groups.values()].map((g) => {
      const set = g.nodes ?? allNodes;
      const mine = pending.filter((p) => p.sizeKiB === g.sizeKiB && p.pages > 0 && (p.node === null || set.includes(p.node)));
      const taken = mine.map((p) => ({ node: p.node, pages: p.pages }));
      for (const p of mine) p.pages = 0;
      const mount = mounts.find((m) => m.sizeKiB === g.sizeKiB);
      const mountedByVirtform = !!mount?.mountedByVirtform && !mountedOnce.has(mount.path);
      if (mount?.mountedByVirtform) mountedOnce.add(mount.path);
      return {
        sizeKiB: g.sizeKiB,
        node: g.nodes && g.nodes.length === 1 ? g.nodes[0] : null,
        nodes: g.nodes,
        pages: g.pages,
        grownBy: taken.reduce((s, t) => s + t.pages, 0),
        grown: taken,
        mount: mount?.path ?? null,
        mountedByVirtform,
        memDir: memDirs.get(g.sizeKiB) ?? null,
      };
    });
    return { records, mounts };
  } catch (e) {
    await rollback();
    throw e;
  }
}

/**
 * Gives back what prepareHugepages took for a domain whose QEMU has exited. Idempotent enough
 * to retry: a missing directory or an unmounted mount is not an error.
 */
export async function releaseHugepages(ctx: HostContext, records: readonly HugepageRecord[]): Promise<{ notes: string[] }> {
  const host = ctx.hostLabel;
  const failures: HostIssue[] = [];
  const notes: string[] = [];
  const fail = (problem: string, detail: string, fix: string) =>
    failures.push({ severity: 'error', code: 'HUGEPAGE_SHORTFALL', path: '/domain/memoryBacking/hugepages', problem, detail, fix });

  const dirs = new Map<string, string>();
  for (const r of records) if (r.memDir !== null && r.mount !== null) dirs.set(r.memDir, r.mount);
  for (const [dir, mount] of dirs) {
    try {
      if (ctx.commands) {
        await ctx.commands.rmdir(dir);
        // Parents made by mkdir -p (`virtform/` in `virtform/1-web`), up to the mount, when empty.
        const segs = dir.slice(mount.length + 1).split('/');
        for (let i = segs.length - 1; i > 0; i--) {
          const removed = await ctx.commands.rmdir(`${mount}/${segs.slice(0, i).join('/')}`).then(() => true, () => false);
          if (!removed) break; // not empty: other domains' directories
        }
      }
    } catch (e) {
      fail(`host ${host}: could not remove ${dir}`, (e as Error).message, 'make sure QEMU has exited, then remove the directory');
    }
  }

  const live = await readHugepageState(ctx.fs);
  const toShrink = new Map<string, { node: number | null; sizeKiB: number; pages: number }>();
  for (const r of records) {
    for (const g of r.grown) {
      const key = `${g.node}/${r.sizeKiB}`;
      const t = toShrink.get(key) ?? { node: g.node, sizeKiB: r.sizeKiB, pages: 0 };
      t.pages += g.pages;
      toShrink.set(key, t);
    }
  }
  for (const t of toShrink.values()) {
    if (t.pages === 0) continue;
    const file = poolFile(live.numa, t.node, t.sizeKiB);
    try {
      const before = Number((await ctx.fs.read(file)).toString('utf8').trim());
      const want = Math.max(0, before - t.pages);
      await ctx.fs.write(file, `${want}\n`);
      const after = Number((await ctx.fs.read(file)).toString('utf8').trim());
      if (after > want) {
        // Pages still mapped become surplus: the kernel frees them from the pool when they are released.
        const surplusFile = file.replace(/nr_hugepages$/, 'surplus_hugepages');
        const surplus = Number((await ctx.fs.read(surplusFile).catch(() => Buffer.from('0'))).toString('utf8').trim());
        const where = t.node === null ? 'the system-wide' : `node${t.node}'s`;
        if (surplus >= after - want) {
          notes.push(
            `host ${host}: ${after - want} of the ${t.pages} ${t.sizeKiB} KiB pages virtform added to ${where} pool are still in use; ` +
              `the kernel gives them back when they are freed (surplus_hugepages ${surplus})`,
          );
        } else {
          fail(
            `host ${host}: gave back ${before - after} of the ${t.pages} ${t.sizeKiB} KiB pages virtform added to ${where} pool (nr_hugepages ${before} → ${after}, wanted ${want})`,
            `${after - want} of those pages are still in use by a process and the kernel did not mark them surplus (${surplus})`,
            "make sure the domain's QEMU has exited, then run the release again (destroy)",
          );
        }
      }
    } catch (e) {
      fail(`host ${host}: could not shrink ${file}`, (e as Error).message, 'check that the pool still exists and virtform runs as root');
    }
  }

  for (const r of records) {
    if (!r.mountedByVirtform || r.mount === null) continue;
    try {
      const still = live.mounts.some((m) => m.path === r.mount);
      if (!still) continue;
      const left = await ctx.fs.readdir(r.mount);
      if (left.length) continue; // other domains' directories: leave it mounted
      await ctx.commands?.umount(r.mount);
      await ctx.commands?.rmdir(r.mount);
    } catch (e) {
      fail(`host ${host}: could not unmount ${r.mount}`, (e as Error).message, 'unmount it by hand once nothing uses it');
    }
  }
  if (failures.length) throw new HostResourceError(failures);
  return { notes };
}

