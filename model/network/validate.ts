/**
 * Network rules that span elements, as libvirt 9.0's network parser enforces them (the
 * messages are virtform's own). Works on a document before or after applyNetworkDefaults.
 */
import type { ModelIssue } from '../errors';
import * as X from '../schema';
import { Network } from './network';
import type { Forward } from './forward';
import type { NetworkIp, DhcpHost } from './ip';
import type { Route } from './route';
import { forwardModeOf, managesBridge } from './defaults';
import { parseIp, prefixMask, netmaskPrefix, inSubnet, defaultPrefix, familyBits, formatIp, rangeSize, type IpValue } from './ip-address';

type Issue = ModelIssue;

/** The prefix length an `<ip>` or `<route>` defines, or undefined when it cannot be known. */
export function ipPrefixOf(ip: { address?: string; netmask?: string; prefix?: number }): number | undefined {
  if (ip.prefix !== undefined && ip.prefix > 0) return ip.prefix;
  if (ip.netmask) {
    const m = parseIp(ip.netmask);
    return m ? netmaskPrefix(m.value) : undefined;
  }
  const a = ip.address ? parseIp(ip.address) : undefined;
  return a ? defaultPrefix(a) : undefined;
}

function familyOf(ip: { family?: string; address?: string }): 'ipv4' | 'ipv6' | undefined {
  const a = ip.address ? parseIp(ip.address) : undefined;
  return a?.family ?? (ip.family as 'ipv4' | 'ipv6' | undefined);
}

function checkForward(label: string, root: X.DocPointer, net: Network, f: Forward, out: Issue[]): void {
  const p = X.childOf(root, f, 'forward');
  const mode = f.mode ?? 'nat';
  const ifs = f.interfaces ?? [];
  const addrs = f.addresses ?? [];
  if (f.dev !== undefined && ifs.length > 0 && ifs[0].dev !== f.dev) {
    out.push(X.issueAt(label, p, `forward dev '${f.dev}' differs from the first <interface dev='${ifs[0].dev}'>`, {
      prop: 'dev', xml: '@dev', fix: `the forward dev is the first interface of the pool: make them equal or drop dev`,
    }));
  }
  if (ifs.length > 0 && addrs.length > 0) {
    out.push(X.issueAt(label, p, '<forward> lists both <interface> and <address> elements', {
      prop: 'addresses', xml: 'address', index: 0, fix: 'a forward pool is either network devices or PCI devices, not both',
    }));
  }
  const seenDev = new Map<string, number>();
  ifs.forEach((i, n) => {
    if (seenDev.has(i.dev)) {
      out.push(X.issueAt(label, p, `interface '${i.dev}' is listed more than once in network '${net.name}'`, {
        prop: 'interfaces', xml: 'interface', index: n, fix: 'list each device once',
      }));
    }
    seenDev.set(i.dev, n);
  });
  const seenPci = new Set<string>();
  addrs.forEach((a, n) => {
    const id = `${(a.domain ?? 0).toString(16).padStart(4, '0')}:${(a.bus ?? 0).toString(16).padStart(2, '0')}:${(a.slot ?? 0).toString(16).padStart(2, '0')}.${(a.function ?? 0).toString(16)}`;
    if (seenPci.has(id)) {
      out.push(X.issueAt(label, p, `PCI device ${id} is listed more than once in network '${net.name}'`, {
        prop: 'addresses', xml: 'address', index: n, fix: 'list each device once',
      }));
    }
    seenPci.add(id);
  });
  if (mode === 'open' && (f.dev !== undefined || ifs.length > 0)) {
    out.push(X.issueAt(label, p, `a forward dev is not allowed with forward mode='open' (network '${net.name}')`, {
      prop: f.dev !== undefined ? 'dev' : 'interfaces', xml: f.dev !== undefined ? '@dev' : 'interface',
      fix: 'an open network puts no restriction on where traffic goes: remove dev and the <interface> elements',
    }));
  }
  if (f.nat && mode !== 'nat') {
    out.push(X.issueAt(label, p, `<nat> is only allowed with forward mode='nat', not '${mode}'`, { prop: 'nat', fix: "remove <nat> or use mode='nat'" }));
  }
  if (f.nat?.address) {
    const s = parseIp(f.nat.address.start);
    const e = parseIp(f.nat.address.end);
    if (s && e && s.value > e.value) {
      out.push(X.issueAt(label, X.childOf(p, f.nat, 'nat'), `NAT address range start ${f.nat.address.start} is after its end ${f.nat.address.end}`, {
        prop: 'address', fix: 'swap start and end',
      }));
    }
  }
  if (f.nat?.port && f.nat.port.start > f.nat.port.end) {
    out.push(X.issueAt(label, X.childOf(p, f.nat, 'nat'), `NAT port range start ${f.nat.port.start} is after its end ${f.nat.port.end}`, {
      prop: 'port', fix: 'swap start and end',
    }));
  }
}

