import { readdirSync } from 'fs';
import type { Command } from 'commander';
import type { CliIo } from '../main';

/**
 * Each verb lives in its own file in this folder and exports `register(program, io)`.
 * Verbs are discovered here rather than listed, so adding one never edits a shared file.
 * Help lists them in CLI_ORDER first (the order of the CLI contract), then any others by name.
 */
export type RegisterCommand = (program: Command, io: CliIo) => void;

const CLI_ORDER = [
  'synth', 'plan', 'apply', 'destroy', 'status', 'console', 'qemu-monitor-command',
  'domxml-to-native', 'domxml-format', 'hosts', 'import', 'conformance',
];

function discover(): RegisterCommand[] {
  const names = readdirSync(__dirname)
    .filter((f) => /\.(js|ts)$/.test(f) && !f.endsWith('.d.ts') && !/^index\./.test(f))
    .map((f) => f.replace(/\.(js|ts)$/, ''))
    .filter((n, i, all) => all.indexOf(n) === i);
  const rank = (n: string) => (CLI_ORDER.includes(n) ? CLI_ORDER.indexOf(n) : CLI_ORDER.length);
  names.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  return names.map((n) => {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const mod = require(`./${n}`) as { register?: RegisterCommand };
    if (typeof mod.register !== 'function') throw new Error(`cli/commands/${n} does not export register()`);
    return mod.register;
  });
}

export const COMMANDS: RegisterCommand[] = discover();
