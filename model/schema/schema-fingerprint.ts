/**
 * The fingerprint of a DSL schema: SHA-256 (hex) of its JSON Schema as ajv sees it (string
 * keys; the DSL's XML metadata is under a symbol). A precompiled validity check
 * (validity-check.ts) is found by it, so a check built from another version of a schema is
 * never used for it. A module of its own so that finding a check does not load ajv.
 */
import { createHash } from 'crypto';
import type { TSchema } from '@sinclair/typebox';

export function schemaFingerprint(shape: TSchema): string {
  return createHash('sha256').update(JSON.stringify(shape)).digest('hex');
}
