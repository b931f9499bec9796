/**
 * makePlan: desired state + live state + HostFacts → Plan, in small named steps:
 *
 *   1. readLive         parse the stored definitions (an unreadable one of this stack stops the plan)
 *   2. canonicalize     the same defaults on both sides; adopt what the host generated
 *   3. ownership        a desired resource that exists on the host must be this stack's
 *   4. orphans          this stack's resources that are no longer desired (deletes come only from here)
 *   5. preflight        document checks, then host checks (./preflight)
 *   6. decide           per desired resource, dependencies first: attribute diff, runtime and
 *                       dependency changes, classified, then decideAction; orphans → delete
 *   7. target           `--target` with what the targets need
 *   8. order            apply order and each change's dependsOn
 *   9. fingerprint      of the facts and live resources the plan rests on
 *
 * Pure: no I/O, no clock. Desired documents get the defaults applied in place (idempotent).
 * Throws PlanError listing every problem found in a step (never just the first).
 */
import type { HostFacts } from '../model/host-facts';
import { decideAction, type Decision, type LivePresence } from './action';
import { applyOrder } from './apply-order';
import { diffDocuments, flattenDocument, parseCanonical, type AttributeChange } from './attribute-diff';
import {
  MODEL_DEFAULTS,
  adoptGenerated,
  applyDefaults,
  definitionHash,
  formatResourceDocument,
  parseStored,
  type DocumentDefaults,
} from './canonical-document';
import { classifyChange, type ClassifiedChange, type LiveUpdateKind } from './change-effect';
import { indexResources, referencesOf, type ResourceIndex } from './dependencies';
import type { DesiredResource, DesiredState, ResourceDocument } from './desired-state';
import { factsFingerprint, resourceFingerprint, type PlanFingerprint } from './fingerprint';
import { isActiveState, type LiveResource, type LiveState } from './live-state';
import type { Plan, PlannedAttribute, ResourceChange } from './plan';
import { PlanError, type PlanIssue } from './plan-issue';
import { DEFAULT_CHECKS } from './preflight/registry';
import type { LiveView, PreflightCheck, PreflightContext } from './preflight/preflight-check';
import { AddressError, compareAddresses, formatAddress, parseAddress, type ResourceAddress } from './resource-address';
import { SENSITIVE_PLACEHOLDER, isSensitivePath } from './sensitive-values';
import type { Pool } from '../model/pool/pool';
import { sourceOf } from '../model/schema/source-map';
import type { SourcePos } from '../model/xml/dom';

export interface PlanRequest {
  readonly stack: string;
  /** The host's name in messages (`h1`, `localhost`). */
  readonly host: string;
  readonly desired: DesiredState;
  readonly live: LiveState;
  readonly facts: HostFacts;
  /** `virtform destroy`: plan to delete every resource the stack owns (desired state is ignored). */
  readonly destroy?: boolean;
  /** `--target` addresses (`domain.web1`). */
  readonly targets?: readonly string[];
  /** Pre-flight checks; default DEFAULT_CHECKS. */
  readonly checks?: readonly PreflightCheck[];
  /** Defaults applied to both sides; default MODEL_DEFAULTS. */
  readonly defaults?: DocumentDefaults;
  /** What the executor can change on a running instance; anything else needs a restart or replacement. Default: nothing. */
  readonly liveUpdates?: ReadonlySet<LiveUpdateKind>;
}

interface Entry {
  readonly address: ResourceAddress;
  readonly key: string;
  readonly desired?: DesiredResource;
  readonly live?: LiveResource;
  liveDoc?: ResourceDocument;
  desiredXml?: string;
  liveXml?: string;
}

