/**
 * `<vlan>`: 802.1Q tags (networkcommon.rng), of a network, a portgroup or a domain's `<interface>`
 * (SR-IOV VFs, macvtap passthrough, Open vSwitch). Several tags, or `trunk='yes'`, make a trunk
 * port; `nativeMode` marks the native VLAN.
 */
import type { Static } from '@sinclair/typebox';
import * as X from '../schema';

export const VlanTag = X.element({
  id: X.reqAttr(X.uint({ max: 4095 })),
  nativeMode: X.attr(X.enumOf('tagged', 'untagged')),
});

export const Vlan = X.element({
  /** A trunk carries several tags; libvirt sets it itself when more than one tag is given. */
  trunk: X.attr(X.enumOf('yes')),
  tags: X.children(VlanTag, { xml: 'tag' }),
});
export type Vlan = Static<typeof Vlan>;
