/**
 * A libvirt virtual network (`<network>`, network.rng of libvirt 9.0): its bridge, how it
 * forwards traffic, its addresses with DHCP, DNS, routes, port groups and raw dnsmasq options.
 *
 * Property order is libvirt's output order. `parseNetworkXml` keeps what the document says;
 * `applyNetworkDefaults` (defaults.ts) adds what libvirt fills in at parse time, and
 * `validateNetwork` (validate.ts) checks the rules that span elements.
 */
import type { Static } from '@sinclair/typebox';
import * as X from '../schema';
import { parseXml } from '../xml/dom';
import { Forward } from './forward';
import { NetworkIp } from './ip';
import { Dns } from './dns';
import { Route } from './route';
import { Portgroup } from './portgroup';
import { VirtualPort } from './virtualport';
import { Bandwidth } from './bandwidth';
import { Vlan } from './vlan';
import { DnsmasqOptions } from './dnsmasq-options';

const DeviceName = X.str({ pattern: '^[a-zA-Z0-9_.\\-\\\\:/]+$', describe: 'a device name (letters, digits and _ . - : /)' });

export const NetworkBridge = X.element({
  /** The host bridge device, e.g. virbr0. */
  name: X.attr(DeviceName),
  /** firewalld zone for the bridge. */
  zone: X.attr(X.str({ pattern: '^[a-zA-Z0-9_\\-]+$', describe: 'a firewalld zone name' })),
  /** Spanning tree; 'on' by default for bridges libvirt creates (defaults.ts). */
  stp: X.attr(X.onOff()),
  /** Forward delay in seconds; 0 by default for bridges libvirt creates. */
  delay: X.attr(X.uint()),
  macTableManager: X.attr(X.enumOf('kernel', 'libvirt')),
});
export type NetworkBridge = Static<typeof NetworkBridge>;

/** Bytes per frame on the bridge. */
export const Mtu = X.element({ size: X.reqAttr(X.uint({ max: 65535 })) });

export const NetworkMac = X.element({ address: X.reqAttr(X.mac()) });

/** The DNS domain of the network; with localOnly='yes' dnsmasq never forwards it upstream. */
export const NetworkDomain = X.element({
  name: X.reqAttr(X.str({ pattern: '^[a-zA-Z0-9.\\-]+$', describe: 'a DNS name (letters, digits, dots and dashes)' })),
  localOnly: X.attr(X.yesNo()),
});

/** `<port isolated='yes'/>`: guests on the network cannot talk to each other. */
export const NetworkPortOptions = X.element({ isolated: X.attr(X.yesNo()) });

export const Network = X.element(
  {
    /** Guests using the network (status; printed for live networks only). */
    connections: X.attr(X.uint()),
    /** Allow guest-to-guest IPv6 on a network without IPv6 addresses ('no' = absent). */
    ipv6: X.attr(X.yesNo()),
    trustGuestRxFilters: X.attr(X.yesNo()),
    name: X.reqTextChild(X.str({ pattern: '^[^\\n]+$', describe: 'a name on one line' })),
    uuid: X.textChild(X.uuid()),
    metadata: X.childValue(X.opaqueChildren()),
    forward: X.child(Forward),
    bridge: X.child(NetworkBridge),
    mtu: X.child(Mtu),
    mac: X.child(NetworkMac),
    domain: X.child(NetworkDomain),
    dns: X.child(Dns),
    vlan: X.child(Vlan),
    bandwidth: X.child(Bandwidth),
    port: X.child(NetworkPortOptions),
    ips: X.children(NetworkIp, { xml: 'ip' }),
    routes: X.children(Route, { xml: 'route' }),
    virtualport: X.child(VirtualPort),
    portgroups: X.children(Portgroup, { xml: 'portgroup' }),
    dnsmasqOptions: X.child(DnsmasqOptions, { xml: 'dnsmasq:options' }),
  },
  { declaresChildNamespaces: true, description: 'A libvirt virtual network' },
);
export type Network = Static<typeof Network>;

/**
 * Parses network XML. Throws XmlSyntaxError for malformed XML and ModelError (file:line, XML
 * path, rule, fix) for unknown elements or attributes and bad values. No defaults are applied.
 */
export function parseNetworkXml(text: string, file = '<network>'): Network {
  return X.bindDocument(parseXml(text, file), Network, 'network');
}

/** Formats a network in libvirt's layout (what `virsh net-dumpxml` prints for it). */
export function formatNetworkXml(doc: Network): string {
  return X.formatDocument(doc, Network, 'network');
}
