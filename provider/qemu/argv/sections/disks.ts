/**
 * Disks: the floppy controller's boot options, then for each disk in domain order its storage
 * (`-add-fd` fd sets, the objects and `-blockdev` nodes of every image of its chain, deepest
 * backing image first, and a copy-on-read filter node) or its vhost-user `-chardev`, then the
 * guest-visible `-device` (virtio-blk, scsi-hd/cd/block, ide-hd/cd, floppy, usb-storage,
 * vhost-user-blk).
 *
 * Disks whose `<transient shareBacking='yes'/>` overlay libvirt attaches after start, and empty
 * CD-ROM/floppy drives get no storage nodes (an empty drive still gets its `-device`).
 *
 * Owner: storage engineer.
 */
import type { Domain } from '../../../../model/domain/domain';
import type { Disk } from '../../../../model/domain/devices/disk';
import type { BackingStore } from '../../../../model/domain/devices/storage-source';
import { qemuOptEscape, type QemuCommandLine } from '../command-line';
import type { ArgvContext } from '../context';
import type { ArgvState } from '../build';
import { addAddressProps, driveAddressProps } from '../device-address';
import { addDeviceJson } from '../device-json';
import { virtioDeviceProps } from '../virtio-device';
import { isQ35Machine } from '../machine-facts';
import { unsupported, internalError } from '../../validate/errors';
import { MANAGED_PR_ALIAS } from './managed-pr';
import { resolveVolume } from '../storage/pool-volume';
import { storageIds, chainElements, diskNameIndex, libvirtDiskOrder, type StorageIds } from '../storage/storage-ids';
import {
  addFdSet,
  addStorageLayer,
  cacheModeFlags,
  formatNodeName,
  type CacheMode,
  type ChainOptions,
  type StorageLayer,
} from '../storage/blockdev';

/** The cache mode libvirt starts a disk with: a shared writable disk bypasses the host cache. */
export function effectiveCacheMode(disk: Disk): CacheMode | undefined {
  const c = disk.driver?.cache;
  if ((c === undefined || c === 'default') && disk.shareable && !disk.readonly) return 'none';
  return c;
}

/** True when the disk has no medium (a CD-ROM or floppy drive without a source). */
export function isEmptyDisk(disk: Disk): boolean {
  const src = disk.source;
  if (!src) return true;
  switch (disk.type ?? 'file') {
    case 'file':
      return src.file === undefined && src.fdgroup === undefined;
    case 'block':
      return src.dev === undefined;
    case 'dir':
      return src.dir === undefined;
    case 'network':
      return src.protocol === undefined;
    case 'volume':
      return src.pool === undefined || src.volume === undefined;
    default:
      return false;
  }
}

/**
 * Each disk's boot index: its own `<boot order>`, or, with `<os><boot dev=...>`, the position of
 * the first boot device of its kind (cdrom, fd, hd) for the first disk of that kind.
 */
export function diskBootIndexes(def: Domain): Map<Disk, number> {
  const out = new Map<Disk, number>();
  const disks = libvirtDiskOrder(def.devices?.disks ?? []);
  const boots = def.os?.boots ?? [];
  if (boots.length === 0) {
    for (const d of disks) if (d.boot) out.set(d, d.boot.order);
    return out;
  }
  let cd = 0;
  let fd = 0;
  let hd = 0;
  boots.forEach((b, i) => {
    if (b.dev === 'cdrom') cd = i + 1;
    else if (b.dev === 'fd') fd = i + 1;
    else if (b.dev === 'hd') hd = i + 1;
  });
  for (const d of disks) {
    const device = d.device ?? 'disk';
    if (device === 'cdrom') {
      if (cd) out.set(d, cd);
      cd = 0;
    } else if (device === 'floppy') {
      if (fd) out.set(d, fd);
      fd = 0;
    } else {
      if (hd) out.set(d, hd);
      hd = 0;
    }
  }
  return out;
}

