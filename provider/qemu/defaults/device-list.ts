/**
 * Typed access to a domain's device lists for the QEMU defaults, including kinds that some model
 * versions keep under other names (memory devices), and the controller list operations libvirt
 * uses (lookup by type and index, insertion in libvirt's order).
 */
import type { Domain } from '../../../model/domain/domain';
import type { Devices } from '../../../model/domain/devices';
import type { Controller, ControllerModel, ControllerType } from '../../../model/domain/devices/controller';
import type { MemoryDevice } from '../../../model/domain/devices/memory';
import type { Address } from '../../../model/domain/devices/device-info';
import { sourceOf } from '../../../model/schema';

/** The `<devices>` of a domain, created empty when absent. */
export function devicesOf(def: Domain): Devices {
  return (def.devices ??= {});
}

/** `<memory>` devices (dimm, nvdimm, virtio-pmem, virtio-mem, sgx-epc). */
export function memoryDevices(def: Domain): MemoryDevice[] {
  return ((def.devices as { memories?: MemoryDevice[] } | undefined)?.memories) ?? [];
}

export function controllersOf(def: Domain): Controller[] {
  return (devicesOf(def).controllers ??= []);
}

export function findController(def: Domain, type: ControllerType, index: number): Controller | undefined {
  return def.devices?.controllers?.find((c) => (c.type ?? 'ide') === type && c.index === index);
}

/**
 * Inserts a controller where libvirt's parser puts it: just after the last controller of the
 * same type with a lower index (or before the first with a higher one); at the end when none has
 * its type. A master controller goes before its USB companions of the same index.
 */
export function insertController(list: Controller[], ctrl: Controller, indexOf: (c: Controller) => number | undefined = (c) => c.index): void {
  let at = -1;
  const ctrlIdx = indexOf(ctrl);
  for (let i = list.length - 1; i >= 0; i--) {
    const cur = list[i];
    if ((cur.type ?? 'ide') !== (ctrl.type ?? 'ide')) continue;
    if (ctrlIdx === undefined) {
      at = i + 1;
      break;
    }
    const curIdx = indexOf(cur) ?? -1;
    if (curIdx > ctrlIdx) at = i;
    else if (!ctrl.master && cur.master && curIdx === ctrlIdx) at = i;
    else if (at === -1) {
      at = i + 1;
      break;
    }
  }
  if (at === -1) list.push(ctrl);
  else list.splice(at, 0, ctrl);
}

/**
 * Orders parsed controllers as libvirt's parser does (each inserted with insertController, so
 * controllers of one type are sorted by index, masters before companions). Controllers libvirt
 * adds later are appended instead.
 */
export function sortParsedControllers(def: Domain): void {
  const list = def.devices?.controllers;
  if (!list || list.length < 2) return;
  // Only indexes written in the XML count (the parser sorts before any index is assigned).
  const written = (c: Controller) => {
    const src = sourceOf(c);
    return src && !src.props.has('index') ? undefined : c.index;
  };
  const sorted: Controller[] = [];
  for (const c of list) insertController(sorted, c, written);
  list.splice(0, list.length, ...sorted);
}

/** Appends controller `type`/`index` (with `model`) unless one exists; returns the new one. */
export function maybeAddController(def: Domain, type: ControllerType, index: number, model?: ControllerModel): Controller | undefined {
  if (findController(def, type, index)) return undefined;
  const ctrl: Controller = { type, index, ...(model ? { model } : {}) };
  controllersOf(def).push(ctrl);
  return ctrl;
}

/** DIMM-like memory devices (dimm, nvdimm) without an address take the lowest free slot. */
export function assignDimmSlots(def: Domain): void {
  const mems = memoryDevices(def);
  const used = new Set<number>();
  for (const m of mems) if (m.address?.type === 'dimm' && m.address.slot !== undefined) used.add(m.address.slot);
  for (const m of mems) {
    if ((m.model !== 'dimm' && m.model !== 'nvdimm') || m.address) continue;
    let slot = 0;
    while (used.has(slot)) slot++;
    used.add(slot);
    m.address = { type: 'dimm', slot };
  }
}

/** Anything that can carry a device address. */
export interface Addressable {
  address?: Address;
}

/** A PCI address as numbers; domain is always 0 on the machines virtform supports. */
export interface PciAddr {
  domain: number;
  bus: number;
  slot: number;
  function: number;
}

export function pciAddressOf(dev: Addressable): PciAddr | undefined {
  const a = dev.address;
  if (!a || a.type !== 'pci') return undefined;
  return { domain: a.domain ?? 0, bus: a.bus ?? 0, slot: a.slot ?? 0, function: a.function ?? 0 };
}

export function setPciAddress(dev: Addressable, a: PciAddr): void {
  dev.address = { type: 'pci', domain: a.domain, bus: a.bus, slot: a.slot, function: a.function };
}
