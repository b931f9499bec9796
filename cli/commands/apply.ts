/**
 * `virtform apply [-c URI] [--xml PATH] [--auto-approve] [--stack NAME] [--target ADDRESS]...
 * [FILE]`: makes the host match the desired state.
 *
 * Without FILE: takes the host lock, plans, shows the plan, asks for `yes` (unless
 * --auto-approve), then applies. With FILE (from `plan -out`): applies exactly that plan,
 * without asking, after checking that the host is still as it was when the plan was made; a
 * plan whose definitions had secrets needs the same --xml again to supply them.
 * Exit codes: 0 every change made (or none needed), 1 error, declined, or a change failed.
 */
import * as fs from 'fs';
import type { Command } from 'commander';
import { fingerprintChanges, fingerprintNow } from '../../planner/fingerprint';
import { hasChanges, planSummary, type Plan } from '../../planner/plan';
import { planFileDifferences, readPlanFile } from '../../planner/plan-file';
import { renderPlanText } from '../../planner/render-text';
import { NO_STACK_INPUTS } from '../../provider/executor/apply/volume-import';
import { sessionOptions, SHUTDOWN_TIMEOUT_HELP, parseShutdownTimeout } from '../shutdown-timeout';
import { openApplySession, type ApplySession } from '../apply-session';
import { VirtformError } from '../errors';
import type { CliIo } from '../main';
import { confirm, printLockNotes, runApply } from '../run-apply';
import { planOnHost, resolveStack } from '../stack-plan';
import { collect } from './plan';

export interface ApplyOptions {
  readonly connect?: string;
  readonly xml?: string;
  readonly autoApprove?: boolean;
  readonly stack?: string;
  readonly target?: string[];
  readonly shutdownTimeout?: number;
}

export function register(program: Command, io: CliIo): void {
  program
    .command('apply')
    .description('Make the host match the desired state (asks first unless --auto-approve), or apply a saved plan FILE')
    .argument('[file]', 'a plan saved by `virtform plan -out FILE`')
    .option('-c, --connect <uri>', 'connection URI (default: qemu:///embed?root=./.virtform)')
    .option('--xml <path>', 'desired state: a libvirt XML file or a folder of them (docs/xml-stacks.md)')
    .option('--auto-approve', 'do not ask for confirmation')
    .option('--stack <name>', 'the stack (default: named after --xml)')
    .option('--target <address>', 'apply only this resource and what it needs (repeatable)', collect)
    .option('--shutdown-timeout <seconds>', SHUTDOWN_TIMEOUT_HELP, parseShutdownTimeout)
    .action(async (file: string | undefined, opts: ApplyOptions) => {
      io.exitCode = file !== undefined ? await applyFile(io, file, opts) : await applyNow(io, opts);
    });
}

async function applyNow(io: CliIo, opts: ApplyOptions): Promise<number> {
  const src = resolveStack(opts, 'apply');
  const session = await (io.applySession ?? openApplySession)(opts.connect, sessionOptions(opts));
  try {
    const lock = await session.lock('virtform apply', src.stack);
    try {
      printLockNotes(io, lock);
      const plan = await planOnHost(session, src, { targets: opts.target ?? [] });
      io.out(renderPlanText(plan));
      if (!hasChanges(plan)) {
        io.out('\nApply complete! Resources: 0 added, 0 changed, 0 destroyed.\n');
        return 0;
      }
      if (!opts.autoApprove && !(await confirm(io, 'Do you want to perform these actions?', `virtform will perform the actions described above on host ${plan.host}.`))) {
        io.err('Apply cancelled.\n');
        return 1;
      }
      return await runApply(io, session, plan, plan.changes, lock, src.inputs);
    } finally {
      await lock.release();
    }
  } finally {
    await session.close();
  }
}

async function applyFile(io: CliIo, file: string, opts: ApplyOptions): Promise<number> {
  if (opts.target?.length) throw new VirtformError(`--target cannot narrow a saved plan (${file}); make the plan with --target instead`);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new VirtformError(`cannot read the plan file ${file}: ${(e as Error).message}`);
  }
  const loaded = readPlanFile(text, file);
  const session = await (io.applySession ?? openApplySession)(opts.connect, sessionOptions(opts));
  try {
    const lock = await session.lock('virtform apply', loaded.plan.stack);
    try {
      printLockNotes(io, lock);
      const plan = await checkedPlan(session, loaded, file, opts);
      if (!hasChanges(plan)) {
        io.out('No changes in the saved plan.\n\nApply complete! Resources: 0 added, 0 changed, 0 destroyed.\n');
        return 0;
      }
      const s = planSummary(plan);
      io.out(`Applying ${file} on host ${plan.host} (stack '${plan.stack}'): ${s.add} to add, ${s.change} to change, ${s.destroy} to destroy.\n\n`);
      // Volume imports and cloud-init seeds are not in plan files: they come from the stack folder again.
      const inputs = opts.xml !== undefined ? resolveStack({ ...opts, stack: opts.stack ?? plan.stack }, 'apply').inputs : NO_STACK_INPUTS;
      return await runApply(io, session, plan, plan.changes, lock, inputs);
    } finally {
      await lock.release();
    }
  } finally {
    await session.close();
  }
}

/** The plan to apply from a file: refused when the host changed or (with secrets) the documents differ. */
async function checkedPlan(session: ApplySession, loaded: ReturnType<typeof readPlanFile>, file: string, opts: ApplyOptions): Promise<Plan> {
  const planned = loaded.plan;
  if (planned.host !== session.hostLabel) {
    throw new VirtformError(`${file} was made for host ${planned.host}, not ${session.hostLabel}; make a plan for this host (virtform plan -c URI -out FILE)`);
  }
  if (loaded.needsSecrets.length > 0) {
    if (opts.xml === undefined) {
      throw new VirtformError(
        `${file} leaves out the sensitive values of ${loaded.needsSecrets.join(', ')} (plan files never hold secrets); ` +
          `run virtform apply --xml PATH ${file} with the documents the plan was made from`,
      );
    }
    const src = resolveStack({ ...opts, stack: opts.stack ?? planned.stack }, 'apply');
    const fresh = await planOnHost(session, src, { targets: planned.targets, destroy: planned.destroy });
    const diffs = planFileDifferences(loaded, fresh);
    if (diffs.length) throw new VirtformError(`the plan made again from --xml ${opts.xml} is not the plan in ${file}: ${diffs.join('; ')}. Make a new plan`);
    return fresh;
  }
  const pools = [...new Set(planned.changes.flatMap((c) => (c.kind === 'pool' ? [c.name] : c.kind === 'volume' ? [c.pool!] : [])))];
  const live = await session.reader.read(pools);
  const changed = fingerprintChanges(planned.fingerprint, fingerprintNow(planned.fingerprint, session.facts, live));
  if (changed.length) {
    throw new VirtformError(`host ${session.hostLabel} changed since ${file} was made: ${changed.join('; ')}. Nothing was applied; make a new plan (virtform plan -out ${file})`);
  }
  return planned;
}
