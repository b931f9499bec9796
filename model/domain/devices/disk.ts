/**
 * `<disk>`: a guest block device (hard disk, CD-ROM, floppy or SCSI LUN passthrough) backed by a
 * file, block device, directory, network export, pool volume, NVMe namespace or vhost-user
 * backend, with its backing chain, I/O tuning and guest-visible identity.
 *
 *   <disk type='file' device='disk'>
 *     <driver name='qemu' type='qcow2' cache='none' discard='unmap'/>
 *     <source file='/var/lib/libvirt/images/vm.qcow2'/>
 *     <target dev='vda' bus='virtio'/>
 *     <address type='pci' domain='0x0000' bus='0x00' slot='0x04' function='0x0'/>
 *   </disk>
 */
import * as X from '../../schema';
import type { Static } from '@sinclair/typebox';
import type { ModelIssue } from '../../errors';
import { deviceInfo, type Address } from './device-info';
import { deviceIssue } from './device-issue';
import { virtioOptions } from './virtio-options';
import {
  Auth,
  BackingStore,
  Encryption,
  MetadataCache,
  StorageFormat,
  StorageFormatElement,
  StorageSource,
  StorageType,
  storageSourceLabel,
} from './storage-source';

export const DiskDevice = X.enumOf('disk', 'cdrom', 'floppy', 'lun');
export type DiskDevice = Static<typeof DiskDevice.schema>;

export const DiskBus = X.enumOf('ide', 'fdc', 'scsi', 'virtio', 'xen', 'usb', 'uml', 'sata', 'sd');
export type DiskBus = Static<typeof DiskBus.schema>;

const DriverFormat = X.enumOf(
  'raw', 'dir', 'bochs', 'cloop', 'dmg', 'iso', 'vpc', 'vdi', 'fat', 'vhd', 'ploop', 'luks',
  'cow', 'qcow', 'qcow2', 'qed', 'vmdk', 'aio',
);

/** `<driver>`: the host-side block driver and its tuning. */
export const DiskDriver = X.element({
  /** Backend driver name (`qemu`). */
  name: X.attr(X.str()),
  /** Image format. `aio` is an old spelling of `raw`. */
  type: X.attr(DriverFormat),
  cache: X.attr(X.enumOf('default', 'none', 'writethrough', 'writeback', 'directsync', 'unsafe')),
  /** What to do on write errors. */
  errorPolicy: X.attr(X.enumOf('stop', 'report', 'ignore', 'enospace'), { xml: 'error_policy' }),
  /** What to do on read errors (defaults to error_policy). */
  rerrorPolicy: X.attr(X.enumOf('stop', 'report', 'ignore'), { xml: 'rerror_policy' }),
  io: X.attr(X.enumOf('threads', 'native', 'io_uring')),
  ioeventfd: X.attr(X.onOff()),
  eventIdx: X.attr(X.onOff(), { xml: 'event_idx' }),
  copyOnRead: X.attr(X.onOff(), { xml: 'copy_on_read' }),
  discard: X.attr(X.enumOf('unmap', 'ignore')),
  /** IOThread id (from `<iothreads>`) that serves this disk. */
  iothread: X.attr(X.uint({ min: 1 })),
  detectZeroes: X.attr(X.enumOf('off', 'on', 'unmap'), { xml: 'detect_zeroes' }),
  /** virtio-blk request queues. */
  queues: X.attr(X.uint({ min: 1 })),
  /** virtio-blk queue size. */
  queueSize: X.attr(X.uint({ min: 1 }), { xml: 'queue_size' }),
  ...virtioOptions(),
  metadataCache: X.child(MetadataCache, { xml: 'metadata_cache' }),
});
export type DiskDriver = Static<typeof DiskDriver>;

/** `<target dev='vda' bus='virtio'/>`: the guest-side name and bus. */
export const DiskTarget = X.element({
  /** Logical device name (`vda`, `sdb`, `hdc`, `fda`); its index orders disks on one bus. */
  dev: X.attr(X.str()),
  bus: X.attr(DiskBus),
  /** cdrom/floppy: whether the tray is open (running domains). */
  tray: X.attr(X.enumOf('open', 'closed')),
  /** usb: whether the guest sees removable media. */
  removable: X.attr(X.onOff()),
  /** 1 = solid state, 1025-65534 = spinning disk RPM. */
  rotationRate: X.attr(X.uint({ min: 1 }), { xml: 'rotation_rate' }),
});
export type DiskTarget = Static<typeof DiskTarget>;

