/**
 * What a network needs on a host, worked out from its document alone (pure): the kind of
 * network, the bridge and its settings, the bridge's addresses and static routes, the sysctls,
 * whether dnsmasq runs, and what the firewall must do. Every name and value that will reach a
 * host command is checked here, so a bad document fails before anything is touched.
 *
 * Kinds virtform runs:
 * - `isolated` (no `<forward>`): own bridge, dnsmasq, guests reach the host and each other only.
 * - `nat`: own bridge, dnsmasq, IPv4 masqueraded to the outside (IPv6 routed, or masqueraded
 *   with `<nat ipv6='yes'/>`), forwarding on.
 * - `route`: own bridge, dnsmasq, forwarding without address translation.
 * - `open`: own bridge, dnsmasq, forwarding on, and no firewall rules at all.
 * - `bridge` (`<forward mode='bridge'/>` with `<bridge name=.../>`): an existing host bridge;
 *   nothing is created, the bridge is only checked to exist.
 * Refused with UNSUPPORTED: macvtap modes (bridge without a bridge name, private, vepa,
 * passthrough), hostdev pools, Open vSwitch, network-wide bandwidth, firewalld zones and
 * macTableManager='libvirt'.
 */
import type { Network } from '../../../model/network';
import {
  validateNetwork,
  validateNetworkDriverRules,
  forwardModeOf,
  ipPrefixOf,
  parseIp,
  formatIp,
  prefixMask,
  type IpFamily,
} from '../../../model/network';
import { formatIssue } from '../../../model/errors';
import { checkLinkName, checkNetworkName } from './host-names';
import { NetworkError } from './network-error';

export type NetworkKind = 'isolated' | 'nat' | 'route' | 'open' | 'bridge';

/** One address of the bridge. */
export interface BridgeAddress {
  readonly family: IpFamily;
  /** Canonical address, e.g. `192.168.122.1`. */
  readonly address: string;
  readonly prefix: number;
  /** The subnet it defines, `192.168.122.0/24`. */
  readonly subnet: string;
}

export interface StaticRoute {
  readonly family: IpFamily;
  /** `192.168.222.0/24`. */
  readonly destination: string;
  readonly gateway: string;
  readonly metric?: number;
}

/** Source NAT settings of a `nat` network. */
export interface NatSettings {
  /** Masquerade IPv6 subnets too (`<nat ipv6='yes'/>`); otherwise they are routed. */
  readonly ipv6: boolean;
  /** `<nat><address start end/>`: SNAT to this IPv4 range instead of masquerading. */
  readonly addressStart?: string;
  readonly addressEnd?: string;
  /** Source port range for TCP and UDP; libvirt's default is 1024-65535. */
  readonly portStart: number;
  readonly portEnd: number;
}

export interface NetworkSetup {
  readonly name: string;
  readonly kind: NetworkKind;
  readonly bridge: string;
  /** True when virtform creates (and later deletes) the bridge: every kind except `bridge`. */
  readonly createsBridge: boolean;
  /** Spanning tree on the created bridge. */
  readonly stp: boolean;
  /** Forward delay in seconds (the kernel raises it to at least 2 s while STP runs). */
  readonly delaySeconds: number;
  /** Bytes per frame; undefined leaves the kernel's default. */
  readonly mtu?: number;
  /** The bridge's MAC address; undefined leaves the kernel's choice. */
  readonly mac?: string;
  readonly addresses: readonly BridgeAddress[];
  readonly routes: readonly StaticRoute[];
  /** `<forward dev=...>`: traffic may leave (and answers enter) only through this device. */
  readonly forwardDev?: string;
  readonly nat?: NatSettings;
  /** `net.ipv4.ip_forward` must be 1. */
  readonly ipv4Forwarding: boolean;
  /** `net.ipv6.conf.all.forwarding` must be 1. */
  readonly ipv6Forwarding: boolean;
  /**
   * IPv6 on the bridge: 'off' writes disable_ipv6=1 (no IPv6 address and no ipv6='yes', so
   * guests get no link-local path to the host), 'on' writes disable_ipv6=0 and accept_ra=0,
   * undefined leaves the bridge alone (existing bridges).
   */
  readonly bridgeIpv6?: 'on' | 'off';
  /** dnsmasq serves DHCP/DNS/RA on the bridge. */
  readonly dnsmasq: boolean;
  /** Guests' tap ports are isolated from each other (`<port isolated='yes'/>`). */
  readonly isolatedPorts: boolean;
}

