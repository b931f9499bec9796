/**
 * What one benchmark part measured: its variants (who does the work: libvirt or virtform, and
 * how), the cases (domain XMLs, or the one host), and every timing sample in milliseconds per
 * metric, variant and case. Ratios are taken against the part's libvirt baseline variant.
 */
import { nowMs } from './timed-process';

export type Side = 'libvirt' | 'virtform';

export interface Variant {
  readonly id: string;
  readonly side: Side;
  /** What runs, as a reader would type or call it: `virsh domxml-to-native qemu-argv`. */
  readonly label: string;
}

export interface PartResult {
  readonly id: string;
  readonly title: string;
  /** Set when the part did not run: why (needs root, no libvirtd...). */
  skipped?: string;
  /** The variant each ratio divides by (a libvirt one). */
  readonly baseline: string;
  readonly variants: Variant[];
  /** metric → variant id → case → samples (ms), in the order taken. */
  readonly samples: Record<string, Record<string, Record<string, number[]>>>;
  /** Cases left out, each with the reason (a side failed it in the warm-up, or it needs hugepages). */
  readonly excluded: { readonly case: string; readonly reason: string }[];
  /** What to keep in mind reading the numbers (fairness, approximations). */
  readonly notes: string[];
  /** Wall time of the whole part, warm-up and setup included (ms). */
  wallMs?: number;
}

export function newPart(id: string, title: string, baseline: string, variants: Variant[], notes: string[] = []): PartResult {
  return { id, title, baseline, variants, samples: {}, excluded: [], notes };
}

export function skippedPart(id: string, title: string, reason: string): PartResult {
  return { ...newPart(id, title, '', []), skipped: reason };
}

export function record(part: PartResult, metric: string, variant: string, kase: string, ms: number): void {
  const byVariant = (part.samples[metric] ??= {});
  const byCase = (byVariant[variant] ??= {});
  (byCase[kase] ??= []).push(ms);
}

/**
 * Runs `iterations` rounds; each round runs every case once with every variant, the variants
 * in the given order on even rounds and reversed on odd ones (A B, B A...), so that drift and
 * noise of the machine land on every variant alike. `run` returns the metrics it measured.
 */
export async function interleaved<C>(
  part: PartResult,
  cases: readonly C[],
  caseId: (c: C) => string,
  iterations: number,
  run: (c: C, v: Variant, iteration: number) => Promise<Record<string, number>>,
  progress: (text: string) => void,
): Promise<void> {
  for (let i = 0; i < iterations; i++) {
    const t0 = nowMs();
    for (const c of cases) {
      const order = i % 2 === 0 ? part.variants : [...part.variants].reverse();
      for (const v of order) {
        const metrics = await run(c, v, i);
        for (const [m, ms] of Object.entries(metrics)) record(part, m, v.id, caseId(c), ms);
      }
    }
    progress(`${part.id}: round ${i + 1}/${iterations} done in ${((nowMs() - t0) / 1000).toFixed(1)} s`);
  }
}

/** Runs `fn` once per variant and case untimed (the warm-up); a case any variant fails is excluded with the reason. */
export async function warmUp<C>(
  part: PartResult,
  cases: readonly C[],
  caseId: (c: C) => string,
  fn: (c: C, v: Variant) => Promise<void>,
): Promise<C[]> {
  const kept: C[] = [];
  for (const c of cases) {
    let failed: string | undefined;
    for (const v of part.variants) {
      try {
        await fn(c, v);
      } catch (e) {
        failed = `${v.label} failed: ${firstLines((e as Error).message)}`;
        break;
      }
    }
    if (failed) part.excluded.push({ case: caseId(c), reason: failed });
    else kept.push(c);
  }
  return kept;
}

function firstLines(text: string): string {
  const t = text.trim().split('\n').slice(0, 3).join(' ').replace(/\s+/g, ' ');
  return t.length > 400 ? `${t.slice(0, 400)}...` : t;
}
