/**
 * `<controller>`: a bus the other devices plug into: PCI/PCIe roots, bridges and ports, USB host
 * controllers, SCSI HBAs, IDE/SATA/FDC, virtio-serial, xenbus, ISA and CCID.
 *
 *   <controller type='pci' index='1' model='pcie-root-port'>
 *     <model name='pcie-root-port'/>
 *     <target chassis='1' port='0x10'/>
 *     <address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x0' multifunction='on'/>
 *   </controller>
 */
import * as X from '../../schema';
import type { Static } from '@sinclair/typebox';
import type { ModelIssue } from '../../errors';
import { deviceInfo } from './device-info';
import { deviceIssue } from './device-issue';
import { virtioOptions } from './virtio-options';
import type { Disk } from './disk';
import type { Hostdev } from './hostdev';
import type { Smartcard } from './smartcard';

export const ControllerType = X.enumOf('ide', 'fdc', 'scsi', 'sata', 'virtio-serial', 'ccid', 'usb', 'pci', 'xenbus', 'isa');
export type ControllerType = Static<typeof ControllerType.schema>;

/** PCI controller models (`model` attribute of type='pci'). */
export const PCI_CONTROLLER_MODELS = [
  'pci-root', 'pcie-root', 'pci-bridge', 'dmi-to-pci-bridge', 'pcie-to-pci-bridge', 'pcie-root-port',
  'pcie-switch-upstream-port', 'pcie-switch-downstream-port', 'pci-expander-bus', 'pcie-expander-bus',
] as const;
export const SCSI_CONTROLLER_MODELS = [
  'auto', 'buslogic', 'lsilogic', 'lsisas1068', 'vmpvscsi', 'ibmvscsi', 'virtio-scsi', 'lsisas1078',
  'virtio-transitional', 'virtio-non-transitional', 'ncr53c90', 'dc390', 'am53c974',
] as const;
export const USB_CONTROLLER_MODELS = [
  'piix3-uhci', 'piix4-uhci', 'ehci', 'ich9-ehci1', 'ich9-uhci1', 'ich9-uhci2', 'ich9-uhci3', 'vt82c686b-uhci',
  'pci-ohci', 'nec-xhci', 'none', 'qusb1', 'qusb2', 'qemu-xhci',
] as const;
export const IDE_CONTROLLER_MODELS = ['piix3', 'piix4', 'ich6'] as const;
export const VIRTIO_SERIAL_CONTROLLER_MODELS = ['virtio', 'virtio-transitional', 'virtio-non-transitional'] as const;

/** Every model name of every controller type; which ones apply depends on `type` (validateController). */
export const ControllerModel = X.enumOf(
  'pci-root', 'pcie-root', 'pci-bridge', 'dmi-to-pci-bridge', 'pcie-to-pci-bridge', 'pcie-root-port',
  'pcie-switch-upstream-port', 'pcie-switch-downstream-port', 'pci-expander-bus', 'pcie-expander-bus',
  'auto', 'buslogic', 'lsilogic', 'lsisas1068', 'vmpvscsi', 'ibmvscsi', 'virtio-scsi', 'lsisas1078',
  'ncr53c90', 'dc390', 'am53c974',
  'piix3-uhci', 'piix4-uhci', 'ehci', 'ich9-ehci1', 'ich9-uhci1', 'ich9-uhci2', 'ich9-uhci3', 'vt82c686b-uhci',
  'pci-ohci', 'nec-xhci', 'none', 'qusb1', 'qusb2', 'qemu-xhci',
  'piix3', 'piix4', 'ich6',
  'virtio', 'virtio-transitional', 'virtio-non-transitional',
);
export type ControllerModel = Static<typeof ControllerModel.schema>;

/** `<model name='pcie-root-port'/>`: the QEMU device implementing a PCI controller model. */
export const PciModelName = X.element({
  name: X.reqAttr(
    X.enumOf(
      'spapr-pci-host-bridge', 'pci-bridge', 'i82801b11-bridge', 'pcie-pci-bridge', 'ioh3420', 'pcie-root-port',
      'x3130-upstream', 'xio3130-downstream', 'pxb', 'pxb-pcie',
    ),
  ),
});

