/**
 * The numbers behind `-blockdev` node names (`libvirt-N-storage`, `libvirt-N-format`,
 * `libvirt-N-backend`) and `-add-fd` fd sets, assigned once per build the way libvirt does when a
 * domain starts:
 *
 *   - disks from the LAST to the first; within a disk, its image chain from the top down (the
 *     top image, then each backing image); every disk takes a number, even an empty CD-ROM;
 *   - then SCSI host devices (not vhost-scsi), first to last, one number each;
 *   - fd sets (`<source fdgroup=...>`) are numbered from 0 in the same walk as the images.
 *
 * So the first disk of a domain has the highest numbers, and numbers are printed "counting down".
 */
import type { Domain } from '../../../../model/domain/domain';
import type { Disk } from '../../../../model/domain/devices/disk';
import type { Hostdev } from '../../../../model/domain/devices/hostdev';
import type { BackingStore } from '../../../../model/domain/devices/storage-source';
import type { ArgvState } from '../build';

/** One image of a disk's chain: the disk itself (its top image) or one of its backing stores. */
export type ChainElement = Disk | BackingStore;

export interface StorageIds {
  /** Number of each chain element (disk top images and backing stores with a type). */
  readonly nodes: ReadonlyMap<ChainElement, number>;
  /** Number of each SCSI host device's backend node. */
  readonly hostdevs: ReadonlyMap<Hostdev, number>;
  /** fd set id of each chain element whose source names an fd group. */
  readonly fdsets: ReadonlyMap<ChainElement, number>;
}

/** The `ArgvState.notes` key the assignment is kept under (shared by the disk and hostdev sections). */
export const STORAGE_IDS_NOTE = 'storage.ids';

/**
 * The index of a disk target name: `hda`/`sda`/`vda`/`fda`/`xvda` → 0, `vdz` → 25, `vdaa` → 26
 * (letters after the prefix, bijective base 26); -1 when the name has no such letters.
 */
export function diskNameIndex(dev: string | undefined): number {
  const m = /^(?:fd|hd|vd|sd|xvd|ubd)([a-z]+)\d*$/.exec(dev ?? '');
  if (!m) return -1;
  let idx = 0;
  for (const ch of m[1]) idx = idx * 26 + (ch.charCodeAt(0) - 96);
  return idx - 1;
}

/**
 * The disks in the order libvirt keeps them: each disk, as read, goes right before the first
 * following-bus disk with a higher target index, or right after the last disk of its bus, or at
 * the end when its bus has no disk yet. The command line follows this order, and so do storage
 * numbers and boot indexes. (Idempotent: already ordered disks stay as they are.)
 */
export function libvirtDiskOrder(disks: readonly Disk[]): Disk[] {
  const out: Disk[] = [];
  for (const disk of disks) {
    let insertAt = -1;
    for (let i = out.length - 1; i >= 0; i--) {
      if (out[i].target?.bus !== disk.target?.bus) continue;
      if (diskNameIndex(out[i].target?.dev) > diskNameIndex(disk.target?.dev)) insertAt = i;
      else if (insertAt === -1) insertAt = i + 1;
    }
    if (insertAt === -1) out.push(disk);
    else out.splice(insertAt, 0, disk);
  }
  return out;
}

/** The chain of `disk`, top first: the disk, then each backing store that names an image. */
export function chainElements(disk: Disk): ChainElement[] {
  const out: ChainElement[] = [disk];
  for (let bs = disk.backingStore; bs && bs.type !== undefined; bs = bs.backingStore) out.push(bs);
  return out;
}

/** True for a SCSI hostdev that QEMU reaches through a `-blockdev` (not vhost-scsi). */
export function isScsiBlockHostdev(h: Hostdev): boolean {
  return (h.mode ?? 'subsystem') === 'subsystem' && h.type === 'scsi';
}

function assign(def: Domain): StorageIds {
  const nodes = new Map<ChainElement, number>();
  const fdsets = new Map<ChainElement, number>();
  const hostdevs = new Map<Hostdev, number>();
  let next = 1;
  let nextFdset = 0;
  const disks = libvirtDiskOrder(def.devices?.disks ?? []);
  for (let i = disks.length - 1; i >= 0; i--) {
    // SD cards use a legacy -drive, which has no node names.
    if (disks[i].target?.bus === 'sd') continue;
    for (const el of chainElements(disks[i])) {
      nodes.set(el, next++);
      if (el.source?.fdgroup !== undefined) fdsets.set(el, nextFdset++);
    }
  }
  for (const h of def.devices?.hostdevs ?? []) {
    if (isScsiBlockHostdev(h)) hostdevs.set(h, next++);
  }
  return { nodes, hostdevs, fdsets };
}

/** The numbering for `def`, computed on first use in a build and kept in `state`. */
export function storageIds(def: Domain, state: ArgvState): StorageIds {
  let ids = state.notes.get(STORAGE_IDS_NOTE) as StorageIds | undefined;
  if (!ids) {
    ids = assign(def);
    state.notes.set(STORAGE_IDS_NOTE, ids);
  }
  return ids;
}
