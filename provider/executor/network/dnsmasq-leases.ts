/**
 * dnsmasq's lease file (`--dhcp-leasefile`), parsed (pure). Its format:
 *
 *   1732233600 52:54:00:12:34:56 192.168.122.50 guest1 01:52:54:00:12:34:56
 *   duid 00:01:00:01:2c:4f:1a:2b:52:54:00:12:34:56
 *   1732233600 305419896 2001:db8::50 guest1 00:01:00:01:2c:4f:1a:2b:52:54:00:12:34:56
 *
 * IPv4 lines: expiry (Unix seconds, 0 = never), MAC, address, host name (`*` = none), client id
 * (`*` = none). After the `duid` line (the server's DUID), IPv6 lines have the IAID where IPv4
 * lines have the MAC, and the client's DUID last.
 */

export interface NetworkLease {
  readonly family: 'ipv4' | 'ipv6';
  readonly ip: string;
  /** Unix time in seconds when the lease ends; null for an infinite lease. */
  readonly expiresAt: number | null;
  /** IPv4 leases: the guest's MAC address (lower case). */
  readonly mac?: string;
  /** IPv6 leases: the identity association id. */
  readonly iaid?: number;
  readonly hostname?: string;
  /** IPv4: DHCP client id; IPv6: the client's DUID. */
  readonly clientId?: string;
}

/** Parses a lease file; lines it cannot read are skipped (dnsmasq rewrites the file as a whole). */
export function parseDnsmasqLeases(text: string): NetworkLease[] {
  const out: NetworkLease[] = [];
  let v6 = false;
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length === 0 || f[0] === '') continue;
    if (f[0] === 'duid') {
      v6 = true;
      continue;
    }
    if (f.length < 4 || !/^\d+$/.test(f[0])) continue;
    const expiry = Number(f[0]);
    const base = {
      ip: f[2],
      expiresAt: expiry === 0 ? null : expiry,
      ...(f[3] !== '*' ? { hostname: f[3] } : {}),
      ...(f[4] !== undefined && f[4] !== '*' ? { clientId: f[4] } : {}),
    };
    if (v6 && f[2].includes(':')) out.push({ family: 'ipv6', iaid: Number(f[1]), ...base });
    else out.push({ family: 'ipv4', mac: f[1].toLowerCase(), ...base });
  }
  return out;
}
