/**
 * The machine form of a plan (`virtform plan --json`, and the `plan` part of plan files).
 *
 * Stable: every key is always present, in a fixed order (absent values are null), so the same
 * plan gives the same bytes and consumers can rely on the shape. No secrets: attributes are
 * masked in the plan already, and the definitions to apply are not part of it (plan files carry
 * them redacted, beside it).
 */
import type { Action, ActionReason, UpdateMode } from './action';
import { ACTIONS } from './action';
import type { ChangeEffect, LiveUpdateKind } from './change-effect';
import type { PlanFingerprint } from './fingerprint';
import { planSummary, type Plan, type PlanSummary, type PlannedAttribute, type ResourceChange } from './plan';
import type { PlanIssue } from './plan-issue';
import { RESOURCE_KINDS, type ResourceKind } from './resource-address';

export const PLAN_JSON_VERSION = 1;

export interface AttributeJson {
  readonly path: string;
  readonly before: string | null;
  readonly after: string | null;
  readonly element: string | null;
  readonly effect: ChangeEffect | null;
  readonly liveKind: LiveUpdateKind | null;
  readonly note: string | null;
  readonly sensitive: boolean;
}

export interface ChangeJson {
  readonly address: string;
  readonly kind: ResourceKind;
  readonly name: string;
  readonly pool: string | null;
  readonly action: Action;
  readonly mode: UpdateMode | null;
  readonly reason: ActionReason;
  readonly liveState: string | null;
  readonly destroysData: boolean;
  readonly dependsOn: readonly string[];
  readonly attributes: readonly AttributeJson[];
}

export interface IssueJson {
  readonly severity: string;
  readonly check: string;
  readonly address: string | null;
  readonly file: string | null;
  readonly line: number | null;
  readonly path: string;
  readonly problem: string;
  readonly fix: string | null;
}

export interface PlanJson {
  readonly formatVersion: number;
  readonly stack: string;
  readonly host: string;
  readonly destroy: boolean;
  readonly targets: readonly string[];
  readonly summary: PlanSummary;
  readonly changes: readonly ChangeJson[];
  readonly warnings: readonly IssueJson[];
  readonly untargeted: number;
  readonly fingerprint: PlanFingerprint;
}

function attributeJson(a: PlannedAttribute): AttributeJson {
  return {
    path: a.path,
    before: a.before ?? null,
    after: a.after ?? null,
    element: a.element ?? null,
    effect: a.effect ?? null,
    liveKind: a.liveKind ?? null,
    note: a.note ?? null,
    sensitive: a.sensitive,
  };
}

function changeJson(c: ResourceChange): ChangeJson {
  return {
    address: c.address,
    kind: c.kind,
    name: c.name,
    pool: c.pool ?? null,
    action: c.action,
    mode: c.mode ?? null,
    reason: c.reason,
    liveState: c.liveState ?? null,
    destroysData: c.destroysData === true,
    dependsOn: [...c.dependsOn],
    attributes: c.attributes.map(attributeJson),
  };
}

export function issueJson(i: PlanIssue): IssueJson {
  return {
    severity: i.severity,
    check: i.check,
    address: i.address ?? null,
    file: i.pos?.file ?? null,
    line: i.pos?.line ?? null,
    path: i.path,
    problem: i.problem,
    fix: i.fix ?? null,
  };
}

/** The plan as a JSON value with a fixed key order. */
export function planToJson(plan: Plan): PlanJson {
  return {
    formatVersion: PLAN_JSON_VERSION,
    stack: plan.stack,
    host: plan.host,
    destroy: plan.destroy,
    targets: [...plan.targets],
    summary: planSummary(plan),
    changes: plan.changes.map(changeJson),
    warnings: plan.warnings.map(issueJson),
    untargeted: plan.untargeted,
    fingerprint: { facts: plan.fingerprint.facts, resources: { ...plan.fingerprint.resources } },
  };
}

/** `virtform plan --json` output, two-space indented, ending with a newline. */
export function renderPlanJson(plan: Plan): string {
  return JSON.stringify(planToJson(plan), null, 2) + '\n';
}

/** Thrown when a JSON plan is not one this version wrote; names the field. */
export class PlanFormatError extends Error {}

/**
 * Reads a PlanJson back into a Plan (without the definitions: plan files add them). Checks the
 * shape field by field, so a damaged or hand-edited file is refused with the field named.
 */
