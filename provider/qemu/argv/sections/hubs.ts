/**
 * USB hubs (`usb-hub`).
 *
 * Owner: devices engineer.
 */
import type { Domain } from '../../../../model/domain/domain';
import type { QemuCommandLine } from '../command-line';
import type { ArgvContext } from '../context';
import type { ArgvState } from '../build';

export function buildHubs(_cmd: QemuCommandLine, _def: Domain, _ctx: ArgvContext, _state: ArgvState): void {
  // not written yet
}
