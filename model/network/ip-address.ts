/**
 * IPv4 and IPv6 addresses as libvirt's network XML uses them. libvirt parses every address and
 * prints it back through the C library, so `2001:DB8:0:0::1` comes back as `2001:db8::1`: the
 * codecs here store that canonical form (RFC 5952 style, as glibc's inet_ntop prints it).
 * Also the address arithmetic the network rules and the dnsmasq configuration need (prefixes,
 * subnets, ranges, reverse-DNS zones). Pure: no sockets, no resolver.
 */
import { Type, type TString } from '@sinclair/typebox';
import { CodecError, type ValueCodec } from '../schema';

export type IpFamily = 'ipv4' | 'ipv6';

/** A parsed address: IPv4 as a 32-bit value, IPv6 as a 128-bit value, both as bigint. */
export interface IpValue {
  readonly family: IpFamily;
  readonly value: bigint;
}

const V4_OCTET = /^(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9][0-9]|[0-9])$/;

/** Parses a dotted quad (`192.168.122.1`). Leading zeros are refused, as libvirt's schema does. */
export function parseIpv4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((p) => V4_OCTET.test(p))) return undefined;
  return parts.reduce((acc, p) => (acc << 8n) | BigInt(Number(p)), 0n);
}

/** Parses an IPv6 address, with `::` compression and an optional trailing dotted quad. */
export function parseIpv6(text: string): bigint | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(text)) return undefined;
  let head = text;
  let tailV4: bigint | undefined;
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.')) {
    tailV4 = parseIpv4(text.slice(lastColon + 1));
    if (tailV4 === undefined) return undefined;
    head = text.slice(0, lastColon + 1) + '0:0';
  }
  const double = head.indexOf('::');
  if (double !== head.lastIndexOf('::')) return undefined;
  const groupsOf = (s: string): string[] | undefined => {
    if (s === '') return [];
    const g = s.split(':');
    return g.every((x) => /^[0-9a-fA-F]{1,4}$/.test(x)) ? g : undefined;
  };
  let words: string[];
  if (double >= 0) {
    const left = groupsOf(head.slice(0, double));
    const right = groupsOf(head.slice(double + 2));
    if (!left || !right || left.length + right.length > 7) return undefined;
    words = [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
  } else {
    const all = groupsOf(head);
    if (!all || all.length !== 8) return undefined;
    words = all;
  }
  let v = words.reduce((acc, w) => (acc << 16n) | BigInt(parseInt(w, 16)), 0n);
  if (tailV4 !== undefined) v = (v & ~0xffffffffn) | tailV4;
  return v;
}

export function parseIp(text: string): IpValue | undefined {
  const v4 = parseIpv4(text);
  if (v4 !== undefined) return { family: 'ipv4', value: v4 };
  const v6 = text.includes(':') ? parseIpv6(text) : undefined;
  if (v6 !== undefined) return { family: 'ipv6', value: v6 };
  return undefined;
}

export function formatIpv4(v: bigint): string {
  return [24n, 16n, 8n, 0n].map((s) => String((v >> s) & 0xffn)).join('.');
}

/**
 * glibc's inet_ntop layout: lowercase hex words without leading zeros, the longest run of two
 * or more zero words (the first one on a tie) written as `::`, and an IPv4-compatible or
 * IPv4-mapped address ending in a dotted quad.
 */
export function formatIpv6(v: bigint): string {
  const words: number[] = [];
  for (let i = 7; i >= 0; i--) words.push(Number((v >> BigInt(i * 16)) & 0xffffn));
  let bestBase = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) {
      bestBase = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestLen < 2) bestBase = -1;
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (bestBase >= 0 && i >= bestBase && i < bestBase + bestLen) {
      if (i === bestBase) out += ':';
      continue;
    }
    if (i > 0) out += ':';
    if (i === 6 && bestBase === 0 && (bestLen === 6 || (bestLen === 5 && words[5] === 0xffff))) {
      out += formatIpv4(v & 0xffffffffn);
      break;
    }
    out += words[i].toString(16);
  }
  if (bestBase >= 0 && bestBase + bestLen === 8) out += ':';
  return out;
}

export function formatIp(ip: IpValue): string {
  return ip.family === 'ipv4' ? formatIpv4(ip.value) : formatIpv6(ip.value);
}

