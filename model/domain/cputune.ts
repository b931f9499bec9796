/**
 * `<cputune>`: CFS shares, bandwidth periods/quotas (microseconds), pinning, real-time
 * scheduling and resctrl cache/memory-bandwidth allocation. Printed in libvirt's order.
 */
import type { Static } from '@sinclair/typebox';
import * as X from '../schema';
import type { XmlElement } from '../xml/dom';
import { cpuset, parseCpuset } from './cpuset';
import { scaledOptions, unitName } from './scaled-attr';

/** CFS period, microseconds: [1000, 1000000]. */
const period = (xml?: string) => X.textChild(X.uint({ min: 1000, max: 1000000 }), xml ? { xml } : {});
/** CFS quota, microseconds; -1 means unlimited. */
const quota = (xml?: string) => X.textChild(X.int({ min: -1, max: 17592186044415 }), xml ? { xml } : {});

export const VcpuPin = X.element({
  vcpu: X.reqAttr(X.uint({ max: 65535 })),
  cpuset: X.reqAttr(cpuset()),
});
export const EmulatorPin = X.element({ cpuset: X.reqAttr(cpuset()) });
export const IothreadPin = X.element({
  iothread: X.reqAttr(X.uint()),
  cpuset: X.reqAttr(cpuset()),
});

const SchedulerPolicy = X.enumOf('batch', 'idle', 'fifo', 'rr');

/** Real-time classes (fifo, rr) need a priority; batch and idle take none. */
function schedCheck(v: { scheduler?: string; priority?: number }, el: XmlElement, ctx: X.ParseContext): void {
  const rt = v.scheduler === 'fifo' || v.scheduler === 'rr';
  if (rt && v.priority === undefined) ctx.fail(el, `scheduler '${v.scheduler}' needs a priority`, { fix: "add priority='1' (1-99)" });
  if (!rt && v.priority !== undefined) ctx.fail(el, `scheduler '${v.scheduler}' takes no priority`, { attr: 'priority', fix: 'remove the priority attribute' });
}

export const EmulatorSched = X.element(
  {
    scheduler: X.reqAttr(SchedulerPolicy),
    priority: X.attr(X.uint({ max: 65535 })),
  },
  { check: schedCheck },
);
export const VcpuSched = X.element(
  {
    vcpus: X.attr(cpuset()),
    scheduler: X.reqAttr(SchedulerPolicy),
    priority: X.attr(X.uint({ max: 65535 })),
  },
  { check: schedCheck },
);
export const IothreadSched = X.element(
  {
    iothreads: X.attr(cpuset()),
    scheduler: X.reqAttr(SchedulerPolicy),
    priority: X.attr(X.uint({ max: 65535 })),
  },
  { check: schedCheck },
);

/** A cache allocation; `size` is stored in KiB and printed in the largest exact unit. */
export const CachetuneCache = X.element(
  {
    id: X.reqAttr(X.uint()),
    level: X.reqAttr(X.uint()),
    type: X.reqAttr(X.enumOf('both', 'code', 'data')),
    size: X.reqAttr(X.uint()),
    unit: X.attr(unitName()),
  },
  scaledOptions({ value: 'size', unit: 'unit', canonical: 'B', defaultUnit: 'B', pretty: true }),
);
export const CachetuneMonitor = X.element({
  level: X.reqAttr(X.uint()),
  vcpus: X.reqAttr(cpuset()),
});
export const Cachetune = X.element({
  vcpus: X.reqAttr(cpuset()),
  id: X.attr(X.str()),
  caches: X.children(CachetuneCache, { xml: 'cache' }),
  monitors: X.children(CachetuneMonitor, { xml: 'monitor' }),
});

export const MemorytuneNode = X.element({
  id: X.reqAttr(X.uint()),
  /** Percent of the memory bandwidth. */
  bandwidth: X.reqAttr(X.uint()),
});
export const MemorytuneMonitor = X.element({ vcpus: X.reqAttr(cpuset()) });
export const Memorytune = X.element({
  vcpus: X.reqAttr(cpuset()),
  nodes: X.children(MemorytuneNode, { xml: 'node' }),
  monitors: X.children(MemorytuneMonitor, { xml: 'monitor' }),
});

type Sched = { scheduler: string; priority?: number };

/** One scheduler element per id, ascending: libvirt stores the policy per vCPU/I/O thread and prints it that way. */
function splitScheds<T extends Sched>(list: T[] | undefined, key: 'vcpus' | 'iothreads'): T[] | undefined {
  if (!list) return undefined;
  const byId = new Map<number, T>();
  for (const s of list) {
    const ids = (s as Record<string, unknown>)[key] as string | undefined;
    if (ids === undefined) {
      byId.set(-1, s);
      continue;
    }
    for (const id of parseCpuset(ids)) byId.set(id, { ...s, [key]: String(id) });
  }
  return [...byId.entries()].sort((a, b) => a[0] - b[0]).map(([, s]) => s);
}

export const Cputune = X.element(
  {
  shares: X.textChild(X.uint()),
  period: period(),
  quota: quota(),
  globalPeriod: period('global_period'),
  globalQuota: quota('global_quota'),
  emulatorPeriod: period('emulator_period'),
  emulatorQuota: quota('emulator_quota'),
  iothreadPeriod: period('iothread_period'),
  iothreadQuota: quota('iothread_quota'),
  vcpuPins: X.children(VcpuPin, { xml: 'vcpupin' }),
  emulatorPin: X.child(EmulatorPin, { xml: 'emulatorpin' }),
  iothreadPins: X.children(IothreadPin, { xml: 'iothreadpin' }),
  emulatorSched: X.child(EmulatorSched, { xml: 'emulatorsched' }),
  vcpuScheds: X.children(VcpuSched, { xml: 'vcpusched' }),
  iothreadScheds: X.children(IothreadSched, { xml: 'iothreadsched' }),
  cachetunes: X.children(Cachetune, { xml: 'cachetune' }),
  memorytunes: X.children(Memorytune, { xml: 'memorytune' }),
  },
  {
    write(w, name, v, writeDefault) {
      writeDefault(w, name, {
        ...v,
        vcpuScheds: splitScheds(v.vcpuScheds, 'vcpus'),
        iothreadScheds: splitScheds(v.iothreadScheds, 'iothreads'),
      });
    },
  },
);
export type Cputune = Static<typeof Cputune>;
