/**
 * `<vlan>`: 802.1Q tags of an interface (SR-IOV VFs, macvtap passthrough, Open vSwitch).
 * Several tags, or `trunk='yes'`, make a trunk port; `nativeMode` marks the native VLAN.
 */
import * as X from '../../schema';
import type { Static } from '@sinclair/typebox';

export const VlanTag = X.element({
  id: X.reqAttr(X.uint({ max: 4095 })),
  nativeMode: X.attr(X.enumOf('tagged', 'untagged')),
});

export const Vlan = X.element({
  trunk: X.attr(X.enumOf('yes')),
  tags: X.children(VlanTag, { xml: 'tag' }),
});
export type Vlan = Static<typeof Vlan>;