const ulong = (xml: string) => X.textChild(X.uint(), { xml });

/**
 * `<iotune>`: I/O throttling. Rates are bytes or operations per second; `*_max` are burst limits,
 * `*_max_length` burst durations in seconds. A total limit excludes the read/write pair.
 */
export const IoTune = X.element({
  totalBytesSec: ulong('total_bytes_sec'),
  readBytesSec: ulong('read_bytes_sec'),
  writeBytesSec: ulong('write_bytes_sec'),
  totalIopsSec: ulong('total_iops_sec'),
  readIopsSec: ulong('read_iops_sec'),
  writeIopsSec: ulong('write_iops_sec'),
  totalBytesSecMax: ulong('total_bytes_sec_max'),
  readBytesSecMax: ulong('read_bytes_sec_max'),
  writeBytesSecMax: ulong('write_bytes_sec_max'),
  totalIopsSecMax: ulong('total_iops_sec_max'),
  readIopsSecMax: ulong('read_iops_sec_max'),
  writeIopsSecMax: ulong('write_iops_sec_max'),
  sizeIopsSec: ulong('size_iops_sec'),
  groupName: X.textChild(X.str(), { xml: 'group_name' }),
  totalBytesSecMaxLength: ulong('total_bytes_sec_max_length'),
  readBytesSecMaxLength: ulong('read_bytes_sec_max_length'),
  writeBytesSecMaxLength: ulong('write_bytes_sec_max_length'),
  totalIopsSecMaxLength: ulong('total_iops_sec_max_length'),
  readIopsSecMaxLength: ulong('read_iops_sec_max_length'),
  writeIopsSecMaxLength: ulong('write_iops_sec_max_length'),
});
export type IoTune = Static<typeof IoTune>;

/** `<geometry cyls='16383' heads='16' secs='63' trans='lba'/>`: BIOS CHS geometry override. */
export const Geometry = X.element({
  cyls: X.reqAttr(X.uint()),
  heads: X.reqAttr(X.uint()),
  secs: X.reqAttr(X.uint()),
  trans: X.attr(X.enumOf('auto', 'none', 'lba')),
});

/** `<blockio logical_block_size='512' physical_block_size='4096'/>`: sector sizes in bytes. */
export const BlockIo = X.element({
  logicalBlockSize: X.attr(X.uint(), { xml: 'logical_block_size' }),
  physicalBlockSize: X.attr(X.uint(), { xml: 'physical_block_size' }),
});

/** `<transient/>`: guest writes are discarded when the domain stops. */
export const Transient = X.element({
  /** Share the original image between domains (each writes to its own overlay). */
  shareBacking: X.attr(X.yesNo()),
});

/**
 * `<mirror>`: an active block copy or active commit job (running domains). The old form names the
 * destination with `file`/`format` attributes; libvirt prints both forms for copy jobs.
 */
export const Mirror = X.element({
  type: X.attr(StorageType),
  file: X.attr(X.str()),
  format: X.attr(StorageFormat),
  job: X.attr(X.enumOf('copy', 'active-commit')),
  ready: X.attr(X.enumOf('yes', 'abort', 'pivot')),
  formatElement: X.child(StorageFormatElement, { xml: 'format' }),
  source: X.child(StorageSource),
  backingStore: X.child(BackingStore),
});
export type Mirror = Static<typeof Mirror>;

/** `<backenddomain name='dom0'/>`: Xen driver domain that serves the disk. */
export const BackendDomain = X.element({ name: X.reqAttr(X.str()) });

