/**
 * The ownership record kept beside every virtform-owned definition (`NAME.owner.json`).
 * Its presence is what makes a resource virtform's: no record, no change and no delete.
 *
 * Invariants:
 * - `stack` is the only owner: a stack never changes or removes a resource whose record names
 *   another stack.
 * - `specHash` is the digest of the desired state the resource was last written from
 *   (`hashSpec`), never the document itself: records hold no secrets and can be shown freely.
 * - `createdAt`/`createdBy` never change after the first write; `updatedAt` moves on each write.
 * - Parsing is strict: a record with a missing or mistyped field is CORRUPT, because treating
 *   a damaged record as "not owned" or "owned by anyone" would both be wrong.
 */
import { createHash } from 'crypto';
import { StateError } from './state-error';
import { checkRef, describeRef, type ResourceKind, type ResourceRef } from './resource-ref';

export const OWNER_FORMAT = 'virtform-owner/1';

/** Who ran the command that wrote a record or holds a lock. */
export interface Actor {
  /** Login name on the client machine. */
  readonly user: string;
  /** The client machine's host name. */
  readonly clientHost: string;
}

export interface OwnershipRecord {
  readonly format: typeof OWNER_FORMAT;
  readonly kind: ResourceKind;
  readonly name: string;
  /** For volumes: the pool the volume belongs to. */
  readonly pool?: string;
  /** The resource's UUID when it has one (domains, networks, pools). */
  readonly uuid?: string;
  /** The stack that owns the resource. */
  readonly stack: string;
  /** `sha256:<hex>` of the desired state last applied (see hashSpec). */
  readonly specHash: string;
  /** ISO-8601 UTC time of the first write. */
  readonly createdAt: string;
  readonly createdBy: Actor;
  /** ISO-8601 UTC time of the last write. */
  readonly updatedAt: string;
  /** The resource this one lives and dies with (a cloud-init seed volume → its domain). */
  readonly parent?: ResourceRef;
  /** For volumes: the image's host path. */
  readonly path?: string;
  /** For volumes: the image format (raw, qcow2, ...). */
  readonly imageFormat?: string;
  /** True when virtform created `path` itself (a pool directory), so it may remove it once empty. */
  readonly createdDir?: boolean;
}

/** `sha256:<hex>` of a desired-state document (canonical XML, JSON text, image bytes). */
export function hashSpec(data: string | Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const SPEC_HASH = /^sha256:[0-9a-f]{64}$/;

/** Parses a record's JSON text. Throws CORRUPT naming the file, the field and the fix. */
export function parseOwnershipRecord(text: string, file: string, expected: ResourceRef): OwnershipRecord {
  const bad = (what: string): StateError =>
    new StateError(
      'CORRUPT',
      `ownership record ${file} for ${describeRef(expected)} is damaged: ${what}. ` +
        `virtform will not guess who owns it. Restore the file from a backup, or, if you know which stack owns the resource, rewrite it by hand (see docs/state.md).`,
    );
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw bad(`it is not JSON (${(e as Error).message})`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad('it is not a JSON object');
  const o = v as Record<string, unknown>;
  const str = (k: string, optional = false): string | undefined => {
    const x = o[k];
    if (x === undefined && optional) return undefined;
    if (typeof x !== 'string' || x === '') throw bad(`field '${k}' ${x === undefined ? 'is missing' : 'is not a non-empty string'}`);
    return x;
  };
  if (o.format !== OWNER_FORMAT) throw bad(`field 'format' is ${JSON.stringify(o.format)}, expected '${OWNER_FORMAT}'`);
  const kind = str('kind') as ResourceKind;
  const name = str('name')!;
  const pool = str('pool', true);
  if (kind !== expected.kind || name !== expected.name || (expected.kind === 'volume' && pool !== expected.pool)) {
    throw bad(`it describes ${kind === 'volume' ? `volume '${name}' in pool '${pool}'` : `${kind} '${name}'`}, not the resource it sits beside`);
  }
  const stack = str('stack')!;
  const specHash = str('specHash')!;
  if (!SPEC_HASH.test(specHash)) throw bad(`field 'specHash' is not sha256:<64 hex digits>`);
  for (const k of ['createdAt', 'updatedAt']) if (!ISO_TIME.test(str(k)!)) throw bad(`field '${k}' is not an ISO-8601 UTC time`);
  if (o.createdDir !== undefined && typeof o.createdDir !== 'boolean') throw bad(`field 'createdDir' must be true or false`);
  const by = o.createdBy as Record<string, unknown> | undefined;
  if (typeof by !== 'object' || by === null || typeof by.user !== 'string' || typeof by.clientHost !== 'string') {
    throw bad(`field 'createdBy' must be {"user": ..., "clientHost": ...}`);
  }
  let parent: ResourceRef | undefined;
  if (o.parent !== undefined) {
    const p = o.parent as Record<string, unknown>;
    if (typeof p !== 'object' || p === null || typeof p.kind !== 'string' || typeof p.name !== 'string') throw bad(`field 'parent' must be {"kind": ..., "name": ...}`);
    parent = (p.kind === 'volume' ? { kind: 'volume', pool: String(p.pool), name: p.name } : { kind: p.kind, name: p.name }) as ResourceRef;
    try {
      checkRef(parent);
    } catch (e) {
      throw bad(`field 'parent': ${(e as Error).message}`);
    }
  }
  return {
    format: OWNER_FORMAT,
    kind,
    name,
    ...(pool !== undefined ? { pool } : {}),
    ...(str('uuid', true) !== undefined ? { uuid: str('uuid') } : {}),
    stack,
    specHash,
    createdAt: str('createdAt')!,
    createdBy: { user: by.user, clientHost: by.clientHost },
    updatedAt: str('updatedAt')!,
    ...(parent ? { parent } : {}),
    ...(str('path', true) !== undefined ? { path: str('path') } : {}),
    ...(str('imageFormat', true) !== undefined ? { imageFormat: str('imageFormat') } : {}),
    ...(o.createdDir === true ? { createdDir: true } : {}),
  };
}

/** The record's file text: stable key order, one trailing newline. */
export function formatOwnershipRecord(r: OwnershipRecord): string {
  return JSON.stringify(r, null, 2) + '\n';
}
