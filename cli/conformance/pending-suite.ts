/**
 * A suite that is registered but whose runner is not written yet: it lists the corpus cases
 * it will cover, and the runner reports them as not run (not as failures).
 */
import type { Corpus } from './corpus';
import type { ConformanceSuite, SuiteCase } from './suite';

export function pendingSuite(name: string, description: string, listCases: (corpus: Corpus) => SuiteCase[]): ConformanceSuite {
  return {
    name,
    description,
    implemented: false,
    cases: listCases,
    run() {
      return { error: `the ${name} suite is not implemented yet` };
    },
  };
}

/**
 * Cases from a libvirt test index (index/*.tsv): one per row accepted by `keep`; the input is
 * `NAME.xml` under `inputDir(row)`, the expected file is `expected_file` under `dir(row)`.
 */
export function indexCases(
  corpus: Corpus,
  tsv: string,
  keep: (row: Record<string, string>) => boolean,
  dir: (row: Record<string, string>) => string,
  inputDir: (row: Record<string, string>) => string = dir,
): SuiteCase[] {
  return corpus
    .tsv(tsv)
    .filter(keep)
    .map((row) => {
      const d = dir(row);
      const expected = `${d}/${row.expected_file}`;
      const isErr = row.expected_file.endsWith('.err');
      return {
        name: row.name,
        input: `${inputDir(row)}/${row.name}.xml`,
        expect: isErr ? ('error' as const) : ('output' as const),
        outputPath: expected,
        errorPath: isErr ? expected : `${d}/${row.name}.err`,
      };
    });
}
