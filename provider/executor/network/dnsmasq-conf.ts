/**
 * The dnsmasq configuration of a virtual network, line for line as libvirt 9.0 writes it
 * (checked against libvirt's networkxml2confdata cases): the `.conf`, the DHCP hosts file and
 * the additional hosts file. Pure: the caller writes the files and starts dnsmasq.
 *
 * The network must have passed validateNetwork and applyNetworkDefaults (a bridge name is
 * required: libvirt picks one when the network is defined, and so must the provider).
 */
import type { Network, NetworkIp, DhcpLease } from '../../../model/network';
import {
  parseIp,
  formatIp,
  formatIpv4,
  prefixMask,
  ptrDomain,
  rangeSize,
  isPrivateAddress,
  ipPrefixOf,
  type IpValue,
} from '../../../model/network';
import { escapeXml } from '../../../model/xml/writer';

/** What the installed dnsmasq can do (from `dnsmasq --version` and `dnsmasq --help`). */
export interface DnsmasqCaps {
  /** [major, minor], e.g. [2, 89]. */
  readonly version: readonly [number, number];
  /** `--bind-dynamic` exists: listen on the bridge only, safely (CVE-2012-3411). */
  readonly bindDynamic: boolean;
  /** dnsmasq was built to use SO_BINDTODEVICE with --bind-interfaces. */
  readonly bindToDevice: boolean;
  /** `--ra-param` exists (used to advertise a zero router lifetime on isolated networks). */
  readonly raParam: boolean;
}

/** The oldest dnsmasq that serves DHCPv6 and sends router advertisements itself. */
export const DNSMASQ_IPV6_MIN_VERSION: readonly [number, number] = [2, 64];

/**
 * Reads the capabilities from dnsmasq's own output: pass `dnsmasq --version` followed by
 * `dnsmasq --help`. Throws when no version line is found.
 */
export function parseDnsmasqCaps(text: string): DnsmasqCaps {
  const m = /Dnsmasq version (\d+)\.(\d+)/.exec(text);
  if (!m) throw new DnsmasqConfigError(`cannot find 'Dnsmasq version X.Y' in the dnsmasq output (fix: pass the output of 'dnsmasq --version' and 'dnsmasq --help')`);
  return {
    version: [Number(m[1]), Number(m[2])],
    bindDynamic: text.includes('--bind-dynamic'),
    bindToDevice: text.includes('--bind-interfaces with SO_BINDTODEVICE'),
    raParam: text.includes('--ra-param'),
  };
}

function atLeast(v: readonly [number, number], min: readonly [number, number]): boolean {
  return v[0] > min[0] || (v[0] === min[0] && v[1] >= min[1]);
}

/** A network this dnsmasq version cannot serve, or a network missing what dnsmasq needs. */
export class DnsmasqConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DnsmasqConfigError';
  }
}

export interface DnsmasqConfigInput {
  /** The network, validated and with defaults applied. */
  readonly network: Network;
  readonly caps: DnsmasqCaps;
  /** Folder of the hosts files; libvirt uses /var/lib/libvirt/dnsmasq. */
  readonly stateDir: string;
  /** Adds `pid-file=` (libvirt passes one when it starts dnsmasq; its test data has none). */
  readonly pidFile?: string;
}

export interface DnsmasqConfig {
  /** The `.conf` dnsmasq is started with (`--conf-file=`). */
  readonly conf: string;
  /** Static DHCP hosts, one `mac,ip,name` style line each; '' when there are none. */
  readonly hostsfile: string;
  /** DNS host entries (`<dns><host>`), `ip<TAB>name<TAB>...` per line; '' when there are none. */
  readonly addnhosts: string;
  /**
   * Where the conf tells dnsmasq to read the two files: `<stateDir>/<name>.hostsfile` and
   * `.addnhosts`. libvirt XML-escapes these two lines (a quote in the network name becomes
   * `&quot;`); the paths here are exactly as the conf spells them, so write the files there.
   */
  readonly hostsfilePath: string;
  readonly addnhostsPath: string;
}

interface ParsedIp {
  readonly def: NetworkIp;
  readonly addr: IpValue;
  readonly prefix: number;
}

function leaseSuffix(lease: DhcpLease | undefined): string {
  if (!lease) return '';
  if (lease.expiry === 0) return ',infinite';
  return `,${lease.expiry}${(lease.unit ?? 'minutes')[0]}`;
}

function hasDhcp(ip: NetworkIp): boolean {
  return !!ip.dhcp && ((ip.dhcp.ranges ?? []).length > 0 || (ip.dhcp.hosts ?? []).length > 0);
}

function hostLine(ip: ParsedIp, h: NonNullable<NonNullable<NetworkIp['dhcp']>['hosts']>[number]): string | undefined {
  const lease = leaseSuffix(h.lease);
  if (ip.addr.family === 'ipv6') {
    const addr = `[${h.ip}]`;
    if (h.id !== undefined) return `id:${h.id}${h.name !== undefined ? `,${h.name}` : ''},${addr}${lease}`;
    if (h.name !== undefined) return `${h.name},${addr}${lease}`;
    return undefined;
  }
  if (h.mac !== undefined) return `${h.mac},${h.ip}${h.name !== undefined ? `,${h.name}` : ''}${lease}`;
  if (h.name !== undefined) return `${h.name},${h.ip}${lease}`;
  return undefined;
}

