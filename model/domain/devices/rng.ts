/**
 * `<rng>`: a virtio random number generator fed from a host source.
 *
 *   <rng model='virtio'>
 *     <rate bytes='1024' period='1000'/>
 *     <backend model='random'>/dev/urandom</backend>
 *   </rng>
 *   <rng model='virtio'>
 *     <backend model='egd' type='tcp'>
 *       <source mode='connect' host='1.2.3.4' service='1234'/>
 *       <protocol type='raw'/>
 *     </backend>
 *   </rng>
 */
import * as X from '../../schema';
import type { Static } from '@sinclair/typebox';
import type { ModelIssue } from '../../errors';
import { deviceInfo } from './device-info';
import { virtioOptions } from './virtio-options';
import { ChrType, chrSourceProps, validateChrSource } from './chardev';

/** Rate limit: at most `bytes` per `period` milliseconds (period defaults to 1000 ms). */
export const RngRate = X.element({
  bytes: X.reqAttr(X.uint({ min: 1 })),
  period: X.attr(X.uint({ min: 1 })),
});

/**
 * Where the entropy comes from: `random` reads a host device (text: its path, e.g.
 * /dev/urandom), `egd` talks the EGD protocol over a character device, `builtin` uses QEMU's
 * own generator.
 */
export const RngBackend = X.element(
  {
    model: X.reqAttr(X.enumOf('random', 'egd', 'builtin')),
    /** egd: the character device type (see chardev.ts). */
    type: X.attr(ChrType),
    ...chrSourceProps(),
    /** random: the host device path. */
    path: X.text(X.str({ trim: true })),
  },
  {
    check(v, el, ctx) {
      if (v.model !== 'egd' && (v.type !== undefined || v.sources || v.protocol || v.log)) {
        ctx.fail(el, `a character device source applies only to the 'egd' rng backend, not '${v.model}'`, { fix: "use model='egd' or remove type/<source>/<protocol>" });
      }
      if (v.model !== 'random' && v.path !== undefined) {
        ctx.fail(el, `a device path applies only to the 'random' rng backend, not '${v.model}'`, { fix: `write <backend model='${v.model}'/>` });
      }
      if (v.model === 'egd' && v.type === undefined) {
        ctx.fail(el, "missing EGD backend type", { fix: "add type='tcp' (or unix, pipe, ...) with a matching <source>" });
      }
    },
  },
);
export type RngBackend = Static<typeof RngBackend>;

export const RngDriver = X.element({ ...virtioOptions() });

const { alias, acpi, address } = deviceInfo();

export const Rng = X.element({
  model: X.reqAttr(X.enumOf('virtio', 'virtio-transitional', 'virtio-non-transitional')),
  rate: X.child(RngRate),
  backend: X.reqChild(RngBackend),
  driver: X.child(RngDriver),
  alias,
  acpi,
  address,
});
export type Rng = Static<typeof Rng>;

/** libvirt's rules for every hypervisor: an egd backend's character device must be usable. */
export function validateRng(rng: Rng, label?: string): ModelIssue[] {
  const b = rng.backend;
  if (b?.model !== 'egd') return [];
  return validateChrSource(b, { label });
}
