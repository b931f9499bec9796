/**
 * The nftables rules of a network (pure): what the host's firewall must do for guests on the
 * network's bridge, written as an `nft -f -` script.
 *
 * Invariants:
 * - Everything lives in virtform's own table `inet virtform`, in chains named after the
 *   bridge (`nw-BRIDGE-fwd`, `nw-BRIDGE-nat`). Bridge names are unique on a host, so two
 *   networks never share a chain; the table is only ever created with `add table` (which
 *   keeps what is in it) and deleted when no chain is left in it.
 * - Applying is one atomic nft transaction that creates the chains if needed, flushes them
 *   and adds their rules: applying twice gives the same ruleset, and no other chain or table
 *   is flushed.
 * - Each network's chain is a base chain of its own on the forward (priority filter) or
 *   postrouting (priority srcnat) hook, policy accept: it accepts or rejects traffic of its
 *   bridge and lets everything else through. A drop elsewhere (another table) still applies,
 *   as nftables evaluates every base chain of a hook.
 *
 * Rules, following what libvirt's firewall rules do for each forward mode:
 * - every kind with a firewall (isolated, nat, route): guests on the bridge may talk to each
 *   other; any other traffic entering or leaving through the bridge that no rule below
 *   accepts is rejected (ICMP port unreachable).
 * - route: traffic from the subnet out of the bridge, and to the subnet into it, is accepted
 *   (only through the forward device when one is named).
 * - nat: traffic from the subnet is accepted outbound; inbound only replies (conntrack
 *   established/related). In postrouting, packets from the subnet to elsewhere are
 *   masqueraded (TCP/UDP to source ports 1024-65535 unless `<nat><port>` says otherwise, or
 *   SNAT to `<nat><address>`), except multicast 224.0.0.0/24 and broadcast, which must keep
 *   their source. IPv6 subnets are routed unless `<nat ipv6='yes'/>`.
 * - open and bridge: no rules at all.
 */
import { createHash } from 'crypto';
import type { BridgeAddress, NetworkSetup } from './network-setup';

export const NFT_FAMILY = 'inet';
export const NFT_TABLE = 'virtform';

export interface NftChainSpec {
  readonly name: string;
  /** `type filter hook forward priority filter` etc., without the policy. */
  readonly hook: 'forward' | 'postrouting';
  readonly rules: readonly string[];
}

export interface NetworkFirewall {
  /** The chains of this network, in the order they are created. Empty: no firewall. */
  readonly chains: readonly NftChainSpec[];
  /** `nft -f -` input that creates or replaces the chains atomically; '' when there are none. */
  readonly script: string;
  /** `sha256:<hex>` of `script`: lets a restart tell whether the rules on the host are current. */
  readonly hash: string;
}

/** Chain names of the network whose bridge is `bridge`. */
export function chainNames(bridge: string): { readonly forward: string; readonly nat: string } {
  return { forward: `nw-${bridge}-fwd`, nat: `nw-${bridge}-nat` };
}

function q(ifname: string): string {
  // Link names are checked (host-names.ts) to be letters, digits, '_', '.', '-': quoting is plain.
  return `"${ifname}"`;
}

function proto(a: BridgeAddress): 'ip' | 'ip6' {
  return a.family === 'ipv4' ? 'ip' : 'ip6';
}

function natRules(s: NetworkSetup, a: BridgeAddress): string[] {
  const p = proto(a);
  const out = s.forwardDev !== undefined ? `oifname ${q(s.forwardDev)} ` : '';
  const from = `${p} saddr ${a.subnet}`;
  const nat = s.nat!;
  const rules: string[] = [];
  if (a.family === 'ipv4') {
    rules.push(`${from} ip daddr 224.0.0.0/24 return`, `${from} ip daddr 255.255.255.255 return`);
  } else {
    rules.push(`${from} ip6 daddr ff00::/8 return`);
  }
  const ports = `${nat.portStart}-${nat.portEnd}`;
  const elsewhere = `${out}${from} ${p} daddr != ${a.subnet}`;
  if (a.family === 'ipv4' && nat.addressStart !== undefined) {
    const range = nat.addressStart === nat.addressEnd ? nat.addressStart : `${nat.addressStart}-${nat.addressEnd}`;
    rules.push(`${elsewhere} meta l4proto { tcp, udp } snat ip to ${range}:${ports}`, `${elsewhere} snat ip to ${range}`);
  } else {
    rules.push(`${elsewhere} meta l4proto { tcp, udp } masquerade to :${ports}`, `${elsewhere} masquerade`);
  }
  return rules;
}

/** The firewall of a planned network. */
export function networkFirewall(s: NetworkSetup): NetworkFirewall {
  if (s.kind === 'open' || s.kind === 'bridge') return { chains: [], script: '', hash: hashOf('') };
  const br = q(s.bridge);
  const names = chainNames(s.bridge);
  const fwd: string[] = [`iifname ${br} oifname ${br} accept`];
  const nat: string[] = [];
  const viaOut = s.forwardDev !== undefined ? ` oifname ${q(s.forwardDev)}` : '';
  const viaIn = s.forwardDev !== undefined ? ` iifname ${q(s.forwardDev)}` : '';
  for (const a of s.addresses) {
    const p = proto(a);
    const masquerade = s.kind === 'nat' && (a.family === 'ipv4' || s.nat!.ipv6);
    if (s.kind === 'route' || (s.kind === 'nat' && !masquerade)) {
      fwd.push(`iifname ${br}${viaOut} ${p} saddr ${a.subnet} accept`, `oifname ${br}${viaIn} ${p} daddr ${a.subnet} accept`);
    } else if (masquerade) {
      fwd.push(`iifname ${br}${viaOut} ${p} saddr ${a.subnet} accept`, `oifname ${br}${viaIn} ${p} daddr ${a.subnet} ct state related,established accept`);
      nat.push(...natRules(s, a));
    }
  }
  fwd.push(`iifname ${br} reject with icmpx port-unreachable`, `oifname ${br} reject with icmpx port-unreachable`);
  const chains: NftChainSpec[] = [{ name: names.forward, hook: 'forward', rules: fwd }];
  if (nat.length) chains.push({ name: names.nat, hook: 'postrouting', rules: nat });

  const t = `${NFT_FAMILY} ${NFT_TABLE}`;
  const lines = [`add table ${t}`];
  for (const c of chains) {
    const type = c.hook === 'forward' ? 'type filter hook forward priority filter' : 'type nat hook postrouting priority srcnat';
    lines.push(`add chain ${t} ${c.name} { ${type}; policy accept; }`, `flush chain ${t} ${c.name}`);
    for (const r of c.rules) lines.push(`add rule ${t} ${c.name} ${r}`);
  }
  const script = lines.join('\n') + '\n';
  return { chains, script, hash: hashOf(script) };
}

/** `nft -f -` input deleting the named chains of virtform's table (each must exist). */
export function deleteChainsScript(chains: readonly string[]): string {
  return chains.map((c) => `delete chain ${NFT_FAMILY} ${NFT_TABLE} ${c}\n`).join('');
}

function hashOf(s: string): string {
  return `sha256:${createHash('sha256').update(s).digest('hex')}`;
}
