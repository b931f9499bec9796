/**
 * Validation rules for disks, host devices and filesystems, with libvirt 9.0's messages: what
 * libvirt rejects when a domain with such devices is defined or started on QEMU.
 *
 * Domain-wide checks first (targets and drive addresses that collide, in libvirt's disk order),
 * then each disk, host device and filesystem.
 *
 * Owner: storage engineer.
 */
import type { Domain } from '../../../model/domain/domain';
import type { Disk } from '../../../model/domain/devices/disk';
import type { Address } from '../../../model/domain/devices/device-info';
import type { Encryption } from '../../../model/domain/devices/storage-source';
import type { QemuCaps } from '../caps';
import type { ArgvContext } from '../argv/context';
import { libvirtDiskOrder } from '../argv/storage/storage-ids';
import { QemuConfigError, internalError, unsupported, xmlError } from './errors';
import { validateControllers } from './controllers';

/** What libvirt prints for a disk's source in messages: its path, device, dir or network name. */
function diskSourceText(disk: Disk): string {
  const s = disk.source;
  return s?.file ?? s?.dev ?? s?.dir ?? s?.name ?? s?.path ?? (s?.volume !== undefined ? `${s.pool ?? ''}/${s.volume}` : '<null>');
}

function driveAddressText(a: Address): string {
  return `controller='${a.controller ?? 0}' bus='${a.bus ?? 0}' target='${a.target ?? 0}' unit='${a.unit ?? 0}`;
}

function sameDriveAddress(a: Address, b: Address): boolean {
  return (a.controller ?? 0) === (b.controller ?? 0) && (a.bus ?? 0) === (b.bus ?? 0) && (a.target ?? 0) === (b.target ?? 0) && (a.unit ?? 0) === (b.unit ?? 0);
}

/** Targets and drive addresses used twice (disks against disks and SCSI hostdevs, hostdevs against hostdevs). */
function checkCollisions(def: Domain): void {
  const disks = libvirtDiskOrder(def.devices?.disks ?? []);
  const scsiHostdevs = (def.devices?.hostdevs ?? []).filter((h) => (h.mode ?? 'subsystem') === 'subsystem' && h.type === 'scsi' && h.address?.type === 'drive');
  for (let i = 0; i < disks.length; i++) {
    for (let j = i + 1; j < disks.length; j++) {
      if (disks[i].target?.dev !== undefined && disks[i].target?.dev === disks[j].target?.dev) {
        throw xmlError(`target '${disks[i].target?.dev}' duplicated for disk sources '${diskSourceText(disks[i])}' and '${diskSourceText(disks[j])}'`);
      }
    }
  }
  for (let i = 0; i < disks.length; i++) {
    const a = disks[i].address;
    if (a?.type !== 'drive') continue;
    for (let j = i + 1; j < disks.length; j++) {
      const b = disks[j].address;
      if (b?.type !== 'drive' || disks[i].target?.bus !== disks[j].target?.bus) continue;
      if (sameDriveAddress(a, b)) {
        throw unsupported(`Found duplicate drive address for disk with target name '${disks[i].target?.dev ?? ''}' ${driveAddressText(a)}'`);
      }
    }
    if (disks[i].target?.bus === 'scsi') {
      for (const h of scsiHostdevs) {
        // libvirt's message lacks the closing quote after the unit.
        if (sameDriveAddress(a, h.address!)) throw unsupported(`using disk target name '${disks[i].target?.dev ?? ''}' conflicts with SCSI host device address ${driveAddressText(a)}`);
      }
    }
  }
  for (let i = 0; i < scsiHostdevs.length; i++) {
    for (let j = i + 1; j < scsiHostdevs.length; j++) {
      if (sameDriveAddress(scsiHostdevs[i].address!, scsiHostdevs[j].address!)) {
        throw unsupported(`SCSI host address ${driveAddressText(scsiHostdevs[i].address!)}' in use by another SCSI host device`);
      }
    }
  }
}

function checkEncryption(enc: Encryption | undefined, format: string | undefined): void {
  if (!enc) return;
  if (enc.cipher) throw unsupported('supplying <cipher> for domain disk definition is unnecessary');
  if (enc.ivgen) throw unsupported('supplying <ivgen> for domain disk definition is unnecessary');
  if (enc.engine !== 'librbd' && (enc.format === 'luks' || enc.format === 'luks2') && format !== undefined && format !== 'raw' && format !== 'qcow2') {
    throw unsupported("encryption is supported only with 'raw' and 'qcow2' image format");
  }
}

function checkFormat(format: string | undefined): void {
  switch (format) {
    case 'cow':
      throw unsupported("'cow' storage format is not supported");
    case 'dir':
      throw unsupported("'directory' storage format is not directly supported by QEMU, use 'dir' disk type instead");
    case 'iso':
      throw unsupported("storage format 'iso' is not directly supported by QEMU, use 'raw' instead");
  }
}

/** The secret usage type a network protocol's login needs. */
const AUTH_SECRET_TYPE: Readonly<Record<string, string>> = { iscsi: 'iscsi', rbd: 'ceph' };