export const Disk = X.element({
  /** Where the data lives; default `file`. */
  type: X.attr(StorageType),
  /** How the guest sees it; default `disk`. */
  device: X.attr(DiskDevice),
  /** virtio-blk flavour: `virtio-transitional` works with legacy guest drivers. */
  model: X.attr(X.enumOf('virtio', 'virtio-transitional', 'virtio-non-transitional')),
  /** lun: allow raw SCSI I/O (needs CAP_SYS_RAWIO). */
  rawio: X.attr(X.yesNo()),
  /** lun: SG_IO filtering. */
  sgio: X.attr(X.enumOf('filtered', 'unfiltered')),
  /** Default snapshot mode for this disk. */
  snapshot: X.attr(X.enumOf('no', 'internal', 'external', 'manual')),
  driver: X.child(DiskDriver),
  /** Credentials written at disk level (older form; `<source><auth>` is preferred). */
  auth: X.child(Auth),
  source: X.child(StorageSource),
  backingStore: X.child(BackingStore),
  backenddomain: X.child(BackendDomain),
  geometry: X.child(Geometry),
  blockio: X.child(BlockIo),
  mirror: X.child(Mirror),
  /** Required; optional here so that validateDisk can name the disk that lacks it. */
  target: X.child(DiskTarget),
  iotune: X.child(IoTune),
  readonly: X.flag(),
  shareable: X.flag(),
  transient: X.child(Transient),
  serial: X.textChild(X.str()),
  /** SCSI/IDE World Wide Name, 16 hex digits. */
  wwn: X.textChild(X.str({ pattern: '^(0x)?[0-9a-fA-F]{16}$', describe: 'a WWN (16 hex digits, optionally prefixed by 0x)' })),
  /** SCSI vendor string, at most 8 printable characters. */
  vendor: X.textChild(X.str()),
  /** SCSI product string, at most 16 printable characters. */
  product: X.textChild(X.str()),
  /** Encryption written at disk level (older form; `<source><encryption>` is preferred). */
  encryption: X.child(Encryption),
  ...deviceInfo(),
});
export type Disk = Static<typeof Disk>;

/**
 * The index libvirt derives from a disk target name: the letters after the bus prefix counted
 * in base 26 (`vda` → 0, `vdz` → 25, `vdaa` → 26). Undefined for a name libvirt cannot parse.
 * A trailing number is a partition (`vdb1`), returned separately.
 */
export function diskNameToIndex(dst: string): { index: number; partition: number } | undefined {
  const m = /^(?:ioemu:)?(?:fd|hd|vd|sd|xvd|ubd)([a-z]+)(\d*)$/.exec(dst);
  if (!m) return undefined;
  let idx = 0;
  for (let i = 0; i < m[1].length; i++) idx = (idx + (i === 0 ? 0 : 1)) * 26 + (m[1].charCodeAt(i) - 97);
  return { index: idx, partition: m[2] === '' ? 0 : Number(m[2]) };
}

/**
 * The bus a disk is on: `<target bus>`, or what libvirt infers from the device and the target
 * name when it is absent (floppy → fdc; hd → ide, sd → scsi, vd → virtio, xvd → xen, ubd → uml).
 */
export function diskBus(disk: Disk): DiskBus {
  if (disk.target?.bus) return disk.target.bus;
  if (disk.device === 'floppy') return 'fdc';
  const dst = disk.target?.dev ?? '';
  if (dst.startsWith('hd')) return 'ide';
  if (dst.startsWith('sd')) return 'scsi';
  if (dst.startsWith('vd')) return 'virtio';
  if (dst.startsWith('xvd')) return 'xen';
  if (dst.startsWith('ubd')) return 'uml';
  return 'ide';
}

/**
 * The order libvirt keeps disks in after parsing: each disk is inserted after the disks on its
 * bus, before the first one on that bus with a higher target index; disks on a new bus go last.
 * Checks that compare disks (duplicate targets, addresses) report them in this order.
 */
export function libvirtDiskOrder(disks: readonly Disk[]): Disk[] {
  const out: Disk[] = [];
  const idx = (d: Disk) => diskNameToIndex(d.target?.dev ?? '')?.index ?? -1;
  for (const disk of disks) {
    let insertAt = -1;
    for (let i = out.length - 1; i >= 0; i--) {
      if (diskBus(out[i]) !== diskBus(disk)) continue;
      if (idx(out[i]) > idx(disk)) insertAt = i;
      else if (insertAt === -1) insertAt = i + 1;
    }
    if (insertAt === -1) out.push(disk);
    else out.splice(insertAt, 0, disk);
  }
  return out;
}

type DriveAddress = { controller: number; bus: number; target: number; unit: number };