/** `<target>` of a PCI controller: chassis/port numbering, bus numbers and hotplug. */
export const PciControllerTarget = X.element({
  /** pci-bridge: chassis number, 1-255. */
  chassisNr: X.attr(X.uint({ anyBase: true })),
  /** pcie-root-port / downstream port: chassis, 0-255. */
  chassis: X.attr(X.uint({ anyBase: true })),
  /** pcie-root-port / downstream port: port number, 0-255, printed in hex. */
  port: X.attr(X.hex(0)),
  /** pci/pcie-expander-bus: the first bus number behind it, 1-254. */
  busNr: X.attr(X.uint({ anyBase: true })),
  /** spapr-pci-host-bridge: PHB index. */
  index: X.attr(X.uint({ anyBase: true })),
  hotplug: X.attr(X.onOff()),
  /** KiB of memory window reserved for hotplug behind the port. */
  memReserve: X.attr(X.uint()),
  /** Guest NUMA node of an expander bus. */
  node: X.textChild(X.uint()),
});

/** `<driver>` of a controller: virtio-scsi/virtio-serial queues and tuning. */
export const ControllerDriver = X.element({
  queues: X.attr(X.uint()),
  cmdPerLun: X.attr(X.uint(), { xml: 'cmd_per_lun' }),
  maxSectors: X.attr(X.uint(), { xml: 'max_sectors' }),
  ioeventfd: X.attr(X.onOff()),
  iothread: X.attr(X.uint()),
  ...virtioOptions(),
});

const { alias, master, acpi, address } = deviceInfo();

export const Controller = X.element({
  type: X.attr(ControllerType),
  /** Bus number; libvirt assigns the next free one when absent. */
  index: X.attr(X.uint()),
  model: X.attr(ControllerModel),
  /** usb: number of ports; virtio-serial: number of ports. */
  ports: X.attr(X.uint()),
  /** virtio-serial: MSI-X vectors. */
  vectors: X.attr(X.uint()),
  /** xenbus. */
  maxGrantFrames: X.attr(X.uint()),
  maxEventChannels: X.attr(X.uint()),
  /** pci: the QEMU device model implementing `model` (the attribute). */
  pciModel: X.child(PciModelName, { xml: 'model' }),
  target: X.child(PciControllerTarget),
  driver: X.child(ControllerDriver),
  alias,
  /** usb companion controllers: first port on the master EHCI controller. */
  master,
  acpi,
  address,
  /** pci-root/pcie-root: size of the 64-bit PCI hole, KiB. */
  pcihole64: X.childValue(X.scaled({ canonical: 'KiB' })),
});
export type Controller = Static<typeof Controller>;

/**
 * The rules libvirt enforces for one controller whatever the hypervisor (messages as libvirt
 * words them): PCI root placement and the ranges of PCI target numbers.
 */
