/**
 * Carries out volume changes in directory pools with provider/executor/storage:
 *
 *   create              an empty image with qemu-img (format, capacity, allocation, backing
 *                       store, permissions), or, when the stack imports it (StackInputs), the
 *                       image from a file or URL (checked, converted to the volume's format,
 *                       grown to its capacity) or a domain's cloud-init seed; then the definition
 *   update              grow in place with qemu-img resize (`volume-resize`), set owner and mode
 *                       in place (`permissions`), store the new definition (allocation and key
 *                       only change the definition)
 *   delete              the image, then its record; a file virtform did not create is never
 *                       deleted (NOT_OWNED)
 *   delete-then-create  delete, then create (the plan marks it as destroying data)
 *
 * Idempotent: an image the stack already owns is not made again, an import whose image is in
 * place only gets its definition stored, a delete of a gone image removes the record.
 *
 * A running QEMU holds a write lock on its images, so growing a disk of a running domain fails
 * with qemu-img's lock error; the message says to stop the domain (live block_resize over QMP is
 * not done yet).
 */
import { parsePoolXml } from '../../../model/pool';
import { parseVolumeXml, type Volume } from '../../../model/volume';
import type { LiveUpdateKind } from '../../../planner/change-effect';
import type { ResourceChange } from '../../../planner/plan';
import { hashSpec } from '../state/ownership-record';
import type { ResourceRef } from '../state/resource-ref';
import { StateError } from '../state/state-error';
import type { StateStore } from '../state/state-store';
import { DirPoolStorage, type StorageContext } from '../storage/dir-pool-storage';
import type { TransferProgress } from '../storage/image-transfer';
import { writeNoCloudSeed } from '../storage/nocloud-seed';
import type { CreatableFormat } from '../storage/qemu-img';
import type { ApplyExecutor, ApplyStepContext } from './apply-executor';
import { heldHostLock } from './held-host-lock';
import { dirPool } from './pool-executor';

export interface VolumeExecutorOptions {
  readonly store: StateStore;
}

/** The live changes this executor makes; the rest replace the volume. */
export const VOLUME_LIVE_UPDATES: ReadonlySet<LiveUpdateKind> = new Set<LiveUpdateKind>(['volume-resize', 'permissions']);

/** Names writeNoCloudSeed gives seeds: they can only be made from the stack's cloud-init files. */
const SEED_NAME = /^cidata-[0-9a-f]{16}\.iso$/;

export class VolumeExecutor implements ApplyExecutor {
  readonly liveUpdates = VOLUME_LIVE_UPDATES;

  constructor(private readonly o: VolumeExecutorOptions) {}

  async create(c: ResourceChange, ctx: ApplyStepContext): Promise<void> {
    const vol = this.desired(c);
    const pool = await this.openPool(c, ctx);
    const imp = ctx.inputs?.volumeImports.get(c.address);
    const ref = volumeRef(c);
    if (imp === undefined) {
      if (SEED_NAME.test(c.name)) {
        throw new StateError(
          'NOT_FOUND',
          `this volume is a cloud-init seed, made from the stack's cloud-init files, and this apply was not given them (plan files do not hold them). Nothing was changed; run the apply with --xml PATH (the stack folder).`,
        );
      }
      ctx.progress('creating the image (qemu-img create)');
      await pool.createVolume(vol);
    } else if (imp.kind === 'nocloud') {
      ctx.progress(`writing the cloud-init seed of domain '${imp.domain}'`);
      const r = await writeNoCloudSeed(pool, imp.domain, imp.seed);
      if (r.name !== c.name) throw new Error(`${c.address}: the cloud-init seed of domain '${imp.domain}' came out as '${r.name}', not '${c.name}': the seed files changed since the plan was made; plan again`);
    } else {
      const at = await pool.volumePath(c.name);
      const cur = await this.o.store.get(ref);
      // ln is the import's last step: an image in place under our record is a finished import.
      if (!(at.exists && cur.owner?.stack === ctx.stack)) {
        ctx.progress(`importing ${imp.label}`);
        const format = vol.target?.format?.type;
        await pool.importImage(c.name, await imp.open(), {
          ...(format === 'raw' || format === 'qcow2' ? { format: format as CreatableFormat } : {}),
          ...(vol.capacity !== undefined ? { capacity: vol.capacity } : {}),
          ...(imp.sha256 !== undefined ? { sha256: imp.sha256 } : {}),
          ...(imp.sourceFormat !== undefined ? { sourceFormat: imp.sourceFormat } : {}),
          ...(vol.target?.permissions?.mode !== undefined ? { mode: vol.target.permissions.mode } : {}),
          onProgress: throttledProgress(ctx),
        });
      }
      await this.setOwner(pool, c.name, vol, ctx);
    }
    await this.storeDefinition(c, ctx);
  }

