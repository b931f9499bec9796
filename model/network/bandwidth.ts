/** `<bandwidth>`: traffic shaping (networkcommon.rng). Rates in KiB/s, burst in KiB. */
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
  classID: X.attr(X.uint({ min: 1 })),
  inbound: X.child(BandwidthRate),
  outbound: X.child(BandwidthRate),
});
export type Bandwidth = Static<typeof Bandwidth>;