/**
 * The drive address libvirt gives a disk on an IDE, SATA, SCSI or floppy bus that has none,
 * from its target index: IDE 2 units × 2 buses per controller, SATA 6 units per controller,
 * narrow SCSI 7 units per controller, floppy 2 units per controller. Undefined for other buses
 * or an unparsable target name.
 */
export function defaultDriveAddress(disk: Disk): DriveAddress | undefined {
  const parsed = diskNameToIndex(disk.target?.dev ?? '');
  if (!parsed) return undefined;
  const i = parsed.index;
  switch (diskBus(disk)) {
    case 'ide':
      return { controller: Math.floor(i / 4), bus: Math.floor((i % 4) / 2), target: 0, unit: i % 2 };
    case 'sata':
      return { controller: Math.floor(i / 6), bus: 0, target: 0, unit: i % 6 };
    case 'scsi':
      return { controller: Math.floor(i / 7), bus: 0, target: 0, unit: i % 7 };
    case 'fdc':
      return { controller: Math.floor(i / 2), bus: 0, target: 0, unit: i % 2 };
    default:
      return undefined;
  }
}

/** The drive address a disk ends up with: its own `type='drive'` address, or libvirt's default. */
export function effectiveDriveAddress(disk: Disk): DriveAddress | undefined {
  const a = disk.address;
  if (a) return a.type === 'drive' ? { controller: a.controller ?? 0, bus: a.bus ?? 0, target: a.target ?? 0, unit: a.unit ?? 0 } : undefined;
  return defaultDriveAddress(disk);
}

/** What libvirt calls the disk's source in messages: its path, or `<null>`. */
export function diskSourceName(disk: Disk): string {
  return storageSourceLabel(disk.type, disk.source) ?? '<null>';
}

const LOCAL_TYPES: ReadonlySet<StorageType> = new Set(['file', 'block', 'dir']);
const VIRTIO_MODELS = new Set(['virtio', 'virtio-transitional', 'virtio-non-transitional']);
const AUTH_PROTOCOLS = new Set(['iscsi', 'http', 'https', 'ftp', 'ftps', 'ssh', 'rbd']);
const PRINTABLE = /^[\x20-\x7e]*$/;

interface Layer {
  type?: StorageType;
  source?: StorageSource;
  owner: object;
}

/** The disk's own source followed by each `<backingStore>` layer. */
function sourceChain(disk: Disk): Layer[] {
  const out: Layer[] = [{ type: disk.type, source: disk.source, owner: disk }];
  for (let b: BackingStore | undefined = disk.backingStore; b; b = b.backingStore) {
    if (b.type !== undefined || b.source !== undefined) out.push({ type: b.type, source: b.source, owner: b });
  }
  return out;
}

/**
 * The rules libvirt enforces for one disk whatever the hypervisor, in the order it checks them
 * (messages as libvirt words them). `label` names the disk when it was built in code.
 */
