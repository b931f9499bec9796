/**
 * What kind of PCI connection each device needs, as libvirt's QEMU driver decides it: plain PCI
 * (legacy devices, transitional virtio), PCIe on machines with a PCIe root (virtio, e1000e, XHCI,
 * vfio), hot-pluggable or not, or none at all (the device is not a PCI device).
 */
import type { Domain } from '../../../model/domain/domain';
import type { Controller } from '../../../model/domain/devices/controller';
import { PCI, controllerConnectFlags } from './pci-address-set';
import type { QemuCaps } from '../caps';
import { hasFlag } from '../caps';

/** The three connection classes of one domain. */
export interface ConnectClasses {
  /** A legacy PCI endpoint. */
  readonly pci: number;
  /** A device that is PCIe where the machine has a PCIe root (plain PCI elsewhere). */
  readonly pcie: number;
  /** Modern virtio devices: like `pcie`. */
  readonly virtio: number;
}

export function hasPciRoot(def: Domain): boolean {
  return !!def.devices?.controllers?.some((c) => c.type === 'pci' && c.model === 'pci-root');
}

export function hasPcieRoot(def: Domain): boolean {
  return !!def.devices?.controllers?.some((c) => c.type === 'pci' && c.model === 'pcie-root');
}

/**
 * On a PCIe machine, virtio devices are PCIe only when QEMU can turn off their legacy interface
 * (it then also has the non-transitional models); older QEMUs put them on plain PCI.
 */
export function connectClasses(def: Domain, caps: QemuCaps): ConnectClasses {
  const pci = PCI.DEVICE | PCI.HOTPLUGGABLE;
  const pcie = hasPcieRoot(def) ? PCI.PCIE_DEVICE | PCI.HOTPLUGGABLE : pci;
  return { pci, pcie, virtio: hasFlag(caps, 'virtio-pci-non-transitional') ? pcie : pci };
}

/** virtio device models: transitional ones are legacy PCI, the others follow `virtio`. */
function virtioModel(model: string | undefined, k: ConnectClasses): number {
  return model === 'virtio-transitional' ? k.pci : k.virtio;
}

export function controllerFlags(c: Controller, k: ConnectClasses): number {
  switch (c.type ?? 'ide') {
    case 'pci':
      return controllerConnectFlags(c.model);
    case 'sata':
    case 'ide':
      return k.pci;
    case 'usb':
      switch (c.model) {
        case 'nec-xhci':
        case 'qemu-xhci':
          return k.pcie;
        case 'qusb1':
        case 'qusb2':
        case 'none':
        case undefined:
          return 0;
        default:
          return k.pci;
      }
    case 'scsi':
      switch (c.model) {
        case 'virtio-scsi':
        case 'virtio-non-transitional':
          return k.virtio;
        case 'virtio-transitional':
          return k.pci;
        case 'ibmvscsi':
          return 0;
        default:
          return k.pci;
      }
    case 'virtio-serial':
      return virtioModel(c.model, k);
    default:
      return 0;
  }
}

export function netFlags(model: string | undefined, type: string | undefined, k: ConnectClasses): number {
  if (type === 'hostdev' || model === 'usb-net') return 0;
  if (model === 'virtio' || model === 'virtio-non-transitional') return k.virtio;
  if (model === 'virtio-transitional') return k.pci;
  if (model === 'e1000e') return k.pcie;
  return k.pci;
}

export function soundFlags(model: string, k: ConnectClasses): number {
  switch (model) {
    case 'es1370':
    case 'ac97':
    case 'ich6':
    case 'ich7':
    case 'ich9':
      return k.pci;
    default:
      return 0;
  }
}

export function videoFlags(type: string | undefined, k: ConnectClasses): number {
  switch (type) {
    case 'virtio':
      return k.virtio;
    case 'none':
    case 'ramfb':
      return 0;
    default:
      return k.pci;
  }
}

export function inputFlags(bus: string | undefined, model: string | undefined, k: ConnectClasses): number {
  return bus === 'virtio' ? virtioModel(model, k) : 0;
}

export function memoryFlags(model: string, k: ConnectClasses): number {
  return model === 'virtio-pmem' || model === 'virtio-mem' ? k.virtio : 0;
}

/** A virtio IOMMU is built into the machine: it may not be hot-plugged, so it goes on the root bus. */
export function iommuFlags(model: string, k: ConnectClasses): number {
  return model === 'virtio' ? k.virtio & ~PCI.HOTPLUGGABLE : 0;
}
