/**
 * Runs the virtform CLI in-process (cli/main.ts `main`) and captures what it prints, for tests of
 * the verbs; plan/apply/destroy use `applySession` (test/support/test-apply-session.ts) when given.
 */
import { main, type CliIo } from '../../cli/main';
import type { ApplySessionFactory } from '../../cli/apply-session';

export interface CliRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

export function cliRunner(applySession?: ApplySessionFactory): (...args: string[]) => Promise<CliRun> {
  return async (...args) => {
    let out = '';
    let err = '';
    const io: CliIo = { out: (s) => void (out += s), err: (s) => void (err += s), exitCode: 0, ...(applySession ? { applySession } : {}) };
    const code = await main(args, io);
    return { code, out, err };
  };
}