/** Rules of libvirt's network parser that depend on the forward mode. */
function checkModeRules(label: string, root: X.DocPointer, net: Network, out: Issue[]): void {
  const mode = forwardModeOf(net);
  const f = net.forward;
  if (mode === 'nat' || mode === 'route' || mode === 'open') {
    if (!(net.ips ?? []).length) {
      out.push(X.issueAt(label, root, `forward mode='${mode}' needs an <ip> but network '${net.name}' has none`, {
        prop: 'forward', fix: "add <ip address='...' prefix='...'/> for the network the host routes or NATs",
      }));
    }
    const n = f?.interfaces?.length ?? 0;
    if (n > 1) {
      out.push(X.issueAt(label, X.childOf(root, f!, 'forward'), `forward mode='${mode}' takes one forward device, network '${net.name}' lists ${n}`, {
        prop: 'interfaces', xml: 'interface', index: 1, fix: 'keep a single <interface> (or use dev=)',
      }));
    }
    return;
  }
  if (mode === undefined) return;
  const b = net.bridge;
  if (b && mode !== 'bridge') {
    for (const [key, what] of [['name', 'a bridge name'], ['zone', 'a bridge zone'], ['macTableManager', 'macTableManager']] as const) {
      if (b[key] !== undefined) {
        out.push(X.issueAt(label, X.childOf(root, b, 'bridge'), `${what} is not allowed with forward mode='${mode}' (network '${net.name}')`, {
          prop: key, xml: `@${key}`, fix: "guests use host devices directly in this mode; use forward mode='bridge' to attach them to an existing bridge",
        }));
      }
    }
  }
  if (b && (b.stp !== undefined || b.delay !== undefined)) {
    out.push(X.issueAt(label, X.childOf(root, b, 'bridge'), `bridge stp and delay only apply to bridges libvirt creates (isolated, nat, route, open), not forward mode='${mode}'`, {
      prop: b.stp !== undefined ? 'stp' : 'delay', xml: b.stp !== undefined ? '@stp' : '@delay', fix: 'remove stp and delay',
    }));
  }
  if (b?.name !== undefined && ((f?.interfaces ?? []).length > 0 || f?.dev !== undefined || f?.pf)) {
    out.push(X.issueAt(label, root, `a network with forward mode='${mode}' names either a bridge or a forward dev, not both (network '${net.name}')`, {
      prop: 'bridge', fix: 'keep <bridge name> for an existing host bridge, or the forward device(s) for macvtap',
    }));
  }
}

/**
 * Rules libvirt's network driver adds when a network is defined or started (not part of
 * parsing, so the XML round trip accepts these documents): in the modes that hand guests a
 * host device there is no bridge of libvirt's, hence no addresses, DHCP, DNS or MAC.
 * The planner runs these beside validateNetwork.
 */
export function validateNetworkDriverRules(net: Network, label = ''): ModelIssue[] {
  const out: Issue[] = [];
  const root = X.docRoot(net);
  const mode = forwardModeOf(net);
  if (managesBridge(mode)) {
    if (net.virtualport) {
      out.push(X.issueAt(label, root, `<virtualport> is not supported with forward mode='${mode ?? 'none'}' (network '${net.name}')`, {
        prop: 'virtualport', fix: 'virtualport profiles apply to bridge, private, vepa and passthrough networks',
      }));
    }
    return out;
  }
  const why = `with forward mode='${mode}' (network '${net.name}')`;
  const fix = 'guests are attached straight to host devices in this mode, so there is no address, DHCP or DNS to provide: remove it';
  (net.ips ?? []).forEach((_, i) => out.push(X.issueAt(label, root, `<ip> is not supported ${why}`, { prop: 'ips', xml: 'ip', index: i, fix })));
  const d = net.dns;
  if (d && ((d.forwarders ?? []).length || (d.txts ?? []).length || (d.srvs ?? []).length || (d.hosts ?? []).length)) {
    out.push(X.issueAt(label, root, `<dns> is not supported ${why}`, { prop: 'dns', fix }));
  }
  if (net.domain) out.push(X.issueAt(label, root, `<domain> is not supported ${why}`, { prop: 'domain', fix }));
  if (net.mac) out.push(X.issueAt(label, root, `<mac> is not supported ${why}`, { prop: 'mac', fix: 'there is no bridge of libvirt\'s in this mode: remove <mac>' }));
  if (net.virtualport && !['bridge', 'private', 'vepa', 'passthrough'].includes(mode!)) {
    out.push(X.issueAt(label, root, `<virtualport> is not supported ${why}`, { prop: 'virtualport', fix: 'remove <virtualport>' }));
  }
  if (net.bandwidth && mode !== 'bridge') {
    out.push(X.issueAt(label, root, `network-wide <bandwidth> is not supported ${why}`, { prop: 'bandwidth', fix: 'set bandwidth on the guest interfaces instead' }));
  }
  return out;
}

