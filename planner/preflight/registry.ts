/**
 * The pre-flight checks a plan runs, in order. Document checks first; host checks only when the
 * documents passed.
 *
 * Host-resource checks plug in here, one entry each built with `domainHostCheck`, which walks
 * the desired domains and threads a ledger from one domain to the next: the hugepage fit and
 * VFIO passthrough checks are in ./host-resource-checks.ts. HostIssue (planner/host-issue.ts)
 * has the shape domainHostCheck takes; warnings are shown with the plan and never block it.
 */
import { documentRulesCheck } from './document-rules';
import { duplicatesCheck } from './duplicates';
import { nameRulesCheck } from './name-rules';
import { poolPathsCheck } from './pool-paths';
import type { PreflightCheck } from './preflight-check';
import { referencesCheck } from './references';
import { cpuPinsCheck } from './cpu-pins';
import { hostdevsCheck, hugepagesCheck } from './host-resource-checks';

export const DEFAULT_CHECKS: readonly PreflightCheck[] = [
  documentRulesCheck,
  nameRulesCheck,
  duplicatesCheck,
  referencesCheck,
  poolPathsCheck,
  cpuPinsCheck,
  hugepagesCheck,
  hostdevsCheck,
];
