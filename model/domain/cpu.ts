/**
 * `<cpu>`: the guest CPU model and features, topology, cache and physical address bits, and
 * the guest NUMA topology (`<numa>` cells with their distances, caches and interconnects).
 */
import type { Static } from '@sinclair/typebox';
import * as X from '../schema';
import { cpuset } from './cpuset';
import { scaledOptions, unitName } from './scaled-attr';

/** `<model fallback='allow' vendor_id='GenuineIntel'>Skylake-Client</model>`. */
export const CpuModel = X.element({
  fallback: X.attr(X.enumOf('allow', 'forbid')),
  vendorId: X.attr(X.str({ pattern: '^[^,]{12}$', describe: 'exactly 12 characters without commas' }), { xml: 'vendor_id' }),
  name: X.text(X.str({ trim: true })),
});
export type CpuModel = Static<typeof CpuModel>;

const positive = () => X.uint({ min: 1 });

export const CpuTopology = X.element({
  sockets: X.reqAttr(positive()),
  dies: X.attr(positive()),
  cores: X.reqAttr(positive()),
  threads: X.reqAttr(positive()),
});
export type CpuTopology = Static<typeof CpuTopology>;

export const CpuCache = X.element({
  level: X.attr(X.uint({ min: 1, max: 3 })),
  mode: X.reqAttr(X.enumOf('emulate', 'passthrough', 'disable')),
});

export const MaxPhysAddr = X.element({
  mode: X.reqAttr(X.enumOf('emulate', 'passthrough')),
  bits: X.attr(X.uint()),
});

export const CpuFeaturePolicy = X.enumOf('force', 'require', 'optional', 'disable', 'forbid');
export const CpuFeature = X.element({
  policy: X.attr(CpuFeaturePolicy),
  name: X.reqAttr(X.str({ pattern: '^[a-zA-Z0-9\\-_.]+$', describe: 'a CPU feature name' })),
});
export type CpuFeature = Static<typeof CpuFeature>;

export const NumaSibling = X.element({
  id: X.reqAttr(X.uint()),
  /** Relative distance, 10 (local) to 255. */
  value: X.reqAttr(X.uint({ min: 10, max: 255 })),
});
export const NumaDistances = X.element({ siblings: X.children(NumaSibling, { xml: 'sibling' }) });

/** Cache size (KiB) or line size (bytes) of a memory-side cache. */
export const NumaCacheSize = X.element(
  { value: X.reqAttr(X.uint()), unit: X.attr(unitName()) },
  scaledOptions({ value: 'value', unit: 'unit', canonical: 'KiB', defaultUnit: 'KiB' }),
);
export const NumaCacheLine = X.element(
  { value: X.reqAttr(X.uint()), unit: X.attr(unitName()) },
  scaledOptions({ value: 'value', unit: 'unit', canonical: 'B', defaultUnit: 'B' }),
);
export const NumaCellCache = X.element({
  level: X.reqAttr(X.uint()),
  associativity: X.reqAttr(X.enumOf('none', 'direct', 'full')),
  policy: X.reqAttr(X.enumOf('none', 'writeback', 'writethrough')),
  size: X.reqChild(NumaCacheSize),
  line: X.reqChild(NumaCacheLine),
});

/** A guest NUMA node: its vCPUs and memory (KiB). */
export const NumaCell = X.element(
  {
    id: X.attr(X.uint()),
    cpus: X.attr(cpuset()),
    /** KiB. */
    memory: X.reqAttr(X.uint()),
    unit: X.attr(unitName()),
    memAccess: X.attr(X.enumOf('shared', 'private')),
    discard: X.attr(X.yesNo()),
    distances: X.child(NumaDistances),
    caches: X.children(NumaCellCache, { xml: 'cache' }),
  },
  scaledOptions({ value: 'memory', unit: 'unit', canonical: 'KiB', defaultUnit: 'KiB' }),
);
export type NumaCell = Static<typeof NumaCell>;

const interconnect = {
  initiator: X.reqAttr(X.uint()),
  target: X.reqAttr(X.uint()),
  cache: X.attr(X.uint()),
  type: X.reqAttr(X.enumOf('access', 'read', 'write')),
};
/** Latency in nanoseconds. */
export const NumaLatency = X.element({ ...interconnect, value: X.reqAttr(X.uint()) });
/** Bandwidth in KiB per second. */
export const NumaBandwidth = X.element(
  { ...interconnect, value: X.reqAttr(X.uint()), unit: X.attr(unitName()) },
  scaledOptions({ value: 'value', unit: 'unit', canonical: 'KiB', defaultUnit: 'KiB' }),
);
export const NumaInterconnects = X.element({
  latencies: X.children(NumaLatency, { xml: 'latency' }),
  bandwidths: X.children(NumaBandwidth, { xml: 'bandwidth' }),
});

export const Numa = X.element({
  cells: X.children(NumaCell, { xml: 'cell' }),
  interconnects: X.child(NumaInterconnects),
});
export type Numa = Static<typeof Numa>;

export const CpuMode = X.enumOf('custom', 'host-model', 'host-passthrough', 'maximum');

export const Cpu = X.element(
  {
    mode: X.attr(CpuMode),
    match: X.attr(X.enumOf('minimum', 'exact', 'strict')),
    check: X.attr(X.enumOf('none', 'partial', 'full')),
    migratable: X.attr(X.onOff()),
    model: X.child(CpuModel),
    vendor: X.textChild(X.str({ trim: true })),
    topology: X.child(CpuTopology),
    cache: X.child(CpuCache),
    maxphysaddr: X.child(MaxPhysAddr),
    features: X.children(CpuFeature, { xml: 'feature' }),
    numa: X.child(Numa),
  },
  {
    write(w, name, v, writeDefault) {
      // libvirt prints <model> only when it names a model or a vendor id (a lone
      // `<model fallback='allow'/>` under host-model says nothing), the fallback only with a
      // model name, and mode/match only when they mean something: a custom CPU without a
      // model (just topology or NUMA cells) is printed as a bare <cpu>.
      const m = v.model as CpuModel | undefined;
      const named = m?.name !== undefined;
      const out = { ...v };
      if (!m || (!named && m.vendorId === undefined)) out.model = undefined;
      else if (!named && m.fallback !== undefined) out.model = { ...m, fallback: undefined };
      const custom = v.mode === undefined || v.mode === 'custom';
      if (custom && !named) out.mode = undefined;
      if (!(custom && named)) out.match = undefined;
      // Like libvirt, an element with nothing to say is not printed at all (`<cpu></cpu>`).
      if (Object.values(out).every((x) => x === undefined || (Array.isArray(x) && x.length === 0))) return;
      writeDefault(w, name, out);
    },
  },
);
export type Cpu = Static<typeof Cpu>;