export function makePlan(req: PlanRequest): Plan {
  const defaults = req.defaults ?? MODEL_DEFAULTS;
  const liveUpdates = req.liveUpdates ?? new Set<LiveUpdateKind>();
  const destroy = req.destroy === true;

  const targets = parseTargets(req.targets ?? []);

  // 1. readLive — and the table of every address either side has.
  const entries = new Map<string, Entry>();
  const errors: PlanIssue[] = [];
  const warnings: PlanIssue[] = [];
  const desiredList = destroy ? [] : req.desired.resources;
  for (const d of desiredList) {
    const key = formatAddress(d.address);
    if (!entries.has(key)) entries.set(key, { address: d.address, key, desired: d });
  }
  for (const l of req.live.resources) {
    const key = formatAddress(l.address);
    const e = entries.get(key);
    const entry: Entry = e ? { ...e, live: l } : { address: l.address, key, live: l };
    entries.set(key, entry);
    if (l.xml === null) continue;
    try {
      entry.liveDoc = parseStored(l.address.kind, l.xml, l.location ?? `${key} (stored definition)`, l.address.pool);
    } catch (err) {
      const issue: PlanIssue = {
        severity: l.owner?.stack === req.stack ? 'error' : 'warning',
        check: 'state',
        address: key,
        path: l.location ?? key,
        problem: `the stored definition on host ${req.host} cannot be read: ${(err as Error).message}`,
        fix: 'restore the file from a backup, or remove it and its ownership record by hand so that apply creates the resource again',
      };
      (issue.severity === 'error' ? errors : warnings).push(issue);
    }
  }
  if (errors.length) throw new PlanError(errors);

  // 2. canonicalize — pools first (volumes take defaults from their pool), same pool for both sides.
  const sorted = [...entries.values()].sort((a, b) => compareAddresses(a.address, b.address));
  const poolDoc = (name: string): Pool | undefined => {
    const e = entries.get(`pool.${name}`);
    const d = e?.desired?.document ?? e?.liveDoc;
    return d?.kind === 'pool' ? d.doc : undefined;
  };
  for (const e of sorted) {
    const pool = e.address.kind === 'volume' ? poolDoc(e.address.pool!) : undefined;
    if (e.liveDoc) applyDefaults(e.liveDoc, defaults, pool);
    if (e.desired) applyDefaults(e.desired.document, defaults, pool);
    if (e.desired && e.liveDoc) adoptGenerated(e.desired.document, e.liveDoc);
  }
  const index = indexResources([
    ...sorted.filter((e) => e.desired).map((e) => ({ address: e.address, document: e.desired!.document })),
    ...sorted.filter((e) => e.liveDoc).map((e) => ({ address: e.address, document: e.liveDoc! })),
  ]);

  // 3. ownership
  for (const e of sorted) {
    if (!e.desired || !e.live) continue;
    const owner = e.live.owner;
    // Point at the document's <name>: that is what the user can change.
    const at = namePos(e.desired);
    if (owner === null) {
      errors.push({
        severity: 'error',
        check: 'ownership',
        address: e.key,
        ...at,
        path: e.live.location ?? e.key,
        problem: `${e.key} exists on host ${req.host} but virtform did not create it (it has no ownership record), so stack '${req.stack}' may not change it`,
        fix: `give the ${e.address.kind} in the stack another name, or remove or rename the existing one by hand`,
      });
    } else if (owner.stack !== req.stack) {
      const by = [owner.createdBy && `by ${owner.createdBy}`, owner.createdAt && `at ${owner.createdAt}`].filter(Boolean).join(' ');
      errors.push({
        severity: 'error',
        check: 'ownership',
        address: e.key,
        ...at,
        path: e.live.location ?? e.key,
        problem: `${e.key} on host ${req.host} belongs to stack '${owner.stack}'${by ? ` (created ${by})` : ''}, not to stack '${req.stack}'`,
        fix: `rename the ${e.address.kind} in stack '${req.stack}', or change it from its own stack (--stack ${owner.stack})`,
      });
    }
  }

  // 4. orphans
  const orphans = sorted.filter((e) => !e.desired && e.live?.owner?.stack === req.stack);
  const targetSet = new Set(targets.map(formatAddress));
  for (const t of targets) {
    const key = formatAddress(t);
    const e = entries.get(key);
    if (!e || (!e.desired && e.live?.owner?.stack !== req.stack)) {
      errors.push({
        severity: 'error',
        check: 'target',
        address: key,
        path: '--target',
        problem: destroy ? `${key} is not owned by stack '${req.stack}' on host ${req.host}` : `${key} is neither declared in the stack nor owned by stack '${req.stack}' on host ${req.host}`,
        fix: `check the address (known: ${[...entries.values()].filter((x) => x.desired || x.live?.owner?.stack === req.stack).map((x) => x.key).sort().join(', ') || 'none'})`,
      });
    }
  }
  const deleting = new Set(orphans.filter((e) => targetSet.size === 0 || targetSet.has(e.key)).map((e) => e.key));

  // 5. preflight
  const liveViews: LiveView[] = sorted
    .filter((e) => e.live)
    .map((e) => ({ address: e.address, ...(e.liveDoc ? { document: e.liveDoc } : {}), owner: e.live!.owner, ...(e.live!.runtime ? { runtime: e.live!.runtime } : {}), ...(e.live!.location ? { location: e.live!.location } : {}) }));
  const desiredSorted = [...desiredList].sort((a, b) => compareAddresses(a.address, b.address));
  const ctx: PreflightContext = { stack: req.stack, hostLabel: req.host, facts: req.facts, desired: desiredSorted, live: liveViews, index, deleting };
  const checks = req.checks ?? DEFAULT_CHECKS;
  for (const stage of ['document', 'host'] as const) {
    for (const check of checks.filter((c) => c.stage === stage)) {
      for (const i of runCheck(check, ctx)) (i.severity === 'error' ? errors : warnings).push(i);
    }
    if (errors.length) throw new PlanError(errors);
  }

  // 6. decide — desired resources with what they use first, so dependency changes are known.
  const changes = new Map<string, ResourceChange>();
  const desiredEntries = sorted.filter((e) => e.desired);
  const refsOf = new Map(desiredEntries.map((e) => [e.key, referencesOf(e.desired!.document, index).map((r) => formatAddress(r.to))]));
  const decideOrder = applyOrder(desiredEntries.map((e) => ({ address: e.key, action: 'create' as const, after: refsOf.get(e.key) ?? [] })));
  for (const node of decideOrder) {
    const e = entries.get(node.address)!;
    changes.set(e.key, decideDesired(e, refsOf.get(e.key) ?? [], changes, liveUpdates));
  }
  for (const e of orphans) changes.set(e.key, decideOrphan(e, destroy));

  // 7. target
  let selected = [...changes.values()];
  let untargeted = 0;
  if (targetSet.size > 0) {
    const keep = targetClosure(targetSet, changes, refsOf, sorted, index);
    untargeted = selected.filter((c) => !keep.has(c.address) && c.action !== 'no-op').length;
    selected = selected.filter((c) => keep.has(c.address));
  }

  // 8. order
  const active = new Set(selected.filter((c) => c.action !== 'no-op').map((c) => c.address));
  const after = new Map<string, Set<string>>(selected.map((c) => [c.address, new Set<string>()]));
  for (const c of selected) {
    if (c.action === 'no-op') continue;
    if (c.action !== 'delete') for (const r of refsOf.get(c.address) ?? []) if (active.has(r)) after.get(c.address)!.add(r);
  }
  for (const e of sorted) {
    // What a resource used on the host must outlive the change that lets go of it.
    if (!e.liveDoc || !active.has(e.key)) continue;
    for (const r of referencesOf(e.liveDoc, index)) {
      const to = formatAddress(r.to);
      const target = changes.get(to);
      if (target && target.action === 'delete' && active.has(to) && to !== e.key) after.get(to)!.add(e.key);
    }
  }
  const ordered = applyOrder(selected.map((c) => ({ address: c.address, action: c.action, after: [...after.get(c.address)!] })));
  const byAddr = new Map(selected.map((c) => [c.address, c]));
  const finalChanges = ordered.map((n) => ({ ...byAddr.get(n.address)!, dependsOn: [...after.get(n.address)!].sort() }));

  // 9. fingerprint
  const looked = new Set<string>(finalChanges.map((c) => c.address));
  for (const c of finalChanges) for (const r of refsOf.get(c.address) ?? []) looked.add(r);
  const fingerprint: PlanFingerprint = {
    facts: factsFingerprint(req.facts),
    resources: Object.fromEntries([...looked].sort().map((a) => [a, resourceFingerprint(entries.get(a)?.live)])),
  };

  return {
    stack: req.stack,
    host: req.host,
    destroy,
    targets: [...targetSet],
    changes: finalChanges,
    warnings: warnings.sort((a, b) => (a.address ?? '').localeCompare(b.address ?? '') || a.path.localeCompare(b.path)),
    untargeted,
    fingerprint,
  };
}

