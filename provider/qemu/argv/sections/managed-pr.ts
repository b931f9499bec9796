/**
 * The managed persistent-reservation helper object (`pr-manager-helper`, id pr-helper0) for disks with `<reservations managed='yes'>`; it comes right after the master key.
 *
 * Owner: storage engineer.
 */
import type { Domain } from '../../../../model/domain/domain';
import type { QemuCommandLine } from '../command-line';
import type { ArgvContext } from '../context';
import type { ArgvState } from '../build';

export function buildManagedPr(_cmd: QemuCommandLine, _def: Domain, _ctx: ArgvContext, _state: ArgvState): void {
  // not written yet
}
