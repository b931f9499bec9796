/**
 * What libvirt's storage pool parser fills in or drops, independent of any host, so that
 * `formatPoolXml(applyPoolDefaults(parsePoolXml(x)))` prints what libvirt 9.0 prints.
 *
 * - Sizes (capacity, allocation, available) and free extents are measured by a pool refresh;
 *   libvirt ignores them in a definition and starts from 0, so they are reset here.
 * - The pool name and the source name stand in for each other on the types named after their
 *   source; LVM and ZFS pools get their target path from the source name.
 * - The source format gets the type's default (netfs/fs 'auto', logical 'lvm2', disk
 *   'unknown'); a Gluster pool's directory defaults to '/'; an adapter to scsi_host.
 * - Permission ids of -1 and empty elements libvirt does not print are dropped.
 *
 * Not done here: a missing UUID, which libvirt generates at random (the provider records one).
 */
import type { Pool } from './pool';
import { POOL_TYPE_INFO, derivedTargetPath } from './pool-types';
import { normalizePermissions } from './permissions';

/** Applies the defaults in place and returns the same object. */
export function applyPoolDefaults(pool: Pool): Pool {
  const info = POOL_TYPE_INFO[pool.type];
  pool.capacity = 0;
  pool.allocation = 0;
  pool.available = 0;
  pool.source ??= {};
  const src = pool.source;

  if (info.namedSource) {
    if (src.name === undefined && pool.name !== undefined) src.name = pool.name;
    if (pool.name === undefined && src.name !== undefined) pool.name = src.name;
  }
  for (const d of src.devices ?? []) delete d.freeExtents;
  if (info.defaultFormat !== undefined) src.format ??= { type: info.defaultFormat as never };
  if (pool.type === 'gluster') src.dir ??= { path: '/' };
  if (src.adapter && src.adapter.type === undefined) src.adapter.type = 'scsi_host';

  if (info.target === 'derived' && src.name !== undefined) {
    pool.target ??= {};
    pool.target.path = derivedTargetPath(pool.type, src.name);
  }
  if (pool.target) {
    const perms = normalizePermissions(pool.target.permissions);
    if (perms) pool.target.permissions = perms;
    else delete pool.target.permissions;
  }
  if (pool.features && !pool.features.cow) delete pool.features;
  if (pool.refresh && pool.refresh.volume?.allocation === undefined) delete pool.refresh;
  if (pool.mountOpts && !(pool.mountOpts.options ?? []).length) delete pool.mountOpts;
  if (pool.configOpts && !(pool.configOpts.options ?? []).length) delete pool.configOpts;
  return pool;
}