function diskLabel(disk: Disk): string {
  return disk.target?.dev ?? disk.source?.file ?? disk.source?.dev ?? '';
}

/** The image chain of a disk, top first, with node names and backing links. */
export function diskLayers(disk: Disk, ids: StorageIds, ctx: ArgvContext): StorageLayer[] {
  const elements = chainElements(disk);
  const layers: StorageLayer[] = [];
  elements.forEach((el, i) => {
    const id = ids.nodes.get(el);
    if (id === undefined) throw internalError(`no storage node number for disk '${diskLabel(disk)}'`);
    const isTop = i === 0;
    let src = el.source ?? {};
    let type = el.type ?? 'file';
    let auth = src.auth ?? (isTop ? disk.auth : undefined);
    if (type === 'volume') {
      const resolved = resolveVolume(src, ctx);
      ({ type, source: src, auth } = resolved);
    }
    // Below the top, each element is a <backingStore> with its own <format> and next layer.
    const bs = isTop ? undefined : (el as BackingStore);
    const next = isTop ? disk.backingStore : bs?.backingStore;
    const nextId = next ? ids.nodes.get(next) : undefined;
    const format = isTop ? (disk.driver?.type ?? 'raw') : (bs?.format?.type ?? 'raw');
    const metadataCacheMaxSize = isTop ? disk.driver?.metadataCache?.maxSize : bs?.format?.metadataCache?.maxSize;
    const fdsetId = ids.fdsets.get(el);
    let fdset: StorageLayer['fdset'];
    if (fdsetId !== undefined) {
      const fds = ctx.fdGroups?.[src.fdgroup ?? ''];
      if (!fds) throw unsupported(`file descriptor group '${src.fdgroup ?? ''}' was not passed to the domain`);
      fdset = { id: fdsetId, fds };
    }
    const reservations = src.reservations;
    let prManager: string | undefined;
    if (reservations?.managed === 'yes') prManager = MANAGED_PR_ALIAS;
    else if (reservations?.source) prManager = `pr-helper-libvirt-${id}-storage`;
    layers.push({
      nodePrefix: `libvirt-${id}`,
      type,
      source: src,
      format,
      readonly: isTop ? !!disk.readonly || disk.device === 'cdrom' : true,
      encryption: src.encryption ?? (isTop ? disk.encryption : undefined),
      auth,
      metadataCacheMaxSize,
      backing: next === undefined ? undefined : next.type === undefined ? null : nextId !== undefined ? `libvirt-${nextId}-format` : undefined,
      fdset,
      prManager,
    });
  });
  return layers;
}

function chainOptions(disk: Disk, ctx: ArgvContext): ChainOptions {
  return {
    cache: effectiveCacheMode(disk),
    io: disk.driver?.io,
    discard: disk.driver?.discard,
    detectZeroes: disk.driver?.detectZeroes,
    floppy: disk.device === 'floppy',
    hostCdrom: disk.device === 'cdrom' && disk.type === 'block' && !!disk.source?.dev && ctx.host.isCdrom?.(disk.source.dev) === true,
  };
}

/** `-chardev` of a vhost-user disk: `chr-vu-<alias>` connected to the backend's socket. */
export function vhostUserChardevAlias(disk: Disk): string {
  return `chr-vu-${disk.alias?.name ?? ''}`;
}

function addVhostUserChardev(cmd: QemuCommandLine, disk: Disk): void {
  const src = disk.source ?? {};
  let opts = `socket,id=${vhostUserChardevAlias(disk)},path=${src.path ?? ''}`;
  if (src.reconnect?.enabled === 'yes') opts += `,reconnect=${src.reconnect.timeout ?? 0}`;
  cmd.add('-chardev', opts);
}

