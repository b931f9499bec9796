/**
 * Runs conformance suites against the corpus and compares each result with libvirt's:
 * produced documents byte for byte with the expected file, rejections with the expected
 * error file when the corpus has one. With an output folder, every produced document (or
 * error message) is written there under the path the corpus uses for the expected one.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Corpus } from './corpus';
import type { ConformanceSuite, SuiteCase, CaseRun } from './suite';

export type CaseStatus = 'pass' | 'fail' | 'skip' | 'not-run';

export interface CaseResult {
  readonly name: string;
  readonly status: CaseStatus;
  /** Corpus-relative input path. */
  readonly input: string;
  /** 'output' or 'error': what libvirt does with the input. */
  readonly expect: 'output' | 'error';
  /** Corpus-relative path of what the result is compared with (output or .err). */
  readonly expected: string;
  readonly params?: Readonly<Record<string, string>>;
  /** Why the case failed or was skipped. */
  readonly reason?: string;
  /** virtform's error message when it rejected the input. */
  readonly error?: string;
  /** Path under the output folder where the result was written. */
  readonly written?: string;
}

export interface SuiteResult {
  readonly name: string;
  readonly description: string;
  readonly implemented: boolean;
  readonly cases: readonly CaseResult[];
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
  readonly notRun: number;
  readonly total: number;
}

export interface ConformanceReport {
  readonly corpus: string;
  readonly suites: readonly SuiteResult[];
  /** Cases that ran and matched libvirt, over all suites. */
  readonly passed: number;
  /** Cases that ran and did not match. Skipped and not-run cases are not counted. */
  readonly failed: number;
}

export interface RunOptions {
  readonly corpusDir: string;
  readonly suites: readonly ConformanceSuite[];
  /** Where to write produced documents and error messages; nothing is written without it. */
  readonly outDir?: string;
}

/** Where two texts first differ, for the failure reason. */
export function firstDifference(expected: string, actual: string): string {
  const e = expected.split('\n');
  const a = actual.split('\n');
  for (let i = 0; i < Math.max(e.length, a.length); i++) {
    if (e[i] !== a[i]) {
      const show = (s: string | undefined) => (s === undefined ? '(end of file)' : JSON.stringify(s.length > 100 ? s.slice(0, 100) + '…' : s));
      return `line ${i + 1}: expected ${show(e[i])}, got ${show(a[i])}`;
    }
  }
  return 'identical';
}

function firstLine(s: string): string {
  const l = s.split('\n')[0];
  return l.length > 160 ? l.slice(0, 160) + '…' : l;
}

function judge(c: SuiteCase, run: CaseRun, corpus: Corpus): { status: CaseStatus; reason?: string } {
  if (c.expect === 'output') {
    if ('error' in run) return { status: 'fail', reason: `rejected: ${firstLine(run.error)}` };
    if (!corpus.has(c.outputPath)) return { status: 'fail', reason: `expected file ${c.outputPath} is missing from the corpus` };
    const expected = corpus.read(c.outputPath);
    return expected === run.output ? { status: 'pass' } : { status: 'fail', reason: firstDifference(expected, run.output) };
  }
  if ('output' in run) return { status: 'fail', reason: 'accepted, but libvirt rejects this input' };
  if (corpus.has(c.errorPath)) {
    const expected = corpus.read(c.errorPath);
    const actual = run.error + '\n';
    return expected === actual ? { status: 'pass' } : { status: 'fail', reason: `error message differs: ${firstDifference(expected, actual)}` };
  }
  return { status: 'pass' };
}

function write(outDir: string, rel: string, text: string): string {
  const file = path.join(outDir, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return rel;
}

async function runSuite(suite: ConformanceSuite, corpus: Corpus, outDir: string | undefined): Promise<SuiteResult> {
  const results: CaseResult[] = [];
  const cases = suite.cases(corpus);
  if (suite.implemented && suite.prepare && cases.some((c) => !c.skip)) await suite.prepare(corpus);
  for (const c of cases) {
    const base = {
      name: c.name,
      input: c.input,
      expect: c.expect,
      expected: c.expect === 'output' ? c.outputPath : c.errorPath,
      ...(c.params ? { params: c.params } : {}),
    };
    if (!suite.implemented) {
      results.push({ ...base, status: 'not-run', reason: 'suite not implemented yet' });
      continue;
    }
    if (c.skip) {
      results.push({ ...base, status: 'skip', reason: c.skip });
      continue;
    }
    let run: CaseRun;
    try {
      run = suite.run(c, corpus);
    } catch (e) {
      run = { error: `internal error: ${e instanceof Error ? e.stack ?? e.message : String(e)}` };
    }
    const verdict = judge(c, run, corpus);
    let written: string | undefined;
    if (outDir) {
      written = 'output' in run ? write(outDir, c.outputPath, run.output) : write(outDir, c.errorPath, run.error + '\n');
    }
    results.push({
      ...base,
      ...verdict,
      ...('error' in run ? { error: run.error } : {}),
      ...(written ? { written } : {}),
    });
  }
  const count = (s: CaseStatus) => results.filter((r) => r.status === s).length;
  return {
    name: suite.name,
    description: suite.description,
    implemented: suite.implemented,
    cases: results,
    passed: count('pass'),
    failed: count('fail'),
    skipped: count('skip'),
    notRun: count('not-run'),
    total: results.length,
  };
}

/** Runs the suites in order. The corpus folder must exist (the caller checks and reports it). */
export async function runConformance(opts: RunOptions): Promise<ConformanceReport> {
  const corpus = new Corpus(opts.corpusDir);
  const suites: SuiteResult[] = [];
  for (const s of opts.suites) suites.push(await runSuite(s, corpus, opts.outDir));
  return {
    corpus: opts.corpusDir,
    suites,
    passed: suites.reduce((n, s) => n + s.passed, 0),
    failed: suites.reduce((n, s) => n + s.failed, 0),
  };
}
