/**
 * Storage volume rules beyond the element shapes, as libvirt 9.0's volume parser applies them
 * (messages are virtform's own). The pool type, when given, decides which formats are valid.
 */
import type { ModelIssue } from '../errors';
import * as X from '../schema';
import { Volume } from './volume';
import { POOL_TYPE_INFO, VOLUME_FILE_FORMATS, VOLUME_DISK_FORMATS, type PoolType } from '../pool/pool-types';

export interface VolumeCheckOptions {
  /** The type of the pool the volume lives in. */
  readonly poolType?: PoolType;
  /**
   * Accept a volume without `<capacity>`: libvirt allows it only when the volume is created
   * from another volume (vol-create-from), which supplies the size.
   */
  readonly capacityOptional?: boolean;
}

function formatsFor(poolType: PoolType): readonly string[] | undefined {
  switch (POOL_TYPE_INFO[poolType].volumeFormats) {
    case 'file':
      return ['none', ...VOLUME_FILE_FORMATS];
    case 'disk':
      return VOLUME_DISK_FORMATS;
    case 'unknown':
      return undefined;
    case 'none':
      return [];
  }
}

/**
 * Validates a volume: the JSON Schema (ajv) and libvirt's rules.
 * @param label how to name the document when it was not parsed from a file.
 */
export function validateVolume(vol: Volume, label = '', opts: VolumeCheckOptions = {}): ModelIssue[] {
  const out = X.validateShape(Volume, vol, label);
  if (out.length) return out;
  const root = X.docRoot(vol);
  if (vol.name === '.' || vol.name === '..') {
    out.push(X.issueAt(label, root, `volume name '${vol.name}' is not a file name`, { prop: 'name', fix: 'choose a name other than . and ..' }));
  }
  if (vol.capacity === undefined && !opts.capacityOptional) {
    out.push(X.issueAt(label, root, `volume '${vol.name}' has no <capacity>`, { fix: "add e.g. <capacity unit='GiB'>10</capacity>" }));
  }
  if (opts.poolType) {
    const allowed = formatsFor(opts.poolType);
    for (const [el, key] of [[vol.target, 'target'], [vol.backingStore, 'backingStore']] as const) {
      if (!el?.format || allowed === undefined) continue;
      if (!allowed.includes(el.format.type)) {
        const p = X.childOf(root, el, key);
        out.push(X.issueAt(label, p, allowed.length
          ? `format '${el.format.type}' is not a volume format of a '${opts.poolType}' pool`
          : `volumes of a '${opts.poolType}' pool have no format`, {
          prop: 'format', fix: allowed.length ? `use one of ${allowed.join(', ')}` : 'remove <format>',
        }));
      }
    }
  }
  const enc = vol.target.encryption;
  if (enc) {
    const ep = X.childOf(X.childOf(root, vol.target, 'target'), enc, 'encryption');
    if (enc.secret && (enc.secret.uuid === undefined) === (enc.secret.usage === undefined)) {
      out.push(X.issueAt(label, ep, 'the encryption <secret> needs exactly one of uuid and usage', { prop: 'secret', fix: "write <secret type='passphrase' uuid='...'/>" }));
    }
    if ((enc.cipher === undefined) !== (enc.ivgen === undefined)) {
      out.push(X.issueAt(label, ep, '<cipher> and <ivgen> must be given together', { prop: enc.cipher ? 'cipher' : 'ivgen', fix: 'give both or neither' }));
    }
    if (enc.cipher && (enc.cipher.mode === undefined) !== (enc.cipher.hash === undefined)) {
      out.push(X.issueAt(label, X.childOf(ep, enc.cipher, 'cipher'), 'cipher mode and hash must be given together', { prop: enc.cipher.mode ? 'hash' : 'mode', xml: enc.cipher.mode ? '@hash' : '@mode', fix: 'give both or neither' }));
    }
  }
  return out;
}
