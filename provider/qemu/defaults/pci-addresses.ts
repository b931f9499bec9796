/**
 * PCI address assignment as libvirt's QEMU driver does it at define time.
 *
 * 1. A dry run places every device that needs a PCI address, growing buses (pcie-root-ports on
 *    PCIe machines, pci-bridges, a pcie-to-pci-bridge for legacy devices on PCIe machines) when
 *    none has a compatible free slot. On a PCIe machine whose only controller was the root, one
 *    more pcie-root-port is added when any were, so the guest keeps a free port for hotplug. On a
 *    conventional PCI machine one spare slot is kept for a future bridge.
 * 2. The buses found are added as controllers.
 * 3. The real pass reserves explicit addresses and the chipset's fixed functions (i440FX: IDE
 *    01.1, UHCI 01.2, primary video 02.0; Q35: SATA 1f.2, ISA/SMBus 1f.0/1f.3, primary video
 *    01.0, ICH9 sound 1b.0, DMI bridge 1e.0), then assigns, in libvirt's order: PCI controllers,
 *    filesystems, network interfaces, sound cards, other controllers, virtio disks, host
 *    devices (hostdev-type interfaces first), memballoon, RNGs, watchdog, videos, shared memory, virtio inputs, PCI serials,
 *    vsock, virtio memory devices, virtio IOMMU.
 * 4. Function 0 of a slot with other functions in use gets multifunction='on'; PCI controllers
 *    get their QEMU model name and chassis/port numbers.
 */
import type { Domain } from '../../../model/domain/domain';
import type { Controller } from '../../../model/domain/devices/controller';
import type { QemuCaps } from '../caps';
import { hasFlag } from '../caps';
import { PCI, PciAddressError, PciAddressSet, controllerConnectFlags, flagsCompatible, type PciBusModel } from './pci-address-set';
import {
  connectClasses,
  controllerFlags,
  hasPciRoot,
  hasPcieRoot,
  inputFlags,
  iommuFlags,
  memoryFlags,
  netFlags,
  soundFlags,
  videoFlags,
  type ConnectClasses,
} from './pci-connect';
import { type Addressable, type PciAddr, maybeAddController, memoryDevices, pciAddressOf, setPciAddress } from './device-list';
import { isI440fx, isQ35 } from './machine';

/** Whether the device wants an address: none yet, or an all-zero `<address type='pci'/>`. */
export function pciAddressWanted(dev: Addressable): boolean {
  const a = dev.address;
  if (!a) return true;
  return a.type === 'pci' && !(a.domain || a.bus || a.slot || a.function);
}

function pciAddressPresent(dev: Addressable): boolean {
  return pciAddressOf(dev) !== undefined && !pciAddressWanted(dev);
}

const USB2_COMPANION_FUNCTION: Readonly<Record<string, number>> = {
  'ich9-ehci1': 7,
  'ich9-uhci1': 0,
  'ich9-uhci2': 1,
  'ich9-uhci3': 2,
};

function isUsb2Controller(c: Controller): boolean {
  return c.type === 'usb' && c.model !== undefined && c.model in USB2_COMPANION_FUNCTION;
}

/** One device to place: where its address lives and the connection it needs. */
interface Item {
  readonly dev: Addressable;
  readonly flags: number;
  /** Placement that is not "next free address" (USB2 companions, ICH9 sound). */
  readonly special?: (set: PciAddressSet) => boolean;
}

/**
 * The devices needing an address, in libvirt's assignment order (controllers first); with `all`,
 * every PCI device whatever its address.
 */
