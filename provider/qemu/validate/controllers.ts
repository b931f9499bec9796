/**
 * Validation rules for controllers and the buses they provide, and for host devices as a whole
 * (duplicates, mediated device needs), with libvirt 9.0's messages.
 *
 * Owner: storage engineer.
 */
import type { Domain } from '../../../model/domain/domain';
import type { Hostdev } from '../../../model/domain/devices/hostdev';
import type { Address } from '../../../model/domain/devices/device-info';
import type { QemuCaps } from '../caps';
import { QemuConfigError, unsupported, xmlError } from './errors';

/** Most ports an xHCI controller's `ports` attribute may ask for. */
const XHCI_MAX_PORTS = 15;

function checkControllers(def: Domain): void {
  const controllers = def.devices?.controllers ?? [];
  for (const c of controllers) {
    if (c.type === 'pci' && (c.model === 'pci-root' || c.model === 'pcie-root')) {
      if ((c.index ?? 0) !== 0) throw xmlError('pci-root and pcie-root controllers should have index 0');
      if (c.address) throw unsupported('pci-root and pcie-root controllers should not have an address');
    }
  }
  // Controllers of one type are numbered uniquely; USB companions share their master's index.
  const seen = new Set<string>();
  for (const c of controllers) {
    if (c.type === 'usb') continue;
    const key = `${c.type ?? 'ide'}:${c.index ?? 0}`;
    if (seen.has(key)) throw xmlError(`Multiple '${c.type ?? 'ide'}' controllers with index '${c.index ?? 0}'`);
    seen.add(key);
  }

  const usb = controllers.filter((c) => c.type === 'usb');
  if (usb.some((c) => c.model === 'none') && usb.length > 1) {
    throw new QemuConfigError('plain', "Can't add another USB controller: USB is disabled for this domain");
  }
  for (const c of usb) {
    if ((c.model === 'nec-xhci' || c.model === 'qemu-xhci') && c.ports !== undefined && c.ports > XHCI_MAX_PORTS) {
      throw unsupported(`'${c.model}' controller only supports up to '${XHCI_MAX_PORTS}' ports`);
    }
    if (c.model?.startsWith('ich9-uhci') && !usb.some((m) => m !== c && (m.index ?? 0) === (c.index ?? 0) && !m.master)) {
      throw new QemuConfigError('plain', 'No master USB controller specified');
    }
  }
  if (usb.some((c) => c.model === 'none') && (def.devices?.hubs ?? []).some((h) => (h.type ?? 'usb') === 'usb')) {
    throw unsupported("Can't add USB hub: USB is disabled for this domain");
  }

  const cells = def.cpu?.numa?.cells?.length ?? 0;
  for (const c of controllers) {
    const node = c.target?.node;
    if ((c.model === 'pci-expander-bus' || c.model === 'pcie-expander-bus') && node !== undefined && node >= cells) {
      throw xmlError(`${c.model} with index ${c.index ?? 0} is configured for a NUMA node (${node}) not present in the domain's <cpu><numa> array (${cells})`);
    }
  }
}

/** Every USB address names a bus some USB controller provides. */
function checkUsbBuses(def: Domain): void {
  const buses = new Set((def.devices?.controllers ?? []).filter((c) => c.type === 'usb' && c.model !== 'none').map((c) => c.index ?? 0));
  const d = def.devices ?? {};
  const addressed: { address?: Address }[] = [...(d.disks ?? []), ...(d.hostdevs ?? []), ...(d.inputs ?? []), ...(d.hubs ?? []), ...(d.redirdevs ?? [])];
  for (const dev of addressed) {
    const a = dev.address;
    if (a?.type === 'usb' && a.bus !== undefined && !buses.has(a.bus)) {
      throw xmlError(`USB bus ${a.bus} requested but no controller with that index is present`);
    }
  }
}

