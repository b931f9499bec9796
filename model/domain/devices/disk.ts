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