function checkPrefixAndMask(label: string, p: X.DocPointer, el: { family?: string; address?: string; netmask?: string; prefix?: number }, what: string, out: Issue[]): IpValue | undefined {
  const addr = el.address ? parseIp(el.address) : undefined;
  if (!addr) return undefined;
  if (el.family && el.family !== addr.family) {
    out.push(X.issueAt(label, p, `${what} address ${el.address} is not an ${el.family} address`, { prop: 'family', xml: '@family', fix: `set family='${addr.family}' or fix the address` }));
  }
  if (el.netmask !== undefined && el.prefix !== undefined) {
    out.push(X.issueAt(label, p, `${what} ${el.address} has both a netmask and a prefix`, { prop: 'prefix', xml: '@prefix', fix: 'keep only one of them' }));
  }
  if (el.netmask !== undefined) {
    if (addr.family === 'ipv6') {
      out.push(X.issueAt(label, p, `${what} ${el.address} is IPv6 and cannot have a netmask`, { prop: 'netmask', xml: '@netmask', fix: "use prefix='64' (or the prefix you need)" }));
    } else {
      const m = parseIp(el.netmask);
      if (m && netmaskPrefix(m.value) === undefined) {
        out.push(X.issueAt(label, p, `netmask ${el.netmask} of ${what} ${el.address} is not a contiguous mask`, { prop: 'netmask', xml: '@netmask', fix: 'use a mask such as 255.255.255.0' }));
      }
    }
  }
  if (el.prefix !== undefined && el.prefix > familyBits(addr.family)) {
    out.push(X.issueAt(label, p, `prefix ${el.prefix} of ${what} ${el.address} is longer than ${familyBits(addr.family)} bits`, { prop: 'prefix', xml: '@prefix', fix: `use a prefix of at most ${familyBits(addr.family)}` }));
  }
  return addr;
}

function checkDhcpHost(label: string, p: X.DocPointer, h: DhcpHost, family: 'ipv4' | 'ipv6', net: IpValue, netName: string, out: Issue[]): void {
  const ip = parseIp(h.ip);
  if (ip && ip.family !== family) {
    out.push(X.issueAt(label, p, `DHCP host address ${h.ip} is not an ${family} address like its network ${formatIp(net)}`, { prop: 'ip', xml: '@ip', fix: 'put the host in the <ip> of its own family' }));
  }
  if (family === 'ipv4') {
    if (h.id !== undefined) out.push(X.issueAt(label, p, `DHCP host ${h.ip} in IPv4 network '${netName}' has a DUID`, { prop: 'id', xml: '@id', fix: 'identify IPv4 hosts by mac or name' }));
    if (h.mac === undefined && h.name === undefined) out.push(X.issueAt(label, p, `DHCP host ${h.ip} in IPv4 network '${netName}' has neither mac nor name`, { fix: 'add mac or name' }));
  } else {
    if (h.mac !== undefined) out.push(X.issueAt(label, p, `DHCP host ${h.ip} in IPv6 network '${netName}' has a MAC address`, { prop: 'mac', xml: '@mac', fix: 'identify DHCPv6 hosts by id (DUID) or name' }));
    if (h.id === undefined && h.name === undefined) out.push(X.issueAt(label, p, `DHCP host ${h.ip} in IPv6 network '${netName}' has neither id nor name`, { fix: 'add id (a DUID) or name' }));
  }
}

