/**
 * Where a `-device` plugs in: the `bus`/`addr`/`port`/... properties QEMU takes for a device's
 * address, computed from the domain's address (assigned by provider/qemu/defaults) and the alias
 * of the controller that owns the bus.
 *
 *   PCI            {"bus":"pci.1","addr":"0x0"}, {"bus":"pcie.0","multifunction":true,"addr":"0x2"},
 *                  function != 0 → {"addr":"0x1.0x2"}; then "acpi-index" when set
 *   USB            {"bus":"usb.0","port":"1"} (the USB controller's alias + ".0")
 *   virtio-serial  {"bus":"virtio-serial0.0","nr":1}
 *   CCID           {"bus":"ccid0.0"}
 *   ISA            {"iobase":1016,"irq":4}
 *   drive          depends on the controller: see {@link driveAddressProps}
 *
 * Keys are added in libvirt's order, because the JSON text of `-device` is compared verbatim.
 * Used by every device section (disks, controllers, hostdevs, net, video, ...).
 */
import type { Domain } from '../../../model/domain/domain';
import type { Address } from '../../../model/domain/devices/device-info';
import type { Controller, ControllerType } from '../../../model/domain/devices/controller';
import { internalError, unsupported } from '../validate/errors';
import { hasBuiltinIde, isQ35Machine } from './machine-facts';

/** The device-info part of a device that addressing needs. */
export interface AddressedDevice {
  readonly address?: Address;
  readonly acpi?: { readonly index: number };
}

/** The controller of `type` with `index` (libvirt numbers each controller type separately). */
export function findController(def: Domain, type: ControllerType, index: number): Controller | undefined {
  return def.devices?.controllers?.find((c) => c.type === type && (c.index ?? 0) === index && !(type === 'usb' && c.master));
}

/** The alias of the controller of `type` with `index`; throws libvirt's error when there is none. */
export function controllerAlias(def: Domain, type: ControllerType, index: number): string {
  const alias = findController(def, type, index)?.alias?.name;
  if (!alias) throw internalError(`Could not find ${type} controller with index ${index} required for device`);
  return alias;
}

/**
 * `bus` of a PCI address: the alias of the PCI controller whose index is the address's bus.
 * A user alias on an implicit root bus is not known to QEMU (the root is never put on the command
 * line), so the root keeps QEMU's own name (`pci.0` or `pcie.0`).
 */
export function pciBusName(def: Domain, bus: number, a?: Address): string {
  const cont = def.devices?.controllers?.find((c) => c.type === 'pci' && (c.index ?? 0) === bus);
  const alias = cont?.alias?.name;
  if (!cont || !alias) {
    const hex = (n: number | undefined, w: number) => (n ?? 0).toString(16).padStart(w, '0');
    const where = `${hex(a?.domain, 4)}:${hex(bus, 2)}:${hex(a?.slot, 2)}.${(a?.function ?? 0).toString(16)}`;
    throw internalError(`Device alias was not set for PCI controller with index '${bus}' required for device at address '${where}'`);
  }
  if (alias.startsWith('ua-')) {
    if (cont.model === 'pci-root') return 'pci.0';
    if (cont.model === 'pcie-root') return 'pcie.0';
  }
  return alias;
}

/** `addr` of a PCI address: `0x<slot>`, with `.0x<function>` when the function is not 0. */
export function pciAddrString(a: Address): string {
  const slot = `0x${(a.slot ?? 0).toString(16)}`;
  return a.function ? `${slot}.0x${a.function.toString(16)}` : slot;
}

/**
 * Appends the address properties of `dev` to `props` (in place) and returns it. Drive addresses
 * are left to {@link driveAddressProps}, which needs to know the controller type.
 */
export function addAddressProps(props: Record<string, unknown>, def: Domain, dev: AddressedDevice): Record<string, unknown> {
  const a = dev.address;
  switch (a?.type) {
    case 'pci':
      props.bus = pciBusName(def, a.bus ?? 0, a);
      if (a.multifunction) props.multifunction = a.multifunction === 'on';
      props.addr = pciAddrString(a);
      break;
    case 'usb': {
      props.bus = `${controllerAlias(def, 'usb', a.bus ?? 0)}.0`;
      if (a.port) props.port = a.port;
      break;
    }
    case 'virtio-serial':
      props.bus = `${controllerAlias(def, 'virtio-serial', a.controller ?? 0)}.${a.bus ?? 0}`;
      if (a.port !== undefined) props.nr = Number(a.port);
      break;
    case 'ccid':
      props.bus = `${controllerAlias(def, 'ccid', a.controller ?? 0)}.0`;
      break;
    case 'isa':
      if (a.iobase !== undefined) props.iobase = a.iobase;
      if (a.irq !== undefined) props.irq = a.irq;
      break;
    case 'spapr-vio':
      if (a.reg !== undefined) props.reg = a.reg;
      break;
    case 'ccw':
      props.devno = `${(a.cssid ?? 0).toString(16)}.${(a.ssid ?? 0).toString(16)}.${(a.devno ?? 0).toString(16).padStart(4, '0')}`;
      break;
    default:
      break;
  }
  if (dev.acpi?.index) props['acpi-index'] = dev.acpi.index;
  return props;
}

/** SCSI HBA models that have a single bus and address targets by `scsi-id` alone. */
const SINGLE_BUS_SCSI = new Set(['lsilogic', 'ncr53c90', 'dc390', 'am53c974']);

/**
 * Address properties of a device on a drive address (`<address type='drive' controller= bus=
 * target= unit=>`) of a controller of `type`:
 *   ide    {"bus":"ide.<bus>","unit":<unit>}           (the controller's alias + "." + bus)
 *   sata   {"bus":"sata0.<unit>"}                      (one port per unit)
 *   fdc    {"unit":<unit>}
 *   scsi   lsilogic-like HBAs {"bus":"scsi0.0","scsi-id":<unit>};
 *          others {"bus":"scsi0.0","channel":<bus>,"scsi-id":<target>,"lun":<unit>}
 */
export function driveAddressProps(
  props: Record<string, unknown>,
  def: Domain,
  type: 'ide' | 'sata' | 'fdc' | 'scsi',
  a: Address,
): Record<string, unknown> {
  const controller = a.controller ?? 0;
  switch (type) {
    case 'ide':
      // The machine's own IDE controller is always `ide` to QEMU, whatever its alias.
      props.bus = `${controller === 0 && hasBuiltinIde(def) ? 'ide' : controllerAlias(def, 'ide', controller)}.${a.bus ?? 0}`;
      props.unit = a.unit ?? 0;
      break;
    case 'sata':
      // Likewise Q35's built-in AHCI controller.
      props.bus = `${controller === 0 && isQ35Machine(def) ? 'ide' : controllerAlias(def, 'sata', controller)}.${a.unit ?? 0}`;
      break;
    case 'fdc':
      props.unit = a.unit ?? 0;
      break;
    case 'scsi': {
      const cont = findController(def, 'scsi', controller);
      const alias = cont?.alias?.name;
      if (!cont || !alias) throw internalError(`Could not find scsi controller with index ${controller} required for device`);
      props.bus = `${alias}.0`;
      if (SINGLE_BUS_SCSI.has(cont.model ?? '')) {
        if ((a.bus ?? 0) !== 0) throw unsupported('SCSI controller only supports 1 bus');
        props['scsi-id'] = a.unit ?? 0;
      } else {
        props.channel = a.bus ?? 0;
        props['scsi-id'] = a.target ?? 0;
        props.lun = a.unit ?? 0;
      }
      break;
    }
  }
  return props;
}