  async update(c: ResourceChange, ctx: ApplyStepContext): Promise<void> {
    const vol = this.desired(c);
    const kinds = new Set(c.attributes.filter((a) => a.effect === 'live' && a.liveKind).map((a) => a.liveKind!));
    if (kinds.has('volume-resize') || kinds.has('permissions')) {
      const pool = await this.openPool(c, ctx);
      if (kinds.has('volume-resize')) {
        if (vol.capacity === undefined) throw new Error(`${c.address}: the definition has no capacity to grow to`);
        ctx.progress(`growing the image to ${vol.capacity} bytes (qemu-img resize)`);
        try {
          await pool.resizeVolume(c.name, vol.capacity);
        } catch (e) {
          if (e instanceof StateError && /lock/i.test(e.message)) {
            throw new StateError(
              'COMMAND_FAILED',
              `${e.message}. A running domain uses ${c.address} (QEMU holds its write lock); virtform cannot grow a disk in use yet (no live block_resize). Stop the domain, apply again, then start it.`,
            );
          }
          throw e;
        }
      }
      if (kinds.has('permissions')) {
        const mode = vol.target?.permissions?.mode;
        if (mode !== undefined) await this.chmod(pool, c.name, mode, ctx);
        await this.setOwner(pool, c.name, vol, ctx);
      }
    }
    await this.storeDefinition(c, ctx);
  }

  async deleteThenCreate(c: ResourceChange, ctx: ApplyStepContext): Promise<void> {
    await this.delete(c, ctx);
    await this.create(c, ctx);
  }

  async delete(c: ResourceChange, ctx: ApplyStepContext): Promise<void> {
    const sctx = this.storage(ctx);
    const pool = await this.poolDocument(c.pool!);
    if (pool?.target?.path !== undefined && pool.type === 'dir' && (await this.o.store.transport.exec(['test', '-d', pool.target.path])).code === 0) {
      await (await DirPoolStorage.open(sctx, pool)).deleteVolume(c.name);
      return;
    }
    // The pool's directory is gone, and the image with it: only the record is left.
    await this.o.store.remove(volumeRef(c), sctx);
  }

  private desired(c: ResourceChange): Volume {
    if (c.desiredXml === undefined) throw new Error(`${c.address}: the plan holds no definition to apply`);
    return parseVolumeXml(c.desiredXml, c.address);
  }

  /** The definition as planned, keeping the record's spec hash when an import set it (the image's digest). */
  private async storeDefinition(c: ResourceChange, ctx: ApplyStepContext): Promise<void> {
    const cur = await this.o.store.get(volumeRef(c));
    const imported = ctx.inputs?.volumeImports.has(c.address) && cur.owner !== null;
    await this.o.store.define(volumeRef(c), { xml: c.desiredXml!, specHash: imported ? cur.owner!.specHash : hashSpec(c.desiredXml!) }, this.storage(ctx));
  }

  private async poolDocument(name: string) {
    const e = await this.o.store.get({ kind: 'pool', name });
    return e.xml === null ? null : parsePoolXml(e.xml, `pool '${name}' (stored definition)`);
  }

  private async openPool(c: ResourceChange, ctx: ApplyStepContext): Promise<DirPoolStorage> {
    const pool = await this.poolDocument(c.pool!);
    if (pool === null) throw new StateError('NOT_FOUND', `${c.address}: pool '${c.pool}' is not defined on ${this.o.store.transport.hostLabel}; declare it in the stack.`);
    return DirPoolStorage.open(this.storage(ctx), dirPool(pool, `pool.${c.pool}`));
  }

  private async chmod(pool: DirPoolStorage, name: string, mode: number, ctx: ApplyStepContext): Promise<void> {
    const p = await pool.volumePath(name);
    if (!p.exists) throw new StateError('NOT_FOUND', `volume '${name}' does not exist in pool '${pool.name}' (${p.path})`);
    await this.run(['chmod', mode.toString(8).padStart(4, '0'), '--', p.path], `set the mode of ${p.path}`, ctx);
  }

  /** The document's owner and group, when it names them (imports set only the mode). */
  private async setOwner(pool: DirPoolStorage, name: string, vol: Volume, ctx: ApplyStepContext): Promise<void> {
    const perms = vol.target?.permissions;
    if (perms?.owner === undefined && perms?.group === undefined) return;
    const p = await pool.volumePath(name);
    if (!p.exists) throw new StateError('NOT_FOUND', `volume '${name}' does not exist in pool '${pool.name}' (${p.path})`);
    await this.run(['chown', `${perms.owner ?? ''}:${perms.group ?? ''}`, '--', p.path], `set the owner of ${p.path}`, ctx);
  }

  private async run(argv: string[], what: string, ctx: ApplyStepContext): Promise<void> {
    const t = this.o.store.transport;
    heldHostLock(ctx.lock, what).assertHeld(what);
    const r = await t.exec(argv);
    if (r.code !== 0) throw new StateError('COMMAND_FAILED', `${t.hostLabel}: cannot ${what}: ${r.stderr.toString('utf8').trim() || `${argv[0]} exited ${r.code}`}`);
  }

  private storage(ctx: ApplyStepContext): StorageContext {
    return { store: this.o.store, lock: heldHostLock(ctx.lock, 'changing a volume'), stack: ctx.stack };
  }
}

function volumeRef(c: ResourceChange): ResourceRef {
  return { kind: 'volume', pool: c.pool!, name: c.name };
}

/** Progress lines for an import: at most one per quarter of the image (or per 64 MiB when the size is unknown). */
function throttledProgress(ctx: ApplyStepContext): (p: TransferProgress) => void {
  let next = 0;
  return (p) => {
    const step = p.total ? p.total / 4 : 64 * 2 ** 20;
    if (p.bytes < next) return;
    next = p.bytes + step;
    const mib = (n: number): string => (n / 2 ** 20).toFixed(1);
    ctx.progress(p.total ? `sent ${mib(p.bytes)} of ${mib(p.total)} MiB` : `sent ${mib(p.bytes)} MiB`);
  };
}
