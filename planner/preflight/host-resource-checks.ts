/**
 * The host-resource pre-flight checks: hugepage fit (planner/hugepage-fit.ts) and host device
 * passthrough (planner/hostdev-check.ts), each walking the desired domains with a ledger of what
 * the host's other domains and the domains planned before hold (docs/dev/host-resources.md).
 *
 * A domain that already runs holds its own hugepages: the kernel counts them as used, so they are
 * missing from the free counts in HostFacts. Re-planning such a domain must not find it short of
 * its own pages, and restarting it gives them back before it takes them again. So the pages its
 * status record says it holds are counted as free again for its own check (on the node the record
 * names; for a record bound to several nodes, or to none, on the lowest of them, which every node
 * set that holds the record's nodes includes), and the domains checked after it see those pages
 * as taken already (touched), not as a claim still to come out of the free pages. Its VFIO
 * devices are its own too (the ledger check leaves a domain's own holdings out).
 */
import type { Domain } from '../../model/domain/domain';
import type { HostFacts } from '../../model/host-facts';
import { checkHostdevs } from '../hostdev-check';
import { HostdevLedger } from '../hostdev-ledger';
import { checkHugepageFit } from '../hugepage-fit';
import { HugepageLedger, type HugepageClaim } from '../hugepage-ledger';
import type { LiveHoldings } from '../live-state';
import { liveHoldings } from './live-holdings';
import { domainHostCheck, type PreflightContext } from './preflight-check';

export const hugepagesCheck = domainHostCheck('hugepages', 'free hugepages on the bound host nodes cover each domain', {
  start: (ctx) => HugepageLedger.fromStatus(liveHoldings(ctx)),
  check: (domain, ctx, ledger) => {
    const own = ownHoldings(ctx, domain);
    const fit = checkHugepageFit(domain, withOwnPagesFree(ctx.facts, own), ledger, { hostLabel: ctx.hostLabel });
    return { issues: fit.issues, state: ledger.with(heldClaims(fit.claims, own)) };
  },
});

export const hostdevsCheck = domainHostCheck('hostdevs', 'host devices exist, are free and can be passed through', {
  start: (ctx) => HostdevLedger.fromStatus(liveHoldings(ctx)),
  check: (domain, ctx, ledger) => {
    const c = checkHostdevs(domain, ctx.facts, ledger, { hostLabel: ctx.hostLabel });
    const held = [...c.demand.pci.map((n) => ({ domain: domain.name, address: n.address })), ...c.demand.mdevs.map((m) => ({ domain: domain.name, uuid: m.uuid }))];
    return { issues: c.issues, state: ledger.with(held) };
  },
});

/** What the live domain of the same name holds while its QEMU runs (phase started), if anything. */
function ownHoldings(ctx: PreflightContext, domain: Domain): LiveHoldings | undefined {
  const live = ctx.live.find((l) => l.address.kind === 'domain' && l.address.name === domain.name);
  const h = live?.runtime?.holds;
  return h && h.phase === 'started' ? h : undefined;
}

/**
 * A running domain's claims as the next domains see them: the pages it already holds are touched
 * (the kernel's free counts exclude them already); only pages beyond those are still to be taken.
 */
export function heldClaims(claims: readonly HugepageClaim[], holds: LiveHoldings | undefined): HugepageClaim[] {
  if (!holds) return [...claims];
  const left = new Map<number, number>();
  for (const r of holds.hugepages) left.set(r.sizeKiB, (left.get(r.sizeKiB) ?? 0) + r.pages);
  return claims.map((c) => {
    const touched = Math.min(c.pages, left.get(c.sizeKiB) ?? 0);
    left.set(c.sizeKiB, (left.get(c.sizeKiB) ?? 0) - touched);
    return { ...c, touched };
  });
}

/** `facts` with the hugepages in `holds` counted as free again (see the header). Pure. */
export function withOwnPagesFree(facts: HostFacts, holds: LiveHoldings | undefined): HostFacts {
  if (!holds || holds.hugepages.length === 0) return facts;
  const hostNodes = facts.numa.nodes.map((n) => n.id).sort((a, b) => a - b);
  const credit = new Map<string, number>();
  for (const r of holds.hugepages) {
    const nodes = r.node !== null ? [r.node] : r.nodes && r.nodes.length ? [...r.nodes].sort((a, b) => a - b) : hostNodes;
    const key = `${nodes[0]}/${r.sizeKiB}`;
    credit.set(key, (credit.get(key) ?? 0) + r.pages);
  }
  return {
    ...facts,
    numa: {
      ...facts.numa,
      nodes: facts.numa.nodes.map((n) => ({
        ...n,
        hugepages: n.hugepages.map((p) => {
          const add = credit.get(`${n.id}/${p.sizeKiB}`) ?? 0;
          return add ? { ...p, free: Math.min(p.total, p.free + add) } : p;
        }),
      })),
    },
  };
}
