/**
 * `-global mch.extended-tseg-mbytes=N`: the size of q35's SMM TSEG when `<smm><tseg>` gives one
 * (validation checks the machine and that the size is whole MiB).
 *
 * Owner: argv-core engineer.
 */
import type { Domain } from '../../../../model/domain/domain';
import type { QemuCommandLine } from '../command-line';
import type { ArgvContext } from '../context';
import type { ArgvState } from '../build';

export function buildTseg(cmd: QemuCommandLine, def: Domain, _ctx: ArgvContext, _state: ArgvState): void {
  const tseg = def.features?.smm?.tseg;
  if (tseg === undefined) return;
  cmd.add('-global', `mch.extended-tseg-mbytes=${Math.floor(tseg / 1024)}`);
}
