/**
 * What the live domains hold (from their status records), in the form the host-resource ledgers
 * read: `HugepageLedger.fromStatus` and `HostdevLedger.fromStatus` (planner/hugepage-ledger.ts,
 * planner/hostdev-ledger.ts) take `{domain, phase, hugepages}` and `{domain, vfio}` entries.
 */
import type { LiveHoldings } from '../live-state';
import type { PreflightContext } from './preflight-check';

export interface DomainHoldings extends LiveHoldings {
  readonly domain: string;
}

/** One entry per live domain that has a status record, in address order. */
export function liveHoldings(ctx: PreflightContext): DomainHoldings[] {
  const out: DomainHoldings[] = [];
  for (const l of ctx.live) {
    const h = l.runtime?.holds;
    if (l.address.kind === 'domain' && h) out.push({ domain: l.address.name, ...h });
  }
  return out;
}
