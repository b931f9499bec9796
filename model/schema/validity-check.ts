/**
 * The validity check: a fast yes/no answer to "does this value match the DSL's JSON Schema?",
 * compiled ahead of time (at build time, into dist/) so that a process does not pay ajv's
 * compile of a whole document schema before its first validation.
 *
 * Why a second compiled form of the same schema: ajv compiling the domain schema with the
 * options error reporting needs (allErrors, verbose) takes about 1.6 s and its code is 5.8 MB.
 * Most documents are valid, and for a valid document only the yes matters; the messages come
 * from the full validator (validate.ts), compiled from the unchanged schema only when this check
 * says no. So the DSL stays the single source: the check's schema is derived from it by
 * `validityForm`, mechanically and with the same set of valid values:
 *   - an `anyOf` whose branches are all `{ const: c, type: t }` literals of type t (how the DSL
 *     writes enumerations) becomes `enum: [c...]` (the branch types add nothing: a value equal to
 *     a string literal is a string);
 *   - every XML element (and every child property, which holds a copy of one) becomes a
 *     definition, referenced with `$ref` (elements with the same content share one), so ajv
 *     emits one function per element and V8 compiles only those a document uses.
 * The domain's check is then about 1.8 MB of code that loads and runs its first call in about
 * 60 ms.
 *
 * A check is found by the fingerprint of its shape's JSON Schema (what ajv sees), so a check
 * built from another version of a schema is never used for it.
 */
import Ajv, { type ValidateFunction } from 'ajv';
import standaloneCode from 'ajv/dist/standalone';
import type { TSchema } from '@sinclair/typebox';
import { metaOf } from './dsl';
import { schemaFingerprint } from './schema-fingerprint';

type Json = unknown;
type JsonObject = { [key: string]: Json };

/** The id every validity definition has: absolute, so `$ref`s resolve the same from anywhere. */
const ID_PREFIX = 'urn:virtform:validity:';

export { schemaFingerprint };

/** Keywords whose values are data, not schemas: copied as they are. */
const DATA_KEYWORDS = new Set(['const', 'enum', 'default', 'examples', 'required']);

function literalType(value: unknown, type: unknown): boolean {
  if (typeof value === 'string') return type === 'string';
  if (typeof value === 'boolean') return type === 'boolean';
  if (typeof value === 'number') return type === 'number' || (type === 'integer' && Number.isInteger(value));
  return false;
}

/** `anyOf: [{const, type}...]` with every branch a literal of its own type. */
function literalUnion(s: JsonObject): Json[] | undefined {
  const branches = s.anyOf;
  if (!Array.isArray(branches) || branches.length === 0) return undefined;
  const values: Json[] = [];
  for (const b of branches) {
    if (!b || typeof b !== 'object' || Array.isArray(b)) return undefined;
    const keys = Object.keys(b);
    const o = b as JsonObject;
    if (keys.length !== 2 || !('const' in o) || !('type' in o) || !literalType(o.const, o.type)) return undefined;
    values.push(o.const);
  }
  return values;
}

function hasRefsOrIds(s: Json, seen = new Set<object>()): boolean {
  if (!s || typeof s !== 'object' || seen.has(s)) return false;
  seen.add(s);
  if (Array.isArray(s)) return s.some((x) => hasRefsOrIds(x, seen));
  const o = s as JsonObject;
  if ('$ref' in o || '$id' in o || '$dynamicRef' in o || '$recursiveRef' in o) return true;
  return Object.entries(o).some(([k, v]) => !DATA_KEYWORDS.has(k) && hasRefsOrIds(v, seen));
}

/** One shape in validity form: its root id and every definition (the root among them). */
export interface ValidityForm {
  readonly rootId: string;
  readonly definitions: readonly JsonObject[];
}

/**
 * Derives the validity form of `shape` (see the header). Definitions with the same content are
 * one definition. Undefined for a schema that has its own `$ref`/`$id` (not written by the DSL;
 * left to the full validator).
 */
export function validityForm(shape: TSchema): ValidityForm | undefined {
  if (hasRefsOrIds(shape)) return undefined;
  const rootId = ID_PREFIX + schemaFingerprint(shape);
  const definitions: JsonObject[] = [];
  const idOfContent = new Map<string, string>();
  const refs = new Map<object, Json>();
  const copies = new Map<object, Json>();

  const convertProps = (o: JsonObject, values?: Json[]): JsonObject => {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(o)) {
      if (values && k === 'anyOf') out.enum = values;
      else out[k] = DATA_KEYWORDS.has(k) ? v : convert(v);
    }
    return out;
  };
  // The schema graph has no cycles (schemaFingerprint's JSON.stringify would have thrown).
  const convert = (s: Json, isRoot = false): Json => {
    if (Array.isArray(s)) return s.map((x) => convert(x));
    if (!s || typeof s !== 'object') return s;
    const o = s as JsonObject;
    const kind = metaOf(o as unknown as TSchema)?.kind;
    // An element definition, or a property holding one (child() and reqChild() copy the element).
    if (isRoot || kind === 'element' || (kind === 'child' && o.type === 'object')) {
      const known = refs.get(s);
      if (known) return known;
      const body = convertProps(o);
      const content = JSON.stringify(body);
      let id = isRoot ? rootId : idOfContent.get(content);
      if (!id) {
        id = `${ID_PREFIX}element-${idOfContent.size}`;
        idOfContent.set(content, id);
        definitions.push({ $id: id, ...body });
      } else if (isRoot) definitions.push({ $id: id, ...body });
      const ref = { $ref: id };
      refs.set(s, ref);
      return ref;
    }
    const done = copies.get(s);
    if (done !== undefined) return done;
    const out = convertProps(o, literalUnion(o));
    copies.set(s, out);
    return out;
  };
  convert(shape, true);
  return { rootId, definitions };
}

/** ajv as the checks are compiled: first error only, no error details, one function per definition. */
function checkAjv(source: boolean): Ajv {
  return new Ajv({ allErrors: false, verbose: false, strict: false, inlineRefs: false, code: { source } });
}

/** Compiles `shape`'s check at run time (tests; the build uses standaloneValidityChecks). */
export function compileValidityCheck(shape: TSchema): ValidateFunction | undefined {
  const form = validityForm(shape);
  if (!form) return undefined;
  const ajv = checkAjv(false);
  for (const d of form.definitions) ajv.addSchema(d);
  return ajv.getSchema(form.rootId);
}

/**
 * The source of a CommonJS module whose export is `shape`'s check (ajv standalone code; it
 * requires only ajv's small runtime helpers), and the fingerprint it is for. Build time.
 */
export function standaloneValidityCheck(shape: TSchema): { fingerprint: string; code: string } | undefined {
  const form = validityForm(shape);
  if (!form) return undefined;
  const ajv = checkAjv(true);
  for (const d of form.definitions) ajv.addSchema(d);
  const validate = ajv.getSchema(form.rootId);
  if (!validate) throw new Error(`validity check: ${form.rootId} did not compile`);
  return { fingerprint: schemaFingerprint(shape), code: standaloneCode(ajv, validate) };
}
