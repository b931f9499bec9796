/**
 * Turns the parts' samples into the summary rows (per metric and variant: all cases' samples
 * pooled; median, p90; virtform/libvirt ratio of medians against the part's libvirt baseline),
 * per-case rows, and renders them: a text table for the terminal, RESULTS.md, results.json.
 * Pure: every number printed comes from the samples given.
 */
import type { MachineDescription } from './machine-description';
import type { PartResult, Variant } from './part-result';
import { formatMs, formatRatio, median, summarise, type SampleSummary } from './sample-stats';

export interface SummaryRow {
  readonly part: string;
  readonly metric: string;
  readonly variant: Variant;
  readonly cases: number;
  readonly summary: SampleSummary;
  /** median(variant) / median(baseline); only for virtform variants. */
  readonly ratio?: number;
}

export interface CaseRow {
  readonly part: string;
  readonly metric: string;
  readonly case: string;
  /** variant id → median ms. */
  readonly medians: Readonly<Record<string, number>>;
  /** virtform variant id → median / baseline median. */
  readonly ratios: Readonly<Record<string, number>>;
}

export interface BenchReport {
  readonly machine: MachineDescription;
  readonly iterations: number;
  readonly wallSeconds: number;
  readonly parts: readonly PartResult[];
  readonly summary: readonly SummaryRow[];
  readonly perCase: readonly CaseRow[];
}

const pooled = (byCase: Record<string, number[]> | undefined): number[] => Object.values(byCase ?? {}).flat();

export function summaryRows(part: PartResult): SummaryRow[] {
  const out: SummaryRow[] = [];
  for (const [metric, byVariant] of Object.entries(part.samples)) {
    const base = pooled(byVariant[part.baseline]);
    for (const v of part.variants) {
      const s = pooled(byVariant[v.id]);
      if (!s.length) continue;
      const summary = summarise(s);
      out.push({
        part: part.id,
        metric,
        variant: v,
        cases: Object.keys(byVariant[v.id]).length,
        summary,
        ...(v.side === 'virtform' && base.length ? { ratio: summary.medianMs / median(base) } : {}),
      });
    }
  }
  return out;
}

export function caseRows(part: PartResult): CaseRow[] {
  const out: CaseRow[] = [];
  for (const [metric, byVariant] of Object.entries(part.samples)) {
    const cases = Object.keys(byVariant[part.baseline] ?? {});
    if (cases.length < 2) continue;
    for (const c of cases) {
      const medians: Record<string, number> = {};
      const ratios: Record<string, number> = {};
      for (const v of part.variants) {
        const s = byVariant[v.id]?.[c];
        if (!s?.length) continue;
        medians[v.id] = median(s);
        if (v.side === 'virtform') ratios[v.id] = medians[v.id] / median(byVariant[part.baseline][c]);
      }
      out.push({ part: part.id, metric, case: c, medians, ratios });
    }
  }
  return out;
}

export function buildReport(machine: MachineDescription, iterations: number, wallSeconds: number, parts: readonly PartResult[]): BenchReport {
  return { machine, iterations, wallSeconds, parts, summary: parts.flatMap(summaryRows), perCase: parts.flatMap(caseRows) };
}

/** `virtform/libvirt = 0.42x` for a virtform row; `baseline` or `(libvirt)` for libvirt's. */
function ratioText(r: SummaryRow, baseline: string): string {
  if (r.ratio !== undefined) return `virtform/libvirt = ${formatRatio(r.ratio)}`;
  return r.variant.id === baseline ? 'baseline' : '(libvirt, not a baseline)';
}

function table(head: readonly string[], rows: readonly (readonly string[])[], right: ReadonlySet<number>): string {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => (right.has(i) ? c.padStart(w[i]) : c.padEnd(w[i]))).join('  ').trimEnd();
  return [line(head), w.map((n) => '-'.repeat(n)).join('  '), ...rows.map(line)].join('\n');
}

/** The terminal table. */
export function renderText(report: BenchReport): string {
  const out: string[] = [];
  for (const p of report.parts) {
    out.push('', p.title);
    if (p.skipped) {
      out.push(`  skipped: ${p.skipped}`);
      continue;
    }
    const rows = report.summary.filter((r) => r.part === p.id);
    out.push(
      table(
        ['metric', 'variant', 'cases', 'n', 'median ms', 'p90 ms', 'ratio'],
        rows.map((r) => [r.metric, r.variant.label, String(r.cases), String(r.summary.n), formatMs(r.summary.medianMs), formatMs(r.summary.p90Ms), ratioText(r, p.baseline)]),
        new Set([2, 3, 4, 5]),
      ),
    );
    for (const x of p.excluded) out.push(`  excluded ${x.case}: ${x.reason}`);
  }
  return out.join('\n') + '\n';
}

