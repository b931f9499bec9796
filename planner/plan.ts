/**
 * The Plan: what apply will do on one host for one stack, fully described. Apply carries out
 * `changes` in order (each waiting for its `dependsOn`) with the canonical `desiredXml`; it
 * never re-decides. Attribute lines and reasons are for people (rendering) only.
 *
 * Invariants:
 * - `changes` is in apply order and holds every resource the plan considered, no-ops included;
 *   at most one change per address;
 * - attribute values never hold secrets (sensitive ones are SENSITIVE_PLACEHOLDER);
 *   `desiredXml` does (it is what apply defines) and is never rendered; plan files store it
 *   redacted;
 * - `mode` is set exactly for `update`.
 */
import type { Action, ActionReason, UpdateMode } from './action';
import type { ChangeEffect, LiveUpdateKind } from './change-effect';
import type { PlanFingerprint } from './fingerprint';
import type { PlanIssue } from './plan-issue';
import type { ResourceKind } from './resource-address';

export interface PlannedAttribute {
  /** XML path (`/domain/memory`), or `runtime.state`, `runtime.definition`, `runtime.affinity[vcpu 0]`, `dependency[ADDRESS]`. */
  readonly path: string;
  /** On the host now; undefined when absent. */
  readonly before?: string;
  /** After apply; undefined when absent. */
  readonly after?: string;
  /** The element added or removed as a whole that holds this leaf. */
  readonly element?: string;
  /** For update and replace: what this change takes. */
  readonly effect?: ChangeEffect;
  readonly liveKind?: LiveUpdateKind;
  /** Why it has this effect, for display. */
  readonly note?: string;
  /** The values are secrets (shown as SENSITIVE_PLACEHOLDER). */
  readonly sensitive: boolean;
}

export interface ResourceChange {
  /** `domain.web1`, `volume.images/web1.qcow2`. */
  readonly address: string;
  readonly kind: ResourceKind;
  readonly name: string;
  readonly pool?: string;
  readonly action: Action;
  readonly mode?: UpdateMode;
  readonly reason: ActionReason;
  /** Everything for create and delete; what differs for update and replace. */
  readonly attributes: readonly PlannedAttribute[];
  /** Changes this one waits for (addresses of non-no-op changes in this plan). */
  readonly dependsOn: readonly string[];
  /** Domains: the lifecycle state on the host before apply (`running`, `shutoff`...); networks: `active`/`inactive`. */
  readonly liveState?: string;
  /** The canonical definition to apply (create, update, replace, no-op). Holds secrets: never render it. */
  readonly desiredXml?: string;
  /** definitionHash(desiredXml): recorded with what apply starts. */
  readonly desiredHash?: string;
  /** Deleting or replacing this resource deletes data (a volume's image). */
  readonly destroysData?: boolean;
}

export interface Plan {
  readonly stack: string;
  /** The host's name in messages. */
  readonly host: string;
  /** Made by `virtform destroy`: every change is a delete of the stack's resources. */
  readonly destroy: boolean;
  /** `--target` addresses, as given (normalised). */
  readonly targets: readonly string[];
  readonly changes: readonly ResourceChange[];
  readonly warnings: readonly PlanIssue[];
  /** Changes left out by `--target` (they are neither shown nor applied). */
  readonly untargeted: number;
  readonly fingerprint: PlanFingerprint;
}

export interface PlanSummary {
  readonly add: number;
  readonly change: number;
  readonly destroy: number;
}

/** Terraform's counting: a replacement adds one and destroys one. */
export function planSummary(plan: Pick<Plan, 'changes'>): PlanSummary {
  let add = 0;
  let change = 0;
  let destroy = 0;
  for (const c of plan.changes) {
    if (c.action === 'create') add++;
    else if (c.action === 'update') change++;
    else if (c.action === 'delete') destroy++;
    else if (c.action === 'delete-then-create') {
      add++;
      destroy++;
    }
  }
  return { add, change, destroy };
}

/** The plan would change something (what `--detailed-exitcode` reports as 2). */
export function hasChanges(plan: Pick<Plan, 'changes'>): boolean {
  return plan.changes.some((c) => c.action !== 'no-op');
}
