/**
 * `<forward>`: how a network reaches the outside: NAT, routing, an open network, or one of the
 * modes that hand guests a host device (bridge, private, vepa, passthrough, hostdev).
 */
import type { Static } from '@sinclair/typebox';
import * as X from '../schema';
import { ipAddress } from './ip-address';

export const ForwardMode = X.enumOf('nat', 'route', 'open', 'bridge', 'passthrough', 'private', 'vepa', 'hostdev');
export type ForwardMode = Static<typeof ForwardMode.schema>;

/** A host network device in the forward pool. */
export const ForwardInterface = X.element({
  dev: X.reqAttr(X.str({ pattern: '^[a-zA-Z0-9_.\\-\\\\:/]+$', describe: 'a device name' })),
  /** Guests currently using the device (status; libvirt prints it only for live networks). */
  connections: X.attr(X.uint()),
});
export type ForwardInterface = Static<typeof ForwardInterface>;

/**
 * A PCI device in the forward pool (hostdev and passthrough modes), printed in libvirt's fixed
 * width hex. `multifunction` and `connections` are accepted (the schema allows them) but libvirt
 * never prints them for a forward address, so neither does virtform.
 */
export const ForwardAddress = X.element(
  {
    type: X.reqAttr(X.enumOf('pci')),
    domain: X.attr(X.hex(4, { max: 0xffffffff })),
    bus: X.attr(X.hex(2, { max: 0xff })),
    slot: X.attr(X.hex(2, { max: 0x1f })),
    function: X.attr(X.hex(1, { max: 7 })),
    multifunction: X.attr(X.onOff()),
    connections: X.attr(X.uint()),
  },
  {
    write(w, name, a: { type: 'pci'; domain?: number; bus?: number; slot?: number; function?: number }, writeDefault) {
      writeDefault(w, name, { type: a.type, domain: a.domain ?? 0, bus: a.bus ?? 0, slot: a.slot ?? 0, function: a.function ?? 0 });
    },
  },
);
export type ForwardAddress = Static<typeof ForwardAddress>;

/** The physical function whose virtual functions form the pool. */
export const ForwardPf = X.element({
  dev: X.reqAttr(X.str({ pattern: '^[a-zA-Z0-9_.\\-\\\\:/]+$', describe: 'a device name' })),
});

export const ForwardDriver = X.element({ name: X.reqAttr(X.enumOf('kvm', 'vfio')) });

/** Source NAT range (IPv4 addresses, ports 1-65535). */
export const NatAddressRange = X.element({
  start: X.reqAttr(ipAddress({ family: 'ipv4' })),
  end: X.reqAttr(ipAddress({ family: 'ipv4' })),
});
export const NatPortRange = X.element({
  start: X.reqAttr(X.uint({ min: 1, max: 65535 })),
  end: X.reqAttr(X.uint({ min: 1, max: 65535 })),
});

export const ForwardNat = X.element({
  /** Also masquerade IPv6 (libvirt prints only 'yes'). */
  ipv6: X.attr(X.yesNo()),
  address: X.child(NatAddressRange),
  port: X.child(NatPortRange),
});
export type ForwardNat = Static<typeof ForwardNat>;

export const Forward = X.element({
  /**
   * The device traffic leaves through. libvirt keeps it as the first `<interface>` of the pool
   * (see defaults.ts) and prints the first interface's name here.
   */
  dev: X.attr(X.str({ pattern: '^[a-zA-Z0-9_.\\-\\\\:/]+$', describe: 'a device name' })),
  /** Default 'nat' (defaults.ts). */
  mode: X.attr(ForwardMode),
  /** hostdev mode: let libvirt detach the devices from their host drivers. */
  managed: X.attr(X.yesNo()),
  driver: X.child(ForwardDriver),
  nat: X.child(ForwardNat),
  pf: X.child(ForwardPf),
  interfaces: X.children(ForwardInterface, { xml: 'interface' }),
  addresses: X.children(ForwardAddress, { xml: 'address' }),
});
export type Forward = Static<typeof Forward>;
