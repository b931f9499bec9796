/**
 * Directory storage pools on a host, and their volumes (qemu-img): what libvirt's `dir` pool
 * backend does, run through the Transport.
 *
 *   const pool = await DirPoolStorage.build(ctx, poolDoc);    // mkdir with the pool's permissions
 *   await pool.refresh();                                     // capacity/allocation/available
 *   await pool.createVolume(volDoc);                          // qemu-img create
 *   await pool.resizeVolume('disk0', 20 * GiB);               // grow in place
 *   await pool.importImage('base.qcow2', await urlSource(url));
 *   await pool.deleteVolume('disk0');
 *
 * Invariants:
 * - Every volume path goes through checkVolumePath: names are single file names, the pool
 *   directory is resolved on the host, symlinks and non-files at a volume's place are refused.
 * - Ownership (StateStore): the pool and each volume get a record before anything is made on
 *   the host; a volume file without a record is never resized, overwritten or deleted, and a
 *   volume of another stack neither. The pool's directory is removed only if virtform created
 *   it and it is empty: volumes are never deleted as a side effect.
 * - Shrinking needs allowShrink; growing is always in place.
 * - Imported images are checked before they become volumes: no backing file and no external
 *   data file (either would let a guest read host files), and the digest the host computed
 *   equals the one the client computed (and the expected one, when given).
 * - Host commands are argv arrays; nothing is concatenated into a shell line.
 */
import { randomBytes } from 'crypto';
import * as path from 'path';
import type { Transport } from '../../host';
import type { Pool } from '../../../model/pool';
import { formatVolumeXml, type Volume } from '../../../model/volume';
import type { HostLock } from '../state/host-lock';
import { hashSpec } from '../state/ownership-record';
import { checkEntryName, type ResourceRef } from '../state/resource-ref';
import { StateError } from '../state/state-error';
import type { StateEntry, StateStore } from '../state/state-store';
import { checkVolumePath, resolveInsidePool, type VolumePathState } from './pool-path';
import {
  CREATABLE_FORMATS,
  convertImageArgv,
  createImageArgv,
  infoImageArgv,
  parseImageInfo,
  preallocationFor,
  resizeImageArgv,
  type CreatableFormat,
  type ImageInfo,
} from './qemu-img';
import { sendToHost, type ImageSource, type ProgressCallback } from './image-transfer';

/** libvirt's default mode for a pool directory it builds. */
export const DEFAULT_POOL_DIR_MODE = 0o711;
/** libvirt's default mode for a volume file it creates. */
export const DEFAULT_VOLUME_MODE = 0o600;

/** The stack, its lock and the store: what every change needs. */
export interface StorageContext {
  readonly store: StateStore;
  readonly lock: HostLock;
  readonly stack: string;
}

/** Sizes a refresh reports, bytes (statvfs of the pool's file system). */
export interface PoolSizes {
  readonly capacity: number;
  readonly allocation: number;
  readonly available: number;
}

export interface CreateVolumeOptions {
  /** Accept a backing file outside this pool (default: refused, ESCAPES_POOL). */
  readonly allowBackingOutsidePool?: boolean;
  /** The stack-level resource this volume lives and dies with. */
  readonly parent?: ResourceRef;
}

export interface ImportImageOptions {
  /** Format of the incoming image; probed by qemu-img when not given. */
  readonly sourceFormat?: string;
  /** Format the volume should have; converted with qemu-img when it differs. Default: the source's. */
  readonly format?: CreatableFormat;
  /** Grow the image to this many bytes after import (never shrinks unless allowShrink). */
  readonly capacity?: number;
  readonly allowShrink?: boolean;
  /** Expected hex SHA-256 of the incoming bytes. */
  readonly sha256?: string;
  /** File mode, default 0600. */
  readonly mode?: number;
  readonly onProgress?: ProgressCallback;
  readonly parent?: ResourceRef;
  /** Desired-state digest for the record; default: digest of the source label and options. */
  readonly specHash?: string;
}

/** A volume as created or found. */
export interface VolumeResult {
  readonly name: string;
  readonly path: string;
  /** False when the volume already existed (owned by this stack) and was left as it was. */
  readonly created: boolean;
  readonly info: ImageInfo;
}