function namePos(d: DesiredResource): { pos?: SourcePos } {
  const src = sourceOf(d.document.doc);
  const p = src?.props.get('name');
  const pos = (p && !Array.isArray(p) ? p : undefined) ?? src?.pos;
  return pos ? { pos } : {};
}

function parseTargets(texts: readonly string[]): ResourceAddress[] {
  const out: ResourceAddress[] = [];
  const issues: PlanIssue[] = [];
  for (const t of texts) {
    try {
      out.push(parseAddress(t));
    } catch (e) {
      if (!(e instanceof AddressError)) throw e;
      issues.push({ severity: 'error', check: 'target', path: '--target', problem: e.message, fix: 'correct the --target address' });
    }
  }
  if (issues.length) throw new PlanError(issues);
  return out;
}

function runCheck(check: PreflightCheck, ctx: PreflightContext): PlanIssue[] {
  try {
    return check.run(ctx);
  } catch (e) {
    return [{ severity: 'error', check: check.name, path: `check '${check.name}'`, problem: `the check failed: ${(e as Error).message}`, fix: 'report this as a virtform bug, with the documents that caused it' }];
  }
}

/** Masks sensitive values: plan attributes never hold secrets. */
function planned(c: AttributeChange | ClassifiedChange, sensitive: boolean): PlannedAttribute {
  const mask = (v: string | undefined): string | undefined => (v === undefined ? undefined : sensitive ? SENSITIVE_PLACEHOLDER : v);
  const out: { -readonly [K in keyof PlannedAttribute]: PlannedAttribute[K] } = { path: c.path, sensitive };
  if (c.before !== undefined) out.before = mask(c.before);
  if (c.after !== undefined) out.after = mask(c.after);
  if (c.element !== undefined) out.element = c.element;
  if ('effect' in c) {
    out.effect = c.effect;
    if (c.liveKind) out.liveKind = c.liveKind;
    out.note = c.note;
  }
  return out;
}

