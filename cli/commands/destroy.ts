/**
 * `virtform destroy [-c URI] [--xml PATH] [--auto-approve] [--stack NAME] [--target ADDRESS]...`:
 * deletes every resource the stack owns on the host (or the targets and what uses them), users
 * before what they use. Another stack's resources and anything virtform did not create are
 * never touched. Asks for `yes` unless --auto-approve. Exit codes: 0 done, 1 error or declined.
 */
import type { Command } from 'commander';
import { hasChanges } from '../../planner/plan';
import { renderPlanText } from '../../planner/render-text';
import { sessionOptions, SHUTDOWN_TIMEOUT_HELP, parseShutdownTimeout } from '../shutdown-timeout';
import { openApplySession } from '../apply-session';
import type { CliIo } from '../main';
import { confirm, printLockNotes, runApply } from '../run-apply';
import { planOnHost, resolveStack } from '../stack-plan';
import { collect } from './plan';

export interface DestroyOptions {
  readonly connect?: string;
  readonly xml?: string;
  readonly autoApprove?: boolean;
  readonly stack?: string;
  readonly target?: string[];
  readonly shutdownTimeout?: number;
}

export function register(program: Command, io: CliIo): void {
  program
    .command('destroy')
    .description("Delete the stack's resources from the host (asks first unless --auto-approve)")
    .option('-c, --connect <uri>', 'connection URI (default: qemu:///embed?root=./.virtform)')
    .option('--xml <path>', 'the stack is named after these documents (or give --stack)')
    .option('--auto-approve', 'do not ask for confirmation')
    .option('--stack <name>', 'the stack (default: named after --xml)')
    .option('--target <address>', 'destroy only this resource and what uses it (repeatable)', collect)
    .option('--shutdown-timeout <seconds>', SHUTDOWN_TIMEOUT_HELP, parseShutdownTimeout)
    .action(async (opts: DestroyOptions) => {
      const src = resolveStack(opts, 'destroy');
      const session = await (io.applySession ?? openApplySession)(opts.connect, sessionOptions(opts));
      try {
        const lock = await session.lock('virtform destroy', src.stack);
        try {
          printLockNotes(io, lock);
          const plan = await planOnHost(session, src, { destroy: true, targets: opts.target ?? [] });
          io.out(renderPlanText(plan));
          if (!hasChanges(plan)) {
            io.out('\nDestroy complete! Resources: 0 destroyed.\n');
            return;
          }
          const ok =
            opts.autoApprove ||
            (await confirm(io, `Do you really want to destroy all resources of stack '${src.stack}'?`, `virtform will destroy the resources described above on host ${plan.host}. There is no undo.`));
          if (!ok) {
            io.err('Destroy cancelled.\n');
            io.exitCode = 1;
            return;
          }
          io.exitCode = await runApply(io, session, plan, plan.changes, lock);
        } finally {
          await lock.release();
        }
      } finally {
        await session.close();
      }
    });
}
