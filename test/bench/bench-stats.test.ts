/**
 * The bench's arithmetic and its round order (bench/sample-stats.ts, bench/part-result.ts,
 * bench/results-report.ts): pure, with exact values.
 */
import { formatMs, formatRatio, median, p90, summarise } from '../../bench/sample-stats';
import { interleaved, newPart, warmUp } from '../../bench/part-result';
import { caseRows, summaryRows } from '../../bench/results-report';

describe('bench statistics', () => {
  it('median of odd and even counts, p90 by nearest rank, summary', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(p90([1, 2, 3, 4, 5])).toBe(5);
    expect(p90([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])).toBe(9);
    expect(p90([7])).toBe(7);
    expect(summarise([3, 1, 2])).toEqual({ n: 3, medianMs: 2, p90Ms: 3, minMs: 1, maxMs: 3 });
    expect(() => median([])).toThrow('no samples to summarise');
  });

  it('formats ratios and milliseconds', () => {
    expect([formatRatio(0.4211), formatRatio(13.376), formatRatio(0.0921)]).toEqual(['0.42x', '13.38x', '0.092x']);
    expect([formatMs(26.66), formatMs(356.7)]).toEqual(['26.7', '357']);
  });
});

describe('bench rounds', () => {
  const variants = [
    { id: 'libvirt', side: 'libvirt' as const, label: 'L' },
    { id: 'virtform', side: 'virtform' as const, label: 'V' },
  ];

  it('alternates the variant order every round and records each metric per variant and case', async () => {
    const part = newPart('p', 'P', 'libvirt', variants);
    const order: string[] = [];
    let t = 0;
    await interleaved(part, ['a', 'b'], (c) => c, 3, async (c, v, i) => {
      order.push(`${i}:${c}:${v.id}`);
      t += 1;
      return { call: v.id === 'libvirt' ? 10 * t : t };
    }, () => undefined);
    expect(order).toEqual(['0:a:libvirt', '0:a:virtform', '0:b:libvirt', '0:b:virtform', '1:a:virtform', '1:a:libvirt', '1:b:virtform', '1:b:libvirt', '2:a:libvirt', '2:a:virtform', '2:b:libvirt', '2:b:virtform']);
    expect(part.samples).toEqual({
      call: {
        libvirt: { a: [10, 60, 90], b: [30, 80, 110] },
        virtform: { a: [2, 5, 10], b: [4, 7, 12] },
      },
    });
    const rows = summaryRows(part);
    expect(rows.map((r) => [r.variant.id, r.summary.n, r.summary.medianMs, r.ratio])).toEqual([
      ['libvirt', 6, 70, undefined],
      ['virtform', 6, 6, 6 / 70],
    ]);
    expect(caseRows(part).map((r) => [r.case, r.medians, r.ratios])).toEqual([
      ['a', { libvirt: 60, virtform: 5 }, { virtform: 5 / 60 }],
      ['b', { libvirt: 80, virtform: 7 }, { virtform: 7 / 80 }],
    ]);
  });

  it('the warm-up excludes a case any variant fails, naming the variant and the error', async () => {
    const part = newPart('p', 'P', 'libvirt', variants);
    const kept = await warmUp(part, ['ok', 'bad'], (c) => c, async (c, v) => {
      if (c === 'bad' && v.id === 'virtform') throw new Error('no such emulator\nsecond line');
    });
    expect(kept).toEqual(['ok']);
    expect(part.excluded).toEqual([{ case: 'bad', reason: 'V failed: no such emulator second line' }]);
  });
});
