/**
 * Which virtform-owned thing a state entry is about, and where its files live under the
 * state directory (docs/state.md):
 *
 *   <stateDir>/domains/NAME.xml    + NAME.owner.json
 *   <stateDir>/networks/NAME.xml   + NAME.owner.json
 *   <stateDir>/pools/NAME.xml      + NAME.owner.json
 *   <stateDir>/volumes/POOL/NAME.owner.json   (+ NAME.xml when the caller keeps the definition)
 *
 * Invariants:
 * - Every name that becomes a path component passes `checkEntryName`: no `/`, not `.` or
 *   `..`, no leading `.` (temp files and hidden files start with one), no control characters,
 *   at most 200 UTF-8 bytes (so `NAME.owner.json` fits a 255-byte file name). A name that
 *   fails is refused with BAD_NAME, never rewritten: two names must never map to one file.
 * - Paths are built with posix joins only: the state directory is a host path.
 */
import * as path from 'path';
import { StateError } from './state-error';

export type DefinitionKind = 'domain' | 'network' | 'pool';
export type ResourceKind = DefinitionKind | 'volume';

export type ResourceRef =
  | { readonly kind: DefinitionKind; readonly name: string }
  | { readonly kind: 'volume'; readonly pool: string; readonly name: string };

export const DEFINITION_DIRS: Readonly<Record<DefinitionKind, string>> = {
  domain: 'domains',
  network: 'networks',
  pool: 'pools',
};

/** Longest name accepted, in UTF-8 bytes: leaves room for `.owner.json` and temp-file prefixes. */
export const MAX_NAME_BYTES = 200;

/** The reason `name` cannot be a file name in the state directory or a pool, or null when it can. */
export function entryNameProblem(name: string): string | null {
  if (typeof name !== 'string' || name === '') return 'it is empty';
  if (name === '.' || name === '..') return `'${name}' names a directory, not a file`;
  if (name.includes('/')) return 'it contains /, which would make it a path';
  if (name.startsWith('.')) return 'it starts with ., which virtform keeps for hidden and temporary files';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'it contains a control character (newline, tab, NUL, ...)';
  if (/[\uD800-\uDFFF]/.test(name.replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g, ''))) return 'it contains a lone UTF-16 surrogate, which has no UTF-8 encoding';
  if (Buffer.byteLength(name, 'utf8') > MAX_NAME_BYTES) return `it is ${Buffer.byteLength(name, 'utf8')} bytes long in UTF-8; at most ${MAX_NAME_BYTES} are allowed`;
  return null;
}

/** Throws BAD_NAME naming `what` ("domain", "volume in pool 'p'", "stack"), the value and the rule. */
export function checkEntryName(name: string, what: string): void {
  const problem = entryNameProblem(name);
  if (problem !== null) {
    throw new StateError('BAD_NAME', `${what} name ${JSON.stringify(name)} cannot be used: ${problem}. Choose a name made of letters, digits, '-', '_' and '.', not starting with '.'.`);
  }
}

/** How a resource is named in messages: `domain 'web1'`, `volume 'disk0' in pool 'default'`. */
export function describeRef(ref: ResourceRef): string {
  return ref.kind === 'volume' ? `volume '${ref.name}' in pool '${ref.pool}'` : `${ref.kind} '${ref.name}'`;
}

/** Validates every name in a reference (BAD_NAME). */
export function checkRef(ref: ResourceRef): void {
  if (ref.kind === 'volume') {
    checkEntryName(ref.pool, 'pool');
    checkEntryName(ref.name, `volume in pool '${ref.pool}'`);
  } else {
    if (!(ref.kind in DEFINITION_DIRS)) throw new TypeError(`unknown resource kind '${(ref as { kind: string }).kind}'`);
    checkEntryName(ref.name, ref.kind);
  }
}

/** The directory holding entries of one kind (for volumes: of one pool). */
export function entryDir(stateDir: string, ref: Pick<ResourceRef, 'kind'> & { readonly pool?: string }): string {
  if (ref.kind === 'volume') {
    if (ref.pool === undefined) throw new TypeError('a volume entry needs its pool');
    return path.posix.join(stateDir, 'volumes', ref.pool);
  }
  return path.posix.join(stateDir, DEFINITION_DIRS[ref.kind]);
}

/** `<dir>/NAME.xml`: the definition document. */
export function definitionPath(stateDir: string, ref: ResourceRef): string {
  checkRef(ref);
  return path.posix.join(entryDir(stateDir, ref), `${ref.name}.xml`);
}

/** `<dir>/NAME.owner.json`: the ownership record. */
export function ownerPath(stateDir: string, ref: ResourceRef): string {
  checkRef(ref);
  return path.posix.join(entryDir(stateDir, ref), `${ref.name}.owner.json`);
}

export function sameRef(a: ResourceRef, b: ResourceRef): boolean {
  return a.kind === b.kind && a.name === b.name && (a.kind !== 'volume' || (b.kind === 'volume' && a.pool === b.pool));
}
