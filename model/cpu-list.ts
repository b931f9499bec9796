/**
 * CPU/node id lists: the kernel's syntax ("0-3,8,10-11"), used by sysfs (`cpulist`, `online`,
 * `isolated`, `thread_siblings_list`) and by cpusets, and libvirt's, which adds `^N` exclusions
 * (model/domain/cpuset.ts). One parser and one printer for both. Pure.
 *
 * Invariants: the parsers return ids sorted ascending without duplicates; formatCpuList folds
 * runs of consecutive ids into ranges, so parse(format(x)) equals x for any sorted set.
 */

/** What a list may contain beyond `N` and `N-M` items. */
export interface CpuListSyntax {
  /** `^N` items remove N from the set (libvirt's syntax; the kernel has none). */
  readonly exclusions?: boolean;
  /** The largest id an item may name. Default: no limit. */
  readonly maxId?: number;
}

/** One bad item of a list, for the caller to word: `item` is the item as written. */
export class CpuListItemError extends Error {
  constructor(
    readonly kind: 'malformed' | 'descending' | 'too-large',
    readonly item: string,
    /** The bounds of a descending range, or the id that is too large (as `hi`). */
    readonly lo: number,
    readonly hi: number,
  ) {
    super(`${kind} CPU list item '${item}'`);
  }
}

/** The ids of a comma-separated list, ascending. Empty text is the empty set. Throws CpuListItemError. */
export function cpuListIds(text: string, syntax: CpuListSyntax = {}): number[] {
  const t = text.trim();
  if (t === '') return [];
  const included = new Set<number>();
  const excluded = new Set<number>();
  for (const part of t.split(',')) {
    const p = part.trim();
    let m: RegExpExecArray | null;
    if (syntax.exclusions && (m = /^\^(\d+)$/.exec(p))) {
      excluded.add(Number(m[1]));
    } else if ((m = /^(\d+)(?:-(\d+))?$/.exec(p))) {
      const lo = Number(m[1]);
      const hi = m[2] === undefined ? lo : Number(m[2]);
      if (hi < lo) throw new CpuListItemError('descending', part, lo, hi);
      if (syntax.maxId !== undefined && hi > syntax.maxId) throw new CpuListItemError('too-large', part, lo, hi);
      for (let i = lo; i <= hi; i++) included.add(i);
    } else {
      throw new CpuListItemError('malformed', part, 0, 0);
    }
  }
  for (const x of excluded) included.delete(x);
  return [...included].sort((a, b) => a - b);
}

/** Parses the kernel's "0-3,8" into [0,1,2,3,8]. Empty or whitespace-only text is the empty set. Throws on malformed text, naming it. */
export function parseCpuList(text: string): number[] {
  const t = text.trim();
  try {
    return cpuListIds(t);
  } catch (e) {
    if (!(e instanceof CpuListItemError)) throw e;
    if (e.kind === 'descending') throw new Error(`CPU list '${t}' has a descending range '${e.item}': write it as ${e.hi}-${e.lo}`);
    throw new Error(`CPU list '${t}' is malformed at '${e.item}': expected N or N-M separated by commas (e.g. 0-3,8)`);
  }
}

/** Formats ids as the kernel and libvirt print them: [0,1,2,3,8] → "0-3,8". The empty set is "". */
export function formatCpuList(ids: Iterable<number>): string {
  const sorted = [...new Set(ids)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    parts.push(j === i ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}