export class DirPoolStorage {
  private constructor(
    private readonly ctx: StorageContext,
    /** The pool's name. */
    readonly name: string,
    /** The target path as the pool document gives it. */
    readonly targetPath: string,
    /** The directory after realpath on the host. */
    readonly dir: string,
  ) {}

  private get t(): Transport {
    return this.ctx.store.transport;
  }

  private get host(): string {
    return this.t.hostLabel;
  }

  /**
   * Defines the pool in the store and creates its directory with the permissions of the pool
   * document (mode default 0711; owner and group when given). An existing directory that
   * virtform did not create keeps its permissions: it is used, not modified.
   */
  static async build(ctx: StorageContext, pool: Pool, xml?: string): Promise<DirPoolStorage> {
    const { name, target } = checkDirPool(pool);
    const t = ctx.store.transport;
    const ref: ResourceRef = { kind: 'pool', name };
    ctx.lock.assertHeld(`build pool '${name}'`);
    const cur = await ctx.store.assertMayChange(ref, ctx.stack);
    const existed = (await t.exec(['test', '-e', target])).code === 0 || (await t.exec(['test', '-L', target])).code === 0;
    // Permissions are applied only to a directory virtform made (now, or when it first built the pool).
    const createdDir = !existed || cur.owner?.createdDir === true;
    await ctx.store.define(ref, { ...(xml !== undefined ? { xml } : {}), ...(pool.uuid ? { uuid: pool.uuid } : {}), specHash: hashSpec(xml ?? JSON.stringify(pool)), path: target, ...(createdDir ? { createdDir: true } : {}) }, ctx);
    const perms = pool.target?.permissions;
    if (!existed) {
      await runLocked(ctx.lock, t, ['mkdir', '-p', '--', target], `create the directory of pool '${name}'`);
    }
    if (createdDir) {
      await runLocked(ctx.lock, t, ['chmod', (perms?.mode ?? DEFAULT_POOL_DIR_MODE).toString(8).padStart(4, '0'), '--', target], `set the mode of ${target}`);
      if (perms?.owner !== undefined || perms?.group !== undefined) {
        await runLocked(ctx.lock, t, ['chown', `${perms.owner ?? ''}:${perms.group ?? ''}`, '--', target], `set the owner of ${target}`);
      }
    }
    return DirPoolStorage.open(ctx, pool);
  }

  /** A pool whose directory exists on the host (it need not be owned to be read from). */
  static async open(ctx: StorageContext, pool: Pool): Promise<DirPoolStorage> {
    const { name, target } = checkDirPool(pool);
    const t = ctx.store.transport;
    const r = await t.exec(['realpath', '-e', '--', target]);
    if (r.code !== 0) throw new StateError('NOT_FOUND', `${t.hostLabel}: the directory ${target} of pool '${name}' does not exist. Build the pool first.`);
    const dir = r.stdout.toString('utf8').replace(/\n$/, '');
    const isDir = await t.exec(['test', '-d', dir]);
    if (isDir.code !== 0) throw new StateError('NOT_FOUND', `${t.hostLabel}: ${target} of pool '${name}' is not a directory.`);
    return new DirPoolStorage(ctx, name, target, dir);
  }

  /** Capacity, allocation and available bytes of the pool's file system (statvfs via stat -f). */
  async refresh(): Promise<PoolSizes> {
    const r = await this.t.exec(['stat', '-f', '-c', '%S %b %f %a', '--', this.dir]);
    if (r.code !== 0) throw new StateError('COMMAND_FAILED', `${this.host}: cannot read the file system of pool '${this.name}' (${this.dir}): ${r.stderr.toString().trim()}`);
    const [frsize, blocks, free, avail] = r.stdout.toString('utf8').trim().split(' ').map(Number);
    return { capacity: frsize * blocks, allocation: frsize * (blocks - free), available: frsize * avail };
  }

  /** The volumes of this pool that have a definition or ownership record in the store. */
  recordedVolumes(): Promise<StateEntry[]> {
    return this.ctx.store.list('volume', this.name);
  }

  /** Where a volume is and what is there (see checkVolumePath). */
  volumePath(name: string): Promise<VolumePathState> {
    return checkVolumePath(this.t, this.name, this.dir, name);
  }

