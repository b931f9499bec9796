/** <interface>: exact XML in/out for the connection types and the rules libvirt enforces. */
import { Interface, validateInterface, validateInterfaces, validateTapBackend } from '../../../../model/domain/devices/interface';
import { parseDevice, roundTrip, brief } from './device-xml';

const net = (xml: string) => parseDevice(Interface, xml);
const problems = (xml: string) => validateInterface(net(xml)).map((i) => i.problem);

describe('interface XML', () => {
  it("prints a virtio interface with every driver option, offloads, and libvirt's element order", () => {
    expect(
      roundTrip(
        Interface,
        'interface',
        `<interface type='network' trustGuestRxFilters='yes'>
  <address type='pci' domain='0' bus='0' slot='3' function='0'/>
  <rom bar='off'/>
  <boot order='1'/>
  <mtu size='9000'/>
  <link state='down'/>
  <coalesce><rx><frames max='7'/></rx></coalesce>
  <tune><sndbuf>1600</sndbuf></tune>
  <filterref filter='clean-traffic'>
    <parameter name='IP' value='10.0.0.1'/>
  </filterref>
  <backend vhost='/dev/vhost-net' tap='/dev/net/tun'/>
  <driver rss_hash_report='on' rss='on' tx_queue_size='512' rx_queue_size='256' queues='4' event_idx='off' ioeventfd='on' txmode='iothread' name='vhost' packed='on'>
    <guest ufo='off' ecn='on' tso6='off' tso4='off' csum='off'/>
    <host mrg_rxbuf='off' ufo='off' ecn='on' tso6='off' tso4='off' gso='off' csum='off'/>
  </driver>
  <model type='ViRtIo'/>
  <target dev='vnet0'/>
  <source portgroup='engineering' network='default'/>
  <mac address='52:54:00:E5:48:58'/>
  <port isolated='yes'/>
  <bandwidth>
    <outbound peak='50' average='128'/>
    <inbound burst='256' peak='5000' floor='200' average='1000'/>
  </bandwidth>
  <virtualport>
    <parameters profileid='menial' interfaceid='09b11c53-8b5c-4eeb-8f00-d84eaa0aaa4f'/>
  </virtualport>
  <vlan trunk='yes'>
    <tag id='42'/>
    <tag nativeMode='untagged' id='123'/>
  </vlan>
</interface>`,
      ),
    ).toBe(`<interface type='network' trustGuestRxFilters='yes'>
  <mac address='52:54:00:e5:48:58'/>
  <source network='default' portgroup='engineering'/>
  <vlan trunk='yes'>
    <tag id='42'/>
    <tag id='123' nativeMode='untagged'/>
  </vlan>
  <virtualport>
    <parameters interfaceid='09b11c53-8b5c-4eeb-8f00-d84eaa0aaa4f' profileid='menial'/>
  </virtualport>
  <bandwidth>
    <inbound average='1000' peak='5000' floor='200' burst='256'/>
    <outbound average='128' peak='50'/>
  </bandwidth>
  <port isolated='yes'/>
  <target dev='vnet0'/>
  <model type='virtio'/>
  <driver name='vhost' txmode='iothread' ioeventfd='on' event_idx='off' queues='4' rx_queue_size='256' tx_queue_size='512' rss='on' rss_hash_report='on' packed='on'>
    <host csum='off' gso='off' tso4='off' tso6='off' ecn='on' ufo='off' mrg_rxbuf='off'/>
    <guest csum='off' tso4='off' tso6='off' ecn='on' ufo='off'/>
  </driver>
  <backend tap='/dev/net/tun' vhost='/dev/vhost-net'/>
  <filterref filter='clean-traffic'>
    <parameter name='IP' value='10.0.0.1'/>
  </filterref>
  <tune>
    <sndbuf>1600</sndbuf>
  </tune>
  <link state='down'/>
  <mtu size='9000'/>
  <coalesce>
    <rx>
      <frames max='7'/>
    </rx>
  </coalesce>
  <boot order='1'/>
  <rom bar='off'/>
  <address type='pci' domain='0x0000' bus='0x00' slot='0x03' function='0x0'/>
</interface>
`);
  });

  it('prints the VF driver of a hostdev interface before its source, as libvirt does', () => {
    expect(
      roundTrip(
        Interface,
        'interface',
        `<interface type='hostdev' managed='yes'>
  <mac address='00:11:22:33:44:55'/>
  <source>
    <address type='pci' domain='0x0000' bus='0x06' slot='0x12' function='0x1'/>
  </source>
  <driver name='vfio'/>
  <vlan><tag id='42'/></vlan>
  <teaming type='transient' persistent='ua-backup0'/>
</interface>`,
      ),
    ).toBe(`<interface type='hostdev' managed='yes'>
  <mac address='00:11:22:33:44:55'/>
  <driver name='vfio'/>
  <source>
    <address type='pci' domain='0x0000' bus='0x06' slot='0x12' function='0x1'/>
  </source>
  <vlan>
    <tag id='42'/>
  </vlan>
  <teaming type='transient' persistent='ua-backup0'/>
</interface>
`);
  });

  it('prints socket, vhost-user, ethernet and passt backends', () => {
    expect(roundTrip(Interface, 'interface', `<interface type='udp'><source port='5558' address='192.168.10.1'><local port='5557' address='192.168.10.1'/></source></interface>`)).toBe(
      `<interface type='udp'>
  <source address='192.168.10.1' port='5558'>
    <local address='192.168.10.1' port='5557'/>
  </source>
</interface>
`,
    );
    expect(roundTrip(Interface, 'interface', `<interface type='vhostuser'><source mode='server' path='/tmp/vhost0.sock' type='unix'><reconnect enabled='yes' timeout='10'/></source><model type='virtio'/></interface>`)).toBe(
      `<interface type='vhostuser'>
  <source type='unix' path='/tmp/vhost0.sock' mode='server'>
    <reconnect enabled='yes' timeout='10'/>
  </source>
  <model type='virtio'/>
</interface>
`,
    );
    expect(
      roundTrip(
        Interface,
        'interface',
        `<interface type='ethernet'>
  <downscript path='/etc/qemu-ifdown'/>
  <script path='/etc/qemu-ifup'/>
  <target managed='no' dev='mytap0'/>
  <source><route gateway='192.168.122.1' address='192.168.123.0' prefix='24'/><ip prefix='24' address='192.168.122.5'/></source>
  <ip address='192.168.122.6' prefix='24' peer='192.168.122.1'/>
</interface>`,
      ),
    ).toBe(`<interface type='ethernet'>
  <source>
    <ip address='192.168.122.5' prefix='24'/>
    <route address='192.168.123.0' prefix='24' gateway='192.168.122.1'/>
  </source>
  <ip address='192.168.122.6' prefix='24' peer='192.168.122.1'/>
  <script path='/etc/qemu-ifup'/>
  <downscript path='/etc/qemu-ifdown'/>
  <target dev='mytap0' managed='no'/>
</interface>
`);
    expect(
      roundTrip(
        Interface,
        'interface',
        `<interface type='user'>
  <backend logFile='/log/passt.log' type='passt'/>
  <portForward address='2001:db8:ac10:fd01::1:10' proto='tcp'>
    <range start='22' to='2022'/>
    <range exclude='yes' start='1000' end='1050'/>
  </portForward>
  <ip family='ipv4' address='172.17.2.0' prefix='24'/>
  <source dev='eth42'/>
  <model type='virtio'/>
</interface>`,
      ),
    ).toBe(`<interface type='user'>
  <source dev='eth42'/>
  <ip address='172.17.2.0' family='ipv4' prefix='24'/>
  <portForward proto='tcp' address='2001:db8:ac10:fd01::1:10'>
    <range start='22' to='2022'/>
    <range start='1000' end='1050' exclude='yes'/>
  </portForward>
  <model type='virtio'/>
  <backend type='passt' logFile='/log/passt.log'/>
</interface>
`);
  });

  it('keeps unknown NIC model names as written and rejects invalid ones', () => {
    expect(net(`<interface type='user'><model type='ne2k_pci'/></interface>`).model).toEqual({ type: 'ne2k_pci' });
    expect(() => net(`<interface type='user'><model type='e1000 e'/></interface>`)).toThrow(
      "attribute 'type' has value 'e1000 e', which must be a NIC model name (letters, digits, - and _)",
    );
    expect(() => net(`<interface type='bridge'><source bridge='br0'/><mac address='52:54:00:zz:00:01'/></interface>`)).toThrow('/interface/mac/@address');
  });

  it("shares <bandwidth> and <vlan> with networks (networkcommon.rng): rates are at least 1, tags at most 4095", () => {
    expect(() => net(`<interface type='network'><source network='default'/><bandwidth><inbound average='0'/></bandwidth></interface>`)).toThrow(
      "/interface/bandwidth/inbound/@average: attribute 'average' has value '0', which must be an unsigned integer in the range [1, 4294967295]",
    );
    expect(() => net(`<interface type='network'><source network='default'/><vlan><tag id='4096'/></vlan></interface>`)).toThrow("/interface/vlan/tag[1]/@id: attribute 'id' has value '4096', which must be an unsigned integer no greater than 4095");
  });
});