function flatAttributes(xml: string, side: 'before' | 'after'): PlannedAttribute[] {
  return flattenDocument(parseCanonical(xml)).map((c) => {
    const sensitive = isSensitivePath(c.path);
    const leaf = side === 'after' ? c : { path: c.path, before: c.after, ...(c.element ? { element: c.element } : {}) };
    return planned(leaf, sensitive);
  });
}

/**
 * Runtime changes of a domain or network the host reports a runtime for (an unknown runtime,
 * `runtime` undefined, gives none: the reader says `shutoff` when it knows nothing runs).
 */
function runtimeChanges(e: Entry): AttributeChange[] {
  const rt = e.live?.runtime;
  if (!rt || (e.address.kind !== 'domain' && e.address.kind !== 'network')) return [];
  const target = e.address.kind === 'domain' ? 'running' : 'active';
  if (!isActiveState(rt.state)) return [{ path: 'runtime.state', before: rt.state, after: target }];
  const out: AttributeChange[] = [];
  if (rt.definitionHash !== undefined && e.liveXml !== undefined && rt.definitionHash !== definitionHash(e.liveXml)) {
    out.push({ path: 'runtime.definition', before: 'older definition', after: 'current definition' });
  }
  for (const d of rt.pinDrift ?? []) out.push({ path: `runtime.affinity[${d.thread}]`, before: d.actual, after: d.applied });
  return out;
}

/** Changes a resource inherits from what it uses: a replaced pool replaces its volumes; a replaced volume or restarted network restarts its domains. */
function dependencyChanges(e: Entry, refs: readonly string[], decided: ReadonlyMap<string, ResourceChange>): ClassifiedChange[] {
  const out: ClassifiedChange[] = [];
  for (const to of [...new Set(refs)]) {
    const c = decided.get(to);
    if (!c) continue;
    const replaced = c.action === 'delete-then-create';
    const restarted = c.action === 'update' && c.mode === 'restart' && c.kind === 'network';
    if (!replaced && !restarted) continue;
    const path = `dependency[${to}]`;
    const after = replaced ? 'replaced' : 'restarted';
    if (e.address.kind === 'volume' && c.kind === 'pool') {
      out.push({ path, after, effect: 'replace', note: `forces replacement: ${to} is replaced, and its volumes with it`, sensitive: false });
    } else if (e.address.kind === 'domain') {
      out.push({
        path,
        after,
        effect: 'restart',
        note: replaced ? `${to} is replaced: the domain restarts to use the new one` : `${to} restarts: the domain restarts to reconnect its interfaces`,
        sensitive: false,
      });
    } else if (e.address.kind === 'volume' && c.kind === 'volume') {
      out.push({ path, after, effect: 'replace', note: `forces replacement: its backing store ${to} is replaced`, sensitive: false });
    }
  }
  return out;
}

