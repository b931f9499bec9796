/**
 * `<virtualport>`: how an interface's port is set up on a managed switch: 802.1Qbg (VEPA/VDP),
 * 802.1Qbh (port profiles), Open vSwitch or Midonet. Without `type`, the parameters are merged
 * with the network's portgroup and the type comes from there.
 *
 *   <virtualport type='openvswitch'>
 *     <parameters interfaceid='09b11c53-8b5c-4eeb-8f00-d84eaa0aaa4f' profileid='menial'/>
 *   </virtualport>
 */
import * as X from '../../schema';
import type { Static } from '@sinclair/typebox';

export const VirtualPortParameters = X.element({
  /** 802.1Qbg: VSI manager id, 0-255. */
  managerid: X.attr(X.uint({ max: 255 })),
  /** 802.1Qbg: VSI type id, 0-16777215. */
  typeid: X.attr(X.uint({ max: 0xffffff })),
  /** 802.1Qbg: VSI type version, 0-255. */
  typeidversion: X.attr(X.uint({ max: 255 })),
  /** 802.1Qbg: VSI instance UUID (generated when absent). */
  instanceid: X.attr(X.uuid()),
  /** openvswitch/midonet: port UUID (generated when absent). */
  interfaceid: X.attr(X.uuid()),
  /** 802.1Qbh/openvswitch: port profile name, up to 39 characters. */
  profileid: X.attr(X.str({ maxLength: 39 })),
});

export const VirtualPort = X.element({
  type: X.attr(X.enumOf('802.1Qbg', '802.1Qbh', 'openvswitch', 'midonet')),
  parameters: X.child(VirtualPortParameters),
});
export type VirtualPort = Static<typeof VirtualPort>;
