/**
 * Devices and numbers libvirt derives from the others: controller indexes, a disk's bus from
 * its target name, drive addresses of IDE/SATA/SCSI/floppy disks, the controllers those
 * addresses and virtio channels refer to, and a video adapter for a guest with graphics but
 * none configured. These steps are hypervisor independent in libvirt; they are repeated here
 * (each is idempotent) because the QEMU defaults depend on their result.
 */
import type { Domain } from '../../../model/domain/domain';
import type { Disk, DiskBus } from '../../../model/domain/devices/disk';
import type { ControllerType } from '../../../model/domain/devices/controller';
import { applyVideoDefaults } from '../../../model/domain/devices/video';
import type { Controller } from '../../../model/domain/devices/controller';
import { sourceOf } from '../../../model/schema';
import { devicesOf, maybeAddController } from './device-list';
import { defaultVideoType } from './device-defaults';
import type { QemuCaps } from '../caps';

const USB2_MODELS = new Set(['ich9-ehci1', 'ich9-uhci1', 'ich9-uhci2', 'ich9-uhci3']);

/**
 * Controllers without an index get the lowest free index of their type; a USB2 controller right
 * after another USB2 controller joins its index unless that index already has one of its model;
 * PCI roots are index 0.
 */
export function assignControllerIndexes(def: Domain): void {
  const list = def.devices?.controllers ?? [];
  list.forEach((c, i) => {
    if (c.index !== undefined) return;
    if (i > 0 && c.type === 'usb' && USB2_MODELS.has(c.model ?? '')) {
      const prev = list[i - 1];
      const taken = list.some((o) => o !== c && o.type === 'usb' && o.index === prev.index && o.model === c.model);
      if (prev.type === 'usb' && USB2_MODELS.has(prev.model ?? '') && prev.index !== undefined && !taken) {
        c.index = prev.index;
        return;
      }
    }
    if (c.type === 'pci' && (c.model === 'pci-root' || c.model === 'pcie-root')) {
      c.index = 0;
      return;
    }
    let idx = 0;
    while (list.some((o) => o !== c && (o.type ?? 'ide') === (c.type ?? 'ide') && o.index === idx)) idx++;
    c.index = idx;
  });
}

/**
 * libvirt's disk index of a target name: the letters after the bus prefix (`hd`, `sd`, `vd`,
 * `xvd`, `ubd`, `fd`, `mmcblk`) read as a bijective base-26 number (`a`=0, `z`=25, `aa`=26).
 */
export function diskNameToIndex(dst: string): number | undefined {
  const m = /^(?:hd|sd|vd|xvd|ubd|fd|mmcblk)([a-z]+)\d*$/.exec(dst);
  if (!m) return undefined;
  let idx = 0;
  for (const ch of m[1]) idx = idx * 26 + (ch.charCodeAt(0) - 96);
  return idx - 1;
}

/** The bus a target name implies (`hd*` IDE, `sd*` SCSI, `vd*` virtio...); floppies are on fdc. */
export function busFromTarget(disk: Disk): DiskBus | undefined {
  if (disk.device === 'floppy') return 'fdc';
  const dst = disk.target?.dev ?? '';
  if (dst.startsWith('hd')) return 'ide';
  if (dst.startsWith('sd')) return 'scsi';
  if (dst.startsWith('vd')) return 'virtio';
  if (dst.startsWith('xvd')) return 'xen';
  if (dst.startsWith('ubd')) return 'uml';
  if (dst.startsWith('fd')) return 'fdc';
  return undefined;
}

/**
 * Drive address of a disk on a controller-based bus, from its target index: IDE has 2 buses of 2
 * units per controller, SATA 6 units, SCSI 7 units (narrow bus), floppy 2 units.
 */
export function assignDriveAddress(disk: Disk): void {
  if (disk.address) return;
  const bus = disk.target?.bus;
  const idx = diskNameToIndex(disk.target?.dev ?? '');
  if (idx === undefined) return;
  let a: { controller: number; bus: number; unit: number } | undefined;
  switch (bus) {
    case 'ide':
      a = { controller: Math.floor(idx / 4), bus: Math.floor((idx % 4) / 2), unit: idx % 2 };
      break;
    case 'sata':
      a = { controller: Math.floor(idx / 6), bus: 0, unit: idx % 6 };
      break;
    case 'scsi':
      a = { controller: Math.floor(idx / 7), bus: 0, unit: idx % 7 };
      break;
    case 'fdc':
      a = { controller: Math.floor(idx / 2), bus: 0, unit: idx % 2 };
      break;
  }
  if (a) disk.address = { type: 'drive', controller: a.controller, bus: a.bus, target: 0, unit: a.unit };
}

/** Disk buses, target names and drive addresses (the per-disk part). */
export function applyDiskPlacement(def: Domain): void {
  for (const disk of def.devices?.disks ?? []) {
    const t = (disk.target ??= {});
    if (t.bus === undefined) {
      const b = busFromTarget(disk);
      if (b) t.bus = b;
    }
    assignDriveAddress(disk);
  }
}

