/** Renders a conformance report: a table per suite, a summary table, then `N passed, M failed`. */
import type { ConformanceReport, SuiteResult, CaseResult } from './run';

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

function resultText(r: CaseResult): string {
  switch (r.status) {
    case 'pass':
      return r.expect === 'error' ? `pass (rejected: ${r.error?.split('\n')[0] ?? ''})` : 'pass';
    case 'fail':
      return `FAIL ${r.reason ?? ''}`.trimEnd();
    case 'skip':
      return `skip (${r.reason ?? ''})`;
    case 'not-run':
      return 'not run';
  }
}

function suiteLine(s: SuiteResult): string {
  if (!s.implemented) return `${s.name}: not implemented yet, 0/${s.total} passed (${s.notRun} cases not run, not counted as failures)`;
  const ran = s.passed + s.failed;
  const pct = ran ? ((100 * s.passed) / ran).toFixed(1) : '0.0';
  return `${s.name}: ${s.passed}/${ran} passed (${pct}%), ${s.failed} failed${s.skipped ? `, ${s.skipped} skipped` : ''}`;
}

export function renderText(report: ConformanceReport): string {
  const lines: string[] = [`conformance corpus: ${report.corpus}`, ''];
  for (const s of report.suites) {
    lines.push(`== ${s.name}: ${s.description}`);
    if (s.implemented) {
      const width = Math.max(4, ...s.cases.map((c) => c.name.length)) + 2;
      lines.push(`${pad('case', width)}result`);
      for (const c of s.cases) {
        const extra = c.params ? ` [${Object.entries(c.params).map(([k, v]) => `${k}=${v}`).join(' ')}]` : '';
        lines.push(`${pad(c.name, width)}${resultText(c)}${extra}`);
      }
    }
    lines.push(suiteLine(s), '');
  }
  const w = Math.max(5, ...report.suites.map((s) => s.name.length)) + 2;
  lines.push('summary');
  lines.push(`${pad('suite', w)}${pad('passed', 8)}${pad('failed', 8)}${pad('skipped', 9)}${pad('not run', 9)}total`);
  for (const s of report.suites) {
    lines.push(`${pad(s.name, w)}${pad(String(s.passed), 8)}${pad(String(s.failed), 8)}${pad(String(s.skipped), 9)}${pad(String(s.notRun), 9)}${s.total}`);
  }
  lines.push('', `${report.passed} passed, ${report.failed} failed`);
  return lines.join('\n') + '\n';
}

/** The machine-readable form: the whole report as JSON (stable key order). */
export function renderJson(report: ConformanceReport): string {
  return JSON.stringify(report, null, 2) + '\n';
}
