/**
 * The numbers behind `-blockdev` node names (`libvirt-N-storage`, `libvirt-N-format`,
 * `libvirt-N-backend`) and `-add-fd` fd sets, assigned once per build the way libvirt does when a
 * domain starts:
 *
 *   - disks from the LAST to the first; within a disk, its image chain from the top down (the
 *     top image, then each backing image); every disk takes a number, even an empty CD-ROM;
 *   - then SCSI host devices (not vhost-scsi), first to last, one number each;
 *   - then, again from the last disk to the first, the backing images the launcher read from the
 *     image files (`ArgvContext.detectedBackingStores`): libvirt numbers them when it determines
 *     the disk chains, after everything the XML names;
 *   - fd sets (`<source fdgroup=...>`) are numbered from 0 in the same walk as the images.
 *
 * So the first disk of a domain has the highest numbers, and numbers are printed "counting down".
 */
import type { Domain } from '../../../../model/domain/domain';
import type { Disk } from '../../../../model/domain/devices/disk';
import type { Hostdev } from '../../../../model/domain/devices/hostdev';
import type { BackingStore } from '../../../../model/domain/devices/storage-source';
import type { ArgvState } from '../build';
import { libvirtDiskOrder } from '../../../../model/domain/devices/disk-order';

export { diskNameIndex, libvirtDiskOrder } from '../../../../model/domain/devices/disk-order';

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

/** The chain of `disk`, top first: the disk, then each backing store that names an image. */
export function chainElements(disk: Disk): ChainElement[] {
  const out: ChainElement[] = [disk];
  for (let bs = disk.backingStore; bs && bs.type !== undefined; bs = bs.backingStore) out.push(bs);
  return out;
}

/** Whether `el` is a backing image read from the image files rather than named in the XML. */
function isDetected(el: ChainElement, detected: ReadonlySet<BackingStore> | undefined): boolean {
  return detected !== undefined && detected.has(el as BackingStore);
}

/** True for a SCSI hostdev that QEMU reaches through a `-blockdev` (not vhost-scsi). */
export function isScsiBlockHostdev(h: Hostdev): boolean {
  return (h.mode ?? 'subsystem') === 'subsystem' && h.type === 'scsi';
}

function assign(def: Domain, detected: ReadonlySet<BackingStore> | undefined): StorageIds {
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
      if (isDetected(el, detected)) continue;
      nodes.set(el, next++);
      if (el.source?.fdgroup !== undefined) fdsets.set(el, nextFdset++);
    }
  }
  for (const h of def.devices?.hostdevs ?? []) {
    if (isScsiBlockHostdev(h)) hostdevs.set(h, next++);
  }
  for (let i = disks.length - 1; i >= 0 && detected !== undefined; i--) {
    if (disks[i].target?.bus === 'sd') continue;
    for (const el of chainElements(disks[i])) if (isDetected(el, detected)) nodes.set(el, next++);
  }
  return { nodes, hostdevs, fdsets };
}

/** The numbering for `def`, computed on first use in a build and kept in `state`. */
export function storageIds(def: Domain, state: ArgvState, detected?: ReadonlySet<BackingStore>): StorageIds {
  let ids = state.notes.get(STORAGE_IDS_NOTE) as StorageIds | undefined;
  if (!ids) {
    ids = assign(def, detected);
    state.notes.set(STORAGE_IDS_NOTE, ids);
  }
  return ids;
}
