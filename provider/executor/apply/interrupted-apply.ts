/**
 * What the next apply (or destroy) of a stack does with an apply of the same stack that was
 * interrupted (its client killed, the connection lost): it **resumes** it. Decided because a
 * plan is made from what the host has, so "skip the steps that were done, re-check the ones in
 * flight, carry on" is what planning again does; rolling back would undo what the user asked
 * for and cannot restore an old definition. docs/apply.md "Interrupted applies".
 *
 * Under the host lock (so no other command is half-way through anything), before planning:
 * - steps that were done stand: the plan sees their result;
 * - each step left in flight is re-checked on the host, where the plan alone could be misled:
 *   - a volume being created may be a partial image (qemu-img cut off): the stack's volume is
 *     deleted, image and record, so the plan creates it again. Nothing used it yet: the domains
 *     that use a volume wait for its create;
 *   - a domain being started may have a QEMU stopped in prelaunch (spawned, never continued):
 *     it is killed, so the plan starts the domain again;
 *   - networks and pools need nothing: a half-started network is adopted or restarted by the
 *     plan, building a pool converges;
 * - each in-flight step gets a `failed` line saying what the re-check did, and the journal is
 *   finished as `abandoned` (moved to journal/finished/). The new apply journals its own steps.
 */
import { parsePoolXml } from '../../../model/pool';
import type { Transport } from '../../host';
import { readRunDir, type DomainHost } from '../domain/domain-host';
import { destroyDomain } from '../domain/stop';
import type { HostLock } from '../state/host-lock';
import { Journal, listInterruptedApplies, type JournalFile } from '../state/journal';
import { doneStepIds, inFlightSteps } from '../state/journal-replay';
import type { StateStore } from '../state/state-store';
import { DirPoolStorage } from '../storage/dir-pool-storage';

export interface InterruptedApplyContext {
  readonly transport: Transport;
  readonly stateDir: string;
  readonly store: StateStore;
  readonly domains: DomainHost;
  readonly lock: HostLock;
  readonly stack: string;
}

/** One interrupted apply and what its re-check did. */
export interface ResumedApply {
  readonly applyId: string;
  readonly startedAt: string;
  readonly by: string;
  readonly command: string;
  readonly done: number;
  /** `domain.web1 (create): killed QEMU pid 4242, left in prelaunch` */
  readonly inFlight: readonly string[];
}

/** Finds the stack's interrupted applies, re-checks their in-flight steps and closes them. */
export async function resumeInterruptedApplies(ctx: InterruptedApplyContext): Promise<ResumedApply[]> {
  const out: ResumedApply[] = [];
  for (const rec of await listInterruptedApplies(ctx.transport, ctx.stateDir, { stack: ctx.stack })) {
    const journal = await Journal.resume(ctx.transport, ctx.stateDir, ctx.lock, rec.applyId);
    const inFlight: string[] = [];
    for (const step of inFlightSteps(rec)) {
      const did = await recheck(ctx, step.resource, step.action);
      inFlight.push(`${step.id} (${step.action ?? 'step'}): ${did}`);
      await journal.failed(step.id, `interrupted while in flight; on resume: ${did}`);
    }
    await journal.finish('abandoned');
    out.push(describe(rec, inFlight));
  }
  return out;
}

/** One line per resumed apply, for the notes an apply prints before its plan. */
export function resumedNote(r: ResumedApply): string {
  const flight = r.inFlight.length ? `; in flight: ${r.inFlight.join('; ')}` : '';
  return `resuming apply ${r.applyId} ('${r.command}' by ${r.by} at ${r.startedAt}), which was interrupted after ${r.done} step${r.done === 1 ? '' : 's'}${flight}. The plan below starts from what it left.`;
}

function describe(rec: JournalFile, inFlight: string[]): ResumedApply {
  return {
    applyId: rec.applyId,
    startedAt: rec.begin.at,
    by: `${rec.begin.by.user}@${rec.begin.by.clientHost}`,
    command: rec.begin.command,
    done: doneStepIds(rec).size,
    inFlight,
  };
}

type StepRef = JournalFile['steps'][number]['resource'];

async function recheck(ctx: InterruptedApplyContext, ref: StepRef, action: string | undefined): Promise<string> {
  if (!ref) return 'nothing to check';
  const creating = action === 'create' || action === 'delete-then-create';
  if (ref.kind === 'volume' && creating) return removePartialVolume(ctx, ref.pool, ref.name);
  if (ref.kind === 'domain') return killPrelaunchQemu(ctx, ref.name);
  return 'left to the plan';
}

async function removePartialVolume(ctx: InterruptedApplyContext, poolName: string, name: string): Promise<string> {
  const entry = await ctx.store.get({ kind: 'volume', pool: poolName, name });
  if (entry.owner?.stack !== ctx.stack) return 'no record of this stack: nothing was made';
  const pool = await ctx.store.get({ kind: 'pool', name: poolName });
  const doc = pool.xml === null ? null : parsePoolXml(pool.xml, `pool '${poolName}' (stored definition)`);
  const sctx = { store: ctx.store, lock: ctx.lock, stack: ctx.stack };
  if (doc?.type === 'dir' && doc.target?.path && (await ctx.transport.exec(['test', '-d', doc.target.path])).code === 0) {
    await (await DirPoolStorage.open(sctx, doc)).deleteVolume(name);
  } else {
    await ctx.store.remove({ kind: 'volume', pool: poolName, name }, sctx);
  }
  return 'deleted the possibly partial image and its record; the plan creates it again';
}

async function killPrelaunchQemu(ctx: InterruptedApplyContext, name: string): Promise<string> {
  const run = await readRunDir(ctx.domains, name);
  if (!run.dirExists || run.record?.phase !== 'starting') return 'no half-started QEMU';
  await destroyDomain(ctx.domains, name);
  return 'stopped the QEMU it had left half-started; the plan starts the domain again';
}
