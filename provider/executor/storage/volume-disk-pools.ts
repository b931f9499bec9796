/**
 * The storage pools behind a domain's `<disk type='volume'>` disks, read from virtform's state
 * on the host, in the form the argv builder takes (ArgvContext.storagePools).
 *
 * - A pool is its stored definition (`<stateDir>/pools/NAME.xml`) with the pool defaults applied.
 * - A volume of a directory-like pool (dir, fs, netfs) is the file `<pool target>/<volume>`; other
 *   pool types have no local volume paths here (the argv builder says so for the disk).
 * - With `requireVolumes`, a disk whose pool or volume has no stored definition fails here, with
 *   one message that names the disk, the pool, the volume and the state file that is missing,
 *   instead of the argv builder's terse "not found" later. Without it only pools are read (the
 *   apply path: a volume the same apply creates has no definition yet when the domain is built).
 *
 * The one resolution of volume disks: `virtform domxml-to-native` and the apply path
 * (QemuLaunchBuilder, without requireVolumes) both call it.
 */
import * as path from 'path';
import type { Domain } from '../../../model/domain/domain';
import type { Disk } from '../../../model/domain/devices/disk';
import { applyPoolDefaults } from '../../../model/pool/defaults';
import { parsePoolXml, type Pool } from '../../../model/pool/pool';
import type { ArgvStoragePools, StorageVolumeInfo } from '../../qemu/argv/storage/pool-volume';
import { definitionLocation, type DefinitionStore } from '../apply/definition-store';

export interface VolumeDiskPoolsOptions {
  /** Fail for a volume that has no stored definition in its pool. Default false (pools only). */
  readonly requireVolumes?: boolean;
  /** The state directory, for naming the missing definition file in messages. */
  readonly stateDir?: string;
}

/** Pool types whose volumes are files `<target path>/<volume>` on the host. */
const DIR_LIKE = new Set(['dir', 'fs', 'netfs']);

/** `disk 'vda'` (or `disk #2` without a target), for messages. */
function diskLabel(disk: Disk, index: number): string {
  return disk.target?.dev ? `disk '${disk.target.dev}'` : `disk #${index + 1}`;
}

/**
 * ArgvStoragePools for the volume disks of `def`, or undefined when it has none. Throws Error
 * naming the disk, pool and volume when a pool (or, with requireVolumes, a volume) is missing.
 */
export async function volumeDiskPools(def: Domain, store: Pick<DefinitionStore, 'get'>, opts: VolumeDiskPoolsOptions = {}): Promise<ArgvStoragePools | undefined> {
  const disks = (def.devices?.disks ?? []).map((disk, index) => ({ disk, index })).filter(({ disk }) => disk.type === 'volume' && disk.source?.pool);
  if (!disks.length) return undefined;
  const stored = (ref: Parameters<typeof definitionLocation>[1]): string => (opts.stateDir ? ` (${definitionLocation(opts.stateDir, ref)})` : '');
  const pools = new Map<string, Pool | null>();
  for (const { disk, index } of disks) {
    const poolName = disk.source!.pool!;
    const volume = disk.source?.volume ?? '';
    const what = `${diskLabel(disk, index)} (<source pool='${poolName}' volume='${volume}'/>)`;
    if (!pools.has(poolName)) {
      const e = await store.get({ kind: 'pool', name: poolName });
      pools.set(poolName, e.xml === null ? null : applyPoolDefaults(parsePoolXml(e.xml, `pool '${poolName}' (stored definition)`)));
    }
    const pool = pools.get(poolName);
    if (!pool) {
      throw new Error(`${what}: storage pool '${poolName}' is not defined on this host${stored({ kind: 'pool', name: poolName })} (fix: define the pool, with its volume, in the stack and apply it, or name an existing pool)`);
    }
    if (opts.requireVolumes && DIR_LIKE.has(pool.type)) {
      const v = await store.get({ kind: 'volume', pool: poolName, name: volume });
      if (v.xml === null) {
        throw new Error(
          `${what}: storage volume '${volume}' is not defined in pool '${poolName}'${stored({ kind: 'volume', pool: poolName, name: volume })} ` +
            `(fix: define the volume in the stack and apply it, or name an existing volume of pool '${poolName}')`,
        );
      }
    }
  }
  return {
    pool: (name) => pools.get(name) ?? undefined,
    volume: (_poolName, pool, volume): StorageVolumeInfo | undefined => {
      const dir = pool.target?.path;
      if (!dir || !DIR_LIKE.has(pool.type)) return undefined;
      return { type: 'file', path: path.posix.join(dir, volume) };
    },
  };
}
