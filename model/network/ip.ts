/**
 * `<ip>`: an address of the network's bridge, with optional DHCP (ranges, static hosts,
 * PXE boot) and TFTP service, all provided by dnsmasq.
 */
import type { Static } from '@sinclair/typebox';
import * as X from '../schema';
import { ipAddress } from './ip-address';

export const LeaseUnit = X.enumOf('seconds', 'minutes', 'hours');

/** DHCP lease time. `expiry='0'` means infinite; the unit defaults to minutes (defaults.ts). */
export const DhcpLease = X.element({
  expiry: X.reqAttr(X.uint()),
  unit: X.attr(LeaseUnit),
});
export type DhcpLease = Static<typeof DhcpLease>;

export const DhcpRange = X.element({
  start: X.reqAttr(ipAddress()),
  end: X.reqAttr(ipAddress()),
  lease: X.child(DhcpLease),
});
export type DhcpRange = Static<typeof DhcpRange>;

/**
 * A DHCPv6 DUID (RFC 3315/6355), written as colon-separated hex bytes; kept as written because
 * dnsmasq takes it as is.
 */
const Duid = X.str({ pattern: '^[0-9a-fA-F]{1,2}(:[0-9a-fA-F]{1,2})+$', describe: 'a DUID (colon-separated hex bytes)' });

/** A static DHCP host: IPv4 by MAC or name, IPv6 by DUID or name. */
export const DhcpHost = X.element({
  mac: X.attr(X.mac()),
  id: X.attr(Duid),
  name: X.attr(X.str({ minLength: 1 })),
  ip: X.reqAttr(ipAddress()),
  lease: X.child(DhcpLease),
});
export type DhcpHost = Static<typeof DhcpHost>;

/** PXE boot file and optional TFTP server (IPv4 only). */
export const Bootp = X.element({
  file: X.reqAttr(X.str({ minLength: 1 })),
  /** The TFTP server's address (libvirt parses it as an address, not a name). */
  server: X.attr(ipAddress({ family: 'ipv4' })),
});

export const Dhcp = X.element({
  ranges: X.children(DhcpRange, { xml: 'range' }),
  hosts: X.children(DhcpHost, { xml: 'host' }),
  bootp: X.child(Bootp),
});
export type Dhcp = Static<typeof Dhcp>;

export const Tftp = X.element({ root: X.reqAttr(X.str({ minLength: 1 })) });

/**
 * One address of the bridge. Give either `netmask` (IPv4) or `prefix`. libvirt always prints
 * `<ip>` with an opening and a closing tag, even when it has no children.
 */
export const NetworkIp = X.element(
  {
    family: X.attr(X.enumOf('ipv4', 'ipv6')),
    address: X.attr(ipAddress()),
    netmask: X.attr(ipAddress({ family: 'ipv4' })),
    prefix: X.attr(X.uint({ max: 128 })),
    /** Answer reverse lookups for this subnet locally instead of forwarding them. */
    localPtr: X.attr(X.yesNo()),
    tftp: X.child(Tftp),
    dhcp: X.child(Dhcp),
  },
  { neverSelfClose: true },
);
export type NetworkIp = Static<typeof NetworkIp>;