function checkIp(label: string, p: X.DocPointer, ip: NetworkIp, netName: string, out: Issue[]): void {
  if (ip.address === undefined) {
    out.push(X.issueAt(label, p, `<ip> in network '${netName}' has no address`, { fix: "add address='...'" }));
    return;
  }
  const addr = checkPrefixAndMask(label, p, ip, '<ip>', out);
  if (!addr) return;
  const prefix = ipPrefixOf(ip);
  if (prefix === undefined) {
    out.push(X.issueAt(label, p, `<ip> ${ip.address} has no prefix and is not in a classful range`, { fix: 'add prefix or netmask' }));
  }
  if (addr.family === 'ipv6') {
    if (ip.tftp) out.push(X.issueAt(label, p, `<tftp> is not supported for IPv6 address ${ip.address}`, { prop: 'tftp', fix: 'put <tftp> in the IPv4 <ip>' }));
    if (ip.dhcp?.bootp) out.push(X.issueAt(label, X.childOf(p, ip.dhcp, 'dhcp'), `<bootp> is not supported for IPv6 address ${ip.address}`, { prop: 'bootp', fix: 'put <bootp> in the IPv4 <ip>' }));
  }
  if (!ip.dhcp) return;
  const dp = X.childOf(p, ip.dhcp, 'dhcp');
  (ip.dhcp.ranges ?? []).forEach((r, i) => {
    const rp = X.childOf(dp, r, 'ranges', i);
    const s = parseIp(r.start);
    const e = parseIp(r.end);
    if (!s || !e) return;
    if (s.family !== addr.family || e.family !== addr.family) {
      out.push(X.issueAt(label, rp, `DHCP range ${r.start} - ${r.end} is not of the same family as ${ip.address}`, { fix: 'use addresses of the network' }));
      return;
    }
    if (prefix !== undefined) {
      const netAddr = addr.value & prefixMask(addr.family, prefix);
      const netText = `${formatIp({ family: addr.family, value: netAddr })}/${prefix}`;
      if (!inSubnet(s, addr, prefix) || !inSubnet(e, addr, prefix)) {
        out.push(X.issueAt(label, rp, `DHCP range ${r.start} - ${r.end} is not entirely within network ${netText}`, { fix: 'keep the range inside the subnet' }));
        return;
      }
      if (addr.family === 'ipv4' && s.value === netAddr) {
        out.push(X.issueAt(label, rp, `DHCP range ${r.start} - ${r.end} starts at the network address of ${netText}`, { prop: 'start', xml: '@start', fix: 'start the range one address higher' }));
      }
      if (addr.family === 'ipv4' && e.value === (netAddr | (~prefixMask('ipv4', prefix) & 0xffffffffn))) {
        out.push(X.issueAt(label, rp, `DHCP range ${r.start} - ${r.end} ends at the broadcast address of ${netText}`, { prop: 'end', xml: '@end', fix: 'end the range one address lower' }));
      }
    }
    const size = rangeSize(s, e);
    if (typeof size === 'string') {
      out.push(X.issueAt(label, rp, `DHCP range ${r.start} - ${r.end} ${size}`, { fix: size.startsWith('is reversed') ? 'swap start and end' : 'use a range of at most 65535 addresses that differ only in their last 16 bits' }));
    }
  });
  (ip.dhcp.hosts ?? []).forEach((h, i) => checkDhcpHost(label, X.childOf(dp, h, 'hosts', i), h, addr.family, addr, netName, out));
}

function checkRoute(label: string, p: X.DocPointer, r: Route, out: Issue[]): void {
  const addr = checkPrefixAndMask(label, p, r, '<route>', out);
  const gw = parseIp(r.gateway);
  if (addr && gw && gw.family !== addr.family) {
    out.push(X.issueAt(label, p, `route gateway ${r.gateway} is not of the same family as the destination ${r.address}`, { prop: 'gateway', xml: '@gateway', fix: 'use a gateway of the same IP version' }));
  }
  if (addr) {
    const prefix = ipPrefixOf(r);
    if (prefix !== undefined && (addr.value & ~prefixMask(addr.family, prefix)) !== 0n) {
      out.push(X.issueAt(label, p, `route destination ${r.address}/${prefix} has host bits set`, { prop: 'address', xml: '@address', fix: 'give the network address of the destination' }));
    }
  }
}

/**
 * Validates a network: the JSON Schema (ajv) and libvirt's cross-element rules.
 * @param label how to name the document when it was not parsed from a file.
 */