export function validateDisk(disk: Disk, label?: string): ModelIssue[] {
  const issues: ModelIssue[] = [];
  const at = (obj: unknown, problem: string, fix: string, prop?: string, xmlName?: string) =>
    issues.push(deviceIssue(obj, problem, { label, fix, prop, xmlName }));
  const type = disk.type ?? 'file';
  const device = disk.device ?? 'disk';
  const src = disk.source;

  // Parse-time rules: auth and encryption may be given at disk level or in <source>, not both.
  if (disk.auth && src?.auth) {
    at(disk, 'an <auth> definition already found for disk source', 'keep <auth> inside <source> only', 'auth', 'auth');
  }
  if (disk.encryption && src?.encryption) {
    at(disk, 'an <encryption> definition already found for disk source', 'keep <encryption> inside <source> only', 'encryption', 'encryption');
  }

  const dst = disk.target?.dev;
  if (!dst) {
    const what = type === 'volume' && src?.pool !== undefined ? `pool = '${src.pool}', volume = '${src.volume ?? ''}'` : storageSourceLabel(type, src);
    at(disk, what ? `missing target information for device ${what}` : 'missing target information for device', "add <target dev='vda' bus='virtio'/>");
    return issues;
  }

  // The source chain: authentication, encryption and rbd-only elements.
  for (const [i, layer] of sourceChain(disk).entries()) {
    const s = layer.source;
    if (!s) continue;
    const auth = i === 0 ? (disk.auth ?? s.auth) : s.auth;
    if ((layer.type ?? 'file') === 'network' && auth) {
      if (s.protocol && !AUTH_PROTOCOLS.has(s.protocol)) {
        at(s, `authentication is not supported for protocol '${s.protocol}'`, 'remove <auth>', 'auth', 'auth');
      } else if (auth.secret.type === undefined) {
        at(auth.secret, "unknown secret type '<null>'", `add type='${s.protocol === 'rbd' ? 'ceph' : 'iscsi'}' to <secret>`);
      } else if ((s.protocol === 'iscsi' && auth.secret.type !== 'iscsi') || (s.protocol === 'rbd' && auth.secret.type !== 'ceph')) {
        at(auth.secret, `invalid secret type '${auth.secret.type}'`, `use type='${s.protocol === 'rbd' ? 'ceph' : 'iscsi'}' for a ${s.protocol} source`, 'type', '@type');
      }
    }
    const enc = i === 0 ? (disk.encryption ?? s.encryption) : s.encryption;
    if (enc?.format === 'luks' && enc.cipher) {
      at(enc, 'supplying <cipher> for domain disk definition is unnecessary', 'remove <cipher> from <encryption>', 'cipher', 'cipher');
    }
    if ((layer.type ?? 'file') !== 'network') {
      if (s.snapshot) at(s, "<snapshot> element is currently supported only with 'rbd' disks", 'remove <snapshot>', 'snapshot', 'snapshot');
      if (s.config) at(s, "<config> element is currently supported only with 'rbd' disks", 'remove <config>', 'config', 'config');
    }
  }
  if (issues.length) return issues;

  if (disk.sgio === 'unfiltered') at(disk, 'unfiltered sgio is no longer supported', "use sgio='filtered' or drop it", 'sgio', '@sgio');

  if (device === 'lun') {
    if (type === 'network') {
      if (src?.protocol !== 'iscsi') at(disk, `disk device='lun' is not supported for protocol='${src?.protocol ?? ''}'`, "use an iscsi source or device='disk'", 'device', '@device');
    } else if (type !== 'block' && type !== 'volume') {
      at(disk, "disk device='lun' is only valid for block type disk source", "use type='block' with a host SCSI device, or device='disk'", 'device', '@device');
    }
    const fmt = disk.driver?.type;
    if (fmt !== undefined && fmt !== 'raw' && fmt !== 'aio') at(disk.driver, "disk device 'lun' must use 'raw' format", "use <driver type='raw'/>", 'type', '@type');
    if (src?.slices) at(src, "disk device 'lun' doesn't support storage slice", 'remove <slices>', 'slices', 'slices');
    const enc = disk.encryption ?? src?.encryption;
    if (enc && enc.format !== 'default') at(enc, "disk device 'lun' doesn't support encryption", 'remove <encryption>');
  } else {
    if (src?.reservations) at(src, '<reservations/> allowed only for lun devices', "use device='lun' or remove <reservations>", 'reservations', 'reservations');
    if (disk.rawio !== undefined) at(disk, "rawio can be used only with device='lun'", "remove rawio or use device='lun'", 'rawio', '@rawio');
    if (disk.sgio !== undefined) at(disk, "sgio can be used only with device='lun'", "remove sgio or use device='lun'", 'sgio', '@sgio');
  }
  if (issues.length) return issues;

  const t = disk.iotune;
  if (t) {
    const both = (total: unknown, read: unknown, write: unknown) => !!total && (!!read || !!write);
    if (both(t.totalBytesSec, t.readBytesSec, t.writeBytesSec)) at(t, 'total and read/write bytes_sec cannot be set at the same time', 'keep total_bytes_sec or the read/write pair');
    else if (both(t.totalIopsSec, t.readIopsSec, t.writeIopsSec)) at(t, 'total and read/write iops_sec cannot be set at the same time', 'keep total_iops_sec or the read/write pair');
    else if (both(t.totalBytesSecMax, t.readBytesSecMax, t.writeBytesSecMax)) at(t, 'total and read/write bytes_sec_max cannot be set at the same time', 'keep total_bytes_sec_max or the read/write pair');
    else if (both(t.totalIopsSecMax, t.readIopsSecMax, t.writeIopsSecMax)) at(t, 'total and read/write iops_sec_max cannot be set at the same time', 'keep total_iops_sec_max or the read/write pair');
    if (issues.length) return issues;
  }

  const bus = diskBus(disk);
  const addrType = disk.address?.type;
  if (addrType && addrType !== 'drive' && (bus === 'ide' || bus === 'fdc' || bus === 'scsi' || bus === 'sata')) {
    at(disk.address, `Invalid address type '${addrType}' for the disk '${dst}' with the bus type '${bus}'`, "use <address type='drive' .../> or let libvirt assign one", 'type', '@type');
    return issues;
  }

  if (bus !== 'virtio') {
    const drv = disk.driver;
    if (disk.model && VIRTIO_MODELS.has(disk.model)) at(disk, `disk model '${disk.model}' not supported for bus '${bus}'`, "drop model or use bus='virtio'", 'model', '@model');
    else if (drv?.queues !== undefined) at(drv, 'queues attribute in disk driver element is only supported by virtio-blk', "drop queues or use bus='virtio'", 'queues', '@queues');
    else if (drv?.eventIdx !== undefined) at(drv, 'disk event_idx mode supported only for virtio bus', "drop event_idx or use bus='virtio'", 'eventIdx', '@event_idx');
    else if (drv?.ioeventfd !== undefined) at(drv, 'disk ioeventfd mode supported only for virtio bus', "drop ioeventfd or use bus='virtio'", 'ioeventfd', '@ioeventfd');
    else if (drv) issues.push(...virtioOptionsAbsent(drv, label));
    if (issues.length) return issues;
  }

  if (type === 'nvme' && src?.namespace === 0) at(src, "NVMe namespace can't be zero", 'NVMe namespaces start at 1', 'namespace', '@namespace');
  if (type === 'vhostuser') issues.push(...vhostUserRules(disk, bus, label));
  if (issues.length) return issues;

  if (disk.target?.tray !== undefined && device !== 'floppy' && device !== 'cdrom') {
    at(disk.target, 'tray is only valid for cdrom and floppy', 'remove tray', 'tray', '@tray');
  }
  for (const [key, max] of [['vendor', 8], ['product', 16]] as const) {
    const v = disk[key];
    if (v === undefined) continue;
    if (!PRINTABLE.test(v)) at(disk, `disk ${key} is not printable string`, `use printable ASCII characters in <${key}>`, key, key);
    else if (v.length > max) at(disk, `disk ${key} is more than ${max} characters`, `shorten <${key}> to ${max} characters`, key, key);
  }
  if (device === 'floppy' && bus !== 'fdc') at(disk.target ?? disk, `Invalid bus type '${bus}' for floppy disk`, "use bus='fdc'", 'bus', '@bus');
  if (device !== 'floppy' && bus === 'fdc') at(disk.target ?? disk, `Invalid bus type '${bus}' for disk`, "fdc is for floppies; use another bus", 'bus', '@bus');
  if (disk.target?.removable !== undefined && bus !== 'usb') {
    at(disk.target, 'removable is only valid for usb disks', 'remove removable', 'removable', '@removable');
  }
  const policy = src?.startupPolicy;
  if (policy) {
    if (type !== 'volume' && !LOCAL_TYPES.has(type)) {
      at(src, `disk startupPolicy '${policy}' is not allowed for disk of '${type}' type`, 'remove startupPolicy', 'startupPolicy', '@startupPolicy');
    } else if (policy === 'requisite' && device !== 'cdrom' && device !== 'floppy') {
      at(src, "disk startupPolicy 'requisite' is allowed only for cdrom or floppy", "use 'optional' or 'mandatory'", 'startupPolicy', '@startupPolicy');
    }
  }
  if ((device === 'disk' || device === 'lun') && !/^(hd|sd|vd|xvd|ubd)/.test(dst)) {
    at(disk.target, `Invalid harddisk device name: ${dst}`, 'name it hdX, sdX, vdX, xvdX or ubdX', 'dev', '@dev');
  }
  if (device === 'floppy' && !dst.startsWith('fd')) at(disk.target, `Invalid floppy device name: ${dst}`, 'name it fda or fdb', 'dev', '@dev');
  if (device === 'disk' && LOCAL_TYPES.has(type) && storageSourceLabel(type, src) === undefined) {
    at(disk, `missing source information for device ${dst}`, "add a <source> (only cdrom and floppy may be empty)", 'source', 'source');
  }
  return issues;
}

