/**
 * The watchdog device and what QEMU does when it fires:
 *
 *   -device {"driver":"i6300esb","id":"watchdog0","bus":"pci.0","addr":"0x3"}   (ib700, diag288)
 *   -watchdog-action poweroff
 *
 * QEMU has no `dump` action: it pauses the guest and the manager (libvirt, virtform) takes the
 * dump on the watchdog event, so `dump` is passed as `pause`.
 *
 * Owner: devices engineer.
 */
import type { Domain } from '../../../../model/domain/domain';
import type { QemuCommandLine } from '../command-line';
import type { ArgvContext } from '../context';
import type { ArgvState } from '../build';
import { addAddressProps } from '../device-address';
import { addDeviceJson } from '../device-json';

export function buildWatchdogs(cmd: QemuCommandLine, def: Domain, _ctx: ArgvContext, _state: ArgvState): void {
  const wd = def.devices?.watchdog;
  if (!wd) return;
  const alias = wd.alias?.name ?? 'watchdog0';
  addDeviceJson(cmd, def, addAddressProps({ driver: wd.model, id: alias }, def, wd));
  const action = wd.action ?? 'reset';
  cmd.add('-watchdog-action', action === 'dump' ? 'pause' : action);
}
