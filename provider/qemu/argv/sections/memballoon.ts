/**
 * The memory balloon: {"driver":"virtio-balloon-pci","id":"balloon0","deflate-on-oom":true,
 * "free-page-reporting":true,"bus":"pci.0","addr":"0x3"}. Nothing for `model='none'`. The
 * statistics period is set over QMP once QEMU runs, not here.
 *
 * Owner: devices engineer.
 */
import type { Domain } from '../../../../model/domain/domain';
import type { QemuCommandLine } from '../command-line';
import type { ArgvContext } from '../context';
import type { ArgvState } from '../build';
import { addAddressProps } from '../device-address';
import { addDeviceJson } from '../device-json';
import { virtioDeviceProps } from '../virtio-device';

export function buildMemballoon(cmd: QemuCommandLine, def: Domain, ctx: ArgvContext, _state: ArgvState): void {
  const b = def.devices?.memballoon;
  if (!b || b.model === 'none' || b.model === 'xen') return;
  const props = virtioDeviceProps('virtio-balloon', { address: b.address, model: b.model }, b.driver, ctx.caps);
  props.id = b.alias?.name ?? 'balloon0';
  if (b.autodeflate !== undefined) props['deflate-on-oom'] = b.autodeflate === 'on';
  if (b.freePageReporting !== undefined) props['free-page-reporting'] = b.freePageReporting === 'on';
  addDeviceJson(cmd, def, addAddressProps(props, def, b));
}
