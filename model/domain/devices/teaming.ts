/**
 * `<teaming>`: pairs a virtio interface (`persistent`) with an SR-IOV hostdev (`transient`, naming
 * the persistent device's alias) for virtio-net failover: the guest bonds them and live migration
 * unplugs only the VF.
 */
import * as X from '../../schema';
import type { Static } from '@sinclair/typebox';

export const Teaming = X.element({
  type: X.attr(X.enumOf('persistent', 'transient')),
  /** transient: alias of the persistent interface (`ua-...`). */
  persistent: X.attr(X.str()),
});
export type Teaming = Static<typeof Teaming>;