export function validateNetwork(net: Network, label = ''): ModelIssue[] {
  const out: Issue[] = X.validateShape(Network, net, label);
  if (out.length) return out;
  const root = X.docRoot(net);
  if (net.name.includes('/')) {
    out.push(X.issueAt(label, root, `network name '${net.name}' contains '/'`, { prop: 'name', fix: 'the name is used in file names: remove the slash' }));
  }
  if (net.mac) {
    const first = parseInt(net.mac.address.slice(0, 2), 16);
    if (first & 1) out.push(X.issueAt(label, X.childOf(root, net.mac, 'mac'), `bridge MAC address ${net.mac.address} is a multicast address`, { prop: 'address', xml: '@address', fix: 'use a unicast MAC (even first byte), e.g. 52:54:00:xx:xx:xx' }));
  }
  if (net.forward) checkForward(label, root, net, net.forward, out);
  checkModeRules(label, root, net, out);

  const d = net.dns;
  if (d) {
    const dp = X.childOf(root, d, 'dns');
    const hasData = (d.forwarders ?? []).length || (d.txts ?? []).length || (d.srvs ?? []).length || (d.hosts ?? []).length;
    if (d.enable === 'no' && hasData) {
      out.push(X.issueAt(label, dp, `DNS is disabled (enable='no') in network '${net.name}' but <dns> has records or forwarders`, { fix: "remove the records or set enable='yes'" }));
    }
    if (d.enable === 'no' && d.forwardPlainNames !== undefined) {
      out.push(X.issueAt(label, dp, `forwardPlainNames has no effect when DNS is disabled in network '${net.name}'`, { prop: 'forwardPlainNames', xml: '@forwardPlainNames', fix: 'remove forwardPlainNames' }));
    }
    (d.forwarders ?? []).forEach((f, i) => {
      if (f.addr === undefined && f.domain === undefined) {
        out.push(X.issueAt(label, dp, 'a DNS <forwarder> has neither addr nor domain', { prop: 'forwarders', xml: 'forwarder', index: i, fix: 'add addr (an upstream server) and/or domain' }));
      }
    });
    (d.hosts ?? []).forEach((h, i) => {
      if (!(h.hostnames ?? []).length) out.push(X.issueAt(label, dp, `DNS host ${h.ip} has no <hostname>`, { prop: 'hosts', xml: 'host', index: i, fix: 'add at least one <hostname>' }));
    });
    (d.txts ?? []).forEach((t, i) => {
      if (/\s/.test(t.name)) out.push(X.issueAt(label, dp, `DNS TXT record name '${t.name}' contains a space`, { prop: 'txts', xml: 'txt', index: i, fix: 'remove the space' }));
    });
  }

  const v4Dhcp: number[] = [];
  const v6Dhcp: number[] = [];
  (net.ips ?? []).forEach((ip, i) => {
    checkIp(label, X.childOf(root, ip, 'ips', i), ip, net.name, out);
    const fam = familyOf(ip);
    if (ip.dhcp && ((ip.dhcp.ranges ?? []).length || (ip.dhcp.hosts ?? []).length)) (fam === 'ipv6' ? v6Dhcp : v4Dhcp).push(i);
  });
  for (const [list, fam] of [[v4Dhcp, 'IPv4'], [v6Dhcp, 'IPv6']] as const) {
    if (list.length > 1) {
      out.push(X.issueAt(label, root, `network '${net.name}' has DHCP on ${list.length} ${fam} addresses`, { prop: 'ips', xml: 'ip', index: list[1], fix: `dnsmasq serves DHCP on one ${fam} address per network: keep one <dhcp>` }));
    }
  }
  (net.routes ?? []).forEach((r, i) => checkRoute(label, X.childOf(root, r, 'routes', i), r, out));

  const names = new Set<string>();
  let defaults = 0;
  (net.portgroups ?? []).forEach((pg, i) => {
    if (names.has(pg.name)) out.push(X.issueAt(label, root, `portgroup '${pg.name}' is defined more than once`, { prop: 'portgroups', xml: 'portgroup', index: i, fix: 'give each portgroup its own name' }));
    names.add(pg.name);
    if (pg.default === 'yes' && ++defaults === 2) out.push(X.issueAt(label, root, `more than one default portgroup in network '${net.name}'`, { prop: 'portgroups', xml: 'portgroup', index: i, fix: "keep default='yes' on one portgroup" }));
  });
  for (const [vlan, p] of [[net.vlan, root], ...(net.portgroups ?? []).map((pg, i) => [pg.vlan, X.childOf(root, pg, 'portgroups', i)] as const)] as const) {
    if (vlan && !(vlan.tags ?? []).length) out.push(X.issueAt(label, p as X.DocPointer, '<vlan> has no <tag>', { prop: 'vlan', fix: "add <tag id='...'/>" }));
  }
  return out;
}
