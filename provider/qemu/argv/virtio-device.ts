/**
 * The QEMU device name and common properties of a virtio device: `virtio-blk` on a PCI address
 * is `virtio-blk-pci` (`-transitional` / `-non-transitional` for those models), on a CCW address
 * `virtio-blk-ccw`, on a virtio-mmio address `virtio-blk-device`; then the transport options of
 * the device's `<driver>` (iommu, ats, packed, page_per_vq) as QEMU booleans.
 *
 *   {"driver":"virtio-blk-pci","iommu_platform":true,"ats":true,"packed":true,"page-per-vq":true}
 *
 * Used by every virtio device section (disk, controller, filesystem, net, rng, balloon, ...).
 */
import type { Address } from '../../../model/domain/devices/device-info';
import type { QemuCaps } from '../caps';

/** The `<driver>` attributes every virtio device accepts (see model/domain/devices/virtio-options.ts). */
export interface VirtioDriverOptions {
  readonly iommu?: 'on' | 'off';
  readonly ats?: 'on' | 'off';
  readonly packed?: 'on' | 'off';
  readonly pagePerVq?: 'on' | 'off';
}

export type VirtioModel = 'virtio' | 'virtio-transitional' | 'virtio-non-transitional' | string | undefined;

/**
 * The QEMU device name for virtio device `base` (`virtio-blk`, `virtio-scsi`, `vhost-user-fs`,
 * ...) at `address`. `model` picks the transitional flavours on PCI.
 */
export function virtioDeviceName(base: string, address: Address | undefined, model: VirtioModel, caps: QemuCaps): string {
  switch (address?.type) {
    case 'ccw':
      return `${base}-ccw`;
    case 'virtio-mmio':
      return `${base}-device`;
    case 's390':
      return `${base}-s390`;
    default: {
      const name = `${base}-pci`;
      if (caps.flags.has('virtio-pci-non-transitional')) {
        if (model === 'virtio-transitional') return `${name}-transitional`;
        if (model === 'virtio-non-transitional') return `${name}-non-transitional`;
      }
      return name;
    }
  }
}

/**
 * `disable-legacy`/`disable-modern` for transitional models when QEMU lacks the dedicated
 * `-transitional` device types (older QEMU); nothing otherwise.
 */
function transitionalFallback(props: Record<string, unknown>, address: Address | undefined, model: VirtioModel, caps: QemuCaps): void {
  if (address && address.type !== 'pci') return;
  if (caps.flags.has('virtio-pci-non-transitional')) return;
  if (model === 'virtio-transitional') {
    props['disable-legacy'] = 'off';
    props['disable-modern'] = false;
  } else if (model === 'virtio-non-transitional') {
    props['disable-legacy'] = 'on';
  }
}

/** Appends the virtio transport options of `driver` to `props`, in libvirt's order. */
export function addVirtioOptions(props: Record<string, unknown>, driver: VirtioDriverOptions | undefined): Record<string, unknown> {
  if (!driver) return props;
  if (driver.iommu) props.iommu_platform = driver.iommu === 'on';
  if (driver.ats) props.ats = driver.ats === 'on';
  if (driver.packed) props.packed = driver.packed === 'on';
  if (driver.pagePerVq) props['page-per-vq'] = driver.pagePerVq === 'on';
  return props;
}

/**
 * The start of a virtio device's properties: `driver`, the transitional fallback when needed,
 * and the transport options.
 */
export function virtioDeviceProps(
  base: string,
  dev: { readonly address?: Address; readonly model?: VirtioModel },
  driver: VirtioDriverOptions | undefined,
  caps: QemuCaps,
): Record<string, unknown> {
  const props: Record<string, unknown> = { driver: virtioDeviceName(base, dev.address, dev.model, caps) };
  transitionalFallback(props, dev.address, dev.model, caps);
  return addVirtioOptions(props, driver);
}