const UNSUPPORTED_MODES: Readonly<Record<string, string>> = {
  private: 'macvtap private mode',
  vepa: 'macvtap VEPA mode',
  passthrough: 'macvtap passthrough mode',
  hostdev: 'SR-IOV hostdev pools',
};

function unsupported(name: string, what: string, fix: string): NetworkError {
  return new NetworkError('UNSUPPORTED', `network '${name}': ${what} is not supported by virtform's host executor. ${fix}`);
}

function subnetOf(family: IpFamily, value: bigint, prefix: number): string {
  return `${formatIp({ family, value: value & prefixMask(family, prefix) })}/${prefix}`;
}

/**
 * Works out the host setup of `net` (validated here, defaults optional). Throws NetworkError:
 * BAD_NAME for a name that cannot reach a host, INVALID for a document that breaks libvirt's
 * rules or lacks a bridge name, UNSUPPORTED for what virtform does not run.
 */
export function planNetworkSetup(net: Network): NetworkSetup {
  checkNetworkName(net.name);
  // Names that reach host commands first, so they are refused with the rule for device names.
  if (net.bridge?.name !== undefined) checkLinkName(net.bridge.name, `bridge of network '${net.name}'`);
  const forwardDev = net.forward?.dev ?? net.forward?.interfaces?.[0]?.dev;
  if (forwardDev !== undefined) checkLinkName(forwardDev, `forward device of network '${net.name}'`);
  const issues = [...validateNetwork(net, `network '${net.name}'`), ...validateNetworkDriverRules(net, `network '${net.name}'`)];
  if (issues.length) throw new NetworkError('INVALID', `network '${net.name}' is not valid: ${issues.map(formatIssue).join('; ')}`);
  const name = net.name;
  const mode = forwardModeOf(net);
  if (mode !== undefined && mode in UNSUPPORTED_MODES) {
    throw unsupported(name, `forward mode='${mode}' (${UNSUPPORTED_MODES[mode]})`, "Use an isolated, nat, route or open network, or forward mode='bridge' with <bridge name='...'/>.");
  }
  if (net.virtualport) throw unsupported(name, `<virtualport type='${net.virtualport.type ?? ''}'> (Open vSwitch and 802.1Qbx)`, 'Use a Linux bridge.');
  if (net.bandwidth) throw unsupported(name, 'network-wide <bandwidth> (tc shaping)', 'Remove <bandwidth> from the network.');
  if (net.bridge?.zone !== undefined) throw unsupported(name, `<bridge zone='${net.bridge.zone}'> (firewalld zones)`, 'virtform writes its own nftables rules; remove zone.');
  if (net.bridge?.macTableManager === 'libvirt') throw unsupported(name, "<bridge macTableManager='libvirt'>", "Remove macTableManager or set it to 'kernel'.");
  if (net.vlan) throw unsupported(name, '<vlan> on the network', 'Remove <vlan>.');

  const bridge = net.bridge?.name;
  if (mode === 'bridge') {
    if (bridge === undefined) {
      throw unsupported(name, "forward mode='bridge' without a bridge name (macvtap bridge mode)", "Name an existing host bridge: <bridge name='br0'/>.");
    }
    return {
      name,
      kind: 'bridge',
      bridge,
      createsBridge: false,
      stp: false,
      delaySeconds: 0,
      addresses: [],
      routes: [],
      ipv4Forwarding: false,
      ipv6Forwarding: false,
      dnsmasq: false,
      isolatedPorts: net.port?.isolated === 'yes',
    };
  }
  if (bridge === undefined) {
    throw new NetworkError('INVALID', `network '${name}' has no bridge name. Set <bridge name='virbr1'/>, or let the definition step pick one (pickBridgeName) before starting the network.`);
  }
  const kind: NetworkKind = mode === undefined ? 'isolated' : (mode as 'nat' | 'route' | 'open');

  const addresses: BridgeAddress[] = (net.ips ?? []).map((ip) => {
    const addr = parseIp(ip.address ?? '');
    const prefix = ipPrefixOf(ip);
    if (!addr || prefix === undefined) throw new NetworkError('INVALID', `network '${name}': <ip address='${ip.address ?? ''}'> has no usable address and prefix. Give address and prefix.`);
    return { family: addr.family, address: formatIp(addr), prefix, subnet: subnetOf(addr.family, addr.value, prefix) };
  });
  const routes: StaticRoute[] = (net.routes ?? []).map((r) => {
    const addr = parseIp(r.address)!;
    const prefix = ipPrefixOf(r) ?? (addr.family === 'ipv4' ? 32 : 128);
    return {
      family: addr.family,
      destination: subnetOf(addr.family, addr.value, prefix),
      gateway: formatIp(parseIp(r.gateway)!),
      ...(r.metric !== undefined && r.metric > 0 ? { metric: r.metric } : {}),
    };
  });
  if (net.mtu !== undefined && (net.mtu.size < 68 || net.mtu.size > 65535)) {
    throw new NetworkError('INVALID', `network '${name}': <mtu size='${net.mtu.size}'/> is outside 68-65535 bytes, the range Linux accepts for a bridge.`);
  }
  const hasV4 = addresses.some((a) => a.family === 'ipv4');
  const hasV6 = addresses.some((a) => a.family === 'ipv6');
  const forwarding = kind !== 'isolated';
  let nat: NatSettings | undefined;
  if (kind === 'nat') {
    const n = net.forward?.nat;
    nat = {
      ipv6: n?.ipv6 === 'yes',
      ...(n?.address ? { addressStart: n.address.start, addressEnd: n.address.end } : {}),
      portStart: n?.port?.start ?? 1024,
      portEnd: n?.port?.end ?? 65535,
    };
    if (!hasV4 && !(nat.ipv6 && hasV6)) {
      throw new NetworkError('INVALID', `network '${name}': forward mode='nat' needs an IPv4 <ip> to masquerade (or IPv6 with <nat ipv6='yes'/>).`);
    }
  }
  return {
    name,
    kind,
    bridge,
    createsBridge: true,
    stp: (net.bridge?.stp ?? 'on') === 'on',
    delaySeconds: net.bridge?.delay ?? 0,
    ...(net.mtu !== undefined ? { mtu: net.mtu.size } : {}),
    ...(net.mac !== undefined ? { mac: net.mac.address.toLowerCase() } : {}),
    addresses,
    routes,
    ...(forwardDev !== undefined ? { forwardDev } : {}),
    ...(nat ? { nat } : {}),
    ipv4Forwarding: forwarding && hasV4,
    ipv6Forwarding: forwarding && hasV6,
    bridgeIpv6: hasV6 || net.ipv6 === 'yes' ? 'on' : 'off',
    dnsmasq: addresses.length > 0,
    isolatedPorts: net.port?.isolated === 'yes',
  };
}

/** The first `virbrN` not in `taken` (the host's links and other networks' bridges), as libvirt names bridges. */
export function pickBridgeName(taken: Iterable<string>): string {
  const used = new Set(taken);
  for (let n = 0; ; n++) if (!used.has(`virbr${n}`)) return `virbr${n}`;
}
