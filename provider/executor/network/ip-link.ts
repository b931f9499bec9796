/**
 * Reading the host's network devices, addresses and routes with iproute2's JSON output
 * (`ip -j -d link show`, `ip -j addr show`, `ip -j route show`). The parsers are pure; the
 * readers run one command each.
 */
import type { Transport } from '../../host';
import { NetworkError } from './network-error';
import { commandError } from './host-command';

/** What virtform needs to know about one network device. */
export interface LinkInfo {
  readonly name: string;
  /** `bridge`, `tun`, `veth`, `dummy`...; undefined for physical devices. */
  readonly kind?: string;
  /** For tun devices: `tap` or `tun`. */
  readonly tunType?: string;
  /** The bridge (or bond) the device is a port of. */
  readonly master?: string;
  readonly mtu: number;
  /** Lower-case MAC address. */
  readonly mac: string;
  /** The ifalias, when one is set. */
  readonly alias?: string;
  /** Administratively up (IFF_UP). */
  readonly up: boolean;
  /** For bridges: spanning tree on (kernel STP) or off. */
  readonly stp?: boolean;
  /** For bridges: forward delay in centiseconds, as the kernel reports it. */
  readonly forwardDelayCs?: number;
  /** For bridge ports: port isolation. */
  readonly isolated?: boolean;
  /** For tun devices: multi-queue flag. */
  readonly multiQueue?: boolean;
}

export interface LinkAddress {
  readonly family: 'ipv4' | 'ipv6';
  readonly address: string;
  readonly prefix: number;
}

export interface LinkRoute {
  /** `10.20.0.0/16`, or `default`. */
  readonly destination: string;
  readonly gateway?: string;
  /** The route's metric (IPv4 routes without one report 0). */
  readonly metric: number;
}

interface RawLink {
  ifname: string;
  flags?: string[];
  mtu: number;
  address?: string;
  master?: string;
  ifalias?: string;
  linkinfo?: {
    info_kind?: string;
    info_data?: { type?: string; stp_state?: number; forward_delay?: number; multi_queue?: boolean };
    info_slave_kind?: string;
    info_slave_data?: { isolated?: boolean };
  };
}

/** Parses `ip -j -d link show` output. */
export function parseLinks(json: string): LinkInfo[] {
  const raw = JSON.parse(json || '[]') as RawLink[];
  return raw.map((l) => {
    const info = l.linkinfo;
    const data = info?.info_data;
    return {
      name: l.ifname,
      ...(info?.info_kind !== undefined ? { kind: info.info_kind } : {}),
      ...(info?.info_kind === 'tun' && data?.type !== undefined ? { tunType: data.type } : {}),
      ...(l.master !== undefined ? { master: l.master } : {}),
      mtu: l.mtu,
      mac: (l.address ?? '').toLowerCase(),
      ...(l.ifalias !== undefined && l.ifalias !== '' ? { alias: l.ifalias } : {}),
      up: (l.flags ?? []).includes('UP'),
      ...(info?.info_kind === 'bridge' && data?.stp_state !== undefined ? { stp: data.stp_state !== 0 } : {}),
      ...(info?.info_kind === 'bridge' && data?.forward_delay !== undefined ? { forwardDelayCs: data.forward_delay } : {}),
      ...(info?.info_slave_kind === 'bridge' && info.info_slave_data?.isolated !== undefined ? { isolated: info.info_slave_data.isolated } : {}),
      ...(info?.info_kind === 'tun' && data?.multi_queue !== undefined ? { multiQueue: data.multi_queue } : {}),
    };
  });
}

/** Parses `ip -j addr show dev X` output: global and site addresses (link-local ones are left out). */
export function parseAddresses(json: string): LinkAddress[] {
  const raw = JSON.parse(json || '[]') as { addr_info?: { family: string; local: string; prefixlen: number; scope?: string }[] }[];
  const out: LinkAddress[] = [];
  for (const l of raw) {
    for (const a of l.addr_info ?? []) {
      if (a.scope === 'link' || a.scope === 'host') continue;
      if (a.family !== 'inet' && a.family !== 'inet6') continue;
      out.push({ family: a.family === 'inet' ? 'ipv4' : 'ipv6', address: a.local, prefix: a.prefixlen });
    }
  }
  return out;
}

/** Parses `ip -j route show dev X` output. */
export function parseRoutes(json: string): LinkRoute[] {
  const raw = JSON.parse(json || '[]') as { dst: string; gateway?: string; metric?: number }[];
  return raw.map((r) => ({ destination: r.dst, ...(r.gateway !== undefined ? { gateway: r.gateway } : {}), metric: r.metric ?? 0 }));
}

function notFound(stderr: string): boolean {
  return /does not exist|Cannot find device/i.test(stderr);
}

/** One device, or null when the host has none of that name. */
export async function readLink(t: Transport, name: string): Promise<LinkInfo | null> {
  const argv = ['ip', '-j', '-d', 'link', 'show', 'dev', name];
  const r = await t.exec(argv);
  if (r.code !== 0) {
    if (notFound(r.stderr.toString('utf8'))) return null;
    throw commandError(t, argv, `reading device ${name}`, r);
  }
  return parseLinks(r.stdout.toString('utf8'))[0] ?? null;
}

/** Every device on the host. */
export async function readAllLinks(t: Transport): Promise<LinkInfo[]> {
  const argv = ['ip', '-j', '-d', 'link', 'show'];
  const r = await t.exec(argv);
  if (r.code !== 0) throw commandError(t, argv, 'listing network devices', r);
  return parseLinks(r.stdout.toString('utf8'));
}

/** Ports of a bridge (devices whose master it is). */
export async function readBridgePorts(t: Transport, bridge: string): Promise<string[]> {
  const argv = ['ip', '-j', 'link', 'show', 'master', bridge];
  const r = await t.exec(argv);
  if (r.code !== 0) {
    if (notFound(r.stderr.toString('utf8'))) return [];
    throw commandError(t, argv, `listing the ports of bridge ${bridge}`, r);
  }
  return parseLinks(r.stdout.toString('utf8')).map((l) => l.name);
}

export async function readAddresses(t: Transport, dev: string): Promise<LinkAddress[]> {
  const argv = ['ip', '-j', 'addr', 'show', 'dev', dev];
  const r = await t.exec(argv);
  if (r.code !== 0) {
    if (notFound(r.stderr.toString('utf8'))) return [];
    throw commandError(t, argv, `reading the addresses of ${dev}`, r);
  }
  return parseAddresses(r.stdout.toString('utf8'));
}

export async function readRoutes(t: Transport, family: 'ipv4' | 'ipv6', dev: string): Promise<LinkRoute[]> {
  const argv = ['ip', family === 'ipv4' ? '-4' : '-6', '-j', 'route', 'show', 'dev', dev];
  const r = await t.exec(argv);
  if (r.code !== 0) {
    if (notFound(r.stderr.toString('utf8'))) return [];
    throw commandError(t, argv, `reading the routes of ${dev}`, r);
  }
  return parseRoutes(r.stdout.toString('utf8'));
}

/** Throws NetworkError when `link` is not a Linux bridge. */
export function expectBridge(t: Transport, link: LinkInfo, what: string): void {
  if (link.kind !== 'bridge') {
    throw new NetworkError('CONFLICT', `${t.hostLabel}: ${what}: device ${link.name} is ${link.kind ? `a ${link.kind} device` : 'a physical device'}, not a Linux bridge. Name a bridge (ip link add NAME type bridge) or choose another name.`);
  }
}