/** The virtio driver options are errors on a device that is not virtio. */
export function virtioOptionsAbsent(driver: { iommu?: unknown; ats?: unknown; packed?: unknown; pagePerVq?: unknown }, label?: string): ModelIssue[] {
  const checks: [keyof typeof driver, string, string][] = [
    ['iommu', 'iommu driver option is only supported for virtio devices', '@iommu'],
    ['ats', 'ats driver option is only supported for virtio devices', '@ats'],
    ['packed', 'packed driver option is only supported for virtio devices', '@packed'],
    ['pagePerVq', 'page_per_vq option is only supported for virtio devices', '@page_per_vq'],
  ];
  for (const [key, problem, xmlName] of checks) {
    if (driver[key] !== undefined) return [deviceIssue(driver, problem, { label, prop: key, xmlName, fix: 'remove it or use a virtio device' })];
  }
  return [];
}

/** What a vhost-user disk cannot have (QEMU's storage daemon owns the image). */
function vhostUserRules(disk: Disk, bus: DiskBus, label?: string): ModelIssue[] {
  const d = disk.driver;
  const fail = (problem: string) => [deviceIssue(disk, problem, { label, fix: 'remove it: a vhost-user disk is served by an external daemon' })];
  if (bus !== 'virtio') return fail('vhostuser disk supports only virtio bus');
  if (disk.snapshot !== undefined && disk.snapshot !== 'no') return fail('only snapshot=no is supported with vhostuser disk');
  const driverRules: [unknown, string][] = [
    [d?.cache !== undefined && d.cache !== 'default', 'cache'],
    [d?.errorPolicy !== undefined || d?.rerrorPolicy !== undefined, 'error_policy'],
    [d?.io, 'io'],
    [d?.ioeventfd, 'ioeventfd'],
    [d?.copyOnRead, 'copy_on_read'],
    [d?.discard, 'discard'],
    [d?.iothread, 'iothread'],
    [d?.detectZeroes, 'detect_zeroes'],
    [d?.metadataCache?.maxSize, 'metadata_cache'],
    [disk.iotune, 'iotune'],
    [disk.backingStore?.type ?? disk.backingStore?.source, 'backingStore'],
    [disk.encryption ?? disk.source?.encryption, 'encryption'],
    [disk.readonly, 'readonly'],
    [disk.shareable, 'shareable'],
    [disk.transient, 'transient'],
    [disk.serial, 'serial'],
    [disk.wwn, 'wwn'],
    [disk.vendor, 'vendor'],
    [disk.product, 'product'],
    [disk.auth ?? disk.source?.auth, 'auth'],
    [disk.geometry, 'geometry'],
    [disk.blockio, 'blockio'],
  ];
  for (const [present, what] of driverRules) if (present) return fail(`${what} is not supported with vhostuser disk`);
  return [];
}

