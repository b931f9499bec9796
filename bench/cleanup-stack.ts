/**
 * What the bench has started or changed, given back in reverse order whatever happens: after
 * each part, at the end of the run, when a part throws, and on SIGINT/SIGTERM/SIGHUP (the
 * handler runs the stack, then exits with 130/143/129). Each undo step runs once; one that fails
 * is reported and the others still run.
 */
export class CleanupStack {
  private readonly steps: { readonly label: string; readonly undo: () => Promise<void> | void }[] = [];
  private running: Promise<void> | undefined;

  /** Registers `undo`; returns a function that runs it now (and removes it from the stack). */
  push(label: string, undo: () => Promise<void> | void): () => Promise<void> {
    const step = { label, undo };
    this.steps.push(step);
    return async () => {
      const i = this.steps.indexOf(step);
      if (i < 0) return;
      this.steps.splice(i, 1);
      await runStep(step);
    };
  }

  /** How many steps are registered: give it to unwindTo() to undo only what came after. */
  mark(): number {
    return this.steps.length;
  }

  /** Runs the steps registered after `mark`, newest first (a part gives back what it started). */
  async unwindTo(mark: number): Promise<void> {
    while (this.steps.length > mark) await runStep(this.steps.pop()!);
  }

  /** Runs every registered step, newest first. */
  runAll(): Promise<void> {
    this.running ??= this.unwindTo(0).finally(() => (this.running = undefined));
    return this.running;
  }

  /** Makes SIGINT, SIGTERM and SIGHUP clean up before the process exits. */
  onSignals(): void {
    const codes: Record<string, number> = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };
    for (const sig of Object.keys(codes) as NodeJS.Signals[]) {
      process.once(sig, () => {
        process.stderr.write(`\nbench: ${sig}: cleaning up what the bench started...\n`);
        void this.runAll().finally(() => process.exit(codes[sig]));
      });
    }
  }
}

async function runStep(step: { readonly label: string; readonly undo: () => Promise<void> | void }): Promise<void> {
  try {
    await step.undo();
  } catch (e) {
    process.stderr.write(`bench: cleanup '${step.label}' failed: ${(e as Error).message}\n`);
  }
}
