/**
 * `virtform plan [-c URI] [--xml PATH] [-out FILE] [--json] [--detailed-exitcode] [--stack NAME]
 * [--target ADDRESS]...`: what apply would change on the host, changing nothing.
 *
 * Prints the plan as text (or `--json`); `-out FILE` also saves it as a plan file for
 * `virtform apply FILE`. Exit codes: 0 success, 1 error, and with --detailed-exitcode 2 when
 * the plan has changes.
 */
import * as fs from 'fs';
import type { Command } from 'commander';
import { hasChanges } from '../../planner/plan';
import { formatPlanFile } from '../../planner/plan-file';
import { renderPlanJson } from '../../planner/plan-json';
import { renderPlanText } from '../../planner/render-text';
import { openApplySession } from '../apply-session';
import type { CliIo } from '../main';
import { planOnHost, resolveStack } from '../stack-plan';

export interface PlanOptions {
  readonly connect?: string;
  readonly xml?: string;
  readonly out?: string;
  readonly json?: boolean;
  readonly detailedExitcode?: boolean;
  readonly stack?: string;
  readonly target?: string[];
}

export const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

export function register(program: Command, io: CliIo): void {
  program
    .command('plan')
    .description('Show what apply would change on the host (nothing is changed)')
    .option('-c, --connect <uri>', 'connection URI (default: qemu:///embed?root=./.virtform)')
    .option('--xml <path>', 'desired state: a libvirt XML file or a folder of them (docs/xml-stacks.md)')
    .option('-o, --out <file>', 'save the plan to FILE for `virtform apply FILE` (also -out FILE)')
    .option('--json', 'print the plan as JSON')
    .option('--detailed-exitcode', 'exit 2 when the plan has changes, 0 when it has none')
    .option('--stack <name>', 'the stack (default: named after --xml)')
    .option('--target <address>', 'plan only this resource and what it needs (repeatable)', collect)
    .action(async (opts: PlanOptions) => {
      const src = resolveStack(opts, 'plan');
      const session = await (io.applySession ?? openApplySession)(opts.connect);
      try {
        const plan = await planOnHost(session, src, { targets: opts.target ?? [] });
        io.out(opts.json ? renderPlanJson(plan) : renderPlanText(plan));
        if (opts.out !== undefined) {
          fs.writeFileSync(opts.out, formatPlanFile(plan), { mode: 0o600 });
          if (!opts.json) io.out(`\nSaved the plan to: ${opts.out}\n\nTo perform exactly these actions, run:\n  virtform apply ${opts.out}\n`);
        }
        if (opts.detailedExitcode && hasChanges(plan)) io.exitCode = 2;
      } finally {
        await session.close();
      }
    });
}
