/**
 * Parsers of what the host reports: iproute2 JSON (captured from iproute2 6.1, trimmed), the
 * nft table listing (nftables 1.0.6) and dnsmasq's lease file.
 */
import { parseAddresses, parseDnsmasqLeases, parseLinks, parseRoutes, parseVirtformTable } from '../../../../provider/executor/network';

describe('reading the host', () => {
  it('ip -j -d link show: bridge, tap port with isolation and multi-queue, loopback', () => {
    const json = JSON.stringify([
      { ifindex: 1, ifname: 'lo', flags: ['LOOPBACK'], mtu: 65536, address: '00:00:00:00:00:00' },
      {
        ifindex: 2, ifname: 'br0', flags: ['BROADCAST', 'MULTICAST'], mtu: 1500, operstate: 'DOWN', address: 'DA:B7:A5:19:0B:19',
        linkinfo: { info_kind: 'bridge', info_data: { forward_delay: 1500, hello_time: 200, stp_state: 1, priority: 32768 } },
      },
      {
        ifindex: 3, ifname: 'tp0', flags: ['NO-CARRIER', 'BROADCAST', 'MULTICAST', 'UP'], mtu: 1500, master: 'br0', address: 'da:b7:a5:19:0b:19', ifalias: 'virtform:tap:a:0',
        linkinfo: {
          info_kind: 'tun', info_data: { type: 'tap', pi: false, vnet_hdr: false, multi_queue: true, persist: true },
          info_slave_kind: 'bridge', info_slave_data: { state: 'disabled', isolated: true },
        },
      },
    ]);
    expect(parseLinks(json)).toEqual([
      { name: 'lo', mtu: 65536, mac: '00:00:00:00:00:00', up: false },
      { name: 'br0', kind: 'bridge', mtu: 1500, mac: 'da:b7:a5:19:0b:19', up: false, stp: true, forwardDelayCs: 1500 },
      { name: 'tp0', kind: 'tun', tunType: 'tap', master: 'br0', mtu: 1500, mac: 'da:b7:a5:19:0b:19', alias: 'virtform:tap:a:0', up: true, isolated: true, multiQueue: true },
    ]);
    expect(parseLinks('')).toEqual([]);
  });

  it('ip -j addr show: global addresses only', () => {
    const json =
      '[{"ifindex":2,"ifname":"br0","flags":["NO-CARRIER","BROADCAST","MULTICAST","UP"],"mtu":1500,"addr_info":[' +
      '{"family":"inet","local":"10.1.0.1","prefixlen":24,"scope":"global","label":"br0"},' +
      '{"family":"inet6","local":"fd00::1","prefixlen":64,"scope":"global","nodad":true},' +
      '{"family":"inet6","local":"fe80::d8b7:a5ff:fe19:b19","prefixlen":64,"scope":"link"}]}]';
    expect(parseAddresses(json)).toEqual([
      { family: 'ipv4', address: '10.1.0.1', prefix: 24 },
      { family: 'ipv6', address: 'fd00::1', prefix: 64 },
    ]);
  });

  it('ip -j route show dev X', () => {
    const json = '[{"dst":"10.1.0.0/24","protocol":"kernel","scope":"link","prefsrc":"10.1.0.1","flags":["linkdown"]},{"dst":"10.2.0.0/16","gateway":"10.1.0.2","metric":3,"flags":["linkdown"]}]';
    expect(parseRoutes(json)).toEqual([
      { destination: '10.1.0.0/24', metric: 0 },
      { destination: '10.2.0.0/16', gateway: '10.1.0.2', metric: 3 },
    ]);
  });

  it('nft -j list table inet virtform: chains with rule counts, other objects', () => {
    const json = JSON.stringify({
      nftables: [
        { metainfo: { version: '1.0.6', release_name: 'Lester Gooch #5', json_schema_version: 1 } },
        { table: { family: 'inet', name: 'virtform', handle: 1 } },
        { chain: { family: 'inet', table: 'virtform', name: 'nw-a-fwd', handle: 1, type: 'filter', hook: 'forward', prio: 0, policy: 'accept' } },
        { chain: { family: 'inet', table: 'virtform', name: 'nw-b-fwd', handle: 2, type: 'filter', hook: 'forward', prio: 0, policy: 'accept' } },
        { set: { family: 'inet', name: 'allowed', table: 'virtform', type: 'ipv4_addr', handle: 3 } },
        { rule: { family: 'inet', table: 'virtform', chain: 'nw-a-fwd', handle: 4, expr: [{ accept: null }] } },
        { rule: { family: 'inet', table: 'virtform', chain: 'nw-a-fwd', handle: 5, expr: [{ accept: null }] } },
      ],
    });
    const t = parseVirtformTable(json);
    expect([t.exists, [...t.chains], t.otherObjects]).toEqual([true, [['nw-a-fwd', 2], ['nw-b-fwd', 0]], 1]);
  });

  it('dnsmasq lease file: IPv4 and, after the duid line, IPv6 leases', () => {
    const text = [
      '1795308409 52:54:00:0A:00:32 10.77.0.50 guest1 01:52:54:00:0a:00:32',
      '0 52:54:00:0a:00:33 10.77.0.51 * *',
      'duid 00:01:00:01:2c:4f:1a:2b:52:54:00:12:34:56',
      '1795308409 305419896 fd00:77::50 guest1 00:01:00:01:2c:4f:1a:2b:52:54:00:0a:00:32',
      'garbage',
      '',
    ].join('\n');
    expect(parseDnsmasqLeases(text)).toEqual([
      { family: 'ipv4', ip: '10.77.0.50', expiresAt: 1795308409, mac: '52:54:00:0a:00:32', hostname: 'guest1', clientId: '01:52:54:00:0a:00:32' },
      { family: 'ipv4', ip: '10.77.0.51', expiresAt: null, mac: '52:54:00:0a:00:33' },
      { family: 'ipv6', ip: 'fd00:77::50', expiresAt: 1795308409, iaid: 305419896, hostname: 'guest1', clientId: '00:01:00:01:2c:4f:1a:2b:52:54:00:0a:00:32' },
    ]);
  });
});
