/**
 * Secrets on the QEMU command line: a password, passphrase or key is never written in clear; it
 * is encrypted with the domain's master key (`masterKey0`, the 32-byte key QEMU reads from
 * `master-key.aes`) using AES-256-CBC with a fresh 16-byte IV, and passed as
 *
 *   -object '{"qom-type":"secret","id":"ID","data":"<base64 ciphertext>","keyid":"masterKey0",
 *             "iv":"<base64 IV>","format":"base64"}'
 *
 * The key, the IVs and the secret values come from the context (ArgvContext.secrets), so the
 * builder stays pure: the executor supplies the real master key and random IVs; libvirt's test
 * harness uses key bytes 0..31 and IV bytes 0..15.
 */
import { createCipheriv } from 'crypto';
import type { ArgvContext } from './context';
import { QemuConfigError, internalError } from '../validate/errors';

/** Id of the master key secret other secrets name as `keyid`. */
export const MASTER_KEY_ALIAS = 'masterKey0';

/** Names a libvirt secret: by UUID, or by usage type and usage id (`iscsi`/`mycluster_myname`). */
export interface SecretRef {
  readonly uuid?: string;
  /** libvirt's usage type: `iscsi`, `ceph`, `volume`, `tls`, `vtpm`. */
  readonly usageType?: string;
  readonly usage?: string;
}

/** Where secret material comes from when building a command line. */
export interface ArgvSecrets {
  /** The domain's master key, 32 bytes; the same bytes are written to `master-key.aes`. */
  readonly masterKey: Uint8Array;
  /** A fresh 16-byte AES IV for one secret. */
  iv(): Uint8Array;
  /** The value of a libvirt secret, or undefined when no such secret exists. */
  lookup(ref: SecretRef): Uint8Array | undefined;
}

function secretsOf(ctx: ArgvContext): ArgvSecrets {
  const s = ctx.secrets;
  if (!s) throw internalError('no secret store is available to pass secrets to QEMU');
  return s;
}

/** The value of a libvirt secret; libvirt's error when it does not exist. */
export function lookupSecret(ctx: ArgvContext, ref: SecretRef): Uint8Array {
  const v = secretsOf(ctx).lookup(ref);
  if (!v) {
    if (ref.uuid) throw new QemuConfigError('plain', `Secret not found: no secret with matching uuid '${ref.uuid}'`);
    throw new QemuConfigError('plain', `Secret not found: no secret with matching usage '${ref.usage ?? ''}'`);
  }
  return v;
}

/** `-object secret` properties carrying `value` encrypted with the master key. */
export function secretObjectProps(ctx: ArgvContext, id: string, value: Uint8Array | string): Record<string, unknown> {
  const s = secretsOf(ctx);
  const iv = s.iv();
  const cipher = createCipheriv('aes-256-cbc', s.masterKey, iv);
  const plain = typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value);
  const data = Buffer.concat([cipher.update(plain), cipher.final()]);
  return {
    'qom-type': 'secret',
    id,
    data: data.toString('base64'),
    keyid: MASTER_KEY_ALIAS,
    iv: Buffer.from(iv).toString('base64'),
    format: 'base64',
  };
}
