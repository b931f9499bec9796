/**
 * Walks a plan's dependency graph and carries out each change through an ApplyExecutor.
 *
 * - A change starts once every change in its `dependsOn` is done; up to `parallelism` run at
 *   once, in plan order among those ready.
 * - A failure is recorded for its resource, and everything that waits for it is skipped (with
 *   the failed address named); independent changes go on. The result lists every change.
 * - Events (start, progress, still running every `stillEveryMs`, done, failed, skipped) feed
 *   the CLI's progress lines; `journal` records each step before and after it runs, so an
 *   interrupted apply can be resumed (the state-store branch's Journal fits this port).
 *
 * No-op changes are not run and not reported.
 */
import type { ResourceChange } from '../../../planner/plan';
import type { ApplyExecutor, ApplyStepContext } from './apply-executor';
import type { WriteLock } from './definition-store';
import type { StackInputs } from './volume-import';

export type StepOutcome = 'done' | 'failed' | 'skipped';

export interface StepResult {
  readonly address: string;
  readonly action: ResourceChange['action'];
  readonly outcome: StepOutcome;
  /** failed: the error's message; skipped: why. */
  readonly message?: string;
  readonly ms: number;
}

export type ApplyEvent =
  | { readonly type: 'start'; readonly change: ResourceChange }
  | { readonly type: 'progress'; readonly change: ResourceChange; readonly message: string }
  | { readonly type: 'still'; readonly change: ResourceChange; readonly elapsedMs: number }
  | { readonly type: 'done'; readonly change: ResourceChange; readonly elapsedMs: number }
  | { readonly type: 'failed'; readonly change: ResourceChange; readonly error: Error; readonly elapsedMs: number }
  | { readonly type: 'skipped'; readonly change: ResourceChange; readonly because: readonly string[] };

/** Records steps as they run (provider/executor/state Journal once merged). */
export interface ApplyJournal {
  stepStarted(change: ResourceChange): Promise<void>;
  stepFinished(change: ResourceChange, outcome: 'done' | 'failed', message?: string): Promise<void>;
}

export interface ApplyOptions {
  /** Changes run at once. Default 4. */
  readonly parallelism?: number;
  readonly onEvent?: (e: ApplyEvent) => void;
  readonly journal?: ApplyJournal;
  /** How often a `still` event repeats for a running step. Default 10000 ms. */
  readonly stillEveryMs?: number;
}

export interface ApplyResult {
  /** One per non-no-op change, in plan order. */
  readonly results: readonly StepResult[];
  readonly ok: boolean;
}

export async function applyPlan(
  changes: readonly ResourceChange[],
  executor: ApplyExecutor,
  ctx: { readonly stack: string; readonly lock: WriteLock; readonly inputs?: StackInputs },
  opts: ApplyOptions = {},
): Promise<ApplyResult> {
  const todo = changes.filter((c) => c.action !== 'no-op');
  const parallelism = Math.max(1, opts.parallelism ?? 4);
  const emit = opts.onEvent ?? (() => undefined);
  const results = new Map<string, StepResult>();
  const running = new Set<string>();

  const run = async (c: ResourceChange): Promise<void> => {
    const t0 = Date.now();
    emit({ type: 'start', change: c });
    const timer = setInterval(() => emit({ type: 'still', change: c, elapsedMs: Date.now() - t0 }), opts.stillEveryMs ?? 10000);
    timer.unref?.();
    const stepCtx: ApplyStepContext = { stack: ctx.stack, lock: ctx.lock, ...(ctx.inputs ? { inputs: ctx.inputs } : {}), progress: (message) => emit({ type: 'progress', change: c, message }) };
    try {
      await opts.journal?.stepStarted(c);
      switch (c.action) {
        case 'create':
          await executor.create(c, stepCtx);
          break;
        case 'update':
          await executor.update(c, stepCtx);
          break;
        case 'delete-then-create':
          await executor.deleteThenCreate(c, stepCtx);
          break;
        case 'delete':
          await executor.delete(c, stepCtx);
          break;
      }
      await opts.journal?.stepFinished(c, 'done');
      results.set(c.address, { address: c.address, action: c.action, outcome: 'done', ms: Date.now() - t0 });
      emit({ type: 'done', change: c, elapsedMs: Date.now() - t0 });
    } catch (e) {
      const error = e instanceof Error ? e : new Error(String(e));
      await opts.journal?.stepFinished(c, 'failed', error.message).catch(() => undefined);
      results.set(c.address, { address: c.address, action: c.action, outcome: 'failed', message: error.message, ms: Date.now() - t0 });
      emit({ type: 'failed', change: c, error, elapsedMs: Date.now() - t0 });
    } finally {
      clearInterval(timer);
      running.delete(c.address);
    }
  };

  const inPlan = new Set(todo.map((c) => c.address));
  await new Promise<void>((resolve) => {
    const pump = (): void => {
      for (const c of todo) {
        if (results.has(c.address) || running.has(c.address)) continue;
        const deps = c.dependsOn.filter((d) => inPlan.has(d));
        const blocked = deps.filter((d) => results.has(d) && results.get(d)!.outcome !== 'done');
        if (blocked.length > 0) {
          const because = blocked.map((d) => `${d} ${results.get(d)!.outcome === 'failed' ? 'failed' : 'was skipped'}`);
          results.set(c.address, { address: c.address, action: c.action, outcome: 'skipped', message: `not attempted: ${because.join(', ')}`, ms: 0 });
          emit({ type: 'skipped', change: c, because });
          continue;
        }
        if (deps.some((d) => !results.has(d)) || running.size >= parallelism) continue;
        running.add(c.address);
        void run(c).then(pump);
      }
      if (running.size > 0) return;
      // Nothing runs: everything is settled, or what is left waits for something outside the
      // plan's order (never for a plan from makePlan, whose order is topological).
      for (const c of todo) {
        if (results.has(c.address)) continue;
        results.set(c.address, { address: c.address, action: c.action, outcome: 'skipped', message: 'not attempted: its dependencies never finished', ms: 0 });
        emit({ type: 'skipped', change: c, because: ['its dependencies never finished'] });
      }
      resolve();
    };
    pump();
  });
  const ordered = todo.map((c) => results.get(c.address)!);
  return { results: ordered, ok: ordered.every((r) => r.outcome === 'done') };
}
