/**
 * What each storage pool type uses, as storagepool.rng and libvirt's per-type pool options
 * define it: which `<source>` parts apply, the source formats, whether there is a target, and
 * how the pool's volumes name their format. One table so that parsing defaults, validation,
 * volumes and the executor agree.
 */
export const POOL_TYPES = [
  'dir', 'fs', 'netfs', 'logical', 'disk', 'iscsi', 'iscsi-direct', 'scsi', 'mpath', 'rbd', 'sheepdog', 'gluster', 'zfs', 'vstorage',
] as const;
export type PoolType = (typeof POOL_TYPES)[number];

/** The parts of `<source>`, by their property name in PoolSource. */
export type SourcePart =
  | 'hosts' | 'devices' | 'dir' | 'adapter' | 'name' | 'initiator' | 'format' | 'protocol' | 'auth' | 'vendor' | 'product';

export const FS_FORMATS = ['auto', 'ext2', 'ext3', 'ext4', 'ufs', 'iso9660', 'udf', 'gfs', 'gfs2', 'vfat', 'hfs+', 'xfs', 'ocfs2', 'vmfs'] as const;
export const NETFS_FORMATS = ['auto', 'nfs', 'cifs', 'glusterfs'] as const;
export const DISK_FORMATS = ['unknown', 'dos', 'dvh', 'gpt', 'mac', 'bsd', 'pc98', 'sun', 'lvm2'] as const;
export const LOGICAL_FORMATS = ['unknown', 'lvm2'] as const;

/** Every `<source><format type>` value any pool type accepts. */
export const POOL_SOURCE_FORMATS = [...new Set([...FS_FORMATS, ...NETFS_FORMATS, ...DISK_FORMATS, ...LOGICAL_FORMATS])] as string[] as [string, ...string[]];

/** Image formats of file-backed volumes (storagecommon.rng `storageFormat` plus 'unknown'). */
export const VOLUME_FILE_FORMATS = [
  'unknown', 'raw', 'dir', 'bochs', 'cloop', 'dmg', 'iso', 'vpc', 'vdi', 'fat', 'vhd', 'ploop', 'luks', 'cow', 'qcow', 'qcow2', 'qed', 'vmdk',
] as const;
/** Partition types of volumes in a disk pool. */
export const VOLUME_DISK_FORMATS = ['none', 'linux', 'fat16', 'fat32', 'linux-swap', 'linux-lvm', 'linux-raid', 'extended'] as const;
/** Filesystem formats storagevol.rng also lists for volumes. */
export const VOLUME_DEV_FORMATS = ['none', 'auto', 'ext2', 'ext3', 'ext4', 'ufs', 'iso9660', 'udf', 'gfs', 'gfs2', 'vfat', 'hfs+', 'xfs', 'ocfs2', 'vmfs'] as const;
/** Every `<target><format type>` value storagevol.rng accepts. */
export const VOLUME_FORMATS = [...new Set([...VOLUME_FILE_FORMATS, ...VOLUME_DEV_FORMATS, ...VOLUME_DISK_FORMATS])] as string[] as [string, ...string[]];

/**
 * How a pool's volumes carry a format:
 * - 'file': an image format (raw by default), for the file-backed pools;
 * - 'disk': a partition type ('none' by default);
 * - 'unknown': not read from the XML, always printed as 'unknown' (SCSI-backed pools);
 * - 'none': volumes have no format (LVM, ZFS).
 */
export type VolumeFormatKind = 'file' | 'disk' | 'unknown' | 'none';

