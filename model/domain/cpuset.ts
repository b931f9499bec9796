/**
 * libvirt's CPU/NUMA-node set syntax (`0-3,^2,8`), used by vcpu pinning, NUMA cells, numatune
 * nodesets, hugepage nodesets and scheduler groups. libvirt stores these as bitmaps and prints
 * them back in its canonical form: ascending, runs collapsed to `a-b`, exclusions applied
 * (`0-3,^2,8` → `0-1,3,8`). We store that canonical string so the model prints like libvirt.
 */
import { Type, type TString } from '@sinclair/typebox';
import { CodecError, type ValueCodec } from '../schema';

/** The ids in a set, ascending. Throws CodecError on bad syntax. */
export function parseCpuset(raw: string): number[] {
  const text = raw.trim();
  if (text === '') throw new CodecError('must not be empty', "write ids and ranges, e.g. '0-3,8'");
  const included = new Set<number>();
  const excluded = new Set<number>();
  for (const part of text.split(',')) {
    const p = part.trim();
    let m: RegExpMatchArray | null;
    if ((m = p.match(/^\^(\d+)$/))) {
      excluded.add(Number(m[1]));
    } else if ((m = p.match(/^(\d+)(?:-(\d+))?$/))) {
      const a = Number(m[1]);
      const b = m[2] === undefined ? a : Number(m[2]);
      if (b < a) throw new CodecError(`has a descending range '${p}'`, `write it as '${b}-${a}'`);
      if (b > 1 << 20) throw new CodecError(`has an id ${b} that is too large`);
      for (let i = a; i <= b; i++) included.add(i);
    } else {
      throw new CodecError(`is not a CPU set: '${p}' is neither an id, a range 'a-b' nor an exclusion '^n'`, "write ids and ranges, e.g. '0-3,^2,8'");
    }
  }
  for (const x of excluded) included.delete(x);
  return [...included].sort((a, b) => a - b);
}

/** Canonical libvirt text for a set of ids: ascending, consecutive runs as `a-b`. */
export function formatCpuset(ids: Iterable<number>): string {
  const sorted = [...new Set(ids)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    parts.push(i === j ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/**
 * A CPU or node set attribute, stored canonical. An exclusion-only or fully excluded set
 * (`0,^0`) is rejected, as libvirt does, because it selects nothing.
 */
export function cpuset(): ValueCodec<TString> {
  const describe = "a CPU set such as '0-3,^2,8'";
  return {
    schema: Type.String({ pattern: '^\\d+(-\\d+)?(,\\d+(-\\d+)?)*$', description: 'canonical CPU/node set, e.g. 0-1,3,8' }),
    describe,
    parse(raw) {
      const ids = parseCpuset(raw);
      if (ids.length === 0) throw new CodecError('selects no CPUs at all', 'list at least one id that is not excluded');
      return formatCpuset(ids);
    },
    format: (v) => v,
  };
}
