import { applyNetworkDefaults, parseNetworkXml } from '../../../../model/network';
import { NetworkError, planNetworkSetup } from '../../../../provider/executor/network';

const plan = (xml: string) => planNetworkSetup(applyNetworkDefaults(parseNetworkXml(xml)));

describe('planNetworkSetup', () => {
  it('isolated: own bridge with STP, no forwarding, IPv6 off on the bridge, dnsmasq', () => {
    expect(plan(`<network><name>iso</name><bridge name='virbr5'/><ip address='192.168.5.1' netmask='255.255.255.0'/></network>`)).toEqual({
      name: 'iso',
      kind: 'isolated',
      bridge: 'virbr5',
      createsBridge: true,
      stp: true,
      delaySeconds: 0,
      addresses: [{ family: 'ipv4', address: '192.168.5.1', prefix: 24, subnet: '192.168.5.0/24' }],
      routes: [],
      ipv4Forwarding: false,
      ipv6Forwarding: false,
      bridgeIpv6: 'off',
      dnsmasq: true,
      isolatedPorts: false,
    });
  });

  it('nat with everything: MTU, MAC, forward dev, SNAT range and ports, IPv6, routes, isolated ports', () => {
    expect(
      plan(`<network>
        <name>full</name>
        <forward mode='nat' dev='eth1'><nat ipv6='yes'><address start='203.0.113.10' end='203.0.113.20'/><port start='20000' end='30000'/></nat></forward>
        <bridge name='vbr' stp='off' delay='3'/>
        <mtu size='9000'/>
        <mac address='52:54:00:AB:CD:EF'/>
        <port isolated='yes'/>
        <ip address='10.9.8.7' prefix='20'/>
        <ip family='ipv6' address='2001:db8:ca2:2::1' prefix='64'/>
        <route address='10.20.0.0' prefix='16' gateway='10.9.0.2' metric='5'/>
        <route family='ipv6' address='2001:db8:ca2:3::' prefix='64' gateway='2001:db8:ca2:2::2'/>
      </network>`),
    ).toEqual({
      name: 'full',
      kind: 'nat',
      bridge: 'vbr',
      createsBridge: true,
      stp: false,
      delaySeconds: 3,
      mtu: 9000,
      mac: '52:54:00:ab:cd:ef',
      addresses: [
        { family: 'ipv4', address: '10.9.8.7', prefix: 20, subnet: '10.9.0.0/20' },
        { family: 'ipv6', address: '2001:db8:ca2:2::1', prefix: 64, subnet: '2001:db8:ca2:2::/64' },
      ],
      routes: [
        { family: 'ipv4', destination: '10.20.0.0/16', gateway: '10.9.0.2', metric: 5 },
        { family: 'ipv6', destination: '2001:db8:ca2:3::/64', gateway: '2001:db8:ca2:2::2' },
      ],
      forwardDev: 'eth1',
      nat: { ipv6: true, addressStart: '203.0.113.10', addressEnd: '203.0.113.20', portStart: 20000, portEnd: 30000 },
      ipv4Forwarding: true,
      ipv6Forwarding: true,
      bridgeIpv6: 'on',
      dnsmasq: true,
      isolatedPorts: true,
    });
  });

  it('route and open forward without NAT; open and route without addresses are refused by the model', () => {
    expect(plan(`<network><name>r</name><forward mode='route'/><bridge name='vr'/><ip address='10.1.0.1' prefix='24'/></network>`)).toMatchObject({ kind: 'route', ipv4Forwarding: true });
    expect(plan(`<network><name>o</name><forward mode='open'/><bridge name='vo'/><ip family='ipv6' address='fd00::1' prefix='64'/></network>`)).toMatchObject({ kind: 'open', ipv4Forwarding: false, ipv6Forwarding: true, bridgeIpv6: 'on' });
    expect(() => plan(`<network><name>o</name><forward mode='open'/><bridge name='vo'/></network>`)).toThrow(/forward mode='open' needs an <ip>/);
  });

  it('an isolated network without addresses runs no dnsmasq; ipv6=yes keeps IPv6 on the bridge', () => {
    expect(plan(`<network ipv6='yes'><name>bare</name><bridge name='vb'/></network>`)).toMatchObject({ addresses: [], dnsmasq: false, bridgeIpv6: 'on' });
  });

  it("forward mode='bridge' with a bridge name: nothing to create", () => {
    expect(plan(`<network><name>hb</name><forward mode='bridge'/><bridge name='br0'/></network>`)).toEqual({
      name: 'hb', kind: 'bridge', bridge: 'br0', createsBridge: false, stp: false, delaySeconds: 0, addresses: [], routes: [],
      ipv4Forwarding: false, ipv6Forwarding: false, dnsmasq: false, isolatedPorts: false,
    });
  });

  it.each([
    [`<network><name>m</name><forward mode='bridge' dev='eth0'/></network>`, "network 'm': forward mode='bridge' without a bridge name (macvtap bridge mode) is not supported by virtform's host executor. Name an existing host bridge: <bridge name='br0'/>."],
    [`<network><name>m</name><forward mode='vepa' dev='eth0'/></network>`, "network 'm': forward mode='vepa' (macvtap VEPA mode) is not supported by virtform's host executor. Use an isolated, nat, route or open network, or forward mode='bridge' with <bridge name='...'/>."],
    [`<network><name>m</name><forward mode='hostdev'><pf dev='eth0'/></forward></network>`, "network 'm': forward mode='hostdev' (SR-IOV hostdev pools) is not supported by virtform's host executor. Use an isolated, nat, route or open network, or forward mode='bridge' with <bridge name='...'/>."],
    [`<network><name>m</name><forward mode='bridge'/><bridge name='ovsbr'/><virtualport type='openvswitch'/></network>`, "network 'm': <virtualport type='openvswitch'> (Open vSwitch and 802.1Qbx) is not supported by virtform's host executor. Use a Linux bridge."],
    [`<network><name>m</name><bridge name='v' zone='trusted'/><ip address='10.1.0.1' prefix='24'/></network>`, "network 'm': <bridge zone='trusted'> (firewalld zones) is not supported by virtform's host executor. virtform writes its own nftables rules; remove zone."],
    [`<network><name>m</name><bridge name='v'/><bandwidth><inbound average='1000'/></bandwidth><ip address='10.1.0.1' prefix='24'/></network>`, "network 'm': network-wide <bandwidth> (tc shaping) is not supported by virtform's host executor. Remove <bandwidth> from the network."],
  ])('refuses what it does not run: %s', (xml, message) => {
    expect(() => plan(xml)).toThrow(new NetworkError('UNSUPPORTED', message));
  });

  it('needs a bridge name and a valid document', () => {
    expect(() => plan(`<network><name>nb</name><ip address='10.1.0.1' prefix='24'/></network>`)).toThrow(
      new NetworkError('INVALID', "network 'nb' has no bridge name. Set <bridge name='virbr1'/>, or let the definition step pick one (pickBridgeName) before starting the network."),
    );
    expect(() => plan(`<network><name>bad</name><bridge name='v'/><ip address='10.1.0.1' prefix='24'><dhcp><range start='10.2.0.1' end='10.2.0.9'/></dhcp></ip></network>`)).toThrow(
      /^network 'bad' is not valid: .*DHCP range 10\.2\.0\.1 - 10\.2\.0\.9 is not entirely within network 10\.1\.0\.0\/24/,
    );
  });
});
