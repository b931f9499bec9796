/**
 * The pre-flight checks a plan runs, in order. Document checks first; host checks only when the
 * documents passed.
 *
 * Host-resource checks plug in here. For the hugepage fit and VFIO checks (planner/hugepage-fit.ts
 * `checkHugepageFit`, planner `checkHostdevs`), add one entry each built with `domainHostCheck`:
 *
 *   domainHostCheck('hugepages', 'free hugepages on the bound nodes cover each domain', {
 *     start: (ctx) => HugepageLedger.fromStatus(liveHoldings(ctx)),
 *     check: (domain, ctx, ledger) => {
 *       const fit = checkHugepageFit(domain, ctx.facts, ledger, { hostLabel: ctx.hostLabel });
 *       return { issues: fit.issues, state: ledger.with(fit.claims) };
 *     },
 *   })
 *
 * (`liveHoldings` in ./live-holdings.ts turns the live domains' status into the ledgers' input.)
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