function items(def: Domain, k: ConnectClasses, all = false): Item[] {
  const d = def.devices ?? {};
  const out: Item[] = [];
  const want = (dev: Addressable, flags: number, special?: Item['special']) => {
    if (flags && (all || pciAddressWanted(dev))) out.push({ dev, flags, ...(special ? { special } : {}) });
  };
  const controllers = d.controllers ?? [];
  for (const c of controllers) {
    if (c.type !== 'pci' || c.model === 'pci-root' || c.model === 'pcie-root') continue;
    want(c, controllerConnectFlags(c.model));
  }
  for (const fs of d.filesystems ?? []) want(fs, fs.model === 'virtio-transitional' ? k.pci : k.virtio);
  for (const net of d.interfaces ?? []) {
    if (net.type === 'hostdev') continue;
    want(net, netFlags(net.model?.type, net.type, k));
  }
  for (const s of d.sounds ?? []) {
    const special = s.model === 'ich9' && isQ35(def) ? reserveFixed(s, 0x1b) : undefined;
    want(s, soundFlags(s.model, k), special);
  }
  for (const c of controllers) {
    const type = c.type ?? 'ide';
    if (type === 'pci' || type === 'fdc' || type === 'ccid') continue;
    if (type === 'usb' && c.model === 'none') continue;
    if (type === 'ide' && c.index === 0) continue;
    want(c, controllerFlags(c, k), isUsb2Controller(c) ? usb2Companion(c, controllers) : undefined);
  }
  for (const disk of d.disks ?? []) {
    if (disk.target?.bus !== 'virtio') continue;
    if (disk.address && disk.address.type !== 'pci') continue;
    want(disk, disk.model === 'virtio-transitional' ? k.pci : k.virtio);
  }
  // A hostdev-type interface is also a host device (libvirt lists it first among them).
  for (const net of d.interfaces ?? []) {
    if (net.type === 'hostdev' && (net.source?.hostAddress?.type ?? 'pci') === 'pci') want(net, k.pcie);
  }
  for (const h of d.hostdevs ?? []) {
    if ((h.mode ?? 'subsystem') !== 'subsystem') continue;
    if (h.type === 'pci') want(h, k.pcie);
    else if (h.type === 'mdev' && (h.model ?? 'vfio-pci') === 'vfio-pci') want(h, k.pcie);
    else if (h.type === 'scsi_host') want(h, h.model === 'virtio-transitional' ? k.pci : k.pcie);
  }
  const balloon = d.memballoon;
  if (balloon && (balloon.model === 'virtio' || balloon.model === 'virtio-transitional' || balloon.model === 'virtio-non-transitional')) {
    want(balloon, balloon.model === 'virtio-transitional' ? k.pci : k.virtio);
  }
  for (const rng of d.rngs ?? []) want(rng, rng.model === 'virtio-transitional' ? k.pci : k.virtio);
  if (d.watchdog?.model === 'i6300esb') want(d.watchdog, k.pci);
  for (const v of d.videos ?? []) want(v, videoFlags(v.model?.type, k));
  for (const sh of d.shmems ?? []) want(sh, k.pci);
  for (const inp of d.inputs ?? []) want(inp, inputFlags(inp.bus, inp.model, k));
  for (const s of d.serials ?? []) if (s.target?.type === 'pci-serial') want(s, k.pci);
  if (d.vsock) want(d.vsock, d.vsock.model === 'virtio-transitional' ? k.pci : k.virtio);
  for (const m of memoryDevices(def)) want(m, memoryFlags(m.model, k));
  if (d.iommu) want(d.iommu, iommuFlags(d.iommu.model, k));
  return out;
}

/** Place the device at 00:SLOT.0 when that slot is free; otherwise the normal rules apply. */
function reserveFixed(dev: Addressable, slot: number): (set: PciAddressSet) => boolean {
  return (set) => {
    const a: PciAddr = { domain: 0, bus: 0, slot, function: 0 };
    if (set.slotInUse(a)) return false;
    set.reserve(a);
    if (!set.dryRun) setPciAddress(dev, a);
    return true;
  };
}

/**
 * USB2 controllers sharing an index form one multifunction device: the EHCI master on function
 * 7, UHCI companions on 0-2 of the same slot. The first one placed picks a free slot.
 */
function usb2Companion(c: Controller, controllers: readonly Controller[]): (set: PciAddressSet) => boolean {
  return (set) => {
    const fn = USB2_COMPANION_FUNCTION[c.model as string];
    const placed = controllers.find((o) => isUsb2Controller(o) && o.index === c.index && pciAddressPresent(o));
    const base = placed ? pciAddressOf(placed) : undefined;
    let a: PciAddr;
    if (base) {
      a = { ...base, function: fn };
      set.reserve(a);
    } else {
      a = nextWithFunction(set, controllerConnectFlagsForUsb(), fn);
    }
    if (!set.dryRun) {
      setPciAddress(c, a);
      if (fn === 0 && c.address) c.address.multifunction = 'on';
    }
    return true;
  };
}

