/**
 * The pSeries NVRAM device: {"driver":"spapr-nvram","reg":12288}. Other machines have none.
 *
 * Owner: devices engineer.
 */
import type { Domain } from '../../../../model/domain/domain';
import type { QemuCommandLine } from '../command-line';
import type { ArgvContext } from '../context';
import type { ArgvState } from '../build';
import { addAddressProps } from '../device-address';
import { addDeviceJson } from '../device-json';
import { unsupported } from '../../validate/errors';

export function buildNvram(cmd: QemuCommandLine, def: Domain, _ctx: ArgvContext, _state: ArgvState): void {
  const nvram = def.devices?.nvram;
  if (!nvram) return;
  if (!(def.os?.type.machine ?? '').startsWith('pseries')) throw unsupported('nvram device is only supported for PPC64');
  addDeviceJson(cmd, def, addAddressProps({ driver: 'spapr-nvram' }, def, nvram));
}