function decideDesired(e: Entry, refs: readonly string[], decided: ReadonlyMap<string, ResourceChange>, liveUpdates: ReadonlySet<LiveUpdateKind>): ResourceChange {
  const d = e.desired!;
  const kind = e.address.kind;
  const desiredXml = formatResourceDocument(d.document);
  e.desiredXml = desiredXml;
  const presence: LivePresence = !e.live ? 'absent' : e.liveDoc ? 'present' : 'incomplete';
  let attributes: PlannedAttribute[];
  let decision: Decision;
  if (presence === 'present') {
    e.liveXml = formatResourceDocument(e.liveDoc!);
    const diff = diffDocuments(parseCanonical(e.liveXml), parseCanonical(desiredXml));
    const classified = [...diff, ...runtimeChanges(e)].map((c) => classifyChange(kind, c, liveUpdates));
    classified.push(...dependencyChanges(e, refs, decided));
    decision = decideAction(true, presence, classified);
    attributes = classified.map((c) => planned(c, c.sensitive));
  } else {
    decision = decideAction(true, presence, []);
    attributes = flatAttributes(desiredXml, 'after');
  }
  return {
    address: e.key,
    kind,
    name: e.address.name,
    ...(e.address.pool !== undefined ? { pool: e.address.pool } : {}),
    action: decision.action,
    ...(decision.mode ? { mode: decision.mode } : {}),
    reason: decision.reason,
    attributes,
    dependsOn: [],
    ...(e.live?.runtime ? { liveState: e.live.runtime.state } : {}),
    desiredXml,
    desiredHash: definitionHash(desiredXml),
    ...(kind === 'volume' && decision.action === 'delete-then-create' ? { destroysData: true } : {}),
  };
}

function decideOrphan(e: Entry, destroying: boolean): ResourceChange {
  const decision = decideAction(false, e.liveDoc ? 'present' : 'incomplete', [], destroying);
  const kind = e.address.kind;
  return {
    address: e.key,
    kind,
    name: e.address.name,
    ...(e.address.pool !== undefined ? { pool: e.address.pool } : {}),
    action: decision.action,
    reason: decision.reason,
    attributes: e.liveDoc ? flatAttributes(formatResourceDocument(e.liveDoc), 'before') : [],
    dependsOn: [],
    ...(e.live?.runtime ? { liveState: e.live.runtime.state } : {}),
    ...(kind === 'volume' ? { destroysData: true } : {}),
  };
}

/**
 * The targets and what they need: the changes of what a targeted create/update uses, the
 * changes of what still uses a targeted delete, and the dependents a targeted replacement
 * restarts or replaces. Repeats until nothing is added.
 */
function targetClosure(
  targets: ReadonlySet<string>,
  changes: ReadonlyMap<string, ResourceChange>,
  refsOf: ReadonlyMap<string, readonly string[]>,
  entries: readonly Entry[],
  index: ResourceIndex,
): Set<string> {
  const keep = new Set([...targets].filter((t) => changes.has(t)));
  const liveUsers = new Map<string, string[]>();
  for (const e of entries) {
    if (!e.liveDoc) continue;
    for (const r of referencesOf(e.liveDoc, index)) {
      const to = formatAddress(r.to);
      liveUsers.set(to, [...(liveUsers.get(to) ?? []), e.key]);
    }
  }
  const busy = (a: string): boolean => (changes.get(a)?.action ?? 'no-op') !== 'no-op';
  let grew = true;
  while (grew) {
    grew = false;
    const add = (a: string): void => {
      if (!keep.has(a) && busy(a)) {
        keep.add(a);
        grew = true;
      }
    };
    for (const a of [...keep]) {
      const c = changes.get(a)!;
      if (c.action === 'no-op') continue;
      if (c.action !== 'delete') for (const r of refsOf.get(a) ?? []) add(r);
      if (c.action === 'delete') for (const u of liveUsers.get(a) ?? []) add(u);
    }
    for (const c of changes.values()) {
      if (keep.has(c.address)) continue;
      if (c.attributes.some((x) => x.path.startsWith('dependency[') && keep.has(x.path.slice('dependency['.length, -1)))) add(c.address);
    }
  }
  return keep;
}
