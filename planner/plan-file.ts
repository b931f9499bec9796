/**
 * Plan files (`virtform plan -out FILE`, `virtform apply FILE`): a plan reviewed now and applied
 * later, exactly as reviewed, or not at all.
 *
 *   {
 *     "format": "virtform-plan-file/1",
 *     "plan": { ...PlanJson, with the fingerprint of the host facts and live resources... },
 *     "documents": { "domain.web1": { "xml": "<domain ...>", "sensitive": 0, "hash": "sha256:..." } }
 *   }
 *
 * - `documents` holds the canonical definition of every change that defines something, with
 *   each sensitive value replaced by SENSITIVE_PLACEHOLDER and counted in `sensitive`. `hash` is
 *   the definitionHash of the full document, or null when it has sensitive values (a hash of a
 *   short password is a way to guess it).
 * - `apply FILE` re-reads the host and refuses when the fingerprint differs (fingerprintChanges
 *   names what changed). When documents have sensitive values it needs the same `--xml`
 *   documents again, re-plans, and refuses unless that plan is the one in the file.
 * - The file is byte-stable: the same plan always writes the same bytes.
 */
import { definitionHash, formatResourceDocument, parseStored } from './canonical-document';
import { stableJson } from './fingerprint';
import type { Plan, ResourceChange } from './plan';
import { planFromJson, planToJson, PlanFormatError, type PlanJson } from './plan-json';
import { redactDocument } from './sensitive-values';

export const PLAN_FILE_FORMAT = 'virtform-plan-file/1';

export interface PlanFileDocument {
  readonly xml: string;
  /** How many sensitive values were replaced by the placeholder. */
  readonly sensitive: number;
  /** definitionHash of the full document; null when it had sensitive values. */
  readonly hash: string | null;
}

export interface PlanFile {
  readonly format: typeof PLAN_FILE_FORMAT;
  readonly plan: PlanJson;
  readonly documents: Readonly<Record<string, PlanFileDocument>>;
}

/** The definition with its secrets replaced, and how many there were. */
export function redactDefinition(c: Pick<ResourceChange, 'kind' | 'pool' | 'address'>, xml: string): PlanFileDocument {
  const doc = parseStored(c.kind, xml, `${c.address} (plan)`, c.pool);
  const n = redactDocument(doc);
  return n === 0 ? { xml, sensitive: 0, hash: definitionHash(xml) } : { xml: formatResourceDocument(doc), sensitive: n, hash: null };
}

export function planFileOf(plan: Plan): PlanFile {
  const documents: Record<string, PlanFileDocument> = {};
  for (const c of plan.changes) if (c.desiredXml !== undefined) documents[c.address] = redactDefinition(c, c.desiredXml);
  return { format: PLAN_FILE_FORMAT, plan: planToJson(plan), documents };
}

/** The plan file's text (two-space JSON, keys in a fixed order, newline at the end). */
export function formatPlanFile(plan: Plan): string {
  const f = planFileOf(plan);
  const docs = Object.fromEntries(Object.keys(f.documents).sort().map((k) => [k, f.documents[k]]));
  return JSON.stringify({ format: f.format, plan: f.plan, documents: docs }, null, 2) + '\n';
}

export interface LoadedPlanFile {
  /** The plan; changes carry the file's (redacted) definitions as desiredXml. */
  readonly plan: Plan;
  readonly file: PlanFile;
  /** Addresses whose definitions had sensitive values removed: applying needs them from `--xml`. */
  readonly needsSecrets: readonly string[];
}

/** Reads a plan file; throws PlanFormatError naming the file and the field. */
export function readPlanFile(text: string, label: string): LoadedPlanFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new PlanFormatError(`${label} is not a plan file: ${(e as Error).message}`);
  }
  const o = raw as Record<string, unknown>;
  if (!o || typeof o !== 'object' || o.format !== PLAN_FILE_FORMAT) {
    throw new PlanFormatError(`${label} is not a plan file of this virtform (format must be '${PLAN_FILE_FORMAT}'); make it with 'virtform plan -out ${label}'`);
  }
  const plan = planFromJson(o.plan, `${label}: plan`);
  const docsRaw = o.documents;
  if (!docsRaw || typeof docsRaw !== 'object' || Array.isArray(docsRaw)) throw new PlanFormatError(`${label}: documents must be an object`);
  const documents: Record<string, PlanFileDocument> = {};
  for (const [addr, dv] of Object.entries(docsRaw as Record<string, unknown>)) {
    const d = dv as Record<string, unknown>;
    if (!d || typeof d.xml !== 'string' || typeof d.sensitive !== 'number' || !(d.hash === null || typeof d.hash === 'string')) {
      throw new PlanFormatError(`${label}: documents["${addr}"] must be {xml: string, sensitive: number, hash: string|null}`);
    }
    documents[addr] = { xml: d.xml, sensitive: d.sensitive, hash: d.hash as string | null };
  }
  const needsSecrets: string[] = [];
  const changes = plan.changes.map((c): ResourceChange => {
    const d = documents[c.address];
    const defines = c.action !== 'delete';
    if (defines && !d) throw new PlanFormatError(`${label}: documents has no definition for ${c.address} (${c.action})`);
    if (!d) return c;
    if (d.sensitive > 0) needsSecrets.push(c.address);
    else if (definitionHash(d.xml) !== d.hash) throw new PlanFormatError(`${label}: the definition of ${c.address} does not match its hash: the file was changed after it was written`);
    return { ...c, desiredXml: d.xml, ...(d.hash ? { desiredHash: d.hash } : {}) };
  });
  return { plan: { ...plan, changes }, file: { format: PLAN_FILE_FORMAT, plan: o.plan as PlanJson, documents }, needsSecrets };
}

/**
 * Why `fresh` (a plan made again from the `--xml` documents) is not the plan in the file, or []
 * when it is the same plan: same changes and attributes, same fingerprint, same definitions
 * once redacted.
 */
export function planFileDifferences(file: LoadedPlanFile, fresh: Plan): string[] {
  const out: string[] = [];
  const a = file.file.plan;
  const b = planToJson(fresh);
  const addrs = (p: PlanJson): string => p.changes.filter((c) => c.action !== 'no-op').map((c) => `${c.action} ${c.address}`).join(', ');
  if (stableJson(a.changes) !== stableJson(b.changes)) out.push(`the changes differ (file: ${addrs(a) || 'none'}; now: ${addrs(b) || 'none'})`);
  if (a.fingerprint.facts !== b.fingerprint.facts || stableJson(a.fingerprint.resources) !== stableJson(b.fingerprint.resources)) out.push('the host differs from when the plan was made');
  const freshDocs = planFileOf(fresh).documents;
  for (const addr of [...new Set([...Object.keys(file.file.documents), ...Object.keys(freshDocs)])].sort()) {
    if (file.file.documents[addr]?.xml !== freshDocs[addr]?.xml) out.push(`the definition of ${addr} differs`);
  }
  return out;
}