export interface PoolTypeInfo {
  /** Source parts the type uses (everything else in `<source>` is an error). */
  readonly parts: ReadonlySet<SourcePart>;
  /** Source parts that must be present. `name` is filled from the pool name when missing. */
  readonly required: ReadonlySet<SourcePart>;
  /** Whether `<source>` itself may be left out of the document. */
  readonly sourceOptional: boolean;
  /** Accepted `<source><format type>` values and the default libvirt prints. */
  readonly formats?: readonly string[];
  readonly defaultFormat?: string;
  /**
   * 'required': `<target><path>` must be given; 'derived': libvirt sets the path from the
   * source name (logical, zfs); 'none': the pool has no target (network storage).
   */
  readonly target: 'required' | 'derived' | 'none';
  /** The source `<name>` defaults to the pool name, and the pool name to the source name. */
  readonly namedSource: boolean;
  readonly volumeFormats: VolumeFormatKind;
}

const set = <T>(...xs: T[]): ReadonlySet<T> => new Set(xs);

export const POOL_TYPE_INFO: Readonly<Record<PoolType, PoolTypeInfo>> = {
  dir: { parts: set('vendor', 'product'), required: set(), sourceOptional: true, target: 'required', namedSource: false, volumeFormats: 'file' },
  fs: {
    parts: set('devices', 'format', 'vendor', 'product'), required: set('devices'), sourceOptional: false,
    formats: FS_FORMATS, defaultFormat: 'auto', target: 'required', namedSource: false, volumeFormats: 'file',
  },
  netfs: {
    parts: set('hosts', 'dir', 'format', 'protocol', 'vendor', 'product'), required: set('hosts', 'dir'), sourceOptional: false,
    formats: NETFS_FORMATS, defaultFormat: 'auto', target: 'required', namedSource: false, volumeFormats: 'file',
  },
  logical: {
    parts: set('name', 'devices', 'format', 'vendor', 'product'), required: set('name'), sourceOptional: false,
    formats: LOGICAL_FORMATS, defaultFormat: 'lvm2', target: 'derived', namedSource: true, volumeFormats: 'none',
  },
  disk: {
    parts: set('devices', 'format', 'vendor', 'product'), required: set('devices'), sourceOptional: false,
    formats: DISK_FORMATS, defaultFormat: 'unknown', target: 'required', namedSource: false, volumeFormats: 'disk',
  },
  iscsi: {
    parts: set('hosts', 'devices', 'initiator', 'auth', 'vendor', 'product'), required: set('hosts', 'devices'), sourceOptional: false,
    target: 'required', namedSource: false, volumeFormats: 'unknown',
  },
  'iscsi-direct': {
    parts: set('hosts', 'devices', 'initiator', 'auth'), required: set('hosts', 'devices', 'initiator'), sourceOptional: false,
    target: 'none', namedSource: false, volumeFormats: 'unknown',
  },
  scsi: { parts: set('adapter', 'vendor', 'product'), required: set('adapter'), sourceOptional: false, target: 'required', namedSource: false, volumeFormats: 'unknown' },
  mpath: { parts: set(), required: set(), sourceOptional: true, target: 'required', namedSource: false, volumeFormats: 'unknown' },
  rbd: { parts: set('name', 'hosts', 'auth'), required: set('name', 'hosts'), sourceOptional: false, target: 'none', namedSource: true, volumeFormats: 'file' },
  sheepdog: { parts: set('hosts', 'name'), required: set('name', 'hosts'), sourceOptional: false, target: 'none', namedSource: true, volumeFormats: 'file' },
  gluster: { parts: set('hosts', 'name', 'dir'), required: set('name', 'hosts'), sourceOptional: false, target: 'none', namedSource: true, volumeFormats: 'file' },
  zfs: { parts: set('name', 'devices'), required: set('name'), sourceOptional: false, target: 'derived', namedSource: true, volumeFormats: 'none' },
  vstorage: { parts: set('name'), required: set('name'), sourceOptional: false, target: 'required', namedSource: true, volumeFormats: 'file' },
};

/** The target path libvirt derives for the 'derived' pool types. */
export function derivedTargetPath(type: PoolType, sourceName: string): string | undefined {
  if (type === 'logical') return `/dev/${sourceName}`;
  if (type === 'zfs') return `/dev/zvol/${sourceName}`;
  return undefined;
}