const md = (s: string): string => s.replace(/\|/g, '\\|');

function mdTable(head: readonly string[], rows: readonly (readonly string[])[], right: ReadonlySet<number>): string {
  return [
    `| ${head.map(md).join(' | ')} |`,
    `| ${head.map((_, i) => (right.has(i) ? '---:' : '---')).join(' | ')} |`,
    ...rows.map((r) => `| ${r.map(md).join(' | ')} |`),
  ].join('\n');
}

/** RESULTS.md. */
export function renderMarkdown(report: BenchReport): string {
  const m = report.machine;
  const out: string[] = [
    '# Benchmark results: virtform vs libvirt 9.0, side by side',
    '',
    'Written by the bench itself (`bench/run.ts`) from the run below; do not edit by hand, run it again.',
    'What each part measures and where the comparison is not like for like: [README.md](README.md).',
    '',
    `- Date: ${m.date}`,
    `- Command: \`${m.command}\``,
    `- CPU: ${m.cpuModel}, ${m.cpus} CPUs; memory ${m.memoryGiB} GiB`,
    `- Kernel: ${m.kernel}`,
    `- QEMU: ${m.qemu}`,
    `- libvirt: ${m.libvirt}`,
    `- Node: ${m.node}`,
    `- Orphan reaping: an orphaned process of this run stayed a zombie for ${m.orphanReapMs.join(', ')} ms before it was reaped (3 probes); libvirtd under the bench's prompt subreaper: ${m.libvirtdSubreaper}`,
    `- Iterations: ${report.iterations} rounds per case (host discovery ×4, plan ×2), after one untimed warm-up; variants interleaved (A B, then B A); run took ${report.wallSeconds.toFixed(0)} s`,
    '',
    'Times are wall-clock milliseconds per call; "cases" is the number of domain XMLs (or 1 host/stack) whose samples are pooled; ratio = median of the virtform row / median of the libvirt baseline row of the same metric (below 1: virtform is faster).',
    '',
    '## Summary',
    '',
  ];
  const summary = report.parts.flatMap((p) =>
    p.skipped
      ? [[p.id, '—', `skipped: ${p.skipped}`, '', '', '', '', '']]
      : report.summary.filter((r) => r.part === p.id).map((r) => [p.id, r.metric, r.variant.label, String(r.cases), String(r.summary.n), formatMs(r.summary.medianMs), formatMs(r.summary.p90Ms), ratioText(r, p.baseline)]),
  );
  out.push(mdTable(['part', 'metric', 'variant', 'cases', 'n', 'median ms', 'p90 ms', 'ratio'], summary, new Set([3, 4, 5, 6])), '');
  for (const p of report.parts) {
    out.push(`## ${p.title}`, '');
    if (p.skipped) {
      out.push(`Skipped: ${p.skipped}`, '');
      continue;
    }
    if (p.wallMs !== undefined) out.push(`Part wall time (setup and warm-up included): ${(p.wallMs / 1000).toFixed(1)} s.`, '');
    for (const n of p.notes) out.push(`- ${n}`);
    if (p.notes.length) out.push('');
    if (p.excluded.length) {
      out.push('Excluded cases:', '');
      for (const x of p.excluded) out.push(`- \`${x.case}\`: ${x.reason}`);
      out.push('');
    }
    const rows = report.perCase.filter((r) => r.part === p.id);
    if (rows.length) {
      const vids = p.variants.map((v) => v.id);
      const head = ['metric', 'case', ...vids.map((v) => `${v} ms`), ...p.variants.filter((v) => v.side === 'virtform').map((v) => `${v.id}/${p.baseline}`)];
      out.push('Per case (medians):', '');
      out.push(
        mdTable(
          head,
          rows.map((r) => [
            r.metric,
            r.case,
            ...vids.map((v) => (r.medians[v] === undefined ? '—' : formatMs(r.medians[v]))),
            ...p.variants.filter((v) => v.side === 'virtform').map((v) => (r.ratios[v.id] === undefined ? '—' : formatRatio(r.ratios[v.id]))),
          ]),
          new Set(head.map((_, i) => i).filter((i) => i >= 2)),
        ),
        '',
      );
    }
  }
  return out.join('\n');
}
