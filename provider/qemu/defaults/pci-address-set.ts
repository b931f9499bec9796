/**
 * The guest's PCI buses and which slots/functions are taken, for address assignment.
 *
 * Each bus is the bus behind one PCI controller (bus N = the controller with index N). What may
 * plug into a bus is a set of connection types (a PCI endpoint, a PCIe endpoint, a root port, a
 * bridge...), plus whether the bus supports hotplug; each device states the connection type it
 * needs (see pci-connect.ts). Auto-assignment takes the first compatible bus in index order and
 * the lowest free slot on it. Devices marked "aggregate" (PCIe root ports) share slots, filling
 * functions 0-7 of a slot before moving on.
 *
 * In a dry run the set grows new buses (root ports, bridges) when no compatible slot is left, so
 * that a first pass can count which controllers the domain needs.
 */
import type { ControllerModel } from '../../../model/domain/devices/controller';
import type { PciAddr } from './device-list';

/** Connection types and properties (a bit set). */
export const PCI = {
  DEVICE: 1 << 0,
  PCIE_DEVICE: 1 << 1,
  ROOT_PORT: 1 << 2,
  SWITCH_UPSTREAM: 1 << 3,
  SWITCH_DOWNSTREAM: 1 << 4,
  DMI_TO_PCI_BRIDGE: 1 << 5,
  PCIE_EXPANDER_BUS: 1 << 6,
  PCI_EXPANDER_BUS: 1 << 7,
  PCI_BRIDGE: 1 << 8,
  PCIE_TO_PCI_BRIDGE: 1 << 9,
  /** Mask of the connection types above. */
  TYPES: (1 << 10) - 1,
  /** Device: must be hot-pluggable. Bus: supports hotplug. */
  HOTPLUGGABLE: 1 << 16,
  /** Bus: devices may be auto-assigned to it. */
  AUTOASSIGN: 1 << 17,
  /** Device: may share a slot with others of its kind (functions 0-7). */
  AGGREGATE_SLOT: 1 << 18,
} as const;

export type PciBusModel = Extract<
  ControllerModel,
  | 'pci-root'
  | 'pcie-root'
  | 'pci-bridge'
  | 'dmi-to-pci-bridge'
  | 'pcie-to-pci-bridge'
  | 'pcie-root-port'
  | 'pcie-switch-upstream-port'
  | 'pcie-switch-downstream-port'
  | 'pci-expander-bus'
  | 'pcie-expander-bus'
>;

/** The connection type of a PCI controller model itself (what it needs to plug into). */
export function controllerConnectFlags(model: string | undefined): number {
  switch (model) {
    case 'pci-bridge':
      return PCI.PCI_BRIDGE;
    case 'pci-expander-bus':
      return PCI.PCI_EXPANDER_BUS;
    case 'pcie-expander-bus':
      return PCI.PCIE_EXPANDER_BUS;
    case 'dmi-to-pci-bridge':
      return PCI.DMI_TO_PCI_BRIDGE;
    case 'pcie-to-pci-bridge':
      return PCI.PCIE_TO_PCI_BRIDGE;
    case 'pcie-root-port':
      return PCI.ROOT_PORT | PCI.AGGREGATE_SLOT;
    case 'pcie-switch-upstream-port':
      return PCI.SWITCH_UPSTREAM;
    case 'pcie-switch-downstream-port':
      return PCI.SWITCH_DOWNSTREAM;
    default:
      return 0;
  }
}

interface Slot {
  /** Bit N set: function N taken. */
  functions: number;
  /** Function 0 was taken by an aggregating device: others of that kind may join. */
  aggregate: boolean;
}

export interface PciBus {
  readonly model: PciBusModel;
  /** What may plug in (connection types | HOTPLUGGABLE | AUTOASSIGN). */
  readonly flags: number;
  readonly minSlot: number;
  readonly maxSlot: number;
  readonly slots: Slot[];
}

/** The bus behind a controller model: accepted connections and usable slot range. */
export function newBus(model: PciBusModel): PciBus {
  const auto = PCI.AUTOASSIGN;
  const hp = PCI.HOTPLUGGABLE;
  let flags: number;
  let minSlot = 0;
  let maxSlot = 31;
  switch (model) {
    case 'pci-root':
      flags = auto | hp | PCI.DEVICE | PCI.PCI_BRIDGE | PCI.PCI_EXPANDER_BUS;
      minSlot = 1;
      break;
    case 'pcie-root':
      flags = auto | PCI.PCIE_DEVICE | PCI.ROOT_PORT | PCI.DMI_TO_PCI_BRIDGE | PCI.PCIE_EXPANDER_BUS;
      minSlot = 1;
      break;
    case 'pci-bridge':
      flags = auto | hp | PCI.DEVICE | PCI.PCI_BRIDGE;
      minSlot = 1;
      break;
    case 'pci-expander-bus':
      flags = auto | hp | PCI.DEVICE | PCI.PCI_BRIDGE;
      break;
    case 'pcie-expander-bus':
      flags = auto | PCI.ROOT_PORT;
      break;
    case 'dmi-to-pci-bridge':
      flags = auto | PCI.DEVICE | PCI.PCI_BRIDGE;
      break;
    case 'pcie-to-pci-bridge':
      flags = auto | hp | PCI.DEVICE;
      minSlot = 1;
      break;
    case 'pcie-root-port':
    case 'pcie-switch-downstream-port':
      flags = auto | hp | PCI.PCIE_DEVICE | PCI.SWITCH_UPSTREAM | PCI.PCIE_TO_PCI_BRIDGE;
      maxSlot = 0;
      break;
    case 'pcie-switch-upstream-port':
      flags = auto | PCI.SWITCH_DOWNSTREAM;
      break;
  }
  const slots: Slot[] = [];
  for (let i = 0; i <= 31; i++) slots.push({ functions: 0, aggregate: false });
  return { model, flags, minSlot, maxSlot, slots };
}

