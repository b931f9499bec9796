/**
 * PlanIssue: one problem a plan found, before anything on a host is touched. Like every user
 * error in virtform it names where (XML file:line and XML path, or construct path), the value,
 * the rule and the fix; a plan also names the check and the resource.
 *
 * `error` issues stop the plan (PlanError lists all of them); `warning` issues are shown with
 * the plan and never block it.
 */
import { formatIssue, type ModelIssue } from '../model/errors';

export type PlanIssueSeverity = 'error' | 'warning';

export interface PlanIssue extends ModelIssue {
  readonly severity: PlanIssueSeverity;
  /** The check that found it (`documents`, `names`, `pins`, `hugepages`...). */
  readonly check: string;
  /** The resource it is about: `domain.web1`. */
  readonly address?: string;
}

/** `web1.xml:7: domain.web1: /domain/vcpu/@cpuset: problem (fix: ...)`. */
export function formatPlanIssue(i: PlanIssue): string {
  const where = i.pos ? `${i.pos.file}:${i.pos.line}: ` : '';
  const what = i.address ? `${i.address}: ` : '';
  return `${where}${what}${formatIssue({ path: i.path, problem: i.problem, fix: i.fix })}`;
}

/** Orders issues by file, line, then address and path, so output is stable. */
export function compareIssues(a: PlanIssue, b: PlanIssue): number {
  const k = (i: PlanIssue): [string, number, string, string] => [i.pos?.file ?? '\uffff', i.pos?.line ?? 0, i.address ?? '', i.path];
  const ka = k(a);
  const kb = k(b);
  for (let j = 0; j < ka.length; j++) {
    if (ka[j] < kb[j]) return -1;
    if (ka[j] > kb[j]) return 1;
  }
  return 0;
}

/** The desired state cannot be planned: every error found, in file and line order. */
export class PlanError extends Error {
  readonly issues: readonly PlanIssue[];
  constructor(issues: readonly PlanIssue[]) {
    const sorted = [...issues].sort(compareIssues);
    super(
      sorted.length === 1
        ? formatPlanIssue(sorted[0])
        : `${sorted.length} problems stop the plan:\n` + sorted.map((i) => `  ${formatPlanIssue(i)}`).join('\n'),
    );
    this.name = 'PlanError';
    this.issues = sorted;
  }
}
