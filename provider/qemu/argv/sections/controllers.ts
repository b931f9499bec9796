/**
 * Controllers: `-global` options of the implicit PCI root, then one `-device` per controller QEMU
 * does not create by itself, grouped by type in libvirt's order (PCI, USB, SCSI, IDE, SATA,
 * virtio-serial) and by index within a type; CCID controllers (`usb-ccid`) come later, after the
 * USB hubs (buildCcidControllers).
 *
 * Left out because QEMU provides them with the machine: pci-root/pcie-root, USB model none, the
 * first IDE controller of i440FX machines, the first SATA controller (ICH9 AHCI) of Q35 machines,
 * FDC (floppies are handled by the disks section), ISA and xenbus.
 *
 * Owner: storage engineer.
 */
import type { Domain } from '../../../../model/domain/domain';
import type { Controller, ControllerType } from '../../../../model/domain/devices/controller';
import type { QemuCommandLine } from '../command-line';
import type { ArgvContext } from '../context';
import type { ArgvState } from '../build';
import type { QemuCaps } from '../../caps';
import { addAddressProps } from '../device-address';
import { virtioDeviceProps } from '../virtio-device';
import { unsupported } from '../../validate/errors';
import { addDeviceJson } from '../device-json';
import { hasBuiltinIde, isQ35Machine } from '../machine-facts';

/** The order libvirt adds controller types in (CCID separately, after hubs). */
const TYPE_ORDER: readonly ControllerType[] = ['pci', 'usb', 'scsi', 'ide', 'sata', 'virtio-serial'];

/** QEMU device of each USB controller model. */
const USB_DEVICE: Readonly<Record<string, string>> = {
  'piix3-uhci': 'piix3-usb-uhci',
  'piix4-uhci': 'piix4-usb-uhci',
  ehci: 'usb-ehci',
  'ich9-ehci1': 'ich9-usb-ehci1',
  'ich9-uhci1': 'ich9-usb-uhci1',
  'ich9-uhci2': 'ich9-usb-uhci2',
  'ich9-uhci3': 'ich9-usb-uhci3',
  'vt82c686b-uhci': 'vt82c686b-usb-uhci',
  'pci-ohci': 'pci-ohci',
  'nec-xhci': 'nec-usb-xhci',
  'qusb1': 'qusb1',
  'qusb2': 'qusb2',
  'qemu-xhci': 'qemu-xhci',
};

/** QEMU device of each non-virtio SCSI controller model. */
const SCSI_DEVICE: Readonly<Record<string, string>> = {
  lsilogic: 'lsi',
  lsisas1068: 'mptsas1068',
  lsisas1078: 'megasas',
  vmpvscsi: 'pvscsi',
  ibmvscsi: 'spapr-vscsi',
  dc390: 'dc390',
  am53c974: 'am53c974',
};

/** QEMU device of each PCI controller model, when `<model name>` does not say. */
const PCI_DEVICE: Readonly<Record<string, string>> = {
  'pci-bridge': 'pci-bridge',
  'dmi-to-pci-bridge': 'i82801b11-bridge',
  'pcie-to-pci-bridge': 'pcie-pci-bridge',
  'pcie-root-port': 'pcie-root-port',
  'pcie-switch-upstream-port': 'x3130-upstream',
  'pcie-switch-downstream-port': 'xio3130-downstream',
  'pci-expander-bus': 'pxb',
  'pcie-expander-bus': 'pxb-pcie',
};

/** The SCSI model QEMU uses for `auto` (or none): lsilogic when available, else virtio-scsi. */
export function effectiveScsiModel(c: Controller, caps: QemuCaps): string {
  if (c.model && c.model !== 'auto') return c.model;
  return caps.flags.has('lsi') ? 'lsilogic' : 'virtio-scsi';
}

/** True for controllers QEMU creates itself (nothing goes on the command line for them). */
export function isImplicitController(def: Domain, c: Controller): boolean {
  const index = c.index ?? 0;
  switch (c.type) {
    case 'pci':
      return c.model === 'pci-root' || c.model === 'pcie-root';
    case 'usb':
      return c.model === 'none';
    case 'ide':
      return index === 0 && hasBuiltinIde(def);
    case 'sata':
      return index === 0 && isQ35Machine(def);
    case 'fdc':
    case 'isa':
    case 'xenbus':
      return true;
    default:
      return false;
  }
}

/**
 * Controllers of `type` in command-line order: by index, a USB companion controller after the
 * EHCI master of its bus.
 */
function controllersOfType(def: Domain, type: ControllerType): Controller[] {
  const list = (def.devices?.controllers ?? []).filter((c) => c.type === type);
  return list
    .map((c, i) => ({ c, i }))
    .sort((a, b) => (a.c.index ?? 0) - (b.c.index ?? 0) || Number(!!a.c.master) - Number(!!b.c.master) || a.i - b.i)
    .map(({ c }) => c);
}

function usbProps(def: Domain, c: Controller): Record<string, unknown> {
  const model = c.model ?? (isQ35Machine(def) ? 'qemu-xhci' : 'piix3-uhci');
  const driver = USB_DEVICE[model];
  if (!driver) throw unsupported(`Unsupported USB controller model '${model}'`);
  const props: Record<string, unknown> = { driver };
  if (c.master) {
    const master = (def.devices?.controllers ?? []).find((m) => m.type === 'usb' && (m.index ?? 0) === (c.index ?? 0) && !m.master);
    props.masterbus = `${master?.alias?.name ?? 'usb'}.0`;
    props.firstport = c.master.startport ?? 0;
  } else {
    if (c.ports !== undefined) {
      if (model === 'nec-xhci' || model === 'qemu-xhci') {
        props.p2 = c.ports;
        props.p3 = c.ports;
      } else if (model === 'pci-ohci') {
        props['num-ports'] = c.ports;
      }
    }
    props.id = c.alias?.name;
  }
  return props;
}