export interface DiskRulesContext {
  /** SCSI host devices, whose drive addresses disks must not take. */
  readonly hostdevs?: readonly { type?: string; address?: Address }[];
  /** Path prefix for disks built in code (`Devices/disks`). */
  readonly label?: string;
}

const fmtDrive = (a: DriveAddress) => `controller='${a.controller}' bus='${a.bus}' target='${a.target}' unit='${a.unit}'`;
const sameDrive = (a: DriveAddress, b: DriveAddress) => a.controller === b.controller && a.bus === b.bus && a.target === b.target && a.unit === b.unit;

/**
 * Every disk rule libvirt enforces independent of the hypervisor, in libvirt's order: the
 * address it assigns to SCSI disks must not be a SCSI hostdev's, then each disk's own rules,
 * then duplicate targets, then duplicate drive addresses.
 */
export function validateDisks(disks: readonly Disk[], ctx: DiskRulesContext = {}): ModelIssue[] {
  const issues: ModelIssue[] = [];
  const ordered = libvirtDiskOrder(disks);
  const label = (d: Disk) => (ctx.label ? `${ctx.label}/${disks.indexOf(d)}` : undefined);
  const scsiHostdevAddrs = (ctx.hostdevs ?? [])
    .filter((h) => h.type === 'scsi' && h.address?.type === 'drive')
    .map((h) => ({ controller: h.address!.controller ?? 0, bus: h.address!.bus ?? 0, target: h.address!.target ?? 0, unit: h.address!.unit ?? 0 }));
  for (const d of disks) {
    if (d.address || diskBus(d) !== 'scsi') continue;
    const a = defaultDriveAddress(d);
    if (a && scsiHostdevAddrs.some((h) => sameDrive(h, a))) {
      // libvirt's message lacks the closing quote after the unit; keep it identical.
      issues.push(
        deviceIssue(d, `using disk target name '${d.target?.dev}' conflicts with SCSI host device address ${fmtDrive(a).slice(0, -1)}`, {
          label: label(d),
          fix: "give the disk an explicit <address type='drive' .../> that no hostdev uses",
        }),
      );
      return issues;
    }
  }
  for (const d of ordered) {
    const own = validateDisk(d, label(d));
    if (own.length) return [...issues, ...own];
  }
  for (let i = 0; i < ordered.length; i++) {
    for (let j = i + 1; j < ordered.length; j++) {
      const a = ordered[i];
      const b = ordered[j];
      if (a.target?.dev === b.target?.dev) {
        // Point at whichever of the two comes later in the document.
        const dup = disks.indexOf(a) > disks.indexOf(b) ? a : b;
        issues.push(
          deviceIssue(dup, `target '${a.target?.dev}' duplicated for disk sources '${diskSourceName(a)}' and '${diskSourceName(b)}'`, {
            label: label(dup),
            prop: 'target',
            xmlName: 'target',
            fix: 'give every disk its own target dev',
          }),
        );
        return issues;
      }
    }
  }
  for (let i = 0; i < ordered.length; i++) {
    const a = ordered[i];
    const aa = a.address?.type === 'drive' || !a.address ? effectiveDriveAddress(a) : undefined;
    if (!aa) continue;
    for (let j = i + 1; j < ordered.length; j++) {
      const b = ordered[j];
      if (diskBus(a) !== diskBus(b)) continue;
      const bb = effectiveDriveAddress(b);
      if (bb && sameDrive(aa, bb)) {
        issues.push(
          deviceIssue(b, `Found duplicate drive address for disk with target name '${a.target?.dev}' ${fmtDrive(aa)}`, {
            label: label(b),
            prop: 'address',
            xmlName: 'address',
            fix: 'give each disk its own drive address, or drop the address to let libvirt assign one',
          }),
        );
        return issues;
      }
    }
  }
  return issues;
}

