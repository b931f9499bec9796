/**
 * `<dnsmasq:options>` (namespace http://libvirt.org/schemas/network/dnsmasq/1.0): raw lines
 * appended to the network's dnsmasq configuration, one `option=value` per line.
 */
import type { Static } from '@sinclair/typebox';
import * as X from '../schema';

export const DnsmasqOption = X.element({
  value: X.reqAttr(X.str({ minLength: 1 })),
});

export const DnsmasqOptions = X.element({
  options: X.children(DnsmasqOption, { xml: 'dnsmasq:option' }),
});
export type DnsmasqOptions = Static<typeof DnsmasqOptions>;
