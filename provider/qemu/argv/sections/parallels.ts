/**
 * Parallel ports: `-chardev` (a host `dev` is a parport: `parallel,id=...,path=/dev/parport0`)
 * and an `isa-parallel` device.
 *
 * Owner: devices engineer.
 */
import type { Domain } from '../../../../model/domain/domain';
import type { QemuCommandLine } from '../command-line';
import type { ArgvContext } from '../context';
import type { ArgvState } from '../build';
import { addChardev } from '../chardev-backend';
import { addAddressProps } from '../device-address';
import { addDeviceJson } from '../device-json';

export function buildParallels(cmd: QemuCommandLine, def: Domain, ctx: ArgvContext, state: ArgvState): void {
  (def.devices?.parallels ?? []).forEach((parallel, i) => {
    const alias = parallel.alias?.name ?? `parallel${i}`;
    const charId = `char${alias}`;
    addChardev(cmd, parallel, charId, ctx, state, { deviceAlias: alias, passFds: true, hostDevice: 'parallel', tlsAllowed: true });
    addDeviceJson(cmd, def, addAddressProps({ driver: 'isa-parallel', chardev: charId, id: alias }, def, parallel));
  });
}