function checkDisk(disk: Disk): void {
  const dev = disk.target?.dev;
  const bus = disk.target?.bus;
  if (!disk.target || dev === undefined) {
    throw new QemuConfigError('plain', `missing target information for device ${diskSourceText(disk)}`);
  }
  if (/\d$/.test(dev)) throw unsupported(`invalid disk target '${dev}', partitions can't appear in disk targets`);

  if (disk.auth && disk.source?.auth) throw unsupported('an <auth> definition already found for disk source');
  if (disk.encryption && disk.source?.encryption) throw unsupported('an <encryption> definition already found for disk source');
  const auth = disk.source?.auth ?? disk.auth;
  if (auth && disk.type === 'network') {
    const want = AUTH_SECRET_TYPE[disk.source?.protocol ?? ''];
    const got = auth.secret.type;
    if (want && got === undefined) throw unsupported("unknown secret type '<null>'");
    if (want && got !== want) throw unsupported(`invalid secret type '${got}'`);
  }

  const device = disk.device ?? 'disk';
  if (device === 'lun') {
    const type = disk.type ?? 'file';
    if (type !== 'block' && type !== 'network' && type !== 'volume') throw unsupported("disk device='lun' is only valid for block type disk source");
    if (type === 'network' && disk.source?.protocol !== 'iscsi') {
      throw unsupported(`disk device='lun' is not supported for protocol='${disk.source?.protocol ?? ''}'`);
    }
  }

  const a = disk.address;
  if (a && (bus === 'ide' || bus === 'fdc' || bus === 'sata' || bus === 'scsi') && a.type !== 'drive') {
    throw unsupported(`Invalid address type '${a.type}' for the disk '${dev}' with the bus type '${bus}'`);
  }
  if (a && bus === 'usb' && a.type !== 'usb') throw internalError('unexpected address type for usb disk');

  if ((disk.vendor !== undefined || disk.product !== undefined) && bus !== 'scsi') throw unsupported('Only scsi disk supports vendor and product');

  const format = disk.driver?.type;
  checkFormat(format);
  checkEncryption(disk.source?.encryption ?? disk.encryption, format === 'aio' ? 'raw' : (format ?? 'raw'));
  if (disk.shareable && !disk.readonly && format !== undefined && format !== 'raw' && format !== 'aio') {
    throw unsupported(`shared access for disk '${dev}' requires use of supported storage format`);
  }
}

function checkHostdevs(def: Domain): void {
  let ramfb = 0;
  for (const h of def.devices?.hostdevs ?? []) {
    if (h.type === 'mdev' && h.ramfb === 'on' && ++ramfb > 1) throw unsupported("Only one vgpu device can have 'ramfb' enabled");
    if (h.type === 'scsi_host' && h.boot) throw unsupported('booting from assigned devices is not supported by vhost SCSI devices');
  }
}

/**
 * vhost-user backends (virtiofsd, a vhost-user-blk server) read guest memory directly, so all of
 * it must be shared: `<memoryBacking><access mode='shared'/>` or every NUMA cell shared.
 */
function requireSharedMemory(def: Domain, what: string): void {
  const sharedDefault = def.memoryBacking?.access?.mode === 'shared';
  const cells = def.cpu?.numa?.cells ?? [];
  const shared = cells.length === 0 ? sharedDefault : cells.every((c) => c.memAccess === 'shared' || (c.memAccess === undefined && sharedDefault));
  if (!shared) throw unsupported(`'${what}' requires shared memory`);
}

function checkFilesystems(def: Domain): void {
  for (const fs of def.devices?.filesystems ?? []) {
    if ((fs.type ?? 'mount') !== 'mount') throw unsupported('only supports mount filesystem type');
    const driver = fs.driver?.type ?? 'path';
    if (driver !== 'path' && driver !== 'handle' && driver !== 'virtiofs') throw unsupported('Filesystem driver type not supported');
    if (driver === 'virtiofs') {
      if (fs.readonly) throw unsupported('virtiofs does not yet support read-only mode');
      requireSharedMemory(def, 'virtiofs');
      if (fs.accessmode && fs.accessmode !== 'passthrough') throw unsupported('virtiofs only supports passthrough accessmode');
      if (fs.driver?.wrpolicy) throw unsupported('virtiofs does not support wrpolicy');
      if (fs.multidevs && fs.multidevs !== 'default') throw unsupported('virtiofs does not support multidevs');
    } else if ((fs.fmode || fs.dmode) && fs.accessmode !== 'mapped') {
      throw unsupported('fmode and dmode must be used with accessmode=mapped');
    }
  }
}

export function validateStorage(def: Domain, caps: QemuCaps, _ctx: ArgvContext): void {
  validateControllers(def, caps);
  for (const disk of def.devices?.disks ?? []) if (!disk.target || disk.target.dev === undefined) checkDisk(disk);
  checkCollisions(def);
  for (const disk of libvirtDiskOrder(def.devices?.disks ?? [])) {
    checkDisk(disk);
    if (disk.type === 'vhostuser') requireSharedMemory(def, 'vhostuser disk');
  }
  checkHostdevs(def);
  checkFilesystems(def);
}