function addDiskControllers(def: Domain, type: ControllerType, bus: DiskBus): void {
  let max = -1;
  for (const d of def.devices?.disks ?? []) {
    if (d.target?.bus !== bus || d.address?.type !== 'drive') continue;
    max = Math.max(max, d.address.controller ?? 0);
  }
  for (let i = 0; i <= max; i++) maybeAddController(def, type, i);
}

/**
 * The controllers devices refer to: disk controllers up to the highest drive address, the
 * virtio-serial controller of virtio channels and consoles, the CCID controller of smart cards,
 * SCSI controllers of SCSI host devices. New SCSI controllers have no model yet (the caller
 * applies the driver's default).
 */
export function addImplicitControllers(def: Domain): void {
  addDiskControllers(def, 'scsi', 'scsi');
  addDiskControllers(def, 'fdc', 'fdc');
  addDiskControllers(def, 'ide', 'ide');
  addDiskControllers(def, 'sata', 'sata');
  const d = devicesOf(def);
  for (const ch of d.channels ?? []) {
    if (ch.target?.type !== 'virtio') continue;
    const idx = ch.address?.type === 'virtio-serial' ? ch.address.controller ?? 0 : 0;
    maybeAddController(def, 'virtio-serial', idx);
  }
  for (const con of d.consoles ?? []) {
    if (con.target?.type !== 'virtio') continue;
    const idx = con.address?.type === 'virtio-serial' ? con.address.controller ?? 0 : 0;
    maybeAddController(def, 'virtio-serial', idx);
  }
  for (const sc of d.smartcards ?? []) {
    const idx = sc.address?.type === 'ccid' ? sc.address.controller ?? 0 : 0;
    maybeAddController(def, 'ccid', idx);
  }
  // SCSI host devices: controllers up to the highest one used, of the model of the existing
  // controller the last-full one is (so all SCSI host devices keep one controller model).
  let maxScsi = -1;
  let model: Controller['model'];
  for (const h of d.hostdevs ?? []) {
    if (!isScsiHostdev(h) || h.address?.type !== 'drive') continue;
    const idx = h.address.controller ?? 0;
    if (idx <= maxScsi) continue;
    maxScsi = idx;
    const existing = d.controllers?.find((c) => c.type === 'scsi' && c.index === idx);
    if (existing?.model !== undefined) model = existing.model;
  }
  for (let i = 0; i <= maxScsi; i++) maybeAddController(def, 'scsi', i, model);
}

function isScsiHostdev(h: { mode?: string; type?: string }): boolean {
  return (h.mode ?? 'subsystem') === 'subsystem' && h.type === 'scsi';
}

/** Narrow SCSI buses have units 0-6 (7 is the HBA itself). */
const SCSI_UNITS = 7;

/**
 * SCSI host devices without an address take the first free unit (on bus 0, target 0) of
 * controller 0, 1, ...; units used by SCSI disks and other host devices are skipped.
 */
export function assignHostdevDriveAddresses(def: Domain): void {
  const d = def.devices;
  if (!d?.hostdevs?.length) return;
  const used = (controller: number, unit: number): boolean => {
    const same = (a: { type: string; controller?: number; bus?: number; target?: number; unit?: number } | undefined) =>
      a?.type === 'drive' && (a.controller ?? 0) === controller && (a.bus ?? 0) === 0 && (a.target ?? 0) === 0 && (a.unit ?? 0) === unit;
    return (d.disks ?? []).some((x) => x.target?.bus === 'scsi' && same(x.address)) || (d.hostdevs ?? []).some((h) => isScsiHostdev(h) && same(h.address));
  };
  for (const h of d.hostdevs) {
    if (!isScsiHostdev(h) || h.address) continue;
    for (let controller = 0; ; controller++) {
      let unit = 0;
      while (unit < SCSI_UNITS && used(controller, unit)) unit++;
      if (unit < SCSI_UNITS) {
        h.address = { type: 'drive', controller, bus: 0, target: 0, unit };
        break;
      }
    }
  }
}

/** A guest with graphics but no video adapter gets the default one (cirrus on x86). */
export function addImplicitVideo(def: Domain, caps: QemuCaps): void {
  const d = devicesOf(def);
  if (!d.graphics?.length || d.videos?.length) return;
  d.videos = [{ model: { type: defaultVideoType(def, caps) } }];
  applyVideoDefaults(d.videos, def.type);
}

const IMPLIED_TYPES = new Set(['scsi', 'fdc', 'ide', 'sata', 'virtio-serial', 'ccid']);

/**
 * libvirt adds the controllers implied by other devices after the driver's machine defaults, so
 * a default USB/SATA controller or PCI root comes before them. When the generic pass (which runs
 * before this one) has already added such controllers to a parsed document, they are taken out
 * here and added again at the implicit-controller step (addImplicitControllers): controllers
 * that were not in the XML (no source position) and carry nothing but type and index.
 */
export function dropGenericImplicitControllers(def: Domain): Controller[] {
  const list = def.devices?.controllers;
  if (!list || !sourceOf(def)) return [];
  const taken = list.filter(
    (c) => !sourceOf(c) && IMPLIED_TYPES.has(c.type ?? '') && Object.keys(c).every((k) => k === 'type' || k === 'index' || (c as Record<string, unknown>)[k] === undefined),
  );
  if (taken.length) list.splice(0, list.length, ...list.filter((c) => !taken.includes(c)));
  return taken;
}
