/**
 * What libvirt's network parser fills in or normalises, independent of any host, so that
 * `formatNetworkXml(applyNetworkDefaults(parseNetworkXml(x)))` prints what libvirt 9.0 prints.
 *
 * Not done here: libvirt generates a random UUID and picks a free `virbrN` bridge name when
 * they are missing. Both need state (randomness, the host's bridges) and belong to the
 * provider, which records the result in the stored definition.
 */
import type { Network } from './network';
import type { Forward, ForwardMode } from './forward';
import type { DhcpLease } from './ip';

/** The modes where libvirt creates and owns the bridge (and so sets stp and delay on it). */
export function managesBridge(mode: ForwardMode | undefined): boolean {
  return mode === undefined || mode === 'nat' || mode === 'route' || mode === 'open';
}

/** The forward mode in effect: 'nat' for `<forward/>`, undefined for an isolated network. */
export function forwardModeOf(net: Network): ForwardMode | undefined {
  return net.forward ? net.forward.mode ?? 'nat' : undefined;
}

function forwardDefaults(f: Forward): void {
  f.mode ??= 'nat';
  // The forward dev is the first interface of the pool; libvirt stores only the pool.
  const ifs = f.interfaces ?? [];
  if (f.dev !== undefined && ifs.length === 0 && !f.pf && !(f.addresses ?? []).length) {
    f.interfaces = [{ dev: f.dev }];
  } else if (f.dev === undefined && ifs.length > 0) {
    f.dev = ifs[0].dev;
  }
  // With a physical function the pool is derived from it and dev is not printed.
  if (f.pf) delete f.dev;
  if (f.mode === 'hostdev') f.managed ??= 'no';
  else delete f.managed;
  if (f.nat) {
    if (f.nat.ipv6 === 'no') delete f.nat.ipv6;
    if (f.mode !== 'nat' || (!f.nat.address && !f.nat.port && !f.nat.ipv6)) delete f.nat;
  }
}

function leaseDefaults(lease: DhcpLease | undefined): void {
  if (!lease) return;
  // expiry 0 means an infinite lease and has no unit; otherwise minutes unless stated.
  if (lease.expiry === 0) delete lease.unit;
  else lease.unit ??= 'minutes';
}

/**
 * Applies libvirt's parse-time defaults in place and returns the same object (objects already
 * present keep their source positions for later error messages).
 */
export function applyNetworkDefaults(net: Network): Network {
  if (net.ipv6 === 'no') delete net.ipv6;
  if (net.forward) forwardDefaults(net.forward);
  const mode = forwardModeOf(net);

  if (managesBridge(mode)) {
    net.bridge ??= {};
    net.bridge.stp ??= 'on';
    net.bridge.delay ??= 0;
  } else if (net.bridge) {
    delete net.bridge.stp;
    delete net.bridge.delay;
    if (net.bridge.name === undefined && net.bridge.macTableManager === undefined) delete net.bridge;
  }

  if (net.dns) {
    const d = net.dns;
    for (const srv of d.srvs ?? []) {
      if (srv.port === 0) delete srv.port;
      if (srv.priority === 0) delete srv.priority;
      if (srv.weight === 0) delete srv.weight;
    }
    const empty = (a: unknown[] | undefined) => !a || a.length === 0;
    if (d.enable === undefined && d.forwardPlainNames === undefined && empty(d.forwarders) && empty(d.txts) && empty(d.srvs) && empty(d.hosts)) {
      delete net.dns;
    }
  }

  if (net.vlan && (net.vlan.tags ?? []).length > 1) net.vlan.trunk = 'yes';

  for (const ip of net.ips ?? []) {
    if (ip.prefix === 0) delete ip.prefix;
    for (const r of ip.dhcp?.ranges ?? []) leaseDefaults(r.lease);
    for (const h of ip.dhcp?.hosts ?? []) leaseDefaults(h.lease);
  }
  for (const r of net.routes ?? []) {
    if (r.prefix === 0) delete r.prefix;
    if (r.metric === 0) delete r.metric;
  }
  for (const pg of net.portgroups ?? []) {
    if (pg.default === 'no') delete pg.default;
    if (pg.vlan && (pg.vlan.tags ?? []).length > 1) pg.vlan.trunk = 'yes';
  }
  if (net.dnsmasqOptions && !(net.dnsmasqOptions.options ?? []).length) delete net.dnsmasqOptions;
  return net;
}
