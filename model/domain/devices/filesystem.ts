/**
 * `<filesystem>`: a host directory (or image, block device, RAM disk) shared with the guest,
 * through 9p (`driver type='path'`) or virtiofs (`driver type='virtiofs'` with a virtiofsd
 * `<binary>`).
 *
 *   <filesystem type='mount' accessmode='passthrough'>
 *     <driver type='virtiofs' queue='1024'/>
 *     <binary path='/usr/libexec/virtiofsd' xattr='on'/>
 *     <source dir='/srv/share'/>
 *     <target dir='share'/>
 *   </filesystem>
 */
import * as X from '../../schema';
import { Type, type Static, type TInteger } from '@sinclair/typebox';
import type { ModelIssue } from '../../errors';
import { deviceInfo } from './device-info';
import { deviceIssue } from './device-issue';
import { virtioOptions } from './virtio-options';
import { StorageFormat } from './storage-source';
import { Idmap } from '../idmap';

export const FilesystemType = X.enumOf('mount', 'block', 'file', 'template', 'ram', 'bind', 'volume');
export type FilesystemType = Static<typeof FilesystemType.schema>;

/** A file mode written in octal (`fmode='644'`), printed as libvirt does with four digits (`0644`). */
export function octalMode(): X.ValueCodec<TInteger> {
  return {
    schema: Type.Integer({ minimum: 0, maximum: 0o7777 }),
    describe: 'an octal file mode such as 0644',
    parse(raw) {
      if (!/^[0-7]{1,4}$/.test(raw.trim())) throw new X.CodecError('must be an octal file mode such as 0644');
      return parseInt(raw.trim(), 8);
    },
    format: (v) => v.toString(8).padStart(4, '0'),
  };
}

/** `<driver>`: 9p backend (`path`, `handle`, `loop`, `nbd`, `ploop`) or `virtiofs`. */
export const FilesystemDriver = X.element({
  type: X.attr(X.enumOf('path', 'handle', 'loop', 'nbd', 'ploop', 'virtiofs')),
  /** loop/nbd: image format. */
  format: X.attr(StorageFormat),
  /** virtiofs: virtqueue size. */
  queue: X.attr(X.uint()),
  /** 9p: `immediate` writes through to the host. */
  wrpolicy: X.attr(X.enumOf('immediate')),
  ...virtioOptions(),
});

/** `<binary>`: the virtiofsd daemon and its options. */
export const FilesystemBinary = X.element({
  path: X.attr(X.str()),
  xattr: X.attr(X.onOff()),
  cache: X.child(X.element({ mode: X.attr(X.enumOf('none', 'always')) })),
  sandbox: X.child(X.element({ mode: X.attr(X.enumOf('namespace', 'chroot')) })),
  lock: X.child(X.element({ posix: X.attr(X.onOff()), flock: X.attr(X.onOff()) })),
  threadPool: X.child(X.element({ size: X.attr(X.int()) }), { xml: 'thread_pool' }),
});

/** `<source>`: what is shared; which attribute applies depends on the filesystem type. */
export const FilesystemSource = X.element({
  /** mount/bind: host directory. */
  dir: X.attr(X.str()),
  /** mount with virtiofs: socket of an externally started virtiofsd. */
  socket: X.attr(X.str()),
  /** block. */
  dev: X.attr(X.str()),
  /** file. */
  file: X.attr(X.str()),
  /** template. */
  name: X.attr(X.str()),
  /** ram: size, in `units` (KiB by default). */
  usage: X.attr(X.uint()),
  units: X.attr(X.str()),
  /** volume. */
  pool: X.attr(X.str()),
  volume: X.attr(X.str()),
});

const { boot, alias, acpi, address } = deviceInfo();

export const Filesystem = X.element({
  /** Default `mount`. */
  type: X.attr(FilesystemType),
  /** 9p security model; libvirt prints it for every driver but virtiofs. */
  accessmode: X.attr(X.enumOf('passthrough', 'mapped', 'squash')),
  model: X.attr(X.enumOf('virtio', 'virtio-transitional', 'virtio-non-transitional')),
  /** 9p: how files from several host devices are told apart. */
  multidevs: X.attr(X.enumOf('default', 'remap', 'forbid', 'warn')),
  /** 9p mapped: mode of files the guest creates. */
  fmode: X.attr(octalMode()),
  /** 9p mapped: mode of directories the guest creates. */
  dmode: X.attr(octalMode()),
  driver: X.child(FilesystemDriver),
  binary: X.child(FilesystemBinary),
  /** virtiofs: id maps applied by virtiofsd. */
  idmap: X.child(Idmap),
  source: X.child(FilesystemSource),
  /** Required; optional here so that validateFilesystem can name the filesystem that lacks it. */
  target: X.child(X.element({ dir: X.attr(X.str()) })),
  readonly: X.flag(),
  boot,
  alias,
  acpi,
  address,
  /** Bytes. */
  spaceHardLimit: X.childValue(X.scaled({ canonical: 'bytes' }), { xml: 'space_hard_limit' }),
  /** Bytes. */
  spaceSoftLimit: X.childValue(X.scaled({ canonical: 'bytes' }), { xml: 'space_soft_limit' }),
});
export type Filesystem = Static<typeof Filesystem>;

/** What the filesystem shares, for messages: source dir/file/dev/name, or virtiofsd socket. */
function fsSourceName(fs: Filesystem): string | undefined {
  const s = fs.source;
  return s?.dir ?? s?.file ?? s?.dev ?? s?.name ?? s?.volume ?? s?.socket;
}

/** The rules libvirt enforces for one filesystem whatever the hypervisor (messages as libvirt words them). */
export function validateFilesystem(fs: Filesystem, label?: string): ModelIssue[] {
  if (fs.target?.dir === undefined) {
    const what = fsSourceName(fs);
    return [deviceIssue(fs, what ? `missing target information for device ${what}` : 'missing target information for device', { label, fix: "add <target dir='tag'/>" })];
  }
  if (fs.boot && fs.driver?.type !== 'virtiofs') {
    return [deviceIssue(fs, 'boot order is only supported for virtiofs', { label, prop: 'boot', xmlName: 'boot', fix: "remove <boot> or use <driver type='virtiofs'/>" })];
  }
  return [];
}

/** Each filesystem's rules, then: two virtiofs filesystems cannot share a target (mount tag). */
export function validateFilesystems(filesystems: readonly Filesystem[], label?: string): ModelIssue[] {
  const lab = (f: Filesystem) => (label ? `${label}/${filesystems.indexOf(f)}` : undefined);
  for (const f of filesystems) {
    const own = validateFilesystem(f, lab(f));
    if (own.length) return own;
  }
  const tags = new Set<string>();
  for (const f of filesystems) {
    if (f.driver?.type !== 'virtiofs' || f.target?.dir === undefined) continue;
    if (tags.has(f.target.dir)) {
      return [deviceIssue(f, `filesystem target '${f.target.dir}' specified twice`, { label: lab(f), prop: 'target', xmlName: 'target', fix: 'give each virtiofs filesystem its own target dir' })];
    }
    tags.add(f.target.dir);
  }
  return [];
}

/**
 * libvirt's generic defaults for a filesystem (in place): type `mount`, and the 9p access mode
 * `passthrough` (virtiofs has no access mode).
 */
export function applyFilesystemDefaults(fs: Filesystem): void {
  fs.type ??= 'mount';
  if (fs.driver?.type !== 'virtiofs') fs.accessmode ??= 'passthrough';
}
