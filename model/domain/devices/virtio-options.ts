/**
 * The virtio transport options libvirt accepts on the `<driver>` of every virtio device
 * (disk, interface, controller, input, rng, memballoon, video, vsock, filesystem...).
 * Spread `...virtioOptions()` where a device's `<driver>` lists them; libvirt prints them
 * after the device-specific driver attributes, in this order.
 */
import * as X from '../../schema';

export function virtioOptions() {
  return {
    /** Route the device's DMA through the emulated IOMMU. */
    iommu: X.attr(X.onOff()),
    /** PCIe Address Translation Services. */
    ats: X.attr(X.onOff()),
    /** Packed virtqueue layout (virtio 1.1). */
    packed: X.attr(X.onOff()),
    /** One notification page per virtqueue. */
    pagePerVq: X.attr(X.onOff(), { xml: 'page_per_vq' }),
  };
}
