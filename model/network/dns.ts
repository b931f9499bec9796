/** `<dns>`: the network's DNS service (dnsmasq): forwarders, TXT and SRV records, host entries. */
import type { Static } from '@sinclair/typebox';
import * as X from '../schema';
import { ipAddress } from './ip-address';

const DnsName = X.str({ pattern: '^[a-zA-Z0-9.\\-]+$', describe: 'a DNS name (letters, digits, dots and dashes)' });

/** Where to send queries: an upstream server, optionally only for one domain. */
export const DnsForwarder = X.element({
  domain: X.attr(DnsName),
  addr: X.attr(ipAddress()),
});
export type DnsForwarder = Static<typeof DnsForwarder>;

export const DnsTxt = X.element({
  name: X.reqAttr(DnsName),
  value: X.reqAttr(X.str()),
});

/** An SRV record. A zero port, priority or weight is the same as leaving it out (defaults.ts). */
export const DnsSrv = X.element({
  service: X.reqAttr(X.str({ minLength: 1 })),
  protocol: X.reqAttr(X.enumOf('tcp', 'udp')),
  domain: X.attr(DnsName),
  target: X.attr(X.str()),
  port: X.attr(X.uint({ max: 65535 })),
  priority: X.attr(X.uint({ max: 65535 })),
  weight: X.attr(X.uint({ max: 65535 })),
});
export type DnsSrv = Static<typeof DnsSrv>;

export const DnsHost = X.element({
  ip: X.reqAttr(ipAddress()),
  hostnames: X.textChildren(DnsName, { xml: 'hostname' }),
});
export type DnsHost = Static<typeof DnsHost>;

export const Dns = X.element({
  /** 'no' turns dnsmasq's DNS service off (it then listens on port 0). */
  enable: X.attr(X.yesNo()),
  /** 'no' keeps unqualified names local instead of forwarding them upstream. */
  forwardPlainNames: X.attr(X.yesNo()),
  forwarders: X.children(DnsForwarder, { xml: 'forwarder' }),
  txts: X.children(DnsTxt, { xml: 'txt' }),
  srvs: X.children(DnsSrv, { xml: 'srv' }),
  hosts: X.children(DnsHost, { xml: 'host' }),
});
export type Dns = Static<typeof Dns>;
