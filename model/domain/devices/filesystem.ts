/**
 * `<filesystem>`: a host directory (or file, block device, RAM area) shared with the guest,
 * through virtio-9p (`-fsdev` + `virtio-9p-pci`) or virtiofs (`vhost-user-fs-pci` talking to a
 * virtiofsd daemon).
 *
 *   <filesystem type='mount' accessmode='mapped'>
 *     <driver type='path' wrpolicy='immediate'/>
 *     <source dir='/export/fs1'/>
 *     <target dir='fs1'/>
 *     <address type='pci' domain='0x0000' bus='0x00' slot='0x03' function='0x0'/>
 *   </filesystem>
 */
import * as X from '../../schema';
import type { Static } from '@sinclair/typebox';
import { deviceInfo } from './device-info';
import { virtioOptions } from './virtio-options';
import { StorageFormat } from './storage-source';

/** File/dir creation mode of 9p `mapped` shares, octal as written (`0644`). */
const createMode = () => X.str({ pattern: '^0?[0-7]{3}$', describe: 'an octal file mode such as 0644' });

/** `<driver>`: the host-side implementation. */
export const FilesystemDriver = X.element({
  /** `path`/`handle` (9p), `loop`/`nbd`/`ploop` (containers), `virtiofs`. */
  type: X.attr(X.enumOf('path', 'handle', 'loop', 'nbd', 'ploop', 'virtiofs')),
  /** Image format of a file-backed filesystem (loop/nbd). */
  format: X.attr(StorageFormat),
  /** virtiofs: request virtqueue size. */
  queue: X.attr(X.uint()),
  /** 9p: write data through to the host at once. */
  wrpolicy: X.attr(X.enumOf('immediate')),
  ...virtioOptions(),
});
export type FilesystemDriver = Static<typeof FilesystemDriver>;

/** `<binary>`: how libvirt runs virtiofsd. */
export const FilesystemBinary = X.element({
  /** virtiofsd executable (libvirt finds one from its descriptors when absent). */
  path: X.attr(X.str()),
  /** Extended attribute support. */
  xattr: X.attr(X.onOff()),
  cache: X.child(X.element({ mode: X.attr(X.enumOf('none', 'always')) })),
  sandbox: X.child(X.element({ mode: X.attr(X.enumOf('namespace', 'chroot')) })),
  lock: X.child(X.element({ posix: X.attr(X.onOff()), flock: X.attr(X.onOff()) })),
  /** Worker threads of virtiofsd. */
  threadPool: X.child(X.element({ size: X.attr(X.int()) }), { xml: 'thread_pool' }),
});
export type FilesystemBinary = Static<typeof FilesystemBinary>;

/** `<source>`: which attribute applies depends on the filesystem `type`. */
export const FilesystemSource = X.element({
  /** mount/bind: the host directory. */
  dir: X.attr(X.str()),
  /** file: an image file. */
  file: X.attr(X.str()),
  /** block: a block device. */
  dev: X.attr(X.str()),
  /** template: a template name. */
  name: X.attr(X.str()),
  /** ram: size of the RAM filesystem, in `units` (KiB by default). */
  usage: X.attr(X.uint()),
  units: X.attr(X.str()),
  /** mount with virtiofs: socket of an externally started virtiofsd. */
  socket: X.attr(X.str()),
});
export type FilesystemSource = Static<typeof FilesystemSource>;

const { boot, alias, acpi, address } = deviceInfo();

export const Filesystem = X.element({
  /** Default `mount`. */
  type: X.attr(X.enumOf('mount', 'block', 'file', 'template', 'ram', 'bind', 'volume')),
  /** 9p security model. */
  accessmode: X.attr(X.enumOf('passthrough', 'mapped', 'squash')),
  model: X.attr(X.enumOf('virtio', 'virtio-transitional', 'virtio-non-transitional')),
  /** 9p: how inode numbers of several host devices are kept apart. */
  multidevs: X.attr(X.enumOf('default', 'remap', 'forbid', 'warn')),
  fmode: X.attr(createMode()),
  dmode: X.attr(createMode()),
  driver: X.child(FilesystemDriver),
  binary: X.child(FilesystemBinary),
  source: X.child(FilesystemSource),
  /** Required; `dir` is the 9p mount tag or the virtiofs tag. */
  target: X.child(X.element({ dir: X.reqAttr(X.str()) })),
  readonly: X.flag(),
  boot,
  alias,
  acpi,
  address,
  /** Bytes (containers). */
  spaceHardLimit: X.childValue(X.scaled({ canonical: 'bytes' }), { xml: 'space_hard_limit' }),
  spaceSoftLimit: X.childValue(X.scaled({ canonical: 'bytes' }), { xml: 'space_soft_limit' }),
});
export type Filesystem = Static<typeof Filesystem>;
