/**
 * What libvirt's volume parser fills in or drops, given the volume's pool, so that
 * `formatVolumeXml(applyVolumeDefaults(parseVolumeXml(x), poolType))` prints what libvirt
 * 9.0 prints:
 * - type 'file'; a missing allocation equals the capacity (a fully allocated volume);
 *   a missing capacity (allowed only when cloning from another volume) is 0;
 * - the image format per pool (pool-types.ts): raw in file-backed pools, 'none' in disk pools,
 *   always 'unknown' in SCSI-backed pools, none at all in LVM and ZFS pools; the same for the
 *   backing store;
 * - `<features>` asks for qcow2 compat 1.1 when no compat is given;
 * - what refresh reports (source extents, physical size, timestamps) is not part of a
 *   definition and is dropped, as are permission ids of -1 and empty permissions.
 */
import type { Volume, VolumeTarget, BackingStore } from './volume';
import { POOL_TYPE_INFO, type PoolType, type VolumeFormatKind } from '../pool/pool-types';
import { normalizePermissions } from '../pool/permissions';

function formatDefault(t: VolumeTarget | BackingStore, kind: VolumeFormatKind): void {
  switch (kind) {
    case 'file':
      t.format ??= { type: 'raw' };
      break;
    case 'disk':
      t.format ??= { type: 'none' };
      break;
    case 'unknown':
      t.format = { type: 'unknown' };
      break;
    case 'none':
      delete t.format;
      break;
  }
  const perms = normalizePermissions(t.permissions);
  if (perms) t.permissions = perms;
  else delete t.permissions;
  delete t.timestamps;
}

/** Applies the defaults in place for a volume of a pool of type `poolType`; returns `vol`. */
export function applyVolumeDefaults(vol: Volume, poolType: PoolType): Volume {
  const kind = POOL_TYPE_INFO[poolType].volumeFormats;
  vol.type ??= 'file';
  vol.capacity ??= 0;
  vol.allocation ??= vol.capacity;
  delete vol.physical;
  delete vol.source;
  formatDefault(vol.target, kind);
  if (vol.target.features) vol.target.compat ??= '1.1';
  if (vol.backingStore) formatDefault(vol.backingStore, kind);
  return vol;
}
