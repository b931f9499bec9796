import { buildNetworks, buildHostdevInterfaces } from '../../../../provider/qemu/argv/sections/networks';
import { QemuCommandLine } from '../../../../provider/qemu/argv/command-line';
import { domainWith, runSection } from './storage-fixture';
import { harnessCtx, virtformCtx } from './device-fixture';
import { parseDomainXml } from '../../../../model/domain/domain';

const pci = (slot: number) => `<address type='pci' domain='0x0000' bus='0x00' slot='${slot}' function='0x0'/>`;
const ROOT = `<controller type='pci' index='0' model='pci-root'><alias name='pci.0'/></controller>`;

/** A KVM guest (vhost-net is only used for KVM). */
function kvmDomain(devices: string) {
  return parseDomainXml(`<domain type='kvm'><name>guest</name><memory unit='KiB'>219100</memory>
  <os><type arch='x86_64' machine='pc'>hvm</type></os><devices>${ROOT}${devices}</devices></domain>`);
}

describe('networks section', () => {
  it('puts a user-mode NIC on slirp with the NIC model as the device', () => {
    const def = domainWith(`${ROOT}<interface type='user'><mac address='00:11:22:33:44:55'/><model type='rtl8139'/><alias name='net0'/>${pci(2)}</interface>`);
    expect(runSection(buildNetworks, def, harnessCtx())).toEqual([
      `-netdev {"type":"user","id":"hostnet0"}`,
      `-device {"driver":"rtl8139","netdev":"hostnet0","id":"net0","mac":"00:11:22:33:44:55","bus":"pci.0","addr":"0x2"}`,
    ]);
  });

  it('passes virtio-net tuning in libvirt order, then boot index, address, ACPI index and ROM', () => {
    const def = domainWith(`${ROOT}<interface type='user'>
      <mac address='52:54:00:e5:48:58'/><model type='virtio'/>
      <driver txmode='iothread' ioeventfd='off' event_idx='off' queues='4' rx_queue_size='512' tx_queue_size='256' rss='on' rss_hash_report='on' iommu='on' packed='on'>
        <host csum='off' gso='off' tso4='off' tso6='off' ecn='off' ufo='off' mrg_rxbuf='off'/>
        <guest csum='off' tso4='off' tso6='off' ecn='off' ufo='off'/>
      </driver>
      <mtu size='9000'/><boot order='2'/><alias name='net0'/><rom bar='off' file='/usr/share/ipxe/1af41000.rom'/><acpi index='3'/>${pci(3)}
    </interface>`);
    expect(runSection(buildNetworks, def, harnessCtx())).toEqual([
      `-netdev {"type":"user","id":"hostnet0"}`,
      `-device {"driver":"virtio-net-pci","iommu_platform":true,"packed":true,"tx":"bh","ioeventfd":false,"event_idx":false,` +
        `"csum":false,"gso":false,"host_tso4":false,"host_tso6":false,"host_ecn":false,"host_ufo":false,"mrg_rxbuf":false,` +
        `"guest_csum":false,"guest_tso4":false,"guest_tso6":false,"guest_ecn":false,"guest_ufo":false,"mq":true,"vectors":10,` +
        `"rx_queue_size":512,"tx_queue_size":256,"rss":true,"hash":true,"host_mtu":9000,"netdev":"hostnet0","id":"net0",` +
        `"mac":"52:54:00:e5:48:58","bootindex":2,"bus":"pci.0","addr":"0x3","acpi-index":3,"rombar":0,"romfile":"/usr/share/ipxe/1af41000.rom"}`,
    ]);
  });

  it('gives a tap backend the fds libvirt passes, with vhost-net for virtio on KVM', () => {
    const def = kvmDomain(`<interface type='ethernet'><mac address='52:54:00:d6:c0:0b'/><model type='virtio'/><alias name='ua-CheckoutThisNIC'/>${pci(3)}</interface>
      <interface type='bridge'><mac address='52:54:00:d6:c0:0c'/><source bridge='br0'/><model type='virtio'/><driver queues='2'/><alias name='net1'/>${pci(4)}</interface>
      <interface type='ethernet'><mac address='52:54:00:71:70:89'/><model type='rtl8139'/><alias name='net2'/>${pci(5)}</interface>`);
    expect(runSection(buildNetworks, def, harnessCtx())).toEqual([
      `-netdev {"type":"tap","fd":"3","vhost":true,"vhostfd":"44","id":"hostua-CheckoutThisNIC"}`,
      `-device {"driver":"virtio-net-pci","netdev":"hostua-CheckoutThisNIC","id":"ua-CheckoutThisNIC","mac":"52:54:00:d6:c0:0b","bus":"pci.0","addr":"0x3"}`,
      `-netdev {"type":"tap","fds":"3:4","vhost":true,"vhostfds":"44:45","id":"hostnet1"}`,
      `-device {"driver":"virtio-net-pci","mq":true,"vectors":6,"netdev":"hostnet1","id":"net1","mac":"52:54:00:d6:c0:0c","bus":"pci.0","addr":"0x4"}`,
      `-netdev {"type":"tap","fd":"3","id":"hostnet2"}`,
      `-device {"driver":"rtl8139","netdev":"hostnet2","id":"net2","mac":"52:54:00:71:70:89","bus":"pci.0","addr":"0x5"}`,
    ]);
  });

  it('names the tap device the executor created when fds are not passed', () => {
    const def = kvmDomain(`<interface type='bridge'><mac address='52:54:00:d6:c0:0c'/><source bridge='br0'/><target dev='vf-guest-0'/><model type='virtio'/><driver queues='2'/><tune><sndbuf>1600</sndbuf></tune><alias name='net0'/>${pci(4)}</interface>
      <interface type='network'><mac address='52:54:00:d6:c0:0d'/><source network='default'/><target dev='vf-guest-1'/><model type='virtio'/><driver name='qemu'/><alias name='net1'/>${pci(5)}</interface>`);
    expect(runSection(buildNetworks, def, virtformCtx())).toEqual([
      `-netdev {"type":"tap","ifname":"vf-guest-0","script":"no","downscript":"no","queues":2,"vhost":true,"sndbuf":1600,"id":"hostnet0"}`,
      `-device {"driver":"virtio-net-pci","mq":true,"vectors":6,"netdev":"hostnet0","id":"net0","mac":"52:54:00:d6:c0:0c","bus":"pci.0","addr":"0x4"}`,
      `-netdev {"type":"tap","ifname":"vf-guest-1","script":"no","downscript":"no","id":"hostnet1"}`,
      `-device {"driver":"virtio-net-pci","netdev":"hostnet1","id":"net1","mac":"52:54:00:d6:c0:0d","bus":"pci.0","addr":"0x5"}`,
    ]);
  });

  it('refuses a tap backend without a device name when fds are not passed', () => {
    const def = kvmDomain(`<interface type='ethernet'><mac address='52:54:00:d6:c0:0b'/><model type='virtio'/><alias name='net0'/>${pci(3)}</interface>`);
    expect(() => runSection(buildNetworks, def, virtformCtx())).toThrow("internal error: interface 'net0' has no host tap device name (target dev) to attach to");
  });

  it('connects vhost-user through a socket chardev that waits in server mode', () => {
    const def = domainWith(`${ROOT}<interface type='vhostuser'><mac address='52:54:00:ee:96:6b'/><source type='unix' path='/tmp/vhost0.sock' mode='server'/><model type='virtio'/><alias name='net0'/>${pci(2)}</interface>
      <interface type='vhostuser'><mac address='52:54:00:ee:96:6c'/><source type='unix' path='/tmp/vhost1.sock' mode='client'><reconnect enabled='yes' timeout='10'/></source><model type='virtio'/><driver queues='4'/><alias name='net1'/>${pci(3)}</interface>`);
    expect(runSection(buildNetworks, def, harnessCtx())).toEqual([
      '-chardev socket,id=charnet0,path=/tmp/vhost0.sock,server=on',
      `-netdev {"type":"vhost-user","chardev":"charnet0","id":"hostnet0"}`,
      `-device {"driver":"virtio-net-pci","netdev":"hostnet0","id":"net0","mac":"52:54:00:ee:96:6b","bus":"pci.0","addr":"0x2"}`,
      '-chardev socket,id=charnet1,path=/tmp/vhost1.sock,reconnect=10',
      `-netdev {"type":"vhost-user","chardev":"charnet1","queues":4,"id":"hostnet1"}`,
      `-device {"driver":"virtio-net-pci","mq":true,"vectors":10,"netdev":"hostnet1","id":"net1","mac":"52:54:00:ee:96:6c","bus":"pci.0","addr":"0x3"}`,
    ]);
  });

  it('passes a vDPA device as an fd set (libvirt) or by path (virtform)', () => {
    const xml = `${ROOT}<interface type='vdpa'><mac address='52:54:00:95:db:c0'/><source dev='/dev/vhost-vdpa-0'/><model type='virtio'/><driver queues='2'/><alias name='net0'/>${pci(2)}</interface>`;
    expect(runSection(buildNetworks, domainWith(xml), harnessCtx())).toEqual([
      '-add-fd set=0,fd=1732,opaque=net0-vdpa',
      `-netdev {"type":"vhost-vdpa","vhostdev":"/dev/fdset/0","queues":2,"id":"hostnet0"}`,
      `-device {"driver":"virtio-net-pci","mq":true,"vectors":6,"netdev":"hostnet0","id":"net0","mac":"52:54:00:95:db:c0","bus":"pci.0","addr":"0x2"}`,
    ]);
    expect(runSection(buildNetworks, domainWith(xml), virtformCtx())[0]).toBe(`-netdev {"type":"vhost-vdpa","vhostdev":"/dev/vhost-vdpa-0","queues":2,"id":"hostnet0"}`);
  });

  it('maps socket backends to QEMU socket netdevs', () => {
    const def = domainWith(`${ROOT}
      <interface type='server'><mac address='52:54:00:00:00:01'/><source address='127.0.0.1' port='1234'/><model type='e1000'/><alias name='net0'/>${pci(2)}</interface>
      <interface type='client'><mac address='52:54:00:00:00:02'/><source address='127.0.0.1' port='1234'/><model type='e1000e'/><alias name='net1'/>${pci(3)}</interface>
      <interface type='mcast'><mac address='52:54:00:00:00:03'/><source address='230.0.0.1' port='5558'/><model type='rtl8139'/><alias name='net2'/>${pci(4)}</interface>
      <interface type='udp'><mac address='52:54:00:00:00:04'/><source address='192.168.10.1' port='5555'><local address='192.168.10.1' port='5556'/></source><model type='rtl8139'/><alias name='net3'/>${pci(5)}</interface>
      <interface type='server'><mac address='52:54:00:00:00:05'/><source port='2015'/><model type='rtl8139'/><alias name='net4'/>${pci(6)}</interface>`);
    expect(runSection(buildNetworks, def, harnessCtx()).filter((a) => a.startsWith('-netdev'))).toEqual([
      `-netdev {"type":"socket","listen":"127.0.0.1:1234","id":"hostnet0"}`,
      `-netdev {"type":"socket","connect":"127.0.0.1:1234","id":"hostnet1"}`,
      `-netdev {"type":"socket","mcast":"230.0.0.1:5558","id":"hostnet2"}`,
      `-netdev {"type":"socket","udp":"192.168.10.1:5555","localaddr":"192.168.10.1:5556","id":"hostnet3"}`,
      `-netdev {"type":"socket","listen":":2015","id":"hostnet4"}`,
    ]);
  });

  it('connects passt through its per-interface socket', () => {
    const def = domainWith(`${ROOT}<interface type='user'><mac address='00:11:22:33:44:55'/><backend type='passt'/><model type='virtio'/><alias name='net0'/>${pci(2)}</interface>`);
    const ctx = harnessCtx({ config: { passtStateDir: '/run/user/1000/libvirt/qemu/run/passt' } });
    expect(runSection(buildNetworks, def, ctx)[0]).toBe(
      `-netdev {"type":"stream","addr":{"type":"unix","path":"/run/user/1000/libvirt/qemu/run/passt/-1-guest-net0.socket"},"server":false,"id":"hostnet0"}`,
    );
  });

  it('gives slirp the guest network and host port forwards (virtform extension)', () => {
    const def = domainWith(`${ROOT}<interface type='user'><mac address='00:11:22:33:44:55'/>
      <ip family='ipv4' address='172.17.2.0' prefix='24'/><ip family='ipv6' address='2001:db8:ac10:fd01::' prefix='64'/>
      <portForward proto='tcp' address='127.0.0.1'><range start='2222' to='22'/></portForward>
      <portForward proto='udp'><range start='5000' end='5001'/></portForward>
      <model type='virtio'/><alias name='net0'/>${pci(2)}</interface>`);
    expect(runSection(buildNetworks, def, virtformCtx())[0]).toBe(
      `-netdev {"type":"user","net":"172.17.2.0/24","ipv6-prefix":"2001:db8:ac10:fd01::","ipv6-prefixlen":64,` +
        `"hostfwd":[{"str":"tcp:127.0.0.1:2222-:22"},{"str":"udp::5000-:5000"},{"str":"udp::5001-:5001"}],"id":"hostnet0"}`,
    );
  });

  it('leaves hostdev interfaces to the hostdev section (network boot then belongs to the VF, not to a later NIC)', () => {
    const def = parseDomainXml(`<domain type='qemu'><name>guest</name><memory unit='KiB'>219100</memory>
      <os><type arch='x86_64' machine='pc'>hvm</type><boot dev='cdrom'/><boot dev='network'/></os><devices>${ROOT}
      <interface type='hostdev' managed='yes'><mac address='00:11:22:33:44:55'/><source><address type='pci' domain='0x0000' bus='0x03' slot='0x07' function='0x1'/></source><alias name='hostdev0'/>${pci(2)}</interface>
      <interface type='user'><mac address='00:11:22:33:44:11'/><model type='virtio'/><alias name='net1'/>${pci(3)}</interface>
      <interface type='user'><mac address='00:11:22:33:44:22'/><model type='virtio'/><alias name='net2'/>${pci(4)}</interface>
      </devices></domain>`);
    expect(runSection(buildNetworks, def, harnessCtx())).toEqual([
      `-netdev {"type":"user","id":"hostnet1"}`,
      `-device {"driver":"virtio-net-pci","netdev":"hostnet1","id":"net1","mac":"00:11:22:33:44:11","bus":"pci.0","addr":"0x3"}`,
      `-netdev {"type":"user","id":"hostnet2"}`,
      `-device {"driver":"virtio-net-pci","netdev":"hostnet2","id":"net2","mac":"00:11:22:33:44:22","bus":"pci.0","addr":"0x4"}`,
    ]);
  });

  it('boots the first NIC at the place of network in <os><boot>', () => {
    const def = parseDomainXml(`<domain type='qemu'><name>guest</name><memory unit='KiB'>219100</memory>
      <os><type arch='x86_64' machine='pc'>hvm</type><boot dev='cdrom'/><boot dev='network'/></os><devices>${ROOT}
      <interface type='user'><mac address='00:11:22:33:44:11'/><model type='virtio'/><alias name='net0'/>${pci(3)}</interface>
      <interface type='user'><mac address='00:11:22:33:44:22'/><model type='virtio'/><alias name='net1'/>${pci(4)}</interface>
      </devices></domain>`);
    expect(runSection(buildNetworks, def, harnessCtx()).filter((a) => a.startsWith('-device'))).toEqual([
      `-device {"driver":"virtio-net-pci","netdev":"hostnet0","id":"net0","mac":"00:11:22:33:44:11","bootindex":2,"bus":"pci.0","addr":"0x3"}`,
      `-device {"driver":"virtio-net-pci","netdev":"hostnet1","id":"net1","mac":"00:11:22:33:44:22","bus":"pci.0","addr":"0x4"}`,
    ]);
  });

  it('gives the hostdev section the VF of a hostdev interface, with the network boot index and failover pair', () => {
    const def = parseDomainXml(`<domain type='kvm'><name>guest</name><memory unit='KiB'>219100</memory>
      <os><type arch='x86_64' machine='pc'>hvm</type><boot dev='network'/></os><devices>${ROOT}
      <interface type='hostdev' managed='yes'><mac address='00:11:22:33:44:55'/><source><address type='pci' domain='0x0000' bus='0x03' slot='0x07' function='0x1'/></source>
        <teaming type='transient' persistent='ua-backup0'/><alias name='hostdev0'/>${pci(5)}</interface>
      </devices></domain>`);
    const cmd = new QemuCommandLine('/usr/bin/qemu-system-x86_64');
    buildHostdevInterfaces(cmd, def);
    expect(cmd.args).toEqual([
      '-device',
      `{"driver":"vfio-pci","host":"0000:03:07.1","id":"hostdev0","bootindex":1,"failover_pair_id":"ua-backup0","bus":"pci.0","addr":"0x5"}`,
    ]);
  });
});