  /** `qemu-img info` of a volume. `format` avoids probing; give it whenever it is known. */
  async volumeInfo(name: string, format?: string): Promise<ImageInfo> {
    const p = await this.volumePath(name);
    if (!p.exists) throw new StateError('NOT_FOUND', `${this.host}: volume '${name}' does not exist in pool '${this.name}' (${p.path}).`);
    return this.info(p.path, format ?? (await this.recordedFormat(name)));
  }

  /**
   * Creates a volume with qemu-img from a volume document: format raw or qcow2, capacity,
   * allocation (see preallocationFor), backing store with its format, qcow2 compat, cluster
   * size and features, then the document's permissions (mode default 0600). Idempotent for
   * this stack: an existing owned volume is returned as it is (created: false).
   */
  async createVolume(vol: Volume, opts: CreateVolumeOptions = {}): Promise<VolumeResult> {
    const name = vol.name;
    const ref: ResourceRef = { kind: 'volume', pool: this.name, name };
    const target = vol.target ?? {};
    const format = (target.format?.type ?? 'raw') as string;
    if (!(CREATABLE_FORMATS as readonly string[]).includes(format)) {
      throw new StateError('COMMAND_FAILED', `volume '${name}' in pool '${this.name}': format '${format}' cannot be created by virtform; use ${CREATABLE_FORMATS.join(' or ')}.`);
    }
    if (target.encryption) {
      throw new StateError('COMMAND_FAILED', `volume '${name}' in pool '${this.name}': encrypted volumes are not supported yet; remove <encryption>.`);
    }
    if (vol.capacity === undefined) throw new StateError('COMMAND_FAILED', `volume '${name}' in pool '${this.name}' has no capacity; add <capacity>.`);
    this.ctx.lock.assertHeld(`create volume '${name}'`);
    const p = await this.volumePath(name);
    const cur = await this.ctx.store.assertMayChange(ref, this.ctx.stack, p.exists);
    if (p.exists && cur.owner) return { name, path: p.path, created: false, info: await this.info(p.path, cur.owner.imageFormat ?? format) };

    let backing: { path: string; format: string } | undefined;
    if (vol.backingStore) {
      const bpath = opts.allowBackingOutsidePool
        ? vol.backingStore.path
        : await resolveInsidePool(this.t, this.name, this.dir, vol.backingStore.path, `the backing file of volume '${name}'`);
      const bfmt = vol.backingStore.format?.type ?? (await this.info(bpath)).format;
      backing = { path: bpath, format: bfmt };
    }
    const xml = formatVolumeXml(vol);
    await this.ctx.store.define(ref, { xml, specHash: hashSpec(xml), path: p.path, imageFormat: format, ...(opts.parent ? { parent: opts.parent } : {}) }, this.ctx);
    const f = format as CreatableFormat;
    // libvirt's reading of a missing <allocation>: the whole capacity (a fully allocated volume).
    const allocation = vol.allocation ?? vol.capacity;
    await this.run(createImageArgv({
      path: p.path,
      format: f,
      capacity: vol.capacity,
      allocation,
      ...(backing ? { backing } : {}),
      ...(target.compat !== undefined ? { compat: target.compat } : {}),
      ...(target.clusterSize !== undefined ? { clusterSize: target.clusterSize } : {}),
      ...(target.features?.lazyRefcounts ? { lazyRefcounts: true } : {}),
      ...(target.features?.extendedL2 ? { extendedL2: true } : {}),
      ...(target.nocow ? { nocow: true } : {}),
    }), `create volume '${name}' in pool '${this.name}'`);
    if (preallocationFor(f, vol.capacity, allocation) === 'partial') {
      await this.run(['fallocate', '-l', String(allocation), '--', p.path], `allocate ${allocation} bytes for volume '${name}'`);
    }
    const perms = target.permissions;
    await this.applyPermissions(p.path, perms?.mode ?? DEFAULT_VOLUME_MODE, perms?.owner, perms?.group);
    return { name, path: p.path, created: true, info: await this.info(p.path, format) };
  }

