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
