/** `<route>`: a static route the host adds for the network. */
import type { Static } from '@sinclair/typebox';
import * as X from '../schema';
import { ipAddress } from './ip-address';

export const Route = X.element({
  family: X.attr(X.enumOf('ipv4', 'ipv6')),
  address: X.reqAttr(ipAddress()),
  netmask: X.attr(ipAddress({ family: 'ipv4' })),
  prefix: X.attr(X.uint({ max: 128 })),
  gateway: X.reqAttr(ipAddress()),
  metric: X.attr(X.uint({ max: 4294967295 })),
});
export type Route = Static<typeof Route>;
