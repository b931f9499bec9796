/**
 * Carries out storage pool changes with provider/executor/storage (directory pools):
 *
 *   create              fill the UUID, store record + definition, create the directory with the
 *                       document's permissions (an existing directory is used as it is)
 *   update              store the new definition; a directory virtform created gets the new
 *                       permissions in place (`permissions`); nothing else of a pool changes live
 *   delete              remove the directory when virtform created it and it is empty, then the
 *                       record (volumes are never deleted as a side effect: the plan deletes
 *                       them first, each as its own change)
 *   delete-then-create  refused while the stack's volumes are recorded in the pool (replacing
 *                       the pool would leave their images behind in the old directory); else
 *                       delete, then create
 *
 * Only `type='dir'` pools are carried out; other types fail naming the type, before anything on
 * the host changes.
 */
import { parsePoolXml, type Pool } from '../../../model/pool';
import { fillGenerated, type Generators } from '../../../planner/canonical-document';
import type { LiveUpdateKind } from '../../../planner/change-effect';
import type { ResourceChange } from '../../../planner/plan';
import { StateError } from '../state/state-error';
import type { StateStore } from '../state/state-store';
import { DirPoolStorage, type StorageContext } from '../storage/dir-pool-storage';
import type { ApplyExecutor, ApplyStepContext } from './apply-executor';
import { heldHostLock } from './held-host-lock';

export interface PoolExecutorOptions {
  readonly store: StateStore;
  readonly generators: Generators;
}

/** The live changes this executor makes; the rest replace the pool. */
export const POOL_LIVE_UPDATES: ReadonlySet<LiveUpdateKind> = new Set<LiveUpdateKind>(['permissions']);

export class PoolExecutor implements ApplyExecutor {
  readonly liveUpdates = POOL_LIVE_UPDATES;

  constructor(private readonly o: PoolExecutorOptions) {}

  async create(c: ResourceChange, ctx: ApplyStepContext): Promise<void> {
    await this.build(c, ctx);
  }

  async update(c: ResourceChange, ctx: ApplyStepContext): Promise<void> {
    // build() stores the definition and sets the permissions of a directory virtform made.
    await this.build(c, ctx);
  }

  async deleteThenCreate(c: ResourceChange, ctx: ApplyStepContext): Promise<void> {
    const held = (await this.o.store.list('volume', c.name)).filter((e) => e.owner?.stack === ctx.stack);
    if (held.length > 0) {
      throw new StateError(
        'EXISTS',
        `${this.o.store.transport.hostLabel}: ${c.address} would be replaced, but it holds volumes of stack '${ctx.stack}' (${held.map((e) => e.ref.name).join(', ')}), whose images would stay behind in the old directory. ` +
          `Nothing was changed. Destroy them first (virtform destroy --target volume.${c.name}/NAME), or keep the pool's target path.`,
      );
    }
    await this.delete(c, ctx);
    await this.create(c, ctx);
  }

  async delete(c: ResourceChange, ctx: ApplyStepContext): Promise<void> {
    const sctx = this.storage(ctx);
    const entry = await this.o.store.get({ kind: 'pool', name: c.name });
    const pool = entry.xml === null ? null : parsePoolXml(entry.xml, `${c.address} (stored definition)`);
    if (pool?.type === 'dir' && pool.target?.path !== undefined && (await this.o.store.transport.exec(['test', '-d', pool.target.path])).code === 0) {
      const r = await (await DirPoolStorage.open(sctx, pool)).remove();
      if (r.removedDir) ctx.progress(`removed the directory ${pool.target.path}`);
      return;
    }
    await this.o.store.remove({ kind: 'pool', name: c.name }, sctx);
  }

  private async build(c: ResourceChange, ctx: ApplyStepContext): Promise<void> {
    if (c.desiredXml === undefined) throw new Error(`${c.address}: the plan holds no definition to apply`);
    const xml = fillGenerated('pool', c.desiredXml, this.o.generators);
    const pool = dirPool(parsePoolXml(xml, c.address), c.address);
    await DirPoolStorage.build(this.storage(ctx), pool, xml);
  }

  private storage(ctx: ApplyStepContext): StorageContext {
    return { store: this.o.store, lock: heldHostLock(ctx.lock, 'changing a storage pool'), stack: ctx.stack };
  }
}

/** The pool if virtform can carry it out (a directory pool); throws naming the type otherwise. */
export function dirPool(pool: Pool, address: string): Pool {
  if (pool.type !== 'dir') {
    throw new StateError(
      'COMMAND_FAILED',
      `${address}: pools of type '${pool.type}' cannot be created by virtform yet (only type='dir'); nothing was changed. Use a directory pool, or create the pool outside virtform and refer to it.`,
    );
  }
  return pool;
}
