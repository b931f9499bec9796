/**
 * `-display none` for a domain without graphics (QEMU would otherwise open a window), then
 * `-no-user-config -nodefaults`: QEMU reads no config file and creates no device it was not
 * told about, so the command line is the whole machine.
 *
 * Owner: argv-core engineer.
 */
import type { Domain } from '../../../../model/domain/domain';
import type { QemuCommandLine } from '../command-line';
import type { ArgvContext } from '../context';
import type { ArgvState } from '../build';

export function buildDisplayNone(cmd: QemuCommandLine, def: Domain, _ctx: ArgvContext, _state: ArgvState): void {
  const graphics = def.devices?.graphics ?? [];
  if (graphics.length === 0) cmd.add('-display', 'none');
}

export function buildNoDefaults(cmd: QemuCommandLine, _def: Domain, _ctx: ArgvContext, _state: ArgvState): void {
  cmd.add('-no-user-config');
  cmd.add('-nodefaults');
}
