/**
 * `<disk type='volume'>`: a disk whose source is a volume of a libvirt storage pool. When the
 * domain starts, the volume is turned into the storage it stands for, the way libvirt does it:
 *
 *   - pools of local storage (dir, fs, netfs, logical, disk, scsi, zfs, vstorage): the volume's
 *     path, as a file, block device or directory (vvfat) by the volume's type;
 *   - iscsi pools: with `mode='host'` (default) the LUN's block device path; with
 *     `mode='direct'` the iSCSI LUN itself over the network (`<pool host>`, target IQN
 *     `<device path>`, LUN from the volume name `unit:0:0:LUN`) with the pool's CHAP login;
 *   - iscsi-direct pools: always the iSCSI LUN.
 *
 * Pool definitions and volume facts come from the context (ArgvContext.storagePools); the disk's
 * own `<auth>` does not apply to a volume.
 */
import type { Pool } from '../../../../model/pool/pool';
import type { Auth, StorageSource, StorageType } from '../../../../model/domain/devices/storage-source';
import type { ArgvContext } from '../context';
import { unsupported } from '../../validate/errors';

/** What libvirt's storage driver reports about a volume (virStorageVolGetInfo + GetPath). */
export interface StorageVolumeInfo {
  readonly type: 'file' | 'block' | 'dir' | 'network' | 'netdir' | 'ploop';
  /** The volume's path (target path) on the host. */
  readonly path: string;
}

/** Access to the host's storage pools (the executor reads them from virtform's state). */
export interface ArgvStoragePools {
  pool(name: string): Pool | undefined;
  volume(poolName: string, pool: Pool, volume: string): StorageVolumeInfo | undefined;
}

const LOCAL_POOLS = new Set(['dir', 'fs', 'netfs', 'logical', 'disk', 'scsi', 'zfs', 'vstorage', 'mpath']);

/** The LUN of an iSCSI volume name `unit:0:0:LUN`. */
function lunOf(volume: string): number {
  const m = /(\d+)$/.exec(volume);
  if (!m) throw unsupported(`volume '${volume}' does not name an iSCSI LUN`);
  return Number(m[1]);
}

/** The storage a volume source stands for: its type, source and the login it needs. */
export function resolveVolume(src: StorageSource, ctx: Pick<ArgvContext, 'storagePools'>): { type: StorageType; source: StorageSource; auth?: Auth } {
  const poolName = src.pool ?? '';
  const volName = src.volume ?? '';
  const pools = ctx.storagePools;
  const pool = pools?.pool(poolName);
  if (!pools || !pool) throw unsupported(`storage pool '${poolName}' not found`);
  const keep: StorageSource = { startupPolicy: src.startupPolicy, seclabels: src.seclabels, encryption: src.encryption, slices: src.slices };
  const iscsiDirect = pool.type === 'iscsi-direct' || (pool.type === 'iscsi' && src.mode === 'direct');
  if (iscsiDirect) {
    const host = pool.source?.hosts?.[0];
    const target = pool.source?.devices?.[0]?.path ?? '';
    const a = pool.source?.auth;
    const auth: Auth | undefined = a ? { username: a.username, secret: { type: 'iscsi', uuid: a.secret.uuid, usage: a.secret.usage } } : undefined;
    const port = host?.port !== undefined && host.port > 0 ? host.port : undefined;
    return {
      type: 'network',
      source: { ...keep, protocol: 'iscsi', name: `${target}/${lunOf(volName)}`, hosts: host ? [{ name: host.name, port }] : [] },
      auth,
    };
  }
  if (pool.type === 'iscsi' || LOCAL_POOLS.has(pool.type)) {
    const vol = pools.volume(poolName, pool, volName);
    if (!vol) throw unsupported(`storage volume '${volName}' not found in pool '${poolName}'`);
    switch (vol.type) {
      case 'file':
        return { type: 'file', source: { ...keep, file: vol.path } };
      case 'block':
        return { type: 'block', source: { ...keep, dev: vol.path } };
      case 'dir':
        return { type: 'dir', source: { ...keep, dir: vol.path } };
      default:
        throw unsupported(`unexpected storage volume type '${vol.type}' for storage pool type '${pool.type}'`);
    }
  }
  throw unsupported(`using '${pool.type}' pools for backing 'volume' disks isn't yet supported`);
}