function controllerConnectFlagsForUsb(): number {
  return PCI.DEVICE | PCI.HOTPLUGGABLE;
}

/** The first slot whose function `fn` is free on a compatible bus (USB2 companion placement). */
function nextWithFunction(set: PciAddressSet, flags: number, fn: number): PciAddr {
  if (fn === 0) return set.reserveNext(flags);
  for (let b = 0; b < set.buses.length; b++) {
    const bus = set.buses[b];
    if (!flagsCompatible(bus.flags, flags)) continue;
    for (let s = bus.minSlot; s <= bus.maxSlot; s++) {
      if (bus.slots[s].functions === 0) {
        const a = { domain: 0, bus: b, slot: s, function: fn };
        set.reserve(a);
        return a;
      }
    }
  }
  return set.reserveNext(flags);
}

/** The USB2 controller of an index that the Q35 chipset step places: its EHCI1, or a UHCI1 without one. */
function isChipsetUsb2(c: Controller, controllers: readonly Controller[]): boolean {
  if (c.model === 'ich9-ehci1') return true;
  return c.model === 'ich9-uhci1' && !controllers.some((o) => o.type === 'usb' && o.index === c.index && o.model === 'ich9-ehci1');
}

/**
 * Every PCI address already in the definition, reserved before assignment. In a dry run an
 * address on a bus that does not exist yet adds the buses up to it (pci-bridges for PCI devices,
 * pcie-root-ports for PCIe devices).
 */
function reserveExisting(def: Domain, set: PciAddressSet, k?: ConnectClasses): void {
  const flags = new Map<Addressable, number>();
  if (set.dryRun && k) for (const it of items(def, k, true)) flags.set(it.dev, it.flags);
  forEachAddressable(def, (dev) => {
    const a = pciAddressOf(dev);
    if (!a || pciAddressWanted(dev)) return;
    if (set.dryRun && k && a.bus >= set.buses.length) set.growTo(a.bus, flags.get(dev) || k.pci);
    set.reserve(a, isRootPort(dev) ? PCI.AGGREGATE_SLOT : 0);
  });
}

function isRootPort(dev: Addressable): boolean {
  return (dev as Controller).type === 'pci' && (dev as Controller).model === 'pcie-root-port';
}

/** A PCI address written with some fields left out has them as 0 (libvirt prints all four). */
export function normalizePciAddresses(def: Domain): void {
  forEachAddressable(def, (dev) => {
    const a = dev.address;
    if (a?.type !== 'pci') return;
    a.domain ??= 0;
    a.bus ??= 0;
    a.slot ??= 0;
    a.function ??= 0;
  });
}

/** Calls `fn` for every device of the domain that has an address slot. */
export function forEachAddressable(def: Domain, fn: (dev: Addressable) => void): void {
  const d = def.devices as Record<string, unknown> | undefined;
  if (!d) return;
  for (const v of Object.values(d)) {
    const list = Array.isArray(v) ? v : v && typeof v === 'object' ? [v] : [];
    for (const dev of list) if (dev && typeof dev === 'object') fn(dev as Addressable);
  }
}

/**
 * The chipset's fixed functions: what QEMU puts at fixed addresses whatever the configuration,
 * and the first slot QEMU would give the primary video adapter.
 */
