/**
 * `<bandwidth>`: traffic shaping of an interface. Rates are KiB/s (`average`, `peak`, `floor`),
 * `burst` is KiB that may be sent at `peak` speed. `floor` (guaranteed minimum) is inbound only
 * and needs a network with a bandwidth setting.
 */
import * as X from '../../schema';
import type { Static } from '@sinclair/typebox';

export const BandwidthRate = X.element({
  average: X.attr(X.uint()),
  peak: X.attr(X.uint()),
  floor: X.attr(X.uint()),
  burst: X.attr(X.uint()),
});
export type BandwidthRate = Static<typeof BandwidthRate>;

export const Bandwidth = X.element({
  /** Traffic class id, set by libvirt for running domains. */
  classID: X.attr(X.uint({ min: 1 })),
  inbound: X.child(BandwidthRate),
  outbound: X.child(BandwidthRate),
});
export type Bandwidth = Static<typeof Bandwidth>;
