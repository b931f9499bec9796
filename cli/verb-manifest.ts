/**
 * The verb manifest: what `virtform --help` shows about every verb, written at build time so a
 * command line loads only the verb it names.
 *
 * Loading a verb loads everything it imports (planner, model schemas, transports, ssh2): about
 * 400 ms when all verbs are loaded, for `--version` as much as for `apply`. The build
 * (`scripts/postbuild.js`) loads every verb once, registers it on a scratch program and records
 * each command's help line here (dist/cli/commands/verb-manifest.json). A run then registers the
 * verb its command line names for real and, for the others, a stub that carries only the name,
 * aliases and help line.
 *
 * The verb files stay the single source (each still exports `register(program, io)` and is found
 * by cli/commands/index.ts): the manifest is only trusted when it lists exactly the verb files of
 * the folder, each with the size and mtime it was built from. Anything else (a verb added,
 * rebuilt by `tsc` alone, running from the .ts sources under jest) loads every verb, as before.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Command, Help } from 'commander';
import { COMMANDS_DIR, loadVerb, verbFiles, type RegisterCommand } from './commands';
import type { CliIo } from './main';

export const VERB_MANIFEST_FILE = 'verb-manifest.json';

/** One command as the top-level help lists it. */
export interface VerbCommandEntry {
  readonly name: string;
  readonly aliases: readonly string[];
  /** The help line's left column (`plan [options]`), as commander's Help.subcommandTerm gives it. */
  readonly term: string;
  /** The help line's right column (summary, else description). */
  readonly description: string;
  readonly hidden: boolean;
  readonly helpGroup: string;
}

/** One verb file: what it was built as, and the commands its register() adds. */
export interface VerbFileEntry {
  readonly file: string;
  /** Of the compiled verb file (bytes, ms since the epoch); a different one means a stale manifest. */
  readonly size: number;
  readonly mtimeMs: number;
  readonly commands: readonly VerbCommandEntry[];
}

export interface VerbManifest {
  readonly version: 1;
  readonly files: readonly VerbFileEntry[];
}

/** How the CLI gets its verbs: the folder, a manifest (absent: load all), and the loader. */
export interface VerbSource {
  readonly dir: string;
  readonly manifest: VerbManifest | undefined;
  readonly load: (file: string) => RegisterCommand;
}

/** The compiled (or, under ts, source) file of a verb; its stat stamps the manifest. */
function verbPath(dir: string, file: string): string {
  const js = path.join(dir, `${file}.js`);
  return fs.existsSync(js) ? js : path.join(dir, `${file}.ts`);
}

const NO_IO: CliIo = { out: () => undefined, err: () => undefined, exitCode: 0 };

/** Loads every verb of `dir` and records what the top-level help shows about each. */
export function describeVerbs(dir: string = COMMANDS_DIR): VerbManifest {
  const help = new Help();
  const files = verbFiles(dir).map((file): VerbFileEntry => {
    const scratch = new Command('virtform');
    loadVerb(file, dir)(scratch, NO_IO);
    const st = fs.statSync(verbPath(dir, file));
    return {
      file,
      size: st.size,
      mtimeMs: st.mtimeMs,
      commands: scratch.commands.map((c) => ({
        name: c.name(),
        aliases: c.aliases(),
        term: help.subcommandTerm(c),
        description: help.subcommandDescription(c),
        hidden: (c as unknown as { _hidden: boolean })._hidden === true,
        helpGroup: c.helpGroup(),
      })),
    };
  });
  return { version: 1, files };
}

/** Writes `dir`'s manifest next to its verbs; returns its path. Build time only. */
export function writeVerbManifest(dir: string = COMMANDS_DIR): string {
  const file = path.join(dir, VERB_MANIFEST_FILE);
  fs.writeFileSync(file, JSON.stringify(describeVerbs(dir), null, 1) + '\n');
  return file;
}

/**
 * `dir`'s manifest when it describes exactly the verb files there, as they are now; undefined
 * when it is missing, unreadable or stale (then the CLI loads every verb).
 */
export function readVerbManifest(dir: string = COMMANDS_DIR): VerbManifest | undefined {
  let manifest: VerbManifest;
  try {
    manifest = JSON.parse(fs.readFileSync(path.join(dir, VERB_MANIFEST_FILE), 'utf8')) as VerbManifest;
  } catch {
    return undefined;
  }
  if (manifest.version !== 1 || !Array.isArray(manifest.files)) return undefined;
  const files = verbFiles(dir);
  if (files.length !== manifest.files.length || files.some((f, i) => manifest.files[i].file !== f)) return undefined;
  for (const entry of manifest.files) {
    let st: fs.Stats;
    try {
      st = fs.statSync(verbPath(dir, entry.file));
    } catch {
      return undefined;
    }
    if (st.size !== entry.size || st.mtimeMs !== entry.mtimeMs) return undefined;
  }
  return manifest;
}

/** The verbs of this installation: cli/commands with its manifest when that is current. */
export function installedVerbs(dir: string = COMMANDS_DIR): VerbSource {
  return { dir, manifest: readVerbManifest(dir), load: (file) => loadVerb(file, dir) };
}

/**
 * The command a command line names (`plan` in `plan -c URI`, `plan` in `help plan`), or
 * undefined (`--version`, `--help`, nothing). The program itself has no option that takes a
 * value, so its first operand is the verb.
 */
export function verbOfArgv(argv: readonly string[]): string | undefined {
  const operands: string[] = [];
  for (let i = 0; i < argv.length && operands.length < 2; i++) {
    if (argv[i] === '--') {
      operands.push(...argv.slice(i + 1, i + 3));
      break;
    }
    if (!argv[i].startsWith('-')) operands.push(argv[i]);
    else if (operands.length) break;
  }
  return operands[0] === 'help' ? operands[1] : operands[0];
}

/**
 * Registers the verbs on `program`: all of them when there is no manifest; else the file of
 * the command `argv` names for real and the others as stubs that only show in help. A stub is
 * never run: commander runs the command argv names, which is real.
 */
export function registerVerbs(program: Command, io: CliIo, argv: readonly string[], verbs: VerbSource): void {
  if (!verbs.manifest) {
    for (const file of verbFiles(verbs.dir)) verbs.load(file)(program, io);
    return;
  }
  const wanted = verbOfArgv(argv);
  const stubTerms = new Map<Command, string>();
  for (const entry of verbs.manifest.files) {
    if (wanted !== undefined && entry.commands.some((c) => c.name === wanted || c.aliases.includes(wanted))) {
      verbs.load(entry.file)(program, io);
      continue;
    }
    for (const c of entry.commands) {
      const stub = program
        .command(c.name, { hidden: c.hidden })
        .aliases([...c.aliases])
        .description(c.description)
        .helpGroup(c.helpGroup)
        .action(() => {
          throw new Error(`internal: verb '${c.name}' was not loaded for this command line (cli/verb-manifest.ts)`);
        });
      stubTerms.set(stub, c.term);
    }
  }
  program.configureHelp({
    subcommandTerm(this: Help, cmd: Command): string {
      return stubTerms.get(cmd) ?? Help.prototype.subcommandTerm.call(this, cmd);
    },
  });
}
