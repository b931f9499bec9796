/**
 * What a conformance suite is: a named set of libvirt test cases found in the corpus, each
 * run by virtform and compared with libvirt's expected result. Suites register in registry.ts.
 */
import type { Corpus } from './corpus';

export interface SuiteCase {
  /** The libvirt test name, e.g. `nat-network`. */
  readonly name: string;
  /** Corpus-relative path of the input. */
  readonly input: string;
  /** 'output': libvirt produces `outputPath`; 'error': libvirt rejects the input. */
  readonly expect: 'output' | 'error';
  /** Corpus-relative path of the expected output (also where --out writes produced output). */
  readonly outputPath: string;
  /**
   * Corpus-relative path of the expected error message (also where --out writes an error).
   * When the corpus has this file, an expected error must match it exactly; otherwise any
   * rejection passes.
   */
  readonly errorPath: string;
  /** Set when the case is listed but not run, with the reason. */
  readonly skip?: string;
  /** Extra inputs the suite needs (e.g. the pool a volume case pairs with). */
  readonly params?: Readonly<Record<string, string>>;
}

/** What virtform made of one case: the document it printed, or the error it reported. */
export type CaseRun = { readonly output: string } | { readonly error: string };

export interface ConformanceSuite {
  /** Short name used with --suite. */
  readonly name: string;
  /** One line: which libvirt test program's cases, and what is compared. */
  readonly description: string;
  /** False for registered suites whose runner is not written yet: their cases are not run. */
  readonly implemented: boolean;
  /** The cases, in a stable order. */
  cases(corpus: Corpus): SuiteCase[];
  /**
   * Loads what the cases share and that needs async I/O (e.g. QEMU capabilities from the
   * corpus), once, before the first case runs. Optional.
   */
  prepare?(corpus: Corpus): Promise<void>;
  /** Runs one case. Must not throw for bad input: report it as { error }. */
  run(c: SuiteCase, corpus: Corpus): CaseRun;
}