/** Whether a device with `dev` flags may be auto-placed on a bus with `bus` flags. */
export function flagsCompatible(bus: number, dev: number): boolean {
  if (!(dev & bus & PCI.TYPES)) return false;
  if (dev & PCI.HOTPLUGGABLE && !(bus & PCI.HOTPLUGGABLE)) return false;
  return true;
}

export class PciAddressError extends Error {}

export class PciAddressSet {
  readonly buses: PciBus[];
  /** Buses added by growth in a dry run, in order. */
  readonly grown: PciBusModel[] = [];

  constructor(
    models: readonly PciBusModel[],
    readonly dryRun: boolean,
    /** QEMU has pcie-pci-bridge: legacy PCI devices on a PCIe machine go behind one. */
    readonly pcieToPciBridge: boolean,
  ) {
    this.buses = models.map(newBus);
  }

  slotInUse(a: PciAddr): boolean {
    return (this.buses[a.bus]?.slots[a.slot]?.functions ?? 0) !== 0;
  }

  functionInUse(a: PciAddr): boolean {
    return ((this.buses[a.bus]?.slots[a.slot]?.functions ?? 0) & (1 << a.function)) !== 0;
  }

  /** Marks an address taken (explicit addresses, fixed chipset functions). Out-of-range buses are ignored. */
  reserve(a: PciAddr, flags = 0): void {
    const slot = this.buses[a.bus]?.slots[a.slot];
    if (!slot) return;
    slot.functions |= 1 << a.function;
    if (flags & PCI.AGGREGATE_SLOT) slot.aggregate = true;
  }

  /** True when every usable slot of the bus has a function taken. */
  busFullyReserved(bus: PciBus): boolean {
    for (let s = bus.minSlot; s <= bus.maxSlot; s++) if (bus.slots[s].functions === 0) return false;
    return true;
  }

  /**
   * The first free address for a device with connection `flags`: buses in index order, slots
   * from the bus's lowest; an aggregating device may take the next free function of a slot
   * other aggregating devices started. Grows the set in a dry run; throws otherwise.
   */
  reserveNext(flags: number): PciAddr {
    for (let b = 0; b < this.buses.length; b++) {
      const bus = this.buses[b];
      if (!flagsCompatible(bus.flags, flags)) continue;
      for (let s = bus.minSlot; s <= bus.maxSlot; s++) {
        const slot = bus.slots[s];
        if (slot.functions === 0) return this.take({ domain: 0, bus: b, slot: s, function: 0 }, flags);
        if (flags & PCI.AGGREGATE_SLOT && slot.aggregate) {
          for (let f = 0; f < 8; f++) if (!(slot.functions & (1 << f))) return this.take({ domain: 0, bus: b, slot: s, function: f }, flags);
        }
      }
    }
    if (!this.dryRun) throw new PciAddressError('No more available PCI slots');
    const bus = this.grow(flags);
    return this.take({ domain: 0, bus, slot: this.buses[bus].minSlot, function: 0 }, flags);
  }

  private take(a: PciAddr, flags: number): PciAddr {
    this.reserve(a, flags);
    return a;
  }

  /** Dry run: adds buses of the kind a device with `flags` needs until bus `bus` exists. */
  growTo(bus: number, flags: number): void {
    while (this.buses.length <= bus) this.grow(flags);
  }

  /**
   * Adds the buses a device with `flags` needs and returns the one it goes on: a pcie-root-port
   * for a PCIe device; for a legacy PCI device a pci-bridge, preceded (when nothing accepts a
   * pci-bridge yet) by a pcie-root-port + pcie-to-pci-bridge pair, or a dmi-to-pci-bridge when
   * QEMU lacks pcie-pci-bridge.
   */
  private grow(flags: number): number {
    const add = (m: PciBusModel): number => {
      this.buses.push(newBus(m));
      this.grown.push(m);
      return this.buses.length - 1;
    };
    if (flags & PCI.DEVICE) {
      const hasBridgeBus = this.buses.some((b) => b.flags & PCI.PCI_BRIDGE);
      if (!hasBridgeBus) {
        if (this.pcieToPciBridge) {
          add('pcie-root-port');
          return add('pcie-to-pci-bridge');
        }
        add('dmi-to-pci-bridge');
      }
      return add('pci-bridge');
    }
    if (flags & (PCI.PCIE_DEVICE | PCI.PCIE_TO_PCI_BRIDGE | PCI.SWITCH_UPSTREAM)) return add('pcie-root-port');
    throw new PciAddressError(`Cannot automatically add a new PCI bus for a device with connect flags ${(flags & 0xffff).toString(16).padStart(2, '0')}`);
  }
}