  /**
   * Changes a volume's virtual size in place. Growing is always allowed; shrinking only with
   * allowShrink (data past the new end is lost). Equal size is a no-op. Owned volumes only.
   */
  async resizeVolume(name: string, capacity: number, opts: { readonly allowShrink?: boolean } = {}): Promise<ImageInfo> {
    const { path: file, format } = await this.owned(name, 'resize');
    const info = await this.info(file, format);
    if (capacity === info.virtualSize) return info;
    const shrink = capacity < info.virtualSize;
    if (shrink && !opts.allowShrink) {
      throw new StateError(
        'SHRINK_REFUSED',
        `${this.host}: volume '${name}' in pool '${this.name}' is ${info.virtualSize} bytes; resizing it to ${capacity} bytes would shrink it and destroy ` +
          `the data past byte ${capacity}. Shrink the file system inside the guest first, then allow shrinking explicitly, or keep the size.`,
      );
    }
    this.ctx.lock.assertHeld(`resize volume '${name}'`);
    await this.run(resizeImageArgv(file, format, capacity, shrink), `resize volume '${name}' in pool '${this.name}' to ${capacity} bytes`);
    return this.info(file, format);
  }

  /** Deletes an owned volume's file and then its record. Unowned files are never deleted. */
  async deleteVolume(name: string): Promise<void> {
    const ref: ResourceRef = { kind: 'volume', pool: this.name, name };
    const p = await this.volumePath(name);
    await this.ctx.store.assertMayChange(ref, this.ctx.stack, p.exists);
    this.ctx.lock.assertHeld(`delete volume '${name}'`);
    if (p.exists) await this.run(['rm', '-f', '--', p.path], `delete volume '${name}'`);
    await this.removeTempFiles(name);
    await this.ctx.store.remove(ref, this.ctx);
  }

  /**
   * Removes the pool: its record always, its directory only when virtform created it and it
   * is empty (never recursively). Throws EXISTS naming the entries left in it otherwise.
   */
  async remove(): Promise<{ readonly removedDir: boolean }> {
    const ref: ResourceRef = { kind: 'pool', name: this.name };
    const cur = await this.ctx.store.assertMayChange(ref, this.ctx.stack);
    let removedDir = false;
    if (cur.owner && cur.owner.createdDir) {
      const r = await this.t.exec(['rmdir', '--', this.dir]);
      if (r.code !== 0) {
        const ls = await this.t.exec(['ls', '-A', '--', this.dir]);
        const left = ls.stdout.toString('utf8').split('\n').filter(Boolean);
        throw new StateError(
          'EXISTS',
          `${this.host}: pool '${this.name}' still holds ${left.length} entr${left.length === 1 ? 'y' : 'ies'} in ${this.dir} (${left.slice(0, 5).join(', ')}${left.length > 5 ? ', ...' : ''}). ` +
            `virtform never deletes volumes as a side effect: delete them first (their files are kept otherwise).`,
        );
      }
      removedDir = true;
    }
    await this.ctx.store.remove(ref, this.ctx);
    return { removedDir };
  }