export function validateController(c: Controller, label?: string): ModelIssue[] {
  if (c.type !== 'pci') return [];
  const at = (obj: unknown, problem: string, fix: string, prop?: string, xmlName?: string) => [deviceIssue(obj, problem, { label, fix, prop, xmlName })];
  const idx = c.index ?? 0;
  const isRoot = c.model === 'pci-root' || c.model === 'pcie-root';
  if (isRoot && c.address) return at(c, 'pci-root and pcie-root controllers should not have an address', 'remove <address>', 'address', 'address');
  if (idx > 255) return at(c, `PCI controller index ${idx} too high, maximum is 255`, 'use an index from 0 to 255', 'index', '@index');
  const t = c.target;
  if (!t) return [];
  if (t.index !== undefined) {
    if (t.index > 30) return at(t, `PCI controller target index '${t.index}' out of range - must be 0-30`, 'use a target index from 0 to 30', 'index', '@index');
    if ((idx === 0) !== (t.index === 0)) {
      return at(t, 'Only the PCI controller with index 0 can have target index 0, and vice versa', "match index='0' with target index='0'", 'index', '@index');
    }
  }
  if (t.chassisNr !== undefined && (t.chassisNr < 1 || t.chassisNr > 255)) {
    return at(t, `PCI controller chassisNr '${t.chassisNr}' out of range - must be 1-255`, 'use a chassisNr from 1 to 255', 'chassisNr', '@chassisNr');
  }
  if (t.chassis !== undefined && t.chassis > 255) return at(t, `PCI controller chassis '${t.chassis}' out of range - must be 0-255`, 'use a chassis from 0 to 255', 'chassis', '@chassis');
  if (t.port !== undefined && t.port > 255) return at(t, `PCI controller port '${t.port}' out of range - must be 0-255`, 'use a port from 0 to 255', 'port', '@port');
  if (t.busNr !== undefined && (t.busNr < 1 || t.busNr > 254)) return at(t, `PCI controller busNr '${t.busNr}' out of range - must be 1-254`, 'use a busNr from 1 to 254', 'busNr', '@busNr');
  if (t.node !== undefined && idx === 0) return at(t, "The PCI controller with index=0 can't be associated with a NUMA node", 'remove <node>', 'node', 'node');
  return [];
}

/**
 * Every controller rule libvirt enforces independent of the hypervisor, in libvirt's order.
 * While parsing: USB 'none' excludes other USB controllers, companions need a master, PCI roots
 * have index 0. After parsing: one controller per type and index (USB companions share their
 * master's index; controllers without an index get a free one). Then each controller's own rules.
 */
export function validateControllers(controllers: readonly Controller[], label?: string): ModelIssue[] {
  const lab = (c: Controller) => (label ? `${label}/${controllers.indexOf(c)}` : undefined);
  let usbNone = false;
  let usbOther = false;
  for (const c of controllers) {
    if (c.type === 'usb') {
      if (c.model === 'none' ? usbOther : usbNone) {
        return [deviceIssue(c, "Can't add another USB controller: USB is disabled for this domain", { label: lab(c), fix: "remove the USB controller with model='none' or the others" })];
      }
      if (c.model === 'none') usbNone = true;
      else usbOther = true;
    }
    if ((c.model === 'pci-root' || c.model === 'pcie-root') && (c.index ?? 0) !== 0) {
      return [deviceIssue(c, 'pci-root and pcie-root controllers should have index 0', { label: lab(c), prop: 'index', xmlName: '@index', fix: "use index='0'" })];
    }
  }
  const usb = controllers.filter((c) => c.type === 'usb');
  if (usbOther && !usb.some((c) => !c.master)) {
    return [deviceIssue(usb[0], 'No master USB controller specified', { label: lab(usb[0]), fix: "add the EHCI master (e.g. model='ich9-ehci1') with the same index" })];
  }
  const seen = new Set<string>();
  for (const c of controllers) {
    if (c.type === 'usb' || c.type === undefined || c.index === undefined) continue;
    const key = `${c.type}/${c.index}`;
    if (seen.has(key)) {
      return [deviceIssue(c, `Multiple '${c.type}' controllers with index '${c.index}'`, { label: lab(c), prop: 'index', xmlName: '@index', fix: 'give each controller of a type its own index' })];
    }
    seen.add(key);
  }
  for (const c of controllers) {
    const own = validateController(c, lab(c));
    if (own.length) return own;
  }
  return [];
}

/** Whether the controllers turn USB off (`<controller type='usb' model='none'/>`). */
export function usbDisabled(controllers: readonly Controller[]): boolean {
  return controllers.some((c) => c.type === 'usb' && c.model === 'none');
}

const USB2_SET = new Set(['ich9-ehci1', 'ich9-uhci1', 'ich9-uhci2', 'ich9-uhci3']);

