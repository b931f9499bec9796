/**
 * ApplyExecutor: carries out one plan change. One method per action kind (the plan's closed
 * set minus no-op); each receives the change exactly as planned, with its canonical definition
 * (`desiredXml`), and never re-decides what to do.
 *
 * Per resource kind there is one executor (domains, networks, pools, volumes);
 * `KindRoutedExecutor` sends each change to its kind's executor and tells the planner which
 * live changes all of them can make.
 *
 * Contract for implementations:
 * - idempotent: running a step again after it failed half-way finishes it (a definition stored
 *   but QEMU not started; a record without a definition);
 * - the ownership record is written before anything is created and removed after everything
 *   is gone (the state store enforces the order);
 * - progress(...) for anything that takes more than a moment (launching QEMU, copying images).
 */
import type { LiveUpdateKind } from '../../../planner/change-effect';
import type { ResourceChange } from '../../../planner/plan';
import type { ResourceKind } from '../../../planner/resource-address';
import type { WriteLock } from './definition-store';
import type { StackInputs } from './volume-import';

export interface ApplyStepContext {
  readonly stack: string;
  readonly lock: WriteLock;
  /** What the stack gives besides its documents (volume imports); absent: none. */
  readonly inputs?: StackInputs;
  /** A progress line for a long step (`launching QEMU`). */
  progress(message: string): void;
}

export interface ApplyExecutor {
  /** The changes this executor can make to a running instance (passed to the planner). */
  readonly liveUpdates: ReadonlySet<LiveUpdateKind>;
  create(change: ResourceChange, ctx: ApplyStepContext): Promise<void>;
  /** `change.mode` says live or restart. */
  update(change: ResourceChange, ctx: ApplyStepContext): Promise<void>;
  deleteThenCreate(change: ResourceChange, ctx: ApplyStepContext): Promise<void>;
  delete(change: ResourceChange, ctx: ApplyStepContext): Promise<void>;
}

/** Routes each change to the executor of its resource kind. */
export class KindRoutedExecutor implements ApplyExecutor {
  readonly liveUpdates: ReadonlySet<LiveUpdateKind>;

  constructor(private readonly byKind: Readonly<Record<ResourceKind, ApplyExecutor>>) {
    // Live kinds are per resource kind already (balloon only means domains), so the union is exact.
    this.liveUpdates = new Set(Object.values(byKind).flatMap((e) => [...e.liveUpdates]));
  }

  create(c: ResourceChange, ctx: ApplyStepContext): Promise<void> {
    return this.byKind[c.kind].create(c, ctx);
  }

  update(c: ResourceChange, ctx: ApplyStepContext): Promise<void> {
    return this.byKind[c.kind].update(c, ctx);
  }

  deleteThenCreate(c: ResourceChange, ctx: ApplyStepContext): Promise<void> {
    return this.byKind[c.kind].deleteThenCreate(c, ctx);
  }

  delete(c: ResourceChange, ctx: ApplyStepContext): Promise<void> {
    return this.byKind[c.kind].delete(c, ctx);
  }
}

/** A module this build does not have yet: every use fails with this, nothing is pretended. */
export class NotWiredError extends Error {
  constructor(what: string, module: string, branch: string) {
    super(`${what} is not available in this build: ${module} (branch ${branch}) is not merged yet, so virtform cannot do it; nothing was changed for it`);
    this.name = 'NotWiredError';
  }
}

/** The executor for a kind whose module is not merged: refuses every change, naming the module. */
export function notWiredExecutor(kind: ResourceKind, module: string, branch: string): ApplyExecutor {
  const refuse = async (c: ResourceChange): Promise<void> => {
    throw new NotWiredError(`${c.action} of ${c.address} (${kind}s)`, module, branch);
  };
  return { liveUpdates: new Set(), create: refuse, update: refuse, deleteThenCreate: refuse, delete: refuse };
}
