/**
 * `<ip>` and `<route>` of an interface: the guest side (passt/user networking, containers) or,
 * inside `<source>` of an ethernet interface, the host side of the tap device.
 */
import * as X from '../../schema';
import type { Static } from '@sinclair/typebox';

export const NetIp = X.element({
  address: X.reqAttr(X.str()),
  family: X.attr(X.enumOf('ipv4', 'ipv6')),
  prefix: X.attr(X.uint({ max: 128 })),
  /** Address of the other end of a point-to-point link. */
  peer: X.attr(X.str()),
});
export type NetIp = Static<typeof NetIp>;

export const NetRoute = X.element({
  family: X.attr(X.enumOf('ipv4', 'ipv6')),
  address: X.reqAttr(X.str()),
  netmask: X.attr(X.str()),
  prefix: X.attr(X.uint({ max: 128 })),
  gateway: X.reqAttr(X.str()),
  metric: X.attr(X.uint()),
});
export type NetRoute = Static<typeof NetRoute>;