  /**
   * Imports an image as a new volume: streams it to a hidden temp file in the pool, checks
   * the digest on both ends, checks the image (no backing or data file), converts it to
   * `format` and grows it to `capacity` when asked, sets the mode, then links it into place
   * (never over an existing file).
   */
  async importImage(name: string, source: ImageSource, opts: ImportImageOptions = {}): Promise<VolumeResult> {
    const ref: ResourceRef = { kind: 'volume', pool: this.name, name };
    this.ctx.lock.assertHeld(`import volume '${name}'`);
    const p = await this.volumePath(name);
    const cur = await this.ctx.store.assertMayChange(ref, this.ctx.stack, p.exists);
    if (p.exists) {
      throw new StateError('EXISTS', `${this.host}: volume '${name}' already exists in pool '${this.name}' (${p.path}, stack '${cur.owner?.stack}'). Delete it first or import under another name.`);
    }
    const specHash = opts.specHash ?? hashSpec(JSON.stringify({ import: source.label, sha256: opts.sha256 ?? null, format: opts.format ?? null, capacity: opts.capacity ?? null }));
    await this.ctx.store.define(ref, { specHash, path: p.path, ...(opts.parent ? { parent: opts.parent } : {}) }, this.ctx);
    // An import cut off earlier (connection lost) may have left its temp file: the record makes the name ours.
    await this.removeTempFiles(name);
    const tmp = path.posix.join(this.dir, `.${name}.virtform-part-${randomBytes(4).toString('hex')}`);
    const temps = [tmp];
    let result: VolumeResult;
    try {
      const sent = await sendToHost(this.t, tmp, source, opts.onProgress);
      if (opts.sha256 !== undefined && sent.sha256 !== opts.sha256.toLowerCase()) {
        throw new StateError('CHECKSUM', `${source.label}: SHA-256 is ${sent.sha256}, expected ${opts.sha256.toLowerCase()}. The image was not imported; check the source and the expected digest.`);
      }
      const sum = await this.t.exec(['sha256sum', '--', tmp]);
      const hostSum = sum.stdout.toString('utf8').split(' ')[0];
      if (sum.code !== 0 || hostSum !== sent.sha256) {
        throw new StateError('CHECKSUM', `${this.host}: the image received in pool '${this.name}' has SHA-256 ${hostSum || '(unreadable)'}, but ${sent.sha256} was sent. The transfer was damaged; try again.`);
      }
      let info = await this.info(tmp, opts.sourceFormat);
      checkImportedImage(info, source.label);
      let file = tmp;
      if (opts.format !== undefined && opts.format !== info.format) {
        const conv = `${tmp}.${opts.format}`;
        temps.push(conv);
        await this.run(convertImageArgv(tmp, info.format, conv, opts.format), `convert ${source.label} from ${info.format} to ${opts.format}`);
        file = conv;
        info = await this.info(file, opts.format);
      }
      if (opts.capacity !== undefined && opts.capacity !== info.virtualSize) {
        if (opts.capacity < info.virtualSize && !opts.allowShrink) {
          throw new StateError('SHRINK_REFUSED', `${source.label} is ${info.virtualSize} bytes, more than the requested capacity ${opts.capacity}; importing it would cut the image. Raise the capacity or allow shrinking.`);
        }
        await this.run(resizeImageArgv(file, info.format, opts.capacity, opts.capacity < info.virtualSize), `resize the imported ${source.label}`);
      }
      await this.applyPermissions(file, opts.mode ?? DEFAULT_VOLUME_MODE);
      this.ctx.lock.assertHeld(`put volume '${name}' in place`);
      const link = await this.t.exec(['ln', '--', file, p.path]);
      if (link.code !== 0) {
        throw new StateError('EXISTS', `${this.host}: cannot put the imported image in place at ${p.path}: ${link.stderr.toString('utf8').trim()}. Something created it meanwhile; nothing was overwritten.`);
      }
      info = await this.info(p.path, info.format);
      await this.ctx.store.define(ref, { specHash, path: p.path, imageFormat: info.format }, this.ctx);
      result = { name, path: p.path, created: true, info };
    } catch (e) {
      // Without the lock (connection lost) touch nothing more: the record keeps the name ours,
      // and the next import of it removes the temp files.
      if (this.ctx.lock.held) {
        await this.t.exec(['rm', '-f', '--', ...temps]).catch(() => undefined);
        // The record stays until the volume is gone: remove it only if no file was put in place.
        if (!(await this.volumePath(name).catch(() => ({ exists: true }))).exists) await this.ctx.store.remove(ref, this.ctx).catch(() => undefined);
      }
      throw e;
    }
    // Success: the converted or original temp file is linked into place; drop the other names.
    await this.run(['rm', '-f', '--', ...temps], `remove the temp files of '${name}'`);
    return result;
  }

  /** Runs a host command that changes something: only while the host lock is held. */
  private run(argv: string[], what: string): Promise<void> {
    return runLocked(this.ctx.lock, this.t, argv, what);
  }

  /**
   * Removes `.NAME.virtform-part-*` temp files of an import of NAME that never finished. Only
   * called once the caller holds NAME's ownership record, which is what makes those files ours.
   */
  private async removeTempFiles(name: string): Promise<void> {
    this.ctx.lock.assertHeld(`clean up unfinished imports of '${name}'`);
    const r = await this.t.exec(['sh', '-c', 'rm -f -- "$1/.$2.virtform-part-"*', 'sh', this.dir, name]);
    if (r.code !== 0) throw new StateError('COMMAND_FAILED', `${this.host}: cannot remove unfinished imports of '${name}' in ${this.dir}: ${r.stderr.toString('utf8').trim()}`);
  }