/** The `-device` of a disk; `drive` is the node it reads (undefined for an empty drive). */
export function diskDeviceProps(def: Domain, disk: Disk, ctx: ArgvContext, drive: string | undefined, bootindex: number | undefined): Record<string, unknown> {
  const caps = ctx.caps;
  const bus = disk.target?.bus;
  const device = disk.device ?? 'disk';
  const isVhostUser = disk.type === 'vhostuser';
  let props: Record<string, unknown>;
  let scsiDeviceId: string | undefined;
  let removable: boolean | undefined;
  switch (bus) {
    case 'ide':
    case 'sata':
      props = { driver: device === 'cdrom' ? 'ide-cd' : 'ide-hd' };
      if (disk.address?.type === 'drive') driveAddressProps(props, def, bus, disk.address);
      break;
    case 'scsi':
      if (device === 'lun') props = { driver: 'scsi-block' };
      else {
        props = { driver: device === 'cdrom' ? 'scsi-cd' : 'scsi-hd' };
        if (device !== 'cdrom' && disk.target?.removable) removable = disk.target.removable === 'on';
        scsiDeviceId = disk.serial ?? `drive-${disk.alias?.name ?? ''}`;
      }
      if (disk.address?.type === 'drive') driveAddressProps(props, def, 'scsi', disk.address);
      break;
    case 'virtio': {
      props = virtioDeviceProps(isVhostUser ? 'vhost-user-blk' : 'virtio-blk', { address: disk.address, model: disk.model }, disk.driver, caps);
      const d = disk.driver;
      if (d?.iothread) props.iothread = `iothread${d.iothread}`;
      if (d?.ioeventfd) props.ioeventfd = d.ioeventfd === 'on';
      if (d?.eventIdx) props.event_idx = d.eventIdx === 'on';
      if (!isVhostUser && caps.flags.has('virtio-blk-pci.scsi')) {
        if (device === 'lun') props.scsi = true;
        else if (!caps.flags.has('virtio-blk-pci.scsi.default.disabled')) props.scsi = false;
      }
      if (d?.queues) props['num-queues'] = d.queues;
      if (d?.queueSize) props['queue-size'] = d.queueSize;
      addAddressProps(props, def, disk);
      break;
    }
    case 'usb':
      props = { driver: 'usb-storage' };
      addAddressProps(props, def, disk);
      removable = disk.target?.removable === 'on';
      break;
    case 'fdc':
      props = { driver: 'floppy' };
      if (disk.address?.type === 'drive') driveAddressProps(props, def, 'fdc', disk.address);
      break;
    default:
      throw internalError(`unsupported disk bus '${bus ?? ''}' with device setup`);
  }
  if (bus !== 'virtio' && bus !== 'usb' && disk.acpi?.index) props['acpi-index'] = disk.acpi.index;

  if (scsiDeviceId !== undefined) props.device_id = scsiDeviceId;
  if (disk.shareable) props['share-rw'] = true;
  if (isVhostUser) props.chardev = vhostUserChardevAlias(disk);
  else if (drive) props.drive = drive;
  props.id = disk.alias?.name;
  if (device !== 'floppy' && bootindex) props.bootindex = bootindex;
  if (disk.blockio?.logicalBlockSize) props.logical_block_size = disk.blockio.logicalBlockSize;
  if (disk.blockio?.physicalBlockSize) props.physical_block_size = disk.blockio.physicalBlockSize;
  if (disk.wwn) props.wwn = BigInt(`0x${disk.wwn.replace(/^0x/i, '')}`);
  if (disk.target?.rotationRate) props.rotation_rate = disk.target.rotationRate;
  if (disk.vendor) props.vendor = disk.vendor;
  if (disk.product) props.product = disk.product;
  if (removable !== undefined) props.removable = removable;
  if (device !== 'lun') {
    const flags = cacheModeFlags(effectiveCacheMode(disk));
    if (flags) props['write-cache'] = flags.writeback ? 'on' : 'off';
  }
  const g = disk.geometry;
  if (g) {
    props.cyls = g.cyls;
    props.heads = g.heads;
    props.secs = g.secs;
    if (g.trans && g.trans !== 'auto') props['bios-chs-trans'] = g.trans;
  }
  if (disk.serial) props.serial = disk.serial.replace(/ /g, '\\ ');
  const werror = disk.driver?.errorPolicy;
  const rerror = disk.driver?.rerrorPolicy;
  if (werror === 'enospace') props.werror = 'enospc';
  else if (werror) props.werror = werror;
  if (rerror) props.rerror = rerror;
  else if (werror && werror !== 'enospace') props.rerror = werror;
  return props;
}

