/**
 * The apply engine's journal on the host: applyPlan's ApplyJournal port over
 * provider/executor/state Journal (`<stateDir>/journal/APPLY-ID.jsonl`, docs/state.md).
 *
 * - The journal file is begun with the first step, so an apply that changes nothing leaves none.
 * - One step per change, its id the resource address; `action` is the plan's action (with the
 *   update mode), `resource` the state-store ref, and a create's `undo` is the delete of what it
 *   made (a delete has none: what it removed cannot be brought back).
 * - Lines are appended one at a time even when changes run in parallel: dd writes a long line
 *   in several writes, which concurrent appends could interleave.
 * - `finish` ends the journal (`applied` or `failed`) and moves it to journal/finished/. An apply
 *   that is killed never finishes it: the next apply of the stack finds it
 *   (./interrupted-apply.ts).
 */
import { createHash } from 'crypto';
import type { Plan, ResourceChange } from '../../../planner/plan';
import type { Transport } from '../../host';
import type { HostLock } from '../state/host-lock';
import { Journal } from '../state/journal';
import type { JsonValue } from '../state/journal-replay';
import type { ResourceRef } from '../state/resource-ref';
import type { ApplyJournal } from './apply-plan';

export interface HostApplyJournalOptions {
  readonly transport: Transport;
  readonly stateDir: string;
  readonly lock: HostLock;
  readonly stack: string;
  /** What the user ran (`virtform apply`), recorded in the begin line. */
  readonly command: string;
  readonly plan: Plan;
}

export class HostApplyJournal implements ApplyJournal {
  private journal: Promise<Journal> | undefined;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly o: HostApplyJournalOptions) {}

  /** The apply id, once the journal has begun. */
  async applyId(): Promise<string | undefined> {
    return this.journal ? (await this.journal).applyId : undefined;
  }

  stepStarted(c: ResourceChange): Promise<void> {
    const undo = undoOf(c);
    return this.append((j) => j.started(c.address, { action: actionName(c), resource: refOf(c), ...(undo ? { undo } : {}) }));
  }

  stepFinished(c: ResourceChange, outcome: 'done' | 'failed', message?: string): Promise<void> {
    return this.append((j) => (outcome === 'done' ? j.done(c.address) : j.failed(c.address, message ?? 'failed')));
  }

  /** Ends the journal when one was begun: `applied` when every change was made, else `failed`. */
  async finish(ok: boolean): Promise<void> {
    if (!this.journal) return;
    await this.append((j) => j.finish(ok ? 'applied' : 'failed'));
  }

  private append(fn: (j: Journal) => Promise<void>): Promise<void> {
    this.journal ??= Journal.begin(this.o.transport, this.o.stateDir, this.o.lock, { stack: this.o.stack, command: this.o.command, planHash: planHash(this.o.plan) });
    const next = this.tail.then(async () => fn(await this.journal!));
    this.tail = next.catch(() => undefined);
    return next;
  }
}

/** `sha256:<hex>` over each change's address, action and desired definition hash. */
export function planHash(plan: Plan): string {
  const lines = plan.changes.filter((c) => c.action !== 'no-op').map((c) => `${c.address} ${actionName(c)} ${c.desiredHash ?? '-'}`);
  return `sha256:${createHash('sha256').update(`${plan.stack}\n${plan.destroy}\n${lines.join('\n')}`).digest('hex')}`;
}

/** `create`, `update-live`, `update-restart`, `delete-then-create`, `delete`. */
export function actionName(c: ResourceChange): string {
  return c.action === 'update' ? `update-${c.mode ?? 'restart'}` : c.action;
}

export function refOf(c: Pick<ResourceChange, 'kind' | 'name' | 'pool'>): ResourceRef {
  return c.kind === 'volume' ? { kind: 'volume', pool: c.pool!, name: c.name } : { kind: c.kind, name: c.name };
}

function undoOf(c: ResourceChange): JsonValue | undefined {
  if (c.action === 'create' || c.action === 'delete-then-create') return { action: 'delete', address: c.address };
  return undefined;
}
