/**
 * `<memballoon>`: the memory balloon device the host uses to reclaim or return guest memory.
 *
 *   <memballoon model='virtio' autodeflate='on' freePageReporting='on'>
 *     <stats period='10'/>
 *     <address type='pci' .../>
 *     <driver iommu='on'/>
 *   </memballoon>
 *
 * Unlike most devices, libvirt prints the virtio `<driver>` after the address.
 */
import * as X from '../../schema';
import type { Static } from '@sinclair/typebox';
import { deviceInfo } from './device-info';
import { virtioOptions } from './virtio-options';

export const MemballoonModel = X.enumOf('virtio', 'virtio-transitional', 'virtio-non-transitional', 'xen', 'none');

/** Guest memory statistics polling interval, seconds. */
export const MemballoonStats = X.element({ period: X.reqAttr(X.uint({ min: 1 })) });

export const MemballoonDriver = X.element({ ...virtioOptions() });

const { alias, acpi, address } = deviceInfo();

export const Memballoon = X.element({
  /** `none` disables the balloon (libvirt adds a virtio balloon by default for QEMU). */
  model: X.reqAttr(MemballoonModel),
  /** Deflate the balloon when the guest runs out of memory. */
  autodeflate: X.attr(X.onOff()),
  /** Let the guest report freed pages so the host can reclaim them. */
  freePageReporting: X.attr(X.onOff()),
  stats: X.child(MemballoonStats),
  alias,
  acpi,
  address,
  driver: X.child(MemballoonDriver),
});
export type Memballoon = Static<typeof Memballoon>;
