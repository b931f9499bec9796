import { readdirSync } from 'fs';
import type { Command } from 'commander';
import type { CliIo } from '../main';

/**
 * Each verb lives in its own file in this folder and exports `register(program, io)`.
 * Verbs are discovered here rather than listed, so adding one never edits a shared file.
 * Help lists them in CLI_ORDER first (the order of the CLI contract), then any others by name.
 *
 * Discovery only names the files; a verb's module (and all it imports) is loaded by loadVerb,
 * which the CLI calls for the verb a command line names (cli/verb-manifest.ts).
 */
export type RegisterCommand = (program: Command, io: CliIo) => void;

const CLI_ORDER = [
  'synth', 'plan', 'apply', 'destroy', 'status', 'console', 'qemu-monitor-command',
  'domxml-to-native', 'domxml-format', 'hosts', 'import', 'conformance',
];

/** This folder: the verb files next to this module (dist/cli/commands or cli/commands under ts). */
export const COMMANDS_DIR = __dirname;

/** The verb files of `dir` (names without extension), in help order. Reads the folder only. */
export function verbFiles(dir: string = COMMANDS_DIR): string[] {
  const names = readdirSync(dir)
    .filter((f) => /\.(js|ts)$/.test(f) && !f.endsWith('.d.ts') && !/^index\./.test(f))
    .map((f) => f.replace(/\.(js|ts)$/, ''))
    .filter((n, i, all) => all.indexOf(n) === i);
  const rank = (n: string) => (CLI_ORDER.includes(n) ? CLI_ORDER.indexOf(n) : CLI_ORDER.length);
  return names.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/** Loads one verb file of `dir` and returns its register(). */
export function loadVerb(file: string, dir: string = COMMANDS_DIR): RegisterCommand {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const mod = require(`${dir}/${file}`) as { register?: RegisterCommand };
  if (typeof mod.register !== 'function') throw new Error(`cli/commands/${file} does not export register()`);
  return mod.register;
}