/** The smallest index no controller of `type` uses. */
function unusedIndex(controllers: readonly Controller[], type: ControllerType | undefined): number {
  let idx = 0;
  while (controllers.some((c) => c.type === type && c.index === idx)) idx++;
  return idx;
}

/** The device lists whose needs create controllers. */
export interface ControllerUsers {
  controllers?: Controller[];
  disks?: Disk[];
  hostdevs?: Hostdev[];
  smartcards?: Smartcard[];
  /** virtio channels and consoles need a virtio-serial controller. */
  channels?: readonly VirtioSerialUser[];
  consoles?: readonly VirtioSerialUser[];
}

/** A channel or console as far as its virtio-serial controller is concerned. */
interface VirtioSerialUser {
  target?: { type?: string };
  address?: { type: string; controller?: number };
}

/**
 * The controller defaults libvirt's generic parser applies, whatever the hypervisor (in place):
 *  - a controller without index gets one: a USB2 companion (ich9-ehci1/uhci1-3) joins the set
 *    of the controller before it while that set lacks its model, anything else takes the
 *    smallest free index of its type;
 *  - controllers stay in document order; the ones libvirt adds go last;
 *  - the controllers other devices need are added when missing: for disks on IDE/SATA/SCSI/
 *    floppy buses every index up to the highest their drive addresses use, then the
 *    virtio-serial controller of virtio channels and consoles, the CCID controller of each
 *    smartcard, and the SCSI controllers up to the highest SCSI hostdev address.
 * Run it after applyDiskDefaults and applySmartcardDefaults, which assign the drive and CCID
 * addresses it reads. QEMU's own default controllers (USB, PCI root) are provider/qemu's.
 */
export function applyControllerDefaults(devices: ControllerUsers): void {
  const ordered: Controller[] = [];
  const add = (c: Controller) => ordered.push(c);
  let prev: Controller | undefined;
  for (const c of devices.controllers ?? []) {
    if (c.index === undefined) {
      if (
        c.type === 'usb' &&
        prev?.type === 'usb' &&
        USB2_SET.has(c.model ?? '') &&
        USB2_SET.has(prev.model ?? '') &&
        !ordered.some((o) => o.type === 'usb' && o.index === prev!.index && o.model === c.model)
      ) {
        c.index = prev.index;
      } else {
        c.index = unusedIndex(devices.controllers ?? [], c.type);
      }
    }
    add(c);
    prev = c;
  }
  const need = (type: ControllerType, maxIndex: number) => {
    for (let idx = 0; idx <= maxIndex; idx++) {
      if (!ordered.some((c) => c.type === type && c.index === idx)) add({ type, index: idx });
    }
  };
  for (const [type, bus] of [['scsi', 'scsi'], ['fdc', 'fdc'], ['ide', 'ide'], ['sata', 'sata']] as const) {
    let max = -1;
    for (const d of devices.disks ?? []) {
      if (d.target?.bus === bus && d.address?.type === 'drive') max = Math.max(max, d.address.controller ?? 0);
    }
    need(type, max);
  }
  for (const dev of [...(devices.channels ?? []), ...(devices.consoles ?? [])]) {
    if (dev.target?.type !== 'virtio') continue;
    const idx = dev.address?.type === 'virtio-serial' ? dev.address.controller ?? 0 : 0;
    if (!ordered.some((c) => c.type === 'virtio-serial' && c.index === idx)) add({ type: 'virtio-serial', index: idx });
  }
  for (const card of devices.smartcards ?? []) {
    const idx = card.address?.type === 'ccid' ? card.address.controller ?? 0 : 0;
    if (!ordered.some((c) => c.type === 'ccid' && c.index === idx)) add({ type: 'ccid', index: idx });
  }
  let scsi = -1;
  for (const h of devices.hostdevs ?? []) {
    if ((h.mode ?? 'subsystem') === 'subsystem' && h.type === 'scsi' && h.address?.type === 'drive') scsi = Math.max(scsi, h.address.controller ?? 0);
  }
  need('scsi', scsi);
  if (ordered.length || devices.controllers) devices.controllers = ordered;
}