function reserveChipset(def: Domain, set: PciAddressSet, k: ConnectClasses): void {
  const controllers = def.devices?.controllers ?? [];
  if (isI440fx(def)) {
    for (const c of controllers) {
      if ((c.type ?? 'ide') === 'ide' && c.index === 0 && !pciAddressPresent(c)) {
        setPciAddress(c, { domain: 0, bus: 0, slot: 1, function: 1 });
      } else if (c.type === 'usb' && c.index === 0 && (c.model === 'piix3-uhci' || c.model === undefined) && !pciAddressPresent(c)) {
        setPciAddress(c, { domain: 0, bus: 0, slot: 1, function: 2 });
      }
    }
    set.reserve({ domain: 0, bus: 0, slot: 1, function: 0 });
    reservePrimaryVideo(def, set, 2, k);
  } else if (isQ35(def)) {
    for (const c of controllers) {
      if (c.type === 'sata' && c.index === 0 && !pciAddressPresent(c)) {
        setPciAddress(c, { domain: 0, bus: 0, slot: 0x1f, function: 2 });
      } else if (c.type === 'usb' && !c.address && isChipsetUsb2(c, controllers)) {
        // Q35 boards have their USB2 controllers at 00:1d and 00:1a: the first two USB2 groups
        // go there (the master on function 7, a master-less UHCI1 on 0); the rest of each group
        // joins it later.
        for (const slot of [0x1d, 0x1a]) {
          const fn = USB2_COMPANION_FUNCTION[c.model as string];
          const a = { domain: 0, bus: 0, slot, function: fn };
          if (set.slotInUse(a)) continue;
          set.reserve(a);
          setPciAddress(c, a);
          if (fn === 0) (c as Addressable).address!.multifunction = 'on';
          break;
        }
      } else if (c.type === 'pci' && c.model === 'dmi-to-pci-bridge' && !c.address) {
        const a = { domain: 0, bus: 0, slot: 0x1e, function: 0 };
        if (!set.slotInUse(a)) {
          set.reserve(a);
          setPciAddress(c, a);
        }
      }
    }
    set.reserve({ domain: 0, bus: 0, slot: 0x1f, function: 0 });
    set.reserve({ domain: 0, bus: 0, slot: 0x1f, function: 3 });
    reservePrimaryVideo(def, set, 1, k);
  }
}

/** The primary video adapter takes 00:SLOT.0 when free (QEMU's first free slot after the chipset). */
function reservePrimaryVideo(def: Domain, set: PciAddressSet, slot: number, k: ConnectClasses): void {
  const video = def.devices?.videos?.[0];
  const type = video?.model?.type;
  if (!video || type === 'none' || type === 'ramfb') return;
  if (!pciAddressWanted(video)) return;
  const a: PciAddr = { domain: 0, bus: 0, slot, function: 0 };
  if (set.slotInUse(a)) {
    if (!set.dryRun) setPciAddress(video, set.reserveNext(videoFlags(type, k)));
    else set.reserveNext(videoFlags(type, k));
    return;
  }
  set.reserve(a);
  setPciAddress(video, a);
}

function busModels(def: Domain): PciBusModel[] {
  const pcis = (def.devices?.controllers ?? []).filter((c) => c.type === 'pci' && c.index !== undefined);
  const max = pcis.reduce((m, c) => Math.max(m, c.index as number), -1);
  const models: PciBusModel[] = [];
  for (let i = 0; i <= max; i++) {
    const c = pcis.find((x) => x.index === i);
    models.push(((c?.model as PciBusModel | undefined) ?? (i === 0 ? 'pci-root' : 'pci-bridge')) as PciBusModel);
  }
  return models;
}

function assignAll(def: Domain, set: PciAddressSet, k: ConnectClasses): void {
  for (const it of items(def, k)) {
    if (it.special && it.special(set)) continue;
    const a = set.reserveNext(it.flags);
    if (!set.dryRun) setPciAddress(it.dev, a);
  }
}

/** Assigns PCI addresses (and adds the PCI controllers that requires). No-op without a PCI root. */
export function assignPciAddresses(def: Domain, caps: QemuCaps): void {
  if (!hasPciRoot(def) && !hasPcieRoot(def)) return;
  const bridgeOk = hasFlag(caps, 'pcie-pci-bridge');
  const k = connectClasses(def, caps);
  const initial = busModels(def);

  // 1. Dry run: which buses are needed.
  const dry = new PciAddressSet(initial, true, bridgeOk);
  reserveExisting(def, dry, k);
  reserveChipset(def, dry, k);
  if (hasPciRoot(def) && !dry.buses.every((b) => dry.busFullyReserved(b))) dry.reserveNext(PCI.DEVICE | PCI.HOTPLUGGABLE);
  assignAll(def, dry, k);
  if (initial.length <= 1 && dry.buses.length > initial.length && hasPcieRoot(def)) dry.reserveNext(PCI.PCIE_DEVICE | PCI.HOTPLUGGABLE);

  // 2. Add the controllers for the new buses; each needs a slot itself (which may add more).
  for (let i = 1; i < dry.buses.length; i++) {
    const model = dry.buses[i].model;
    if (maybeAddController(def, 'pci', i, model)) dry.reserveNext(controllerConnectFlags(model));
  }

  // 3. The real pass.
  const set = new PciAddressSet(busModels(def), false, bridgeOk);
  reserveExisting(def, set);
  reserveChipset(def, set, k);
  assignAll(def, set, k);

  // 4. Multifunction flags and controller details.
  markMultifunction(def);
  for (const c of def.devices?.controllers ?? []) if (c.type === 'pci') applyPciControllerDetails(def, c, caps);
}

