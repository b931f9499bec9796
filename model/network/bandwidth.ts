/**
 * `<bandwidth>`: traffic shaping (networkcommon.rng), of a network, a portgroup or a domain's
 * `<interface>` alike. Rates are KiB/s (`average`, `peak`, `floor`), `burst` is KiB that may be
 * sent at `peak` speed; each at least 1. `floor` (guaranteed minimum) is inbound only and, on an
 * interface, needs a network with a bandwidth setting.
 */
import type { Static } from '@sinclair/typebox';
import * as X from '../schema';

const positive = () => X.uint({ min: 1, max: 4294967295 });

export const BandwidthRate = X.element({
  /** Average rate, KiB/s. */
  average: X.attr(positive()),
  /** Peak rate, KiB/s. */
  peak: X.attr(positive()),
  /** Guaranteed minimum, KiB/s (inbound only). */
  floor: X.attr(positive()),
  /** Burst size, KiB. */
  burst: X.attr(positive()),
});
export type BandwidthRate = Static<typeof BandwidthRate>;

export const Bandwidth = X.element({
  /** Traffic class id, set by libvirt for running domains and networks. */
  classID: X.attr(X.uint({ min: 1 })),
  inbound: X.child(BandwidthRate),
  outbound: X.child(BandwidthRate),
});
export type Bandwidth = Static<typeof Bandwidth>;
