/**
 * `<virtualport>`: the port profile a switch applies (802.1Qbg, 802.1Qbh, Open vSwitch,
 * MidoNet), shared by networks, portgroups and domain interfaces (networkcommon.rng).
 */
import type { Static } from '@sinclair/typebox';
import * as X from '../schema';

export const VirtualPortType = X.enumOf('802.1Qbg', '802.1Qbh', 'openvswitch', 'midonet');

/**
 * Profile parameters. Which ones apply depends on the type (see validate.ts); numbers are
 * accepted in decimal or `0x` hex and printed in decimal, as libvirt does.
 */
export const VirtualPortParameters = X.element({
  /** 802.1Qbg VSI manager id, 0-255. */
  managerid: X.attr(X.uint({ anyBase: true, max: 255 })),
  /** 802.1Qbg VSI type id, 0-16777215. */
  typeid: X.attr(X.uint({ anyBase: true, max: 0xffffff })),
  /** 802.1Qbg VSI type version, 0-255. */
  typeidversion: X.attr(X.uint({ anyBase: true, max: 255 })),
  instanceid: X.attr(X.uuid()),
  /** 802.1Qbh or Open vSwitch port profile name, at most 39 characters. */
  profileid: X.attr(X.str({ maxLength: 39 })),
  interfaceid: X.attr(X.uuid()),
});

export const VirtualPort = X.element({
  type: X.attr(VirtualPortType),
  parameters: X.child(VirtualPortParameters),
});
export type VirtualPort = Static<typeof VirtualPort>;