/** Bits in an address of this family. */
export function familyBits(family: IpFamily): number {
  return family === 'ipv4' ? 32 : 128;
}

/** The network mask for a prefix length, as a value of the family's width. */
export function prefixMask(family: IpFamily, prefix: number): bigint {
  const bits = BigInt(familyBits(family));
  const all = (1n << bits) - 1n;
  return prefix <= 0 ? 0n : (all << (bits - BigInt(prefix))) & all;
}

/** The prefix length of a contiguous IPv4 netmask, or undefined when the mask has holes. */
export function netmaskPrefix(mask: bigint): number | undefined {
  for (let p = 0; p <= 32; p++) if (prefixMask('ipv4', p) === mask) return p;
  return undefined;
}

/** True when `a` lies in the network `net`/`prefix` (same family required). */
export function inSubnet(a: IpValue, net: IpValue, prefix: number): boolean {
  if (a.family !== net.family) return false;
  const m = prefixMask(a.family, prefix);
  return (a.value & m) === (net.value & m);
}

/**
 * The classful prefix libvirt assumes for an IPv4 address given without netmask or prefix
 * (class A /8, B /16, C /24), and /64 for IPv6.
 */
export function defaultPrefix(ip: IpValue): number | undefined {
  if (ip.family === 'ipv6') return 64;
  const first = Number(ip.value >> 24n);
  if (first < 128) return 8;
  if (first < 192) return 16;
  if (first < 224) return 24;
  return undefined;
}

/**
 * The reverse-DNS zone of a network (`122.168.192.in-addr.arpa`,
 * `1.0.e.f...ip6.arpa`). IPv4 prefixes must be whole octets and IPv6 prefixes whole nibbles;
 * otherwise there is no single zone and undefined is returned.
 */
export function ptrDomain(net: IpValue, prefix: number): string | undefined {
  if (net.family === 'ipv4') {
    if (prefix % 8 !== 0 || prefix === 0) return undefined;
    const octets = formatIpv4(net.value).split('.').slice(0, prefix / 8);
    return `${octets.reverse().join('.')}.in-addr.arpa`;
  }
  if (prefix % 4 !== 0 || prefix === 0) return undefined;
  const hex = net.value.toString(16).padStart(32, '0').slice(0, prefix / 4);
  return `${hex.split('').reverse().join('.')}.ip6.arpa`;
}

interface AddrCodecOpts {
  readonly family?: IpFamily;
}

/** An IP address attribute, stored and printed in its canonical form. */
export function ipAddress(opts: AddrCodecOpts = {}): ValueCodec<TString> {
  const what = opts.family === 'ipv4' ? 'an IPv4 address' : opts.family === 'ipv6' ? 'an IPv6 address' : 'an IPv4 or IPv6 address';
  return {
    schema: Type.String({ minLength: 2 }),
    describe: what,
    parse(raw) {
      const ip = parseIp(raw.trim());
      if (!ip || (opts.family && ip.family !== opts.family)) {
        throw new CodecError(`must be ${what}`, opts.family === 'ipv4' ? 'write a dotted quad such as 192.168.122.1' : 'write e.g. 192.168.122.1 or 2001:db8::1');
      }
      return formatIp(ip);
    },
    format: (v) => v,
  };
}

/**
 * The number of addresses in a DHCP range, with libvirt's limits: start and end must be of one
 * family, in order, and differ only in their last 16 bits (IPv4: the last two octets; IPv6:
 * the last group). Returns a reason string instead when the range breaks a limit.
 */
export function rangeSize(start: IpValue, end: IpValue): number | string {
  if (start.family !== end.family) return 'mixes IPv4 and IPv6 addresses';
  if (start.value >> 16n !== end.value >> 16n) return 'is too large (more than 65535 addresses)';
  const n = Number((end.value & 0xffffn) - (start.value & 0xffffn));
  if (n < 0) return 'is reversed (start is after end)';
  return n + 1;
}

/** RFC 1918 IPv4 and RFC 4193 IPv6 (fc00::/7) private addresses. */
export function isPrivateAddress(ip: IpValue): boolean {
  if (ip.family === 'ipv4') {
    const a = Number(ip.value >> 24n);
    const b = Number((ip.value >> 16n) & 0xffn);
    return a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168);
  }
  return Number(ip.value >> 121n) === 0x7e;
}
