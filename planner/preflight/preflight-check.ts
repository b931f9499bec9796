/**
 * Pre-flight checks: rules the plan enforces before anything on a host is touched. Each check
 * is a named pure function from the plan's context (desired documents after defaults, the
 * host's live state and HostFacts) to PlanIssues. The registry (./registry.ts) lists them.
 *
 * Two stages: `document` checks look at the documents alone (shape, names, duplicates,
 * references); `host` checks weigh them against the host (pins, hugepages, VFIO). Host checks
 * only run when every document check passed, so they never see an invalid document.
 *
 * To add a host-resource check that works domain by domain and carries a ledger from one domain
 * to the next (hugepages, host devices), wrap it with `domainHostCheck`.
 */
import type { Domain } from '../../model/domain/domain';
import type { HostFacts } from '../../model/host-facts';
import { sourceOf } from '../../model/schema/source-map';
import type { SourcePos } from '../../model/xml/dom';
import type { DesiredResource, ResourceDocument } from '../desired-state';
import type { ResourceIndex } from '../dependencies';
import type { LiveOwner, LiveRuntime } from '../live-state';
import { locateXmlPath } from '../locate-xml-path';
import type { PlanIssue, PlanIssueSeverity } from '../plan-issue';
import { formatAddress, type ResourceAddress } from '../resource-address';

/** A live resource as checks see it: parsed and with the same defaults as desired ones. */
export interface LiveView {
  readonly address: ResourceAddress;
  /** undefined when the host has a record without a definition, or the definition is unreadable. */
  readonly document?: ResourceDocument;
  readonly owner: LiveOwner | null;
  readonly runtime?: LiveRuntime;
  readonly location?: string;
}

export interface PreflightContext {
  readonly stack: string;
  /** The host's name in messages. */
  readonly hostLabel: string;
  readonly facts: HostFacts;
  /** Desired resources, documents after defaults (source positions kept). */
  readonly desired: readonly DesiredResource[];
  readonly live: readonly LiveView[];
  /** Pools and volumes of both sides, desired first. */
  readonly index: ResourceIndex;
  /** Addresses this plan deletes (orphans of the stack). */
  readonly deleting: ReadonlySet<string>;
}

export interface PreflightCheck {
  /** Short name shown with each issue: `names`, `pins`. */
  readonly name: string;
  readonly stage: 'document' | 'host';
  /** What the check guards against (one sentence). */
  readonly description: string;
  run(ctx: PreflightContext): PlanIssue[];
}

/** Locates `at` (an XML path in the resource's document, or an object of it) and builds the issue. */
export function issueOn(
  check: string,
  r: { readonly address: ResourceAddress; readonly document?: ResourceDocument; readonly origin?: string },
  at: string | { readonly obj: object; readonly prop?: string; readonly xmlPath: string },
  problem: string,
  fix: string,
  severity: PlanIssueSeverity = 'error',
): PlanIssue {
  let pos: SourcePos | undefined;
  let path: string;
  if (typeof at === 'string') {
    path = at;
    pos = r.document ? locateXmlPath(r.document.doc, at) : undefined;
  } else {
    path = at.xmlPath;
    const src = sourceOf(at.obj);
    const p = at.prop ? src?.props.get(at.prop) : undefined;
    pos = (p && !Array.isArray(p) ? p : undefined) ?? src?.pos;
  }
  if (!pos && r.origin && !path.startsWith(r.origin)) path = `${r.origin}${path}`;
  return { severity, check, address: formatAddress(r.address), ...(pos ? { pos } : {}), path, problem, fix };
}

/** An issue as the host-resource functions return it (planner/host-issue.ts HostIssue has this shape). */
export interface HostIssueLike {
  readonly severity: PlanIssueSeverity;
  /** XML path in the domain: `/domain/cpu/numa/cell[2]`. */
  readonly path: string;
  readonly problem: string;
  readonly detail?: string;
  readonly fix: string;
}

/**
 * A host check that walks the desired domains in address order, threading a state (a ledger of
 * what earlier domains took) from one domain to the next. `start` builds the state from the
 * context (e.g. `HugepageLedger.fromStatus` over the live domains' holdings).
 */
export function domainHostCheck<S>(
  name: string,
  description: string,
  fns: {
    start(ctx: PreflightContext): S;
    check(domain: Domain, ctx: PreflightContext, state: S): { issues: readonly HostIssueLike[]; state: S };
  },
): PreflightCheck {
  return {
    name,
    stage: 'host',
    description,
    run(ctx) {
      let state = fns.start(ctx);
      const out: PlanIssue[] = [];
      for (const r of ctx.desired) {
        if (r.document.kind !== 'domain') continue;
        const res = fns.check(r.document.doc, ctx, state);
        state = res.state;
        for (const i of res.issues) {
          out.push(issueOn(name, r, i.path, i.detail ? `${i.problem}; ${i.detail}` : i.problem, i.fix, i.severity));
        }
      }
      return out;
    },
  };
}
