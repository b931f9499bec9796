/**
 * The kernel's CPU/node list syntax ("0-3,8,10-11"), used by sysfs (`cpulist`, `online`,
 * `isolated`, `thread_siblings_list`) and by cpusets. Pure.
 *
 * Invariants: parseCpuList returns ids sorted ascending without duplicates; formatCpuList
 * folds runs of consecutive ids into ranges, so parse(format(x)) equals x for any sorted set.
 */

/** Parses "0-3,8" into [0,1,2,3,8]. Empty or whitespace-only text is the empty set. Throws on malformed text, naming it. */
export function parseCpuList(text: string): number[] {
  const t = text.trim();
  if (t === '') return [];
  const ids = new Set<number>();
  for (const part of t.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) throw new Error(`CPU list '${t}' is malformed at '${part}': expected N or N-M separated by commas (e.g. 0-3,8)`);
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (hi < lo) throw new Error(`CPU list '${t}' has a descending range '${part}': write it as ${hi}-${lo}`);
    for (let i = lo; i <= hi; i++) ids.add(i);
  }
  return [...ids].sort((a, b) => a - b);
}

/** Formats ids as the kernel does: [0,1,2,3,8] → "0-3,8". The empty set is "". */
export function formatCpuList(ids: readonly number[]): string {
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
