/**
 * Summary statistics of timing samples (milliseconds). Pure.
 *
 * median: the middle sample (the mean of the two middle ones for an even count).
 * p90: nearest rank, the ceil(0.9 n)-th smallest sample: with 5 samples it is the largest.
 * ratio: virtform's median over libvirt's median, printed as `0.42x` (below 1: virtform faster).
 */
export interface SampleSummary {
  readonly n: number;
  readonly medianMs: number;
  readonly p90Ms: number;
  readonly minMs: number;
  readonly maxMs: number;
}

function sorted(samples: readonly number[]): number[] {
  if (samples.length === 0) throw new RangeError('no samples to summarise');
  return [...samples].sort((a, b) => a - b);
}

export function median(samples: readonly number[]): number {
  const s = sorted(samples);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export function p90(samples: readonly number[]): number {
  const s = sorted(samples);
  return s[Math.max(0, Math.ceil(0.9 * s.length) - 1)];
}

export function summarise(samples: readonly number[]): SampleSummary {
  const s = sorted(samples);
  return { n: s.length, medianMs: median(s), p90Ms: p90(s), minMs: s[0], maxMs: s[s.length - 1] };
}

/** `0.42x`: two significant decimals, three below 0.1 so that small ratios keep a digit. */
export function formatRatio(ratio: number): string {
  return `${ratio < 0.1 ? ratio.toFixed(3) : ratio.toFixed(2)}x`;
}

/** Milliseconds for a table: one decimal below 100 ms, none above. */
export function formatMs(ms: number): string {
  return ms < 100 ? ms.toFixed(1) : ms.toFixed(0);
}
