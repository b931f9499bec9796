/**
 * Structural validation with ajv against the JSON Schema that the DSL produced. Used for
 * documents built in code (constructs, imports) and as a second check after parsing.
 * ajv's errors are turned into ModelIssues that name the XML path (or the JSON path for objects
 * built in code), the value and the rule.
 *
 * A valid value is answered by the shape's precompiled validity check when the build made one
 * (validity-check.ts; dist/model/schema/validity-checks/FINGERPRINT.js): then the full
 * validator, whose compile takes about 1.6 s for the domain schema, is compiled only for a
 * value that has problems to report. Without a check (jest from the sources, a shape the build
 * did not precompile) the full validator answers everything, as it always did.
 */
import type { default as AjvClass, ErrorObject, ValidateFunction } from 'ajv';
import type { TObject, TSchema } from '@sinclair/typebox';
import { metaOf, type PropMeta } from './dsl';
import { locate } from './source-map';
import { schemaFingerprint } from './schema-fingerprint';
import type { ModelIssue } from '../errors';

/** ajv itself (~30 ms to load) is loaded only when a full validator is compiled. */
let fullAjv: AjvClass | undefined;
function ajv(): AjvClass {
  if (!fullAjv) {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const Ajv = (require('ajv') as typeof import('ajv')).default;
    fullAjv = new Ajv({ allErrors: true, verbose: true, strict: false });
  }
  return fullAjv;
}
const compiled = new WeakMap<TSchema, ValidateFunction>();

type ValidityCheck = (value: unknown) => boolean;
/** Per shape: its precompiled check, or null when the build made none for it. */
const checks = new WeakMap<TSchema, ValidityCheck | null>();

/** Where the build writes the checks, relative to this module. */
export const VALIDITY_CHECKS_DIR = 'validity-checks';

/** The build's check for `shape`, found by the fingerprint of its JSON Schema; null when there is none. */
function precompiledCheck(shape: TSchema): ValidityCheck | null {
  let check = checks.get(shape);
  if (check !== undefined) return check;
  const id = `./${VALIDITY_CHECKS_DIR}/${schemaFingerprint(shape)}`;
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    check = require(id) as ValidityCheck;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code !== 'MODULE_NOT_FOUND' || !String(err.message).includes(id.slice(2))) throw e;
    check = null;
  }
  checks.set(shape, check);
  return check;
}

function xmlNameOf(parentSchema: unknown, key: string): { name: string; kind: PropMeta['kind'] } | undefined {
  const meta = parentSchema && typeof parentSchema === 'object' ? metaOf(parentSchema as TSchema) : undefined;
  if (!meta || meta.kind !== 'element') return undefined;
  const p = meta.props.find(([k]) => k === key);
  if (!p) return undefined;
  const m = p[1];
  return { name: 'xmlName' in m ? m.xmlName : key, kind: m.kind };
}

function pointerToPath(pointer: string): string {
  return pointer === '' ? '/' : pointer;
}

function describeValue(v: unknown): string {
  return typeof v === 'string' ? `'${v}'` : JSON.stringify(v);
}

function isConstUnion(schema: unknown): schema is { anyOf: { const: unknown }[] } {
  const s = schema as { anyOf?: unknown[] };
  return Array.isArray(s?.anyOf) && s.anyOf.every((b) => b && typeof b === 'object' && 'const' in (b as object));
}

/**
 * Validates `value` against `shape`. Returns all problems (empty when valid).
 * @param label how to name the document when it was not parsed from a file (`App/db`).
 */
export function validateShape(shape: TObject, value: unknown, label = ''): ModelIssue[] {
  const check = precompiledCheck(shape);
  if (check && check(value)) return [];
  let validate = compiled.get(shape);
  if (!validate) {
    validate = ajv().compile(shape);
    compiled.set(shape, validate);
  }
  if (validate(value)) return [];
  const errors = (validate.errors ?? []) as ErrorObject[];
  // Collapse "one of these literals" unions into one message per location.
  const unionPaths = new Set(errors.filter((e) => e.keyword === 'anyOf' && isConstUnion(e.parentSchema)).map((e) => e.instancePath));
  const issues: ModelIssue[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    if (unionPaths.has(e.instancePath) && e.keyword !== 'anyOf') continue;
    const where = locate(value, e.instancePath);
    const parts = e.instancePath.split('/');
    const key = parts[parts.length - 1];
    let path = where.path ?? `${label}${pointerToPath(e.instancePath)}`;
    let problem: string;
    let fix: string | undefined;
    switch (e.keyword) {
      case 'anyOf': {
        const opts = (e.parentSchema as { anyOf: { const: unknown }[] }).anyOf.map((b) => b.const);
        problem = `value ${describeValue(e.data)} must be one of ${opts.map(describeValue).join(', ')}`;
        fix = `use one of ${opts.join(', ')}`;
        break;
      }
      case 'required': {
        const missing = (e.params as { missingProperty: string }).missingProperty;
        const x = xmlNameOf(e.parentSchema, missing);
        const what = x?.kind === 'attr' ? `attribute '${x.name}'` : x ? `element <${x.name}>` : `property '${missing}'`;
        problem = `missing required ${what}`;
        fix = `add the ${what}`;
        break;
      }
      case 'additionalProperties': {
        const extra = (e.params as { additionalProperty: string }).additionalProperty;
        problem = `unknown property '${extra}'`;
        fix = 'remove it or check its spelling';
        break;
      }
      case 'type':
        problem = `value ${describeValue(e.data)} must be ${e.params && (e.params as { type: string }).type === 'integer' ? 'an integer' : `of type ${(e.params as { type: string }).type}`}`;
        break;
      case 'minimum':
      case 'maximum':
      case 'exclusiveMinimum':
      case 'exclusiveMaximum':
        // ajv words these "must be >= 1"; keep a single "must be".
        problem = `value ${describeValue(e.data)} must be ${(e.message ?? '').replace(/^must be /, '')}`.trim();
        break;
      case 'pattern':
        problem = `value ${describeValue(e.data)} does not match the pattern ${(e.params as { pattern: string }).pattern}`;
        break;
      default:
        problem = `value ${describeValue(e.data)} ${e.message ?? 'is invalid'}`;
    }
    if (where.path && e.keyword !== 'required' && key && !/^\d+$/.test(key)) {
      const x = propAt(shape, e.instancePath);
      if (x) path = `${where.path}/${x.kind === 'attr' ? '@' : ''}${x.name}`;
    }
    const sig = `${path}|${problem}`;
    if (seen.has(sig)) continue;
    seen.add(sig);
    issues.push({ pos: where.pos, path, problem, fix });
  }
  return issues;
}

/** The XML name and kind of the property a JSON pointer ends at, following the DSL metadata. */
function propAt(shape: TObject, pointer: string): { name: string; kind: PropMeta['kind'] } | undefined {
  const parts = pointer.split('/').slice(1);
  let current: TObject | undefined = shape;
  for (let i = 0; i < parts.length && current; i++) {
    const meta = metaOf(current);
    if (!meta || meta.kind !== 'element') return undefined;
    const p = meta.props.find(([k]) => k === parts[i]);
    if (!p) return undefined;
    const m = p[1];
    if (i === parts.length - 1) return { name: 'xmlName' in m ? m.xmlName : parts[i], kind: m.kind };
    if (m.kind === 'child') current = m.element();
    else if (m.kind === 'children') {
      current = m.element();
      i++; // skip the array index
      if (i === parts.length - 1) return { name: m.xmlName, kind: m.kind };
    } else return undefined;
  }
  return undefined;
}
