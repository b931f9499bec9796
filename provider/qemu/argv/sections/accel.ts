/**
 * `-accel kvm|tcg[,...]`: KVM for `<domain type='kvm'>` (with the dirty ring size from
 * `<kvm><dirty-ring>`), TCG otherwise (with the translation block cache size from `<tcg><tb-cache>`,
 * in MiB).
 *
 * Owner: argv-core engineer.
 */
import type { Domain } from '../../../../model/domain/domain';
import type { QemuCommandLine } from '../command-line';
import type { ArgvContext } from '../context';
import type { ArgvState } from '../build';
import { accelFor } from '../machine-options';

export function buildAccel(cmd: QemuCommandLine, def: Domain, _ctx: ArgvContext, _state: ArgvState): void {
  let v: string = accelFor(def);
  if (v === 'tcg') {
    const tb = def.features?.tcg?.tbCache;
    if (tb !== undefined && tb > 0) v += `,tb-size=${Math.floor(tb / 1024)}`;
  } else {
    const ring = def.features?.kvm?.dirtyRing;
    if (ring?.state === 'on' && ring.size !== undefined) v += `,dirty-ring-size=${ring.size}`;
  }
  cmd.add('-accel', v);
}