  /** The path and recorded format of an owned volume; throws NOT_FOUND, NOT_OWNED or OTHER_STACK. */
  private async owned(name: string, verb: string): Promise<{ path: string; format: string }> {
    const ref: ResourceRef = { kind: 'volume', pool: this.name, name };
    const p = await this.volumePath(name);
    const cur = await this.ctx.store.assertMayChange(ref, this.ctx.stack, p.exists);
    if (!p.exists) throw new StateError('NOT_FOUND', `${this.host}: cannot ${verb} volume '${name}': it does not exist in pool '${this.name}' (${p.path}).`);
    return { path: p.path, format: cur.owner?.imageFormat ?? (await this.info(p.path)).format };
  }

  private async recordedFormat(name: string): Promise<string | undefined> {
    const e = await this.ctx.store.get({ kind: 'volume', pool: this.name, name });
    return e.owner?.imageFormat;
  }

  private async info(file: string, format?: string): Promise<ImageInfo> {
    const r = await this.t.exec(infoImageArgv(file, format));
    if (r.code !== 0) {
      const msg = r.stderr.toString('utf8').trim();
      throw new StateError('COMMAND_FAILED', `${this.host}: qemu-img info ${file} failed: ${msg || `exit ${r.code}`}${r.code === 127 ? '. Install qemu-utils on the host.' : ''}`);
    }
    return parseImageInfo(r.stdout.toString('utf8'), file);
  }

  private async applyPermissions(file: string, mode: number, owner?: number, group?: number): Promise<void> {
    await this.run(['chmod', mode.toString(8).padStart(4, '0'), '--', file], `set the mode of ${file}`);
    if (owner !== undefined || group !== undefined) {
      await this.run(['chown', `${owner ?? ''}:${group ?? ''}`, '--', file], `set the owner of ${file}`);
    }
  }
}

/** Refuses an imported image that would make QEMU open other host files. */
export function checkImportedImage(info: ImageInfo, label: string): void {
  if (info.backingFilename !== undefined) {
    throw new StateError(
      'UNSAFE_IMAGE',
      `${label} is a ${info.format} image with a backing file (${info.backingFilename}); a guest could read that host file through it. ` +
        `Flatten it first (qemu-img convert -O ${info.format} IMAGE FLAT) and import the flat image.`,
    );
  }
  if (info.dataFile !== undefined) {
    throw new StateError('UNSAFE_IMAGE', `${label} is a qcow2 image with an external data file (${info.dataFile}); a guest could reach that host file. Convert it to a self-contained image first.`);
  }
}

function checkDirPool(pool: Pool): { name: string; target: string } {
  if (pool.type !== 'dir') throw new StateError('COMMAND_FAILED', `pool '${pool.name ?? ''}' is of type '${pool.type}'; DirPoolStorage handles type 'dir' only.`);
  if (pool.name === undefined) throw new StateError('BAD_NAME', 'the pool has no name; add <name>.');
  checkEntryName(pool.name, 'pool');
  const target = pool.target?.path;
  if (!target || !target.startsWith('/')) throw new StateError('NOT_FOUND', `pool '${pool.name}' has no absolute target <path>; add <target><path>/var/lib/virtform/images</path></target>.`);
  return { name: pool.name, target };
}

/** Runs a host command that changes something, after checking that the lock is still held. */
async function runLocked(lock: HostLock, t: Transport, argv: string[], what: string): Promise<void> {
  lock.assertHeld(what);
  const r = await t.exec(argv);
  if (r.code !== 0) {
    const msg = r.stderr.toString('utf8').trim();
    throw new StateError('COMMAND_FAILED', `${t.hostLabel}: cannot ${what}: ${msg || `${argv[0]} exited ${r.code}`}${r.code === 127 ? `. Install ${argv[0] === 'qemu-img' ? 'qemu-utils' : argv[0]} on the host.` : ''}`);
  }
}
