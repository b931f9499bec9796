/**
 * HugepageLedger: the hugepages other virtform domains on a host hold but the kernel does not
 * count as used yet. The kernel's `free_hugepages` already excludes pages a running QEMU has
 * touched (with prealloc, all of its pages), so only claims that are not yet touched need to be
 * subtracted: a domain being started (status phase `starting`), or one planned earlier in the
 * same apply. Pure.
 *
 * Invariants: pages and touched are whole pages, 0 <= touched <= pages; nodes is ascending,
 * null meaning "any host node" (no binding).
 */

export interface HugepageClaim {
  /** The domain holding the pages. */
  readonly domain: string;
  readonly sizeKiB: number;
  /** Host nodes the pages come from, ascending; null: any node. */
  readonly nodes: readonly number[] | null;
  readonly pages: number;
  /** Pages the kernel already counts as used (faulted in); the rest is still inside free_hugepages. */
  readonly touched: number;
  /** How messages name the holder; default `by domain 'NAME', which has not started yet`. */
  readonly holder?: string;
}

/** The part of a domain's status that the ledger reads (status.json `phase` and `hugepages`). */
export interface HugepageStatusEntry {
  readonly domain: string;
  /** `starting`: QEMU has not (fully) started, its pages are not touched yet. */
  readonly phase: 'starting' | 'started' | 'exited';
  readonly hugepages: readonly { readonly sizeKiB: number; readonly node: number | null; readonly nodes?: readonly number[] | null; readonly pages: number }[];
}

export class HugepageLedger {
  constructor(readonly claims: readonly HugepageClaim[] = []) {
    for (const c of claims) {
      if (!Number.isInteger(c.pages) || c.pages < 0 || !Number.isInteger(c.touched) || c.touched < 0 || c.touched > c.pages) {
        throw new RangeError(`hugepage claim of domain '${c.domain}': pages ${c.pages} and touched ${c.touched} must be whole numbers with 0 <= touched <= pages`);
      }
    }
  }

  /**
   * The ledger of a host from its domains' status records. Domains that started hold touched
   * pages (virtform always preallocates hugepage memory); `starting` ones hold untouched pages;
   * `exited` ones hold none (their pages went back to the pool when QEMU exited).
   */
  static fromStatus(entries: readonly HugepageStatusEntry[]): HugepageLedger {
    const claims: HugepageClaim[] = [];
    for (const e of entries) {
      if (e.phase === 'exited') continue;
      for (const r of e.hugepages) {
        const nodes = r.nodes !== undefined ? r.nodes : r.node === null ? null : [r.node];
        claims.push({ domain: e.domain, sizeKiB: r.sizeKiB, nodes, pages: r.pages, touched: e.phase === 'started' ? r.pages : 0 });
      }
    }
    return new HugepageLedger(claims);
  }

  /** This ledger plus more claims (e.g. a domain planned earlier in the same apply). */
  with(claims: readonly HugepageClaim[]): HugepageLedger {
    return new HugepageLedger([...this.claims, ...claims]);
  }

  /** This ledger without `domain`'s claims (a domain is never short of its own pages). */
  without(domain: string): HugepageLedger {
    return new HugepageLedger(this.claims.filter((c) => c.domain !== domain));
  }

  /** Claims of `sizeKiB` with pages the kernel still counts as free. */
  untouched(sizeKiB: number): HugepageClaim[] {
    return this.claims.filter((c) => c.sizeKiB === sizeKiB && c.pages > c.touched);
  }
}