function scsiProps(c: Controller, caps: QemuCaps): Record<string, unknown> {
  const model = effectiveScsiModel(c, caps);
  if (model === 'virtio-scsi' || model === 'virtio-transitional' || model === 'virtio-non-transitional') {
    const props = virtioDeviceProps('virtio-scsi', { address: c.address, model: model === 'virtio-scsi' ? 'virtio' : model }, c.driver, caps);
    if (c.driver?.iothread) props.iothread = `iothread${c.driver.iothread}`;
    props.id = c.alias?.name;
    if (c.driver?.queues) props.num_queues = c.driver.queues;
    if (c.driver?.cmdPerLun) props.cmd_per_lun = c.driver.cmdPerLun;
    if (c.driver?.maxSectors) props.max_sectors = c.driver.maxSectors;
    if (c.driver?.ioeventfd) props.ioeventfd = c.driver.ioeventfd === 'on';
    return props;
  }
  const driver = SCSI_DEVICE[model];
  if (!driver) throw unsupported(`Unsupported controller model: ${model}`);
  return { driver, id: c.alias?.name };
}

function pciProps(c: Controller): Record<string, unknown> {
  const model = c.model ?? '';
  const driver = c.pciModel?.name ?? PCI_DEVICE[model];
  if (!driver) throw unsupported(`Unsupported PCI controller model '${model}'`);
  const t = c.target;
  const props: Record<string, unknown> = { driver };
  switch (model) {
    case 'pci-bridge':
      props.chassis_nr = t?.chassisNr ?? c.index;
      props.id = c.alias?.name;
      if (t?.hotplug) props.shpc = t.hotplug === 'on';
      break;
    case 'pcie-root-port':
    case 'pcie-switch-downstream-port':
      props.port = t?.port;
      props.chassis = t?.chassis;
      props.id = c.alias?.name;
      if (t?.hotplug) props.hotplug = t.hotplug === 'on';
      break;
    case 'pci-expander-bus':
    case 'pcie-expander-bus':
      props.bus_nr = t?.busNr;
      props.id = c.alias?.name;
      if (t?.node !== undefined) props.numa_node = t.node;
      break;
    default:
      props.id = c.alias?.name;
  }
  return props;
}

/** The `-device` properties of controller `c` (not for implicit controllers). */
export function controllerDeviceProps(def: Domain, c: Controller, caps: QemuCaps): Record<string, unknown> {
  let props: Record<string, unknown>;
  switch (c.type) {
    case 'pci':
      props = pciProps(c);
      break;
    case 'usb':
      props = usbProps(def, c);
      break;
    case 'scsi':
      props = scsiProps(c, caps);
      break;
    case 'virtio-serial':
      props = virtioDeviceProps('virtio-serial', { address: c.address, model: c.model }, c.driver, caps);
      props.id = c.alias?.name;
      if (c.ports !== undefined) props.max_ports = c.ports;
      if (c.vectors !== undefined) props.vectors = c.vectors;
      break;
    case 'sata':
      props = { driver: 'ahci', id: c.alias?.name };
      break;
    case 'ide':
      throw unsupported('Only a single IDE controller is supported');
    case 'ccid':
      props = { driver: 'usb-ccid', id: c.alias?.name };
      break;
    default:
      throw unsupported(`Unsupported controller type: ${c.type}`);
  }
  return addAddressProps(props, def, c);
}

/**
 * `-global` options of the implicit PCI root: the 64-bit PCI hole size (KiB) and, on i440FX,
 * ACPI hotplug of the root bus.
 */
function buildGlobalControllerOptions(cmd: QemuCommandLine, def: Domain): void {
  for (const c of def.devices?.controllers ?? []) {
    if (c.type !== 'pci') continue;
    if (c.pcihole64 !== undefined && (c.model === 'pci-root' || c.model === 'pcie-root')) {
      const host = c.model === 'pci-root' ? 'i440FX-pcihost' : 'q35-pcihost';
      cmd.add('-global', `${host}.pci-hole64-size=${c.pcihole64}K`);
    }
    if (c.model === 'pci-root' && c.target?.hotplug) {
      cmd.add('-global', `PIIX4_PM.acpi-root-pci-hotplug=${c.target.hotplug}`);
    }
  }
}

export function buildControllers(cmd: QemuCommandLine, def: Domain, ctx: ArgvContext, _state: ArgvState): void {
  buildGlobalControllerOptions(cmd, def);
  for (const type of TYPE_ORDER) {
    for (const c of controllersOfType(def, type)) {
      if (isImplicitController(def, c)) continue;
      addDeviceJson(cmd, def, controllerDeviceProps(def, c, ctx.caps));
    }
  }
}

export function buildCcidControllers(cmd: QemuCommandLine, def: Domain, ctx: ArgvContext, _state: ArgvState): void {
  for (const c of controllersOfType(def, 'ccid')) addDeviceJson(cmd, def, controllerDeviceProps(def, c, ctx.caps));
}