/** Function 0 of a slot whose other functions are in use is marked multifunction='on'. */
function markMultifunction(def: Domain): void {
  const used = new Map<string, number>();
  const key = (a: PciAddr) => `${a.domain}:${a.bus}:${a.slot}`;
  forEachAddressable(def, (dev) => {
    const a = pciAddressOf(dev);
    if (a && a.function !== 0) used.set(key(a), (used.get(key(a)) ?? 0) + 1);
  });
  forEachAddressable(def, (dev) => {
    const a = pciAddressOf(dev);
    if (a && a.function === 0 && used.has(key(a)) && dev.address && dev.address.multifunction === undefined) dev.address.multifunction = 'on';
  });
}

/** The QEMU device for a PCI controller model. */
export function pciControllerModelName(model: string | undefined, caps: QemuCaps): string | undefined {
  switch (model) {
    case 'pci-bridge':
      return 'pci-bridge';
    case 'dmi-to-pci-bridge':
      return 'i82801b11-bridge';
    case 'pcie-root-port':
      return hasFlag(caps, 'pcie-root-port') ? 'pcie-root-port' : 'ioh3420';
    case 'pcie-switch-upstream-port':
      return 'x3130-upstream';
    case 'pcie-switch-downstream-port':
      return 'xio3130-downstream';
    case 'pci-expander-bus':
      return 'pxb';
    case 'pcie-expander-bus':
      return 'pxb-pcie';
    case 'pcie-to-pci-bridge':
      return 'pcie-pci-bridge';
    default:
      return undefined;
  }
}

/**
 * A PCI controller's QEMU model name and numbering: pci-bridge chassisNr = its index; a root
 * port's chassis = index and port = slot*8 + function; a downstream port's chassis = index and
 * port = slot.
 */
function applyPciControllerDetails(def: Domain, c: Controller, caps: QemuCaps): void {
  const name = pciControllerModelName(c.model, caps);
  if (name && !c.pciModel) c.pciModel = { name: name as NonNullable<Controller['pciModel']>['name'] };
  const a = pciAddressOf(c);
  const idx = c.index ?? 0;
  switch (c.model) {
    case 'pci-bridge':
      c.target = { ...(c.target ?? {}), chassisNr: c.target?.chassisNr ?? idx };
      break;
    case 'pcie-root-port':
      c.target = {
        ...(c.target ?? {}),
        chassis: c.target?.chassis ?? idx,
        port: c.target?.port ?? (a ? (a.slot << 3) + a.function : 0),
      };
      break;
    case 'pcie-switch-downstream-port':
      c.target = { ...(c.target ?? {}), chassis: c.target?.chassis ?? idx, port: c.target?.port ?? (a ? a.slot : 0) };
      break;
    case 'pci-expander-bus':
    case 'pcie-expander-bus':
      if (c.target?.busNr === undefined) {
        const busNr = newExpanderBusNr(def);
        if (busNr === undefined) throw new PciAddressError('No free busNr lower than current lowest busNr is available to auto-assign to bus ' + idx + '. Must be manually assigned');
        c.target = { ...(c.target ?? {}), busNr };
      }
      break;
  }
}

/**
 * The bus number of a new expander bus: two below the lowest one in use (256 when none), leaving
 * a number for the bridge inside the expander; none when that would reach the root's numbers.
 */
function newExpanderBusNr(def: Domain): number | undefined {
  let lowest = 256;
  for (const c of def.devices?.controllers ?? []) {
    const n = c.type === 'pci' ? c.target?.busNr : undefined;
    if (n !== undefined && n < lowest) lowest = n;
  }
  return lowest <= 2 ? undefined : lowest - 2;
}
