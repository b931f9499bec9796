import { applyNetworkDefaults, parseNetworkXml } from '../../../../model/network';
import { chainNames, deleteChainsScript, networkFirewall, planNetworkSetup } from '../../../../provider/executor/network';

const fw = (xml: string) => networkFirewall(planNetworkSetup(applyNetworkDefaults(parseNetworkXml(xml))));

describe('nftables rules of a network', () => {
  it('isolated: guests talk to each other, everything else through the bridge is rejected', () => {
    expect(fw(`<network><name>i</name><bridge name='vi0'/><ip address='10.1.0.1' prefix='24'/></network>`).script).toBe(
      [
        'add table inet virtform',
        'add chain inet virtform nw-vi0-fwd { type filter hook forward priority filter; policy accept; }',
        'flush chain inet virtform nw-vi0-fwd',
        'add rule inet virtform nw-vi0-fwd iifname "vi0" oifname "vi0" accept',
        'add rule inet virtform nw-vi0-fwd iifname "vi0" reject with icmpx port-unreachable',
        'add rule inet virtform nw-vi0-fwd oifname "vi0" reject with icmpx port-unreachable',
        '',
      ].join('\n'),
    );
  });

  it('nat: outbound from the subnet, replies inbound, masquerade except multicast and broadcast; IPv6 routed', () => {
    const f = fw(`<network><name>n</name><forward mode='nat'/><bridge name='virbr0'/>
      <ip address='192.168.122.1' netmask='255.255.255.0'/><ip family='ipv6' address='2001:db8::1' prefix='64'/></network>`);
    expect(f.chains).toEqual([
      {
        name: 'nw-virbr0-fwd',
        hook: 'forward',
        rules: [
          'iifname "virbr0" oifname "virbr0" accept',
          'iifname "virbr0" ip saddr 192.168.122.0/24 accept',
          'oifname "virbr0" ip daddr 192.168.122.0/24 ct state related,established accept',
          'iifname "virbr0" ip6 saddr 2001:db8::/64 accept',
          'oifname "virbr0" ip6 daddr 2001:db8::/64 accept',
          'iifname "virbr0" reject with icmpx port-unreachable',
          'oifname "virbr0" reject with icmpx port-unreachable',
        ],
      },
      {
        name: 'nw-virbr0-nat',
        hook: 'postrouting',
        rules: [
          'ip saddr 192.168.122.0/24 ip daddr 224.0.0.0/24 return',
          'ip saddr 192.168.122.0/24 ip daddr 255.255.255.255 return',
          'ip saddr 192.168.122.0/24 ip daddr != 192.168.122.0/24 meta l4proto { tcp, udp } masquerade to :1024-65535',
          'ip saddr 192.168.122.0/24 ip daddr != 192.168.122.0/24 masquerade',
        ],
      },
    ]);
    expect(f.script.split('\n').slice(0, 6)).toEqual([
      'add table inet virtform',
      'add chain inet virtform nw-virbr0-fwd { type filter hook forward priority filter; policy accept; }',
      'flush chain inet virtform nw-virbr0-fwd',
      'add rule inet virtform nw-virbr0-fwd iifname "virbr0" oifname "virbr0" accept',
      'add rule inet virtform nw-virbr0-fwd iifname "virbr0" ip saddr 192.168.122.0/24 accept',
      'add rule inet virtform nw-virbr0-fwd oifname "virbr0" ip daddr 192.168.122.0/24 ct state related,established accept',
    ]);
    expect(f.script).toContain('add chain inet virtform nw-virbr0-nat { type nat hook postrouting priority srcnat; policy accept; }\nflush chain inet virtform nw-virbr0-nat\n');
    expect(f.hash).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('nat through a forward device, SNAT to an address range and port range, IPv6 masqueraded', () => {
    const f = fw(`<network><name>n</name><forward mode='nat' dev='eth1'><nat ipv6='yes'><address start='203.0.113.5' end='203.0.113.5'/><port start='2000' end='3000'/></nat></forward>
      <bridge name='vn'/><ip address='10.5.0.1' prefix='16'/><ip family='ipv6' address='fd00:5::1' prefix='64'/></network>`);
    expect(f.chains.map((c) => c.rules)).toEqual([
      [
        'iifname "vn" oifname "vn" accept',
        'iifname "vn" oifname "eth1" ip saddr 10.5.0.0/16 accept',
        'oifname "vn" iifname "eth1" ip daddr 10.5.0.0/16 ct state related,established accept',
        'iifname "vn" oifname "eth1" ip6 saddr fd00:5::/64 accept',
        'oifname "vn" iifname "eth1" ip6 daddr fd00:5::/64 ct state related,established accept',
        'iifname "vn" reject with icmpx port-unreachable',
        'oifname "vn" reject with icmpx port-unreachable',
      ],
      [
        'ip saddr 10.5.0.0/16 ip daddr 224.0.0.0/24 return',
        'ip saddr 10.5.0.0/16 ip daddr 255.255.255.255 return',
        'oifname "eth1" ip saddr 10.5.0.0/16 ip daddr != 10.5.0.0/16 meta l4proto { tcp, udp } snat ip to 203.0.113.5:2000-3000',
        'oifname "eth1" ip saddr 10.5.0.0/16 ip daddr != 10.5.0.0/16 snat ip to 203.0.113.5',
        'ip6 saddr fd00:5::/64 ip6 daddr ff00::/8 return',
        'oifname "eth1" ip6 saddr fd00:5::/64 ip6 daddr != fd00:5::/64 meta l4proto { tcp, udp } masquerade to :2000-3000',
        'oifname "eth1" ip6 saddr fd00:5::/64 ip6 daddr != fd00:5::/64 masquerade',
      ],
    ]);
  });

  it('route: both directions accepted without conntrack, no NAT chain', () => {
    expect(fw(`<network><name>r</name><forward mode='route'/><bridge name='vr'/><ip address='10.7.0.1' prefix='24'/></network>`).chains).toEqual([
      {
        name: 'nw-vr-fwd',
        hook: 'forward',
        rules: [
          'iifname "vr" oifname "vr" accept',
          'iifname "vr" ip saddr 10.7.0.0/24 accept',
          'oifname "vr" ip daddr 10.7.0.0/24 accept',
          'iifname "vr" reject with icmpx port-unreachable',
          'oifname "vr" reject with icmpx port-unreachable',
        ],
      },
    ]);
  });

  it('open and existing-bridge networks have no rules at all', () => {
    expect(fw(`<network><name>o</name><forward mode='open'/><bridge name='vo'/><ip address='10.8.0.1' prefix='24'/></network>`)).toEqual({ chains: [], script: '', hash: 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' });
    expect(fw(`<network><name>b</name><forward mode='bridge'/><bridge name='br0'/></network>`).chains).toEqual([]);
  });

  it('chain names and the delete script', () => {
    expect(chainNames('virbr0')).toEqual({ forward: 'nw-virbr0-fwd', nat: 'nw-virbr0-nat' });
    expect(deleteChainsScript(['nw-a-fwd', 'nw-a-nat'])).toBe('delete chain inet virtform nw-a-fwd\ndelete chain inet virtform nw-a-nat\n');
  });
});