/** Builds the dnsmasq files for `input.network`. Throws DnsmasqConfigError. */
export function dnsmasqConfig(input: DnsmasqConfigInput): DnsmasqConfig {
  const net = input.network;
  const caps = input.caps;
  const name = net.name;
  const bridge = net.bridge?.name;
  if (bridge === undefined) {
    throw new DnsmasqConfigError(`network '${name}' has no bridge name (fix: apply the provider's bridge naming, or set <bridge name='virbrN'/>)`);
  }
  const ips: ParsedIp[] = (net.ips ?? []).map((def) => {
    const addr = def.address ? parseIp(def.address) : undefined;
    const prefix = ipPrefixOf(def);
    if (!addr || prefix === undefined) {
      throw new DnsmasqConfigError(`network '${name}': <ip address='${def.address ?? ''}'> has no usable address and prefix (fix: validate the network first)`);
    }
    return { def, addr, prefix };
  });
  const wantDns = net.dns?.enable !== 'no';
  const dns = net.dns;
  const lines: string[] = [
    '##WARNING:  THIS IS AN AUTO-GENERATED FILE. CHANGES TO IT ARE LIKELY TO BE',
    '##OVERWRITTEN AND LOST.  Changes to this configuration should be made using:',
    `##    virsh net-edit ${name}`,
    '## or other application using the libvirt API.',
    '##',
    '## dnsmasq conf file created by libvirt',
    'strict-order',
  ];
  if (!wantDns) lines.push('port=0');

  if (wantDns && (dns?.forwarders ?? []).length) {
    let noResolv = false;
    for (const f of dns!.forwarders!) {
      const dom = f.domain !== undefined ? `/${f.domain}/` : '';
      if (f.addr !== undefined) {
        lines.push(`server=${dom}${f.addr}`);
        if (f.domain === undefined) noResolv = true;
      } else {
        // A domain without a server: answer locally, never forward.
        lines.push(`server=${dom}#`);
      }
    }
    if (noResolv) lines.push('no-resolv');
  }

  if (net.domain) {
    if (net.domain.localOnly === 'yes') lines.push(`local=/${net.domain.name}/`);
    lines.push(`domain=${net.domain.name}`, 'expand-hosts');
  }

  if (wantDns) {
    for (const ip of ips) {
      if (ip.def.localPtr !== 'yes') continue;
      const zone = ptrDomain(ip.addr, ip.prefix);
      if (!zone) {
        throw new DnsmasqConfigError(`network '${name}': no reverse zone for ${ip.def.address}/${ip.prefix} (fix: localPtr needs a prefix that is a multiple of 8 for IPv4 or 4 for IPv6)`);
      }
      lines.push(`local=/${zone}/`);
    }
  }

  if (wantDns && dns?.forwardPlainNames === 'no') lines.push('domain-needed', 'local=//');
  if (input.pidFile !== undefined) lines.push(`pid-file=${input.pidFile}`);
  lines.push('except-interface=lo');

  if (caps.bindDynamic) {
    lines.push('bind-dynamic', `interface=${bridge}`);
  } else {
    lines.push('bind-interfaces');
    for (const ip of ips) {
      if (!caps.bindToDevice && !isPrivateAddress(ip.addr)) {
        throw new DnsmasqConfigError(
          `network '${name}': public address ${ip.def.address} needs dnsmasq with --bind-dynamic or SO_BINDTODEVICE, and dnsmasq ${caps.version.join('.')} has neither (fix: upgrade dnsmasq or use a private subnet, RFC 1918/4193; see CVE-2012-3411)`,
        );
      }
      lines.push(`listen-address=${formatIp(ip.addr)}`);
    }
  }

  if (!net.forward) {
    // Isolated: no default route for guests, nothing forwarded upstream.
    lines.push('dhcp-option=3', 'no-resolv');
    if (caps.raParam) lines.push('ra-param=*,0,0');
  }

  if (wantDns) {
    for (const t of dns?.txts ?? []) lines.push(`txt-record=${t.name},${t.value}`);
    for (const s of dns?.srvs ?? []) {
      let l = `srv-host=_${s.service}._${s.protocol}`;
      if (s.domain !== undefined) l += `.${s.domain}`;
      // An empty or '.' target means "no such service"; port, priority and weight are then moot.
      if (s.target !== undefined && s.target !== '.') {
        const port = s.port ?? 0;
        const priority = s.priority ?? 0;
        const weight = s.weight ?? 0;
        l += `,${s.target}`;
        // Fields are positional: a later one forces the earlier ones (dnsmasq's default port is 1).
        if (port || priority || weight) l += `,${port || 1}`;
        if (priority || weight) l += `,${priority}`;
        if (weight) l += `,${weight}`;
      }
      lines.push(l);
    }
  }

  let v4: ParsedIp | undefined;
  let v6: ParsedIp | undefined;
  let slaac = false;
  for (const ip of ips) {
    if (ip.addr.family === 'ipv4' && hasDhcp(ip.def)) {
      if (v4) throw new DnsmasqConfigError(`network '${name}': DHCP on more than one IPv4 address (fix: keep one IPv4 <dhcp>)`);
      v4 = ip;
    }
    // TFTP works with or without DHCP; its lines come before the DHCP ranges.
    if (ip.addr.family === 'ipv4' && ip.def.tftp) lines.push('enable-tftp', `tftp-root=${ip.def.tftp.root}`);
    if (ip.addr.family === 'ipv6') {
      if (hasDhcp(ip.def)) {
        if (!atLeast(caps.version, DNSMASQ_IPV6_MIN_VERSION)) {
          throw new DnsmasqConfigError(`network '${name}': DHCPv6 needs dnsmasq ${DNSMASQ_IPV6_MIN_VERSION.join('.')} or later, this host has ${caps.version.join('.')} (fix: upgrade dnsmasq or remove the IPv6 <dhcp>)`);
        }
        if (v6) throw new DnsmasqConfigError(`network '${name}': DHCP on more than one IPv6 address (fix: keep one IPv6 <dhcp>)`);
        v6 = ip;
      } else {
        slaac = true;
      }
    }
  }
  void slaac; // Stateful RA then covers all IPv6 addresses; libvirt only logs a warning.

  const hosts: string[] = [];
  let leases = 0;
  for (const ip of [v4, v6]) {
    if (!ip) continue;
    const dhcp = ip.def.dhcp!;
    for (const r of dhcp.ranges ?? []) {
      const s = parseIp(r.start)!;
      const e = parseIp(r.end)!;
      const size = rangeSize(s, e);
      if (typeof size === 'string') throw new DnsmasqConfigError(`network '${name}': DHCP range ${r.start} - ${r.end} ${size} (fix: validate the network first)`);
      leases += size;
      const mask = ip.addr.family === 'ipv6' ? String(ip.prefix) : formatIpv4(prefixMask('ipv4', ip.prefix));
      lines.push(`dhcp-range=${r.start},${r.end},${mask}${leaseSuffix(r.lease)}`);
    }
    if (!(dhcp.ranges ?? []).length && (dhcp.hosts ?? []).length) {
      // Static hosts only: a "static" range switches the DHCP service on.
      lines.push(`dhcp-range=${formatIp(ip.addr)},static${ip.addr.family === 'ipv6' ? `,${ip.prefix}` : ''}`);
    }
    for (const h of dhcp.hosts ?? []) {
      const l = hostLine(ip, h);
      if (l !== undefined) hosts.push(l);
    }
    if (ip.addr.family === 'ipv4') {
      if (hasDhcp(ip.def)) lines.push('dhcp-no-override', 'dhcp-authoritative');
      const bootp = dhcp.bootp;
      if (bootp) lines.push(`dhcp-boot=${bootp.file}${bootp.server !== undefined ? `,,${bootp.server}` : ''}`);
    }
  }
  if (leases > 0) lines.push(`dhcp-lease-max=${leases}`);

  const hostsfilePath = escapeXml(`${input.stateDir}/${name}.hostsfile`);
  const addnhostsPath = escapeXml(`${input.stateDir}/${name}.addnhosts`);
  if (v4 || v6) lines.push(`dhcp-hostsfile=${hostsfilePath}`);
  if (wantDns) lines.push(`addn-hosts=${addnhostsPath}`);
  if (net.mtu && net.mtu.size > 0) lines.push(`dhcp-option=option:mtu,${net.mtu.size}`);

  if (atLeast(caps.version, DNSMASQ_IPV6_MIN_VERSION)) {
    if (v6) {
      lines.push('enable-ra');
    } else {
      for (const ip of ips) {
        if (ip.addr.family === 'ipv6' && !hasDhcp(ip.def)) lines.push(`dhcp-range=${formatIp(ip.addr)},ra-only`);
      }
    }
  }
  for (const o of net.dnsmasqOptions?.options ?? []) lines.push(o.value);

  // Additional hosts: one line per address, its names in order of appearance.
  const byIp = new Map<string, string[]>();
  if (wantDns) {
    for (const h of dns?.hosts ?? []) {
      const names = byIp.get(h.ip) ?? [];
      for (const n of h.hostnames ?? []) if (!names.includes(n)) names.push(n);
      byIp.set(h.ip, names);
    }
  }
  const addnhosts = [...byIp].map(([ip, names]) => `${ip}\t${names.map((n) => `${n}\t`).join('')}\n`).join('');

  return {
    conf: lines.join('\n') + '\n',
    hostsfile: hosts.map((h) => h + '\n').join(''),
    addnhosts,
    hostsfilePath,
    addnhostsPath,
  };
}