/** iSCSI sources name a LUN; libvirt appends LUN 0 (`/0`) to a bare IQN. */
export function iscsiNameWithLun(name: string | undefined): string | undefined {
  return name !== undefined && !name.includes('/') ? `${name}/0` : name;
}

/**
 * The defaults libvirt's generic parser gives disks, whatever the hypervisor (in place; the
 * list comes back in libvirt's order, see libvirtDiskOrder): type `file`, device `disk`, the bus
 * inferred from the device and target name, LUN 0 on a bare iSCSI IQN, and a drive address for
 * IDE, SATA, SCSI and floppy disks that have none; a closed tray and snapshot='no' on a
 * read-only disk are dropped (libvirt never prints them). Applying it twice changes nothing.
 */
export function applyDiskDefaults(disks: Disk[]): Disk[] {
  for (const d of disks) {
    d.type ??= 'file';
    d.device ??= 'disk';
    if (d.target?.dev !== undefined && d.target.bus === undefined) d.target.bus = diskBus(d);
    if (d.type === 'network' && d.source?.protocol === 'iscsi') d.source.name = iscsiNameWithLun(d.source.name);
    // libvirt states neither a closed tray nor snapshot='no' on a read-only disk (both are implied).
    if (d.target?.tray === 'closed') delete d.target.tray;
    if (d.snapshot === 'no' && d.readonly) delete d.snapshot;
  }
  const ordered = libvirtDiskOrder(disks);
  for (const d of ordered) {
    if (d.address) continue;
    const a = defaultDriveAddress(d);
    if (a) d.address = { type: 'drive', ...a };
  }
  return ordered;
}
