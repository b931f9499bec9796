/**
 * The shared shape of the XML round-trip suites: parse (which rejects malformed XML, unknown
 * elements and bad values), validate, apply libvirt's parse-time defaults, format.
 */
import type { ModelIssue } from '../../model/errors';
import { ModelError } from '../../model/errors';
import type { Corpus } from './corpus';
import type { CaseRun, SuiteCase } from './suite';

/** Runs `steps`; a thrown error or returned issues become the case's error message. */
export function roundTrip(steps: () => { issues: readonly ModelIssue[]; format: () => string }): CaseRun {
  try {
    const { issues, format } = steps();
    if (issues.length) return { error: new ModelError(issues).message };
    return { output: format() };
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
}

/** `dir/NAME.xml` → `dir/NAME.err`: where an error for an input goes when libvirt has no .err. */
export function errPathFor(input: string): string {
  return input.replace(/\.xml$/, '') + '.err';
}

/** What a round-trip suite's cases differ in: by default a case expects its output. */
export type CaseExtra = Partial<Pick<SuiteCase, 'expect' | 'skip' | 'params'>>;

/**
 * The cases of a libvirt xml2xml test: one per `inDir/NAME.xml`, compared with
 * `outDir/NAME.xml`; `extra` says, from the input file and whether that output exists, what the suite
 * makes of it (an input without an output is a rejection for one test, not run for another).
 */
export function xmlPairCases(corpus: Corpus, inDir: string, outDir: string, extra: (input: string, hasOutput: boolean) => CaseExtra): SuiteCase[] {
  const outs = new Set(corpus.list(outDir, '.xml'));
  return corpus.list(inDir, '.xml').map((f): SuiteCase => {
    const input = `${inDir}/${f}`;
    return { name: f.replace(/\.xml$/, ''), input, expect: 'output', outputPath: `${outDir}/${f}`, errorPath: errPathFor(input), ...extra(input, outs.has(f)) };
  });
}

/** How a suite reads one document kind: parse (with the file for messages), validate, apply defaults and print. */
export interface RoundTripDocument<T> {
  parse(xml: string, file: string): T;
  validate(doc: T): readonly ModelIssue[];
  format(doc: T): string;
}

/** A suite's run(): the case's input, parsed, validated and printed (roundTrip). */
export function documentRoundTrip<T>(doc: RoundTripDocument<T>): (c: SuiteCase, corpus: Corpus) => CaseRun {
  return (c, corpus) =>
    roundTrip(() => {
      const d = doc.parse(corpus.read(c.input), c.input);
      return { issues: doc.validate(d), format: () => doc.format(d) };
    });
}
