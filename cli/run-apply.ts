/**
 * Carrying out a plan for the CLI: the confirmation prompt, Terraform-like progress lines
 * (`domain.web1: Creating...`, `Still creating... [10s elapsed]`, `Creation complete after
 * 2s`), and the closing line. Returns the exit code: 0 when every change was made, 1 otherwise.
 */
import type { Plan, ResourceChange } from '../planner/plan';
import { applyPlan, type ApplyEvent, type StepResult } from '../provider/executor/apply/apply-plan';
import { NO_STACK_INPUTS, type StackInputs } from '../provider/executor/apply/volume-import';
import type { ApplySession, HeldLock } from './apply-session';
import type { CliIo } from './main';

const VERB: Readonly<Record<string, [string, string, string]>> = {
  // action: [gerund, noun, "still" gerund]
  create: ['Creating...', 'Creation', 'creating'],
  update: ['Modifying...', 'Modifications', 'modifying'],
  'delete-then-create': ['Replacing...', 'Replacement', 'replacing'],
  delete: ['Destroying...', 'Destruction', 'destroying'],
};

const seconds = (ms: number): string => `${Math.round(ms / 1000)}s`;

export function progressLine(e: ApplyEvent): string {
  const c = e.change;
  const [start, noun, still] = VERB[c.action];
  switch (e.type) {
    case 'start':
      return `${c.address}: ${start}`;
    case 'progress':
      return `${c.address}: ${e.message}`;
    case 'still':
      return `${c.address}: Still ${still}... [${seconds(e.elapsedMs)} elapsed]`;
    case 'done':
      return `${c.address}: ${noun} complete after ${seconds(e.elapsedMs)}`;
    case 'failed':
      return `${c.address}: ${noun} failed after ${seconds(e.elapsedMs)}`;
    case 'skipped':
      return `${c.address}: not attempted: ${e.because.join(', ')}`;
  }
}

/** Reads one line from the CLI's stdin; undefined at end of input or without stdin. */
export function readLine(io: CliIo): Promise<string | undefined> {
  const input = io.stdin;
  if (!input) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    let buf = '';
    const finish = (v: string | undefined): void => {
      input.off('data', onData);
      input.off('end', onEnd);
      input.pause();
      resolve(v);
    };
    const onData = (chunk: Buffer | string): void => {
      buf += chunk.toString();
      const nl = buf.indexOf('\n');
      if (nl >= 0) finish(buf.slice(0, nl).replace(/\r$/, ''));
    };
    const onEnd = (): void => finish(buf === '' ? undefined : buf);
    input.on('data', onData);
    input.on('end', onEnd);
    input.resume();
  });
}

/** Terraform's question: only `yes` approves. */
export async function confirm(io: CliIo, question: string, detail: string): Promise<boolean> {
  io.out(`\n${question}\n  ${detail}\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: `);
  const answer = await readLine(io);
  io.out('\n');
  return answer?.trim() === 'yes';
}

function counts(results: readonly StepResult[]): { added: number; changed: number; destroyed: number } {
  let added = 0;
  let changed = 0;
  let destroyed = 0;
  for (const r of results) {
    if (r.outcome !== 'done') continue;
    if (r.action === 'create') added++;
    if (r.action === 'update') changed++;
    if (r.action === 'delete') destroyed++;
    if (r.action === 'delete-then-create') {
      added++;
      destroyed++;
    }
  }
  return { added, changed, destroyed };
}

/** Prints what taking the lock found (interrupted applies it resumes), before the plan. */
export function printLockNotes(io: CliIo, lock: HeldLock): void {
  for (const n of lock.notes ?? []) io.out(`note: ${n}\n\n`);
}

/** Applies `changes` under `lock`, journalled when the session keeps a journal, printing progress; returns the exit code. */
export async function runApply(io: CliIo, session: ApplySession, plan: Plan, changes: readonly ResourceChange[], lock: HeldLock, inputs: StackInputs = NO_STACK_INPUTS): Promise<number> {
  for (const n of session.notes) io.err(`note: ${n}\n`);
  const journal = session.journal?.(plan, lock, plan.destroy ? 'virtform destroy' : 'virtform apply');
  const result = await applyPlan(changes, session.executor, { stack: plan.stack, lock, inputs }, { onEvent: (e) => io.out(progressLine(e) + '\n'), ...(journal ? { journal } : {}) });
  await journal?.finish(result.ok);
  const c = counts(result.results);
  if (result.ok) {
    io.out(
      plan.destroy
        ? `\nDestroy complete! Resources: ${c.destroyed} destroyed.\n`
        : `\nApply complete! Resources: ${c.added} added, ${c.changed} changed, ${c.destroyed} destroyed.\n`,
    );
    return 0;
  }
  const failed = result.results.filter((r) => r.outcome === 'failed');
  const skipped = result.results.filter((r) => r.outcome === 'skipped');
  io.out(`\nApply stopped with errors: ${c.added} added, ${c.changed} changed, ${c.destroyed} destroyed; ${failed.length} failed, ${skipped.length} not attempted.\n`);
  for (const f of failed) io.err(`Error: ${f.address}: ${f.message}\n`);
  io.err(`Run the same command again to finish: apply picks up what was done.\n`);
  return 1;
}
