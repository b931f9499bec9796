/**
 * Panic notifiers that are devices: the ISA pvpanic device, at its I/O port when the domain
 * gives one ({"driver":"pvpanic","ioport":1285}). The Hyper-V notifier is a CPU feature, the
 * pSeries and s390 ones are built into the machine.
 *
 * Owner: devices engineer.
 */
import type { Domain } from '../../../../model/domain/domain';
import type { QemuCommandLine } from '../command-line';
import type { ArgvContext } from '../context';
import type { ArgvState } from '../build';
import { addDeviceJson } from '../device-json';

export function buildPanics(cmd: QemuCommandLine, def: Domain, _ctx: ArgvContext, _state: ArgvState): void {
  for (const panic of def.devices?.panics ?? []) {
    const model = panic.model ?? (def.os?.type.arch === 'x86_64' || def.os?.type.arch === 'i686' ? 'isa' : undefined);
    if (model !== 'isa') continue;
    const props: Record<string, unknown> = { driver: 'pvpanic' };
    // pvpanic names its port `ioport`, not `iobase`.
    if (panic.address?.type === 'isa' && panic.address.iobase !== undefined) props.ioport = panic.address.iobase;
    addDeviceJson(cmd, def, props);
  }
}
