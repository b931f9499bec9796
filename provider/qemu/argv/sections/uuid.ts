/**
 * `-uuid`: the SMBIOS system UUID the guest sees.
 *
 * Owner: argv-core engineer.
 */
import type { Domain } from '../../../../model/domain/domain';
import type { QemuCommandLine } from '../command-line';
import type { ArgvContext } from '../context';
import type { ArgvState } from '../build';

export function buildUuid(cmd: QemuCommandLine, def: Domain, _ctx: ArgvContext, _state: ArgvState): void {
  if (def.uuid !== undefined) cmd.add('-uuid', def.uuid);
}
