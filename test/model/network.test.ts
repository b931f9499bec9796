import {
  parseNetworkXml,
  formatNetworkXml,
  applyNetworkDefaults,
  validateNetwork,
  validateNetworkDriverRules,
  type Network,
} from '../../model/network';
import { ModelError } from '../../model/errors';

const roundTrip = (xml: string) => formatNetworkXml(applyNetworkDefaults(parseNetworkXml(xml, 'net.xml')));

describe('network XML', () => {
  it('parses a NAT network into typed values with canonical addresses', () => {
    const net = parseNetworkXml(
      `<network>
  <name>default</name>
  <uuid>81FF0D90C91E674264DA4A736EDB9A9B</uuid>
  <forward mode="nat" dev="eth1"/>
  <mac address='52:54:00:E6:A2:C9'/>
  <ip family='ipv6' address='2001:DB8:0:0::1' prefix='64'/>
</network>`,
      'net.xml',
    );
    expect(net.uuid).toBe('81ff0d90-c91e-6742-64da-4a736edb9a9b');
    expect(net.forward).toEqual({ mode: 'nat', dev: 'eth1' });
    expect(net.mac).toEqual({ address: '52:54:00:e6:a2:c9' });
    expect(net.ips).toEqual([{ family: 'ipv6', address: '2001:db8::1', prefix: 64 }]);
  });

  it("prints libvirt's layout with the defaults libvirt adds at parse time", () => {
    expect(
      roundTrip(`<network ipv6='no'>
  <name>default</name>
  <bridge name="virbr0"/>
  <forward mode="nat" dev="eth1"/>
  <ip address="192.168.122.1" netmask="255.255.255.0">
    <dhcp>
      <host mac="00:16:3e:77:e2:ed" name="a.example.com" ip="192.168.122.10"><lease expiry='30'/></host>
      <range start="192.168.122.2" end="192.168.122.254"><lease expiry='0' unit='hours'/></range>
    </dhcp>
  </ip>
  <dns><srv service='ldap' protocol='tcp' port='0' weight='5'/></dns>
</network>`),
    ).toBe(`<network>
  <name>default</name>
  <forward dev='eth1' mode='nat'>
    <interface dev='eth1'/>
  </forward>
  <bridge name='virbr0' stp='on' delay='0'/>
  <dns>
    <srv service='ldap' protocol='tcp' weight='5'/>
  </dns>
  <ip address='192.168.122.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='192.168.122.2' end='192.168.122.254'>
        <lease expiry='0'/>
      </range>
      <host mac='00:16:3e:77:e2:ed' name='a.example.com' ip='192.168.122.10'>
        <lease expiry='30' unit='minutes'/>
      </host>
    </dhcp>
  </ip>
</network>
`);
  });

  it('takes the forward dev from the first pool interface and leaves stp/delay off host bridges', () => {
    expect(
      roundTrip(`<network>
  <name>direct</name>
  <forward mode="vepa"><interface dev="eth1"/><interface dev="eth2"/></forward>
</network>`),
    ).toBe(`<network>
  <name>direct</name>
  <forward dev='eth1' mode='vepa'>
    <interface dev='eth1'/>
    <interface dev='eth2'/>
  </forward>
</network>
`);
    expect(roundTrip(`<network><name>br</name><forward mode='bridge'/><bridge name='br0'/></network>`)).toBe(`<network>
  <name>br</name>
  <forward mode='bridge'/>
  <bridge name='br0'/>
</network>
`);
  });

  it("prints hostdev forward pools with managed='no' by default and PCI addresses in fixed-width hex", () => {
    expect(
      roundTrip(`<network><name>hd</name><forward mode='hostdev'>
  <address type='pci' domain='0' bus='3' slot='0x1' function='2'/>
</forward></network>`),
    ).toBe(`<network>
  <name>hd</name>
  <forward mode='hostdev' managed='no'>
    <address type='pci' domain='0x0000' bus='0x03' slot='0x01' function='0x2'/>
  </forward>
</network>
`);
  });

  it('declares the dnsmasq namespace on the root whatever prefix the input used', () => {
    expect(
      roundTrip(`<network xmlns:d="http://libvirt.org/schemas/network/dnsmasq/1.0">
  <name>n</name>
  <d:options><d:option value="foo=bar"/></d:options>
</network>`),
    ).toBe(`<network xmlns:dnsmasq='http://libvirt.org/schemas/network/dnsmasq/1.0'>
  <name>n</name>
  <bridge stp='on' delay='0'/>
  <dnsmasq:options>
    <dnsmasq:option value='foo=bar'/>
  </dnsmasq:options>
</network>
`);
  });

  it('rejects an unknown element with the file, line and what is accepted', () => {
    expect(() => parseNetworkXml(`<network>\n  <name>x</name>\n  <bridgee/>\n</network>`, 'net.xml')).toThrow(
      new ModelError({
        pos: { file: 'net.xml', line: 3, column: 3 },
        path: '/network/bridgee',
        problem: 'unsupported element <bridgee> inside <network>',
        fix: 'remove it or check its spelling; <network> accepts: name, uuid, metadata, forward, bridge, mtu, mac, domain, dns, vlan, bandwidth, port, ip, route, virtualport, portgroup, dnsmasq:options',
      }),
    );
  });

  it('rejects an address that is not an IP address', () => {
    expect(() => parseNetworkXml(`<network><name>x</name>\n<ip address='192.168.1.300'/></network>`, 'net.xml')).toThrow(
      "net.xml:2: /network/ip[1]/@address: attribute 'address' has value '192.168.1.300', which must be an IPv4 or IPv6 address (fix: write e.g. 192.168.122.1 or 2001:db8::1)",
    );
  });
});

