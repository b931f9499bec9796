/**
 * libvirt's CPU/NUMA-node set syntax (`0-3,^2,8`), used by vcpu pinning, NUMA cells, numatune
 * nodesets, hugepage nodesets and scheduler groups. libvirt stores these as bitmaps and prints
 * them back in its canonical form: ascending, runs collapsed to `a-b`, exclusions applied
 * (`0-3,^2,8` → `0-1,3,8`). We store that canonical string so the model prints like libvirt.
 */
import { Type, type TString } from '@sinclair/typebox';
import { cpuListIds, CpuListItemError, formatCpuList } from '../cpu-list';
import { CodecError, type ValueCodec } from '../schema';

/** The largest id a set may name: libvirt's bitmaps are bounded, and a typo must not make a huge set. */
const MAX_ID = 1 << 20;

/** The ids in a set, ascending. Throws CodecError on bad syntax. */
export function parseCpuset(raw: string): number[] {
  if (raw.trim() === '') throw new CodecError('must not be empty', "write ids and ranges, e.g. '0-3,8'");
  try {
    return cpuListIds(raw, { exclusions: true, maxId: MAX_ID });
  } catch (e) {
    if (!(e instanceof CpuListItemError)) throw e;
    const p = e.item.trim();
    if (e.kind === 'descending') throw new CodecError(`has a descending range '${p}'`, `write it as '${e.hi}-${e.lo}'`);
    if (e.kind === 'too-large') throw new CodecError(`has an id ${e.hi} that is too large`);
    throw new CodecError(`is not a CPU set: '${p}' is neither an id, a range 'a-b' nor an exclusion '^n'`, "write ids and ranges, e.g. '0-3,^2,8'");
  }
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
      return formatCpuList(ids);
    },
    format: (v) => v,
  };
}