/** Boot options of the floppy controller: `-global isa-fdc.bootindexA=N` or Q35's explicit `-device isa-fdc`. */
function addFloppyController(cmd: QemuCommandLine, def: Domain, boot: Map<Disk, number>): void {
  const floppies = (def.devices?.disks ?? []).filter((d) => d.target?.bus === 'fdc');
  if (floppies.length === 0) return;
  let a: number | undefined;
  let b: number | undefined;
  for (const d of floppies) {
    const idx = boot.get(d);
    if (!idx) continue;
    if (d.address?.type === 'drive' && d.address.unit) b = idx;
    else a = idx;
  }
  if (isQ35Machine(def)) {
    const props: Record<string, unknown> = { driver: 'isa-fdc' };
    if (a) props.bootindexA = a;
    if (b) props.bootindexB = b;
    cmd.addJson('-device', props);
  } else {
    if (a) cmd.add('-global', `isa-fdc.bootindexA=${a}`);
    if (b) cmd.add('-global', `isa-fdc.bootindexB=${b}`);
  }
}

/**
 * An SD card: QEMU has no `-device` for it on x86, so it is a legacy
 * `-drive file=...,format=...,if=sd,index=N` (N from the target name) without storage nodes.
 */
function addSdDrive(cmd: QemuCommandLine, disk: Disk): void {
  const parts: string[] = [];
  const src = disk.source ?? {};
  const path = disk.type === 'block' ? src.dev : src.file;
  if (path !== undefined) parts.push(`file=${qemuOptEscape(path)}`);
  if (!isEmptyDisk(disk)) parts.push(`format=${disk.driver?.type === 'aio' ? 'raw' : (disk.driver?.type ?? 'raw')}`);
  parts.push('if=sd', `index=${diskNameIndex(disk.target?.dev)}`);
  if (disk.readonly) parts.push('readonly=on');
  const cache = effectiveCacheMode(disk);
  if (cache && cache !== 'default') parts.push(`cache=${cache}`);
  cmd.add('-drive', parts.join(','));
}

export function buildDisks(cmd: QemuCommandLine, def: Domain, ctx: ArgvContext, state: ArgvState): void {
  const ids = storageIds(def, state, ctx.detectedBackingStores);
  const boot = diskBootIndexes(def);
  addFloppyController(cmd, def, boot);
  for (const disk of libvirtDiskOrder(def.devices?.disks ?? [])) {
    if (disk.transient && disk.transient.shareBacking === 'yes') continue;
    if (disk.target?.bus === 'sd') {
      addSdDrive(cmd, disk);
      continue;
    }
    let drive: string | undefined;
    if (disk.type === 'vhostuser') {
      addVhostUserChardev(cmd, disk);
    } else if (!isEmptyDisk(disk)) {
      const layers = diskLayers(disk, ids, ctx);
      const opts = chainOptions(disk, ctx);
      for (const layer of layers) addFdSet(cmd, layer);
      for (let i = layers.length - 1; i >= 0; i--) addStorageLayer(cmd, ctx, layers[i], opts, i === 0);
      drive = formatNodeName(layers[0]);
      if (disk.driver?.copyOnRead === 'on') {
        const cor = `libvirt-CoR-${disk.target?.dev ?? ''}`;
        cmd.addJson('-blockdev', { driver: 'copy-on-read', 'node-name': cor, file: drive, discard: 'unmap' });
        drive = cor;
      }
    }
    addDeviceJson(cmd, def, diskDeviceProps(def, disk, ctx, drive, boot.get(disk)));
  }
}