describe('interface rules', () => {
  it('allows host-side addresses and unmanaged taps only on ethernet interfaces', () => {
    expect(brief(validateInterface(net(`<interface type='bridge'>\n<source bridge='br0'><ip address='10.0.0.1'/></source></interface>`)))).toEqual([
      "2: /interface/source: Invalid attempt to set network interface host-side IP route and/or address info on interface of type 'bridge'. This is only supported on interfaces of type 'ethernet'",
    ]);
    expect(problems(`<interface type='bridge'><source bridge='br0'/><target dev='t' managed='no'/></interface>`)).toEqual([
      "unmanaged target dev is not supported on interfaces of type 'bridge'",
    ]);
  });

  it('checks teaming, port isolation and custom tap devices', () => {
    expect(problems(`<interface type='hostdev'><teaming type='transient'/></interface>`)).toEqual([
      "teaming persistent attribute must be set if teaming type is 'transient'",
    ]);
    expect(problems(`<interface type='bridge'><teaming type='persistent' persistent='x'/></interface>`)).toEqual([
      "teaming persistent attribute not allowed if teaming type is 'persistent'",
    ]);
    expect(problems(`<interface type='direct'><mac address='52:54:00:00:00:01'/><source dev='eth0'/><port isolated='yes'/></interface>`)).toEqual([
      "interface 52:54:00:00:00:01 - <port isolated='yes'/> is not supported for network interfaces with type='direct'",
    ]);
    const vf = net(`<interface type='hostdev' managed='yes'><mac address='00:11:22:33:44:55'/><source><address type='pci' domain='0' bus='6' slot='18' function='1'/></source><backend tap='/dev/mytap'/></interface>`);
    expect(validateInterface(vf)).toEqual([]);
    expect(validateTapBackend(vf).map((i) => i.problem)).toEqual(['interface 00:11:22:33:44:55 - custom tap device path is not supported for network interfaces of type hostdev']);
    expect(validateTapBackend(net(`<interface type='bridge'><source bridge='br0'/><backend tap='/dev/mytap'/></interface>`))).toEqual([]);
  });

  it('keeps virtio options, VLAN tags and bandwidth to the connections that support them', () => {
    expect(problems(`<interface type='user'><model type='e1000'/><driver iommu='on'/></interface>`)).toEqual(['iommu driver option is only supported for virtio devices']);
    expect(problems(`<interface type='bridge'><mac address='52:54:00:00:00:02'/><source bridge='br0'/><vlan><tag id='3'/></vlan></interface>`)).toEqual([
      'interface 52:54:00:00:00:02 - vlan tag not supported for this connection type',
    ]);
    expect(problems(`<interface type='bridge'><source bridge='ovsbr'/><vlan><tag id='3'/></vlan><virtualport type='openvswitch'/></interface>`)).toEqual([]);
    expect(problems(`<interface type='hostdev'><mac address='52:54:00:00:00:03'/><bandwidth><inbound average='1'/></bandwidth></interface>`)).toEqual([
      'interface 52:54:00:00:00:03 - bandwidth settings are not supported for hostdev interfaces',
    ]);
    expect(validateInterfaces([net(`<interface type='network'><source network='default'/></interface>`)], 'App/vm/interfaces')).toEqual([]);
  });
});
