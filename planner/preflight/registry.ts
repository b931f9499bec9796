/**
 * The pre-flight checks a plan runs, in order. Document checks first; host checks only when the
 * documents passed.
 *
 * Host-resource checks plug in here, one entry each built with `domainHostCheck`, which walks
 * the desired domains and threads a ledger from one domain to the next. For the hugepage fit
 * and VFIO checks of planner/hugepage-fit.ts and planner/hostdev-check.ts:
 *
 *   domainHostCheck('hugepages', 'free hugepages on the bound host nodes cover each domain', {
 *     start: (ctx) => HugepageLedger.fromStatus(liveHoldings(ctx)),
 *     check: (domain, ctx, ledger) => {
 *       const fit = checkHugepageFit(domain, ctx.facts, ledger, { hostLabel: ctx.hostLabel });
 *       return { issues: fit.issues, state: ledger.with(fit.claims) };
 *     },
 *   }),
 *   domainHostCheck('hostdevs', 'host devices exist, are free and can be passed through', {
 *     start: (ctx) => HostdevLedger.fromStatus(liveHoldings(ctx)),
 *     check: (domain, ctx, ledger) => {
 *       const c = checkHostdevs(domain, ctx.facts, ledger, { hostLabel: ctx.hostLabel });
 *       const held = [...c.demand.pci.map((n) => ({ domain: domain.name, address: n.address })), ...c.demand.mdevs.map((m) => ({ domain: domain.name, uuid: m.uuid }))];
 *       return { issues: c.issues, state: ledger.with(held) };
 *     },
 *   }),
 *
 * HostIssue (planner/host-issue.ts) already has the shape domainHostCheck takes (severity,
 * path, problem, detail, fix); warnings are shown with the plan and never block it.
 */
import { documentRulesCheck } from './document-rules';
import { duplicatesCheck } from './duplicates';
import { nameRulesCheck } from './name-rules';
import { poolPathsCheck } from './pool-paths';
import type { PreflightCheck } from './preflight-check';
import { referencesCheck } from './references';
import { cpuPinsCheck } from './cpu-pins';

export const DEFAULT_CHECKS: readonly PreflightCheck[] = [
  documentRulesCheck,
  nameRulesCheck,
  duplicatesCheck,
  referencesCheck,
  poolPathsCheck,
  cpuPinsCheck,
];
