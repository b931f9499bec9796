/**
 * The `virtform` command. Verbs are thin: each lives in cli/commands/<verb>.ts and calls the
 * layers below. Exit codes: 0 ok, 1 error, 2 "changes present" with --detailed-exitcode.
 */
import { Command, CommanderError } from 'commander';
import { VirtformError } from './errors';
import type { ApplySessionFactory } from './apply-session';
import { PlanError } from '../planner/plan-issue';
import { PlanFormatError } from '../planner/plan-json';
import { installedVerbs, registerVerbs, type VerbSource } from './verb-manifest';

export const VERSION = '0.1.0';

/**
 * The program for one command line: with a current verb manifest only the verb `argv` names is
 * loaded (the others show in help from the manifest); without one, every verb is.
 */
export function buildProgram(io: CliIo, argv: readonly string[] = [], verbs: VerbSource = installedVerbs()): Command {
  const program = new Command('virtform')
    .description('Declarative provisioning for QEMU/KVM: libvirt XML and TypeScript constructs, plan and apply.')
    .version(VERSION)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.out(s),
      writeErr: (s) => io.err(s),
    })
    .showHelpAfterError();
  registerVerbs(program, io, argv, verbs);
  return program;
}

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** Keyboard input for interactive verbs (console); absent: they read nothing. */
  readonly stdin?: NodeJS.ReadableStream;
  /** Byte output for verbs that relay raw bytes (console); absent: they decode to text and use out(). */
  readonly stdout?: NodeJS.WritableStream;
  /** Set by a verb to choose the process exit code. */
  exitCode: number;
  /** How plan, apply and destroy reach a host; absent: cli/apply-session.ts openApplySession. */
  readonly applySession?: ApplySessionFactory;
}

export function processIo(): CliIo {
  return {
    out: (s) => void process.stdout.write(s),
    err: (s) => void process.stderr.write(s),
    // A getter: touching process.stdin creates its stream, which only console needs.
    get stdin() {
      return process.stdin;
    },
    stdout: process.stdout,
    exitCode: 0,
  };
}

/** Terraform's single-dash `-out FILE` / `-out=FILE` (the CLI contract's form) as `--out`. */
export function terraformStyleArgs(argv: readonly string[]): string[] {
  return argv.map((a) => (a === '-out' ? '--out' : a.startsWith('-out=') ? `--out=${a.slice(5)}` : a));
}

/** Runs the CLI and returns the exit code (the bin sets process.exitCode). */
export async function main(argv: readonly string[], io: CliIo = processIo(), verbs?: VerbSource): Promise<number> {
  const args = terraformStyleArgs(argv);
  const program = buildProgram(io, args, verbs);
  try {
    await program.parseAsync(args, { from: 'user' });
    return io.exitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.exitCode === 0 ? 0 : 1;
    }
    if (e instanceof VirtformError || e instanceof PlanError || e instanceof PlanFormatError) {
      io.err(`Error: ${e.message}\n`);
      return 1;
    }
    const err = e as Error;
    io.err(`Error: ${err && err.message ? err.message : String(e)}\n`);
    if (process.env.VIRTFORM_DEBUG && err && err.stack) io.err(err.stack + '\n');
    return 1;
  }
}
