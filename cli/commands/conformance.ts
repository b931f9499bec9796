/**
 * `virtform conformance --corpus DIR [--suite S,...] [--out OUT] [--json]`: runs libvirt 9.0's
 * own test cases from the corpus through virtform and reports how many match. The pass rate
 * is reported, not enforced: the exit code is 0 even when cases fail, and 1 only when the
 * command cannot run (missing corpus, unknown suite).
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Command } from 'commander';
import type { CliIo } from '../main';
import { VirtformError } from '../errors';
import { SUITES, findSuite, runConformance, renderText, renderJson, type ConformanceSuite } from '../conformance';

interface ConformanceOpts {
  readonly corpus: string;
  readonly suite?: string;
  readonly out?: string;
  readonly json?: boolean;
}

export function selectSuites(list: string | undefined): ConformanceSuite[] {
  if (list === undefined) return [...SUITES];
  const names = list.split(',').map((s) => s.trim()).filter((s) => s !== '');
  return names.map((n) => {
    const s = findSuite(n);
    if (!s) throw new VirtformError(`unknown conformance suite '${n}' (fix: use one or more of ${SUITES.map((x) => x.name).join(', ')}, separated by commas)`);
    return s;
  });
}

export function register(program: Command, io: CliIo): void {
  program
    .command('conformance')
    .description("Run libvirt 9.0's own test cases from the corpus and report how many virtform matches")
    .requiredOption('--corpus <dir>', 'the libvirt test corpus folder, e.g. ../shared/libvirt-9.0-tests')
    .option('--suite <names>', `comma-separated suites to run: ${SUITES.map((s) => s.name).join(', ')} (default: all)`)
    .option('--out <dir>', 'write each produced document (or error message) to DIR/<path of the expected file in the corpus>')
    .option('--json', 'print the result as JSON instead of tables')
    .action(async (opts: ConformanceOpts) => {
      const corpusDir = path.resolve(opts.corpus);
      if (!fs.existsSync(corpusDir) || !fs.statSync(corpusDir).isDirectory()) {
        throw new VirtformError(`corpus directory '${opts.corpus}' does not exist (fix: pass --corpus pointing at the libvirt test corpus, e.g. --corpus ../shared/libvirt-9.0-tests)`);
      }
      const suites = selectSuites(opts.suite);
      const report = await runConformance({ corpusDir, suites, outDir: opts.out ? path.resolve(opts.out) : undefined });
      io.out(opts.json ? renderJson(report) : renderText(report));
    });
}
