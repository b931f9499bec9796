/**
 * The managed persistent-reservation helper object (`pr-manager-helper`, id pr-helper0) for disks
 * with `<reservations managed='yes'>`: libvirt starts one qemu-pr-helper per domain, listening on
 * `<domain lib dir>/pr-helper0.sock`. It comes right after the master key.
 *
 * Owner: storage engineer.
 */
import type { Domain } from '../../../../model/domain/domain';
import type { QemuCommandLine } from '../command-line';
import type { ArgvContext } from '../context';
import type { ArgvState } from '../build';

/** Id of the managed helper object the disks' storage nodes name as `pr-manager`. */
export const MANAGED_PR_ALIAS = 'pr-helper0';

/** True when some disk asks for the helper libvirt manages. */
export function needsManagedPr(def: Domain): boolean {
  return (def.devices?.disks ?? []).some((d) => d.source?.reservations?.managed === 'yes');
}

export function buildManagedPr(cmd: QemuCommandLine, def: Domain, ctx: ArgvContext, _state: ArgvState): void {
  if (!needsManagedPr(def)) return;
  cmd.addJson('-object', { 'qom-type': 'pr-manager-helper', id: MANAGED_PR_ALIAS, path: `${ctx.paths.domainLibDir}/${MANAGED_PR_ALIAS}.sock` });
}
