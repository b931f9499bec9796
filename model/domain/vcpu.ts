/**
 * Virtual CPU count and placement (`<vcpu>`, `<vcpus>`) and I/O threads (`<iothreads>`,
 * `<iothreadids>`, `<defaultiothread>`).
 */
import type { Static } from '@sinclair/typebox';
import * as X from '../schema';
import { cpuset } from './cpuset';

/** `<vcpu placement='static' cpuset='0-3' current='2'>4</vcpu>`: maximum vCPUs, `current` online at boot. */
export const Vcpu = X.element({
  placement: X.attr(X.enumOf('static', 'auto')),
  /** Host CPUs the vCPUs may run on when not pinned individually. */
  cpuset: X.attr(cpuset()),
  current: X.attr(X.uint({ min: 1, max: 65535 })),
  count: X.reqText(X.uint({ min: 1, max: 65535 })),
});
export type Vcpu = Static<typeof Vcpu>;

/** Per-vCPU hotplug state (`<vcpus><vcpu id='1' enabled='no' hotpluggable='yes' order='2'/></vcpus>`). */
export const VcpuState = X.element({
  id: X.reqAttr(X.uint()),
  enabled: X.reqAttr(X.yesNo()),
  hotpluggable: X.attr(X.yesNo()),
  order: X.attr(X.uint()),
});
export const Vcpus = X.element({ vcpus: X.children(VcpuState, { xml: 'vcpu' }) });
export type Vcpus = Static<typeof Vcpus>;

/** An I/O thread with its id and optional worker pool bounds. */
export const IothreadId = X.element({
  id: X.reqAttr(X.uint({ min: 1 })),
  threadPoolMin: X.attr(X.uint(), { xml: 'thread_pool_min' }),
  threadPoolMax: X.attr(X.uint(), { xml: 'thread_pool_max' }),
});
export const IothreadIds = X.element({ iothreads: X.children(IothreadId, { xml: 'iothread' }) });
export type IothreadIds = Static<typeof IothreadIds>;

export const DefaultIothread = X.element({
  threadPoolMin: X.attr(X.uint(), { xml: 'thread_pool_min' }),
  threadPoolMax: X.attr(X.uint(), { xml: 'thread_pool_max' }),
});
export type DefaultIothread = Static<typeof DefaultIothread>;