/** What identifies the host device a hostdev takes (two hostdevs cannot take the same one). */
function hostdevKey(h: Hostdev): string | undefined {
  const s = h.source;
  const a = s?.address;
  switch (h.type) {
    case 'pci':
      return a ? `pci:${a.domain ?? 0}:${a.bus ?? 0}:${a.slot ?? 0}:${a.function ?? 0}` : undefined;
    case 'usb':
      if (a && (a.bus !== undefined || a.device !== undefined)) return `usb:${a.bus ?? 0}:${a.device ?? 0}`;
      return s?.vendor && s.product ? `usbid:${s.vendor.id}:${s.product.id}` : undefined;
    case 'scsi':
      if (s?.protocol === 'iscsi') return `iscsi:${s.host?.name ?? ''}:${s.name ?? ''}`;
      return a ? `scsi:${s?.adapter?.name ?? ''}:${a.bus ?? 0}:${a.target ?? 0}:${a.unit ?? 0}` : undefined;
    case 'scsi_host':
      return s?.wwpn ? `vhost:${s.wwpn}` : undefined;
    case 'mdev':
      return a?.uuid ? `mdev:${a.uuid}` : undefined;
    default:
      return undefined;
  }
}

function checkHostdevs(def: Domain): void {
  const seen = new Set<string>();
  for (const h of def.devices?.hostdevs ?? []) {
    const key = hostdevKey(h);
    if (key !== undefined) {
      if (seen.has(key)) throw xmlError('Hostdev already exists in the domain configuration');
      seen.add(key);
    }
    if (h.type === 'mdev') {
      const model = h.model ?? 'vfio-pci';
      if (model === 'vfio-pci' && h.address && h.address.type !== 'pci') {
        throw xmlError(`Unsupported address type '${h.address.type}' with mediated device model '${model}'`);
      }
      if (h.display === 'on' && !(def.devices?.graphics ?? []).length) {
        throw unsupported("graphics device is needed for attribute value 'display=on' in <hostdev>");
      }
    }
  }
}

/** The capability flag each USB controller model needs. */
const USB_MODEL_FLAG: Readonly<Record<string, string>> = {
  'piix3-uhci': 'piix3-usb-uhci',
  'piix4-uhci': 'piix4-usb-uhci',
  ehci: 'usb-ehci',
  'ich9-ehci1': 'ich9-usb-ehci1',
  'ich9-uhci1': 'ich9-usb-ehci1',
  'ich9-uhci2': 'ich9-usb-ehci1',
  'ich9-uhci3': 'ich9-usb-ehci1',
  'vt82c686b-uhci': 'vt82c686b-usb-uhci',
  'pci-ohci': 'pci-ohci',
  'nec-xhci': 'nec-usb-xhci',
  'qemu-xhci': 'qemu-xhci',
};

/** The capability flag and QEMU's name of each SCSI controller model. */
const SCSI_MODEL_FLAG: Readonly<Record<string, readonly [string, string]>> = {
  'virtio-scsi': ['virtio-scsi-pci', 'virtio scsi controller'],
  'virtio-transitional': ['virtio-scsi-pci', 'virtio scsi controller'],
  'virtio-non-transitional': ['virtio-scsi-pci', 'virtio scsi controller'],
  lsilogic: ['lsi', 'the LSI 53C895A SCSI controller'],
  lsisas1068: ['mptsas1068', 'the LSI SAS1068 (MPT Fusion) controller'],
  lsisas1078: ['megasas', 'the LSI SAS1078 (MegaRAID) controller'],
  vmpvscsi: ['pvscsi', 'the VMware paravirtual SCSI controller'],
  am53c974: ['am53c974', 'the AM53C974 SCSI controller'],
  dc390: ['dc390', 'the DC390 SCSI controller'],
};

/** Controller models this QEMU binary has. */
function checkControllerCaps(def: Domain, caps: QemuCaps): void {
  for (const c of def.devices?.controllers ?? []) {
    if (c.type === 'usb' && c.model && c.model !== 'none') {
      const flag = USB_MODEL_FLAG[c.model];
      if (!flag || !caps.flags.has(flag)) throw unsupported(`USB controller model '${c.model}' not supported in this QEMU binary`);
    }
    if (c.type === 'scsi' && c.model && c.model !== 'auto' && c.model !== 'ibmvscsi') {
      const known = SCSI_MODEL_FLAG[c.model];
      if (!known) throw unsupported(`Unsupported controller model: ${c.model}`);
      if (!caps.flags.has(known[0])) throw unsupported(`This QEMU doesn't support ${known[1]}`);
    }
  }
}

export function validateControllers(def: Domain, caps: QemuCaps): void {
  checkControllerCaps(def, caps);
  checkControllers(def);
  checkUsbBuses(def);
  checkHostdevs(def);
}
