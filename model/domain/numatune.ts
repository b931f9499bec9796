/**
 * `<numatune>`: host NUMA memory policy for the whole guest (`<memory>`) and per guest NUMA
 * cell (`<memnode>`). Node sets are host NUMA node ids.
 */
import type { Static } from '@sinclair/typebox';
import * as X from '../schema';
import { cpuset } from './cpuset';

export const NumaMode = X.enumOf('strict', 'preferred', 'interleave', 'restrictive');

/**
 * `<memory mode='strict' nodeset='0-1'/>` or `<memory mode='strict' placement='auto'/>`.
 * libvirt prints `placement` only when it is `auto` (a nodeset implies static placement), and
 * ignores a nodeset given with automatic placement.
 */
export const NumatuneMemory = X.element(
  {
    mode: X.attr(NumaMode),
    placement: X.attr(X.enumOf('static', 'auto')),
    nodeset: X.attr(cpuset()),
  },
  {
    write(w, name, v, writeDefault) {
      writeDefault(w, name, v.placement === 'static' ? { ...v, placement: undefined } : v);
    },
  },
);
export type NumatuneMemory = Static<typeof NumatuneMemory>;

export const MemNode = X.element({
  cellid: X.reqAttr(X.uint()),
  mode: X.reqAttr(NumaMode),
  nodeset: X.reqAttr(cpuset()),
});
export type MemNode = Static<typeof MemNode>;

export const Numatune = X.element({
  memory: X.child(NumatuneMemory),
  memnodes: X.children(MemNode, { xml: 'memnode' }),
});
export type Numatune = Static<typeof Numatune>;
