/**
 * `<encryption>` of a volume (storagecommon.rng): the image encryption format, the libvirt
 * secret holding the passphrase, and for LUKS the cipher and IV generator to create it with.
 */
import type { Static } from '@sinclair/typebox';
import * as X from '../schema';

export const EncryptionSecret = X.element({
  type: X.reqAttr(X.enumOf('passphrase')),
  uuid: X.attr(X.uuid()),
  usage: X.attr(X.str({ minLength: 1 })),
});

export const EncryptionCipher = X.element({
  name: X.reqAttr(X.str({ minLength: 1 })),
  /** Key size in bits. */
  size: X.reqAttr(X.uint({ max: 4294967295 })),
  mode: X.attr(X.str({ minLength: 1 })),
  hash: X.attr(X.str({ minLength: 1 })),
});

export const EncryptionIvgen = X.element({
  name: X.reqAttr(X.str({ minLength: 1 })),
  hash: X.attr(X.str({ minLength: 1 })),
});

export const Encryption = X.element({
  format: X.reqAttr(X.enumOf('default', 'qcow', 'luks', 'luks2')),
  engine: X.attr(X.enumOf('qemu', 'librbd')),
  secret: X.child(EncryptionSecret),
  cipher: X.child(EncryptionCipher),
  ivgen: X.child(EncryptionIvgen),
});
export type Encryption = Static<typeof Encryption>;
