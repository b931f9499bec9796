/**
 * Memory sizing and tuning: `<maxMemory>`, `<memory>`, `<currentMemory>`, `<memoryBacking>`,
 * `<blkiotune>` and `<memtune>`. Sizes are stored in KiB and printed with `unit='KiB'`.
 */
import type { Static } from '@sinclair/typebox';
import * as X from '../schema';
import { cpuset } from './cpuset';
import { scaledOptions, unitName } from './scaled-attr';

const kib = (value: string, extra: X.ElementOptions = {}) => scaledOptions({ value, unit: 'unit', canonical: 'KiB', defaultUnit: 'KiB' }, extra);

/** `<maxMemory slots='16' unit='KiB'>`: the hotplug ceiling and the number of DIMM slots. */
export const MaxMemory = X.element(
  {
    slots: X.reqAttr(X.uint()),
    unit: X.attr(unitName()),
    /** KiB. */
    value: X.reqText(X.uint()),
  },
  kib('value'),
);
export type MaxMemory = Static<typeof MaxMemory>;

/** `<memory dumpCore='on' unit='KiB'>`: the initial (boot-time) guest memory. */
export const Memory = X.element(
  {
    /** Include guest memory in core dumps of the emulator process. */
    dumpCore: X.attr(X.onOff()),
    unit: X.attr(unitName()),
    /** KiB. */
    value: X.reqText(X.uint()),
  },
  kib('value'),
);
export type Memory = Static<typeof Memory>;

/** Hugepage size for all guest memory, or for the NUMA cells in `nodeset`. */
export const HugePage = X.element(
  {
    /** KiB after parsing. */
    size: X.reqAttr(X.uint()),
    unit: X.attr(unitName()),
    nodeset: X.attr(cpuset()),
  },
  kib('size'),
);
export type HugePage = Static<typeof HugePage>;

export const HugePages = X.element({ pages: X.children(HugePage, { xml: 'page' }) });

export const MemoryBacking = X.element({
  hugepages: X.child(HugePages),
  nosharepages: X.flag(),
  locked: X.flag(),
  source: X.child(X.element({ type: X.reqAttr(X.enumOf('file', 'anonymous', 'memfd')) })),
  access: X.child(X.element({ mode: X.reqAttr(X.enumOf('shared', 'private')) })),
  allocation: X.child(
    X.element({
      mode: X.attr(X.enumOf('immediate', 'ondemand')),
      threads: X.attr(X.uint()),
    }),
  ),
  discard: X.flag(),
});
export type MemoryBacking = Static<typeof MemoryBacking>;

const weight = () => X.uint({ min: 100, max: 1000 });

export const BlkiotuneDevice = X.element({
  path: X.reqTextChild(X.str({ trim: true })),
  weight: X.textChild(weight()),
  readIopsSec: X.textChild(X.uint(), { xml: 'read_iops_sec' }),
  writeIopsSec: X.textChild(X.uint(), { xml: 'write_iops_sec' }),
  readBytesSec: X.textChild(X.uint(), { xml: 'read_bytes_sec' }),
  writeBytesSec: X.textChild(X.uint(), { xml: 'write_bytes_sec' }),
});

/** Block I/O cgroup tuning: a global weight and per-device weights and throttles. */
export const Blkiotune = X.element({
  weight: X.textChild(weight()),
  devices: X.children(BlkiotuneDevice, { xml: 'device' }),
});
export type Blkiotune = Static<typeof Blkiotune>;

/** libvirt's "unlimited" memory limit, KiB (2^53 - 1); such limits are not printed. */
export const MEMORY_UNLIMITED_KIB = 9007199254740991;

/** Memory cgroup limits, KiB. */
export const Memtune = X.element(
  {
  hardLimit: X.childValue(X.scaled({ canonical: 'KiB' }), { xml: 'hard_limit' }),
  softLimit: X.childValue(X.scaled({ canonical: 'KiB' }), { xml: 'soft_limit' }),
  minGuarantee: X.childValue(X.scaled({ canonical: 'KiB' }), { xml: 'min_guarantee' }),
  swapHardLimit: X.childValue(X.scaled({ canonical: 'KiB' }), { xml: 'swap_hard_limit' }),
  },
  {
    write(w, name, v, writeDefault) {
      const out: Record<string, unknown> = {};
      for (const [k, n] of Object.entries(v)) out[k] = typeof n === 'number' && n >= MEMORY_UNLIMITED_KIB ? undefined : n;
      if (Object.values(out).some((n) => n !== undefined)) writeDefault(w, name, out);
    },
  },
);
export type Memtune = Static<typeof Memtune>;
