/**
 * USB port assignment. Each USB controller is a bus (its index) with a fixed number of root
 * ports (UHCI 2, OHCI 3, EHCI 6, XHCI 4 or its `ports`); USB2 companions share their master's
 * bus. A `<hub>` plugged into a port adds 8 ports below it (`port='1.3'`). Devices are placed in
 * libvirt's order (hubs, host devices, disks, CCID controllers, inputs, serials, sound cards,
 * redirected devices) on the first free port: root ports of the first bus first, then ports of
 * hubs on it, then the next bus.
 *
 * libvirt assigns USB addresses to a domain that is being defined only when every USB device
 * already has one (so the topology QEMU builds does not change); for a new domain or a launch it
 * assigns them all.
 */
import type { Domain } from '../../../model/domain/domain';
import type { Controller } from '../../../model/domain/devices/controller';
import type { Address } from '../../../model/domain/devices/device-info';

const HUB_PORTS = 8;

function controllerPorts(c: Controller): number {
  switch (c.model) {
    case undefined: // QEMU's default USB controller is PIIX3 UHCI
    case 'piix3-uhci':
    case 'piix4-uhci':
    case 'ich9-uhci1':
    case 'ich9-uhci2':
    case 'ich9-uhci3':
    case 'vt82c686b-uhci':
      return 2;
    case 'ehci':
    case 'ich9-ehci1':
      return 6;
    case 'pci-ohci':
      return 3;
    case 'nec-xhci':
    case 'qemu-xhci':
      return c.ports ?? 4;
    case 'qusb1':
      return 4;
    case 'qusb2':
      return 8;
    default:
      return 0;
  }
}

interface Hub {
  /** Child hubs by port index (0-based). */
  readonly ports: (Hub | undefined)[];
  readonly used: boolean[];
}

function newHub(n: number): Hub {
  return { ports: new Array(n).fill(undefined), used: new Array(n).fill(false) };
}

interface Holder {
  address?: Address;
}

/** The USB devices of a domain in libvirt's order; hubs first. */
function usbDevices(def: Domain): { dev: Holder; hub: boolean }[] {
  const d = def.devices ?? {};
  const out: { dev: Holder; hub: boolean }[] = [];
  for (const h of d.hubs ?? []) if ((h.type ?? 'usb') === 'usb') out.push({ dev: h, hub: true });
  for (const h of d.hostdevs ?? []) if ((h.mode ?? 'subsystem') === 'subsystem' && h.type === 'usb') out.push({ dev: h, hub: false });
  for (const disk of d.disks ?? []) if (disk.target?.bus === 'usb') out.push({ dev: disk, hub: false });
  for (const c of d.controllers ?? []) if (c.type === 'ccid') out.push({ dev: c, hub: false });
  for (const i of d.inputs ?? []) if (i.bus === 'usb') out.push({ dev: i, hub: false });
  for (const s of d.serials ?? []) if (s.target?.type === 'usb-serial') out.push({ dev: s, hub: false });
  for (const s of d.sounds ?? []) if (s.model === 'usb') out.push({ dev: s, hub: false });
  for (const r of d.redirdevs ?? []) if ((r.bus ?? 'usb') === 'usb') out.push({ dev: r, hub: false });
  return out;
}

function hasUsbAddress(dev: Holder): boolean {
  return dev.address?.type === 'usb' && dev.address.port !== undefined && dev.address.port !== '';
}

export class UsbAddressError extends Error {}

/**
 * A new domain with more USB devices than free ports gets as many 8-port hubs as it takes (each
 * hub uses one port itself). Returns whether hubs were added.
 */
function addUsbHubs(def: Domain, devs: readonly { dev: Holder; hub: boolean }[]): boolean {
  const d = def.devices;
  if (!d) return false;
  const needing = devs.filter((x) => !hasUsbAddress(x.dev)).length;
  let ports = 0;
  for (const c of d.controllers ?? []) if (c.type === 'usb') ports += controllerPorts(c);
  for (const h of d.hubs ?? []) if ((h.type ?? 'usb') === 'usb') ports += HUB_PORTS;
  if (needing <= ports || !(d.controllers ?? []).some((c) => c.type === 'usb' && c.model !== 'none')) return false;
  const hubs = Math.ceil((needing - ports + 1) / (HUB_PORTS - 1));
  for (let i = 0; i < hubs; i++) (d.hubs ??= []).push({ type: 'usb' });
  return true;
}

/** Marks `path` (1-based ports) used on `root`; a hub device there gets its own ports. */
function reservePath(root: Hub, path: number[], isHub: boolean): void {
  let hub: Hub | undefined = root;
  for (let i = 0; i < path.length - 1; i++) hub = hub?.ports[path[i] - 1];
  const p = path[path.length - 1] - 1;
  if (!hub || p < 0 || p >= hub.used.length) return;
  hub.used[p] = true;
  if (isHub) hub.ports[p] = newHub(HUB_PORTS);
}

/** First free port below `hub`: its own ports first, then (depth-first) those of hubs on it. */
function findFree(hub: Hub, depth: number): number[] | undefined {
  const own = hub.used.findIndex((u) => !u);
  if (own >= 0) return [own + 1];
  if (depth >= 4) return undefined;
  for (let i = 0; i < hub.ports.length; i++) {
    const child = hub.ports[i];
    if (!child) continue;
    const sub = findFree(child, depth + 1);
    if (sub) return [i + 1, ...sub];
  }
  return undefined;
}

/**
 * Assigns USB addresses. With `newDomain` false (a definition being loaded), nothing is
 * assigned unless every USB device already has an address.
 */
export function assignUsbAddresses(def: Domain, newDomain: boolean): void {
  let devs = usbDevices(def);
  if (!devs.length) return;
  if (!newDomain && devs.some((x) => !hasUsbAddress(x.dev))) return;
  if (newDomain && addUsbHubs(def, devs)) devs = usbDevices(def);
  const buses = new Map<number, Hub>();
  for (const c of def.devices?.controllers ?? []) {
    if (c.type !== 'usb' || c.model === 'none' || c.master) continue;
    buses.set(c.index ?? 0, newHub(controllerPorts(c)));
  }
  const order = [...buses.keys()].sort((a, b) => a - b);
  for (const { dev, hub } of devs) {
    if (!hasUsbAddress(dev)) continue;
    const a = dev.address as Address;
    const root = buses.get(a.bus ?? 0);
    if (root) reservePath(root, String(a.port).split('.').map(Number), hub);
  }
  for (const { dev, hub } of devs) {
    if (hasUsbAddress(dev)) continue;
    // A device with another kind of address keeps it; validation rejects it with libvirt's message.
    if (dev.address && dev.address.type !== 'usb') continue;
    let placed = false;
    for (const b of order) {
      const root = buses.get(b) as Hub;
      const path = findFree(root, 0);
      if (!path) continue;
      reservePath(root, path, hub);
      dev.address = { type: 'usb', bus: b, port: path.join('.') };
      placed = true;
      break;
    }
    if (!placed) throw new UsbAddressError('No free USB ports');
  }
}