export function planFromJson(v: unknown, label = 'plan'): Plan {
  const bad = (field: string, want: string): PlanFormatError => new PlanFormatError(`${label}: ${field} must be ${want}`);
  const obj = (x: unknown, field: string): Record<string, unknown> => {
    if (x === null || typeof x !== 'object' || Array.isArray(x)) throw bad(field, 'an object');
    return x as Record<string, unknown>;
  };
  const str = (x: unknown, field: string): string => {
    if (typeof x !== 'string') throw bad(field, 'a string');
    return x;
  };
  const optStr = (x: unknown, field: string): string | undefined => (x === null || x === undefined ? undefined : str(x, field));
  const arr = (x: unknown, field: string): unknown[] => {
    if (!Array.isArray(x)) throw bad(field, 'an array');
    return x;
  };
  const oneOf = <T extends string>(x: unknown, field: string, values: readonly T[]): T => {
    if (typeof x !== 'string' || !(values as readonly string[]).includes(x)) throw bad(field, `one of ${values.join(', ')}`);
    return x as T;
  };
  const p = obj(v, '(top level)');
  if (p.formatVersion !== PLAN_JSON_VERSION) throw bad('formatVersion', `${PLAN_JSON_VERSION} (this plan was written by another virtform version: make it again with this one)`);
  const fp = obj(p.fingerprint, 'fingerprint');
  const resources = obj(fp.resources, 'fingerprint.resources');
  for (const [k, x] of Object.entries(resources)) if (x !== null) str(x, `fingerprint.resources["${k}"]`);
  const changes = arr(p.changes, 'changes').map((cv, i): ResourceChange => {
    const f = `changes[${i}]`;
    const c = obj(cv, f);
    const action = oneOf(c.action, `${f}.action`, ACTIONS);
    const mode = c.mode === null ? undefined : oneOf(c.mode, `${f}.mode`, ['live', 'restart'] as const);
    const pool = optStr(c.pool, `${f}.pool`);
    const liveState = optStr(c.liveState, `${f}.liveState`);
    return {
      address: str(c.address, `${f}.address`),
      kind: oneOf(c.kind, `${f}.kind`, RESOURCE_KINDS),
      name: str(c.name, `${f}.name`),
      ...(pool !== undefined ? { pool } : {}),
      action,
      ...(mode ? { mode } : {}),
      reason: str(c.reason, `${f}.reason`) as ActionReason,
      ...(liveState !== undefined ? { liveState } : {}),
      ...(c.destroysData === true ? { destroysData: true } : {}),
      dependsOn: arr(c.dependsOn, `${f}.dependsOn`).map((d, j) => str(d, `${f}.dependsOn[${j}]`)),
      attributes: arr(c.attributes, `${f}.attributes`).map((av, j): PlannedAttribute => {
        const g = `${f}.attributes[${j}]`;
        const a = obj(av, g);
        const out: { -readonly [K in keyof PlannedAttribute]: PlannedAttribute[K] } = { path: str(a.path, `${g}.path`), sensitive: a.sensitive === true };
        const before = optStr(a.before, `${g}.before`);
        const after = optStr(a.after, `${g}.after`);
        const element = optStr(a.element, `${g}.element`);
        const note = optStr(a.note, `${g}.note`);
        if (before !== undefined) out.before = before;
        if (after !== undefined) out.after = after;
        if (element !== undefined) out.element = element;
        if (a.effect !== null && a.effect !== undefined) out.effect = oneOf(a.effect, `${g}.effect`, ['definition', 'live', 'restart', 'replace'] as const);
        if (a.liveKind !== null && a.liveKind !== undefined) out.liveKind = str(a.liveKind, `${g}.liveKind`) as LiveUpdateKind;
        if (note !== undefined) out.note = note;
        return out;
      }),
    };
  });
  return {
    stack: str(p.stack, 'stack'),
    host: str(p.host, 'host'),
    destroy: p.destroy === true,
    targets: arr(p.targets, 'targets').map((t, i) => str(t, `targets[${i}]`)),
    changes,
    warnings: arr(p.warnings, 'warnings').map((wv, i): PlanIssue => {
      const w = obj(wv, `warnings[${i}]`);
      const file = optStr(w.file, `warnings[${i}].file`);
      const fix = optStr(w.fix, `warnings[${i}].fix`);
      const address = optStr(w.address, `warnings[${i}].address`);
      return {
        severity: 'warning',
        check: str(w.check, `warnings[${i}].check`),
        ...(address !== undefined ? { address } : {}),
        ...(file !== undefined ? { pos: { file, line: typeof w.line === 'number' ? w.line : 0, column: 1 } } : {}),
        path: str(w.path, `warnings[${i}].path`),
        problem: str(w.problem, `warnings[${i}].problem`),
        ...(fix !== undefined ? { fix } : {}),
      };
    }),
    untargeted: typeof p.untargeted === 'number' ? p.untargeted : 0,
    fingerprint: { facts: str(fp.facts, 'fingerprint.facts'), resources: resources as Record<string, string | null> },
  };
}