describe('network rules (validateNetwork)', () => {
  const issues = (xml: string) => validateNetwork(parseNetworkXml(xml, 'net.xml')).map((i) => `${i.pos?.line}: ${i.path}: ${i.problem}`);

  it('accepts a valid network', () => {
    expect(issues(`<network><name>ok</name><forward mode='nat'/><ip address='10.0.0.1' prefix='24'><dhcp><range start='10.0.0.2' end='10.0.0.9'/></dhcp></ip></network>`)).toEqual([]);
  });

  it('rejects a device listed twice in the forward pool, naming the second one', () => {
    expect(issues(`<network><name>p</name>\n<forward mode='passthrough'>\n<interface dev='eth1'/>\n<interface dev='eth1'/>\n</forward></network>`)).toEqual([
      "4: /network/forward/interface[2]: interface 'eth1' is listed more than once in network 'p'",
    ]);
  });

  it('rejects a forward dev that differs from the first interface', () => {
    expect(issues(`<network><name>p</name><forward mode='nat' dev='eth0'><interface dev='eth1'/></forward><ip address='10.0.0.1' prefix='24'/></network>`)).toEqual([
      "1: /network/forward/@dev: forward dev 'eth0' differs from the first <interface dev='eth1'>",
    ]);
  });

  it('rejects DNS records on a network whose DNS is disabled', () => {
    expect(issues(`<network><name>d</name><dns enable='no'><txt name='a' value='b'/></dns></network>`)).toEqual([
      "1: /network/dns: DNS is disabled (enable='no') in network 'd' but <dns> has records or forwarders",
    ]);
  });

  it('rejects a NAT network without an address and a DHCP range outside its subnet', () => {
    expect(issues(`<network><name>n</name><forward/></network>`)).toEqual(["1: /network/forward: forward mode='nat' needs an <ip> but network 'n' has none"]);
    expect(issues(`<network><name>n</name><ip address='10.0.0.1' prefix='24'><dhcp>\n<range start='10.0.1.2' end='10.0.1.9'/></dhcp></ip></network>`)).toEqual([
      '2: /network/ip[1]/dhcp/range[1]: DHCP range 10.0.1.2 - 10.0.1.9 is not entirely within network 10.0.0.0/24',
    ]);
    expect(issues(`<network><name>n</name><ip address='10.0.0.1' prefix='24'><dhcp><range start='10.0.0.9' end='10.0.0.255'/></dhcp></ip></network>`)).toEqual([
      '1: /network/ip[1]/dhcp/range[1]/@end: DHCP range 10.0.0.9 - 10.0.0.255 ends at the broadcast address of 10.0.0.0/24',
    ]);
  });

  it('checks virtualport parameters against the type and bandwidth rates for an average', () => {
    expect(issues(`<network><name>v</name><forward mode='bridge'/><bridge name='br0'/>
<virtualport type='802.1Qbh'><parameters profileid='p' managerid='1'/></virtualport>
<bandwidth><outbound peak='10'/></bandwidth>
<portgroup name='m'><virtualport type='midonet'/></portgroup></network>`)).toEqual([
      "2: /network/virtualport/parameters/@managerid: parameter managerid does not apply to virtualport type '802.1Qbh'",
      '3: /network/bandwidth/outbound: <outbound> has neither average nor floor',
      "4: /network/portgroup[1]/virtualport: virtualport type 'midonet' needs <parameters interfaceid='...'/>",
    ]);
  });

  it('reports documents built in code under their label and JSON path', () => {
    const net: Network = { name: 'n', ips: [{ address: '10.0.0.1', netmask: '255.0.255.0' }] };
    expect(validateNetwork(net, 'App/net')).toEqual([
      {
        path: 'App/net/ips/0/netmask',
        problem: 'netmask 255.0.255.0 of <ip> 10.0.0.1 is not a contiguous mask',
        fix: 'use a mask such as 255.255.255.0',
      },
    ]);
    expect(validateNetwork({ name: 'n', bridge: { stp: 'sideways' } } as unknown as Network, 'App/net')).toEqual([
      { path: 'App/net/bridge/stp', problem: "value 'sideways' must be one of 'on', 'off'", fix: 'use one of on, off', pos: undefined },
    ]);
  });

  it("keeps the driver's per-mode rules apart: an <ip> on a passthrough network parses but cannot be started", () => {
    const net = parseNetworkXml(`<network><name>pt</name><forward mode='passthrough'><pf dev='eth0'/></forward>\n<ip address='10.0.0.1' prefix='24'/></network>`, 'net.xml');
    expect(validateNetwork(net)).toEqual([]);
    expect(validateNetworkDriverRules(net).map((i) => `${i.pos?.line}: ${i.path}: ${i.problem}`)).toEqual([
      "2: /network/ip[1]: <ip> is not supported with forward mode='passthrough' (network 'pt')",
    ]);
  });

  it('is still satisfied after the defaults are applied', () => {
    const net = parseNetworkXml(`<network><name>n</name><forward dev='eth0'/><ip address='10.0.0.1' prefix='24'/></network>`);
    applyNetworkDefaults(net);
    expect(validateNetwork(net)).toEqual([]);
  });
});
