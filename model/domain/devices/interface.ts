/**
 * `<interface>`: a guest network interface and how its host side is connected: a libvirt
 * network, a bridge, macvtap (`direct`), a tap device (`ethernet`), user networking (slirp or
 * passt), vhost-user, vDPA, an SR-IOV VF (`hostdev`), QEMU socket backends
 * (server/client/mcast/udp), or nothing (`null`).
 *
 *   <interface type='network'>
 *     <mac address='52:54:00:8b:1a:2c'/>
 *     <source network='default'/>
 *     <model type='virtio'/>
 *     <driver name='vhost' queues='4'/>
 *     <address type='pci' domain='0x0000' bus='0x01' slot='0x00' function='0x0'/>
 *   </interface>
 */
import * as X from '../../schema';
import { Type, type Static, type TProperties, type TString } from '@sinclair/typebox';
import type { ModelIssue } from '../../errors';
import { deviceInfo } from './device-info';
import { deviceIssue } from './device-issue';
import { virtioOptions } from './virtio-options';
import { Reconnect } from './reconnect';
import { HostSourceAddress, UsbId } from './hostdev';
import { VirtualPort } from './virtual-port';
import { Bandwidth } from '../../network/bandwidth';
import { Vlan } from '../../network/vlan';
import { NetIp, NetRoute } from './net-ip';
import { Teaming } from './teaming';

export const InterfaceType = X.enumOf(
  'user', 'ethernet', 'vhostuser', 'server', 'client', 'mcast', 'network', 'bridge', 'internal',
  'direct', 'hostdev', 'udp', 'vdpa', 'null', 'vds',
);
export type InterfaceType = Static<typeof InterfaceType.schema>;

/** `<mac address='52:54:00:..'/>`. */
export const InterfaceMac = X.element({
  address: X.reqAttr(X.mac()),
  /** ESX: whether the address was generated. */
  type: X.attr(X.enumOf('generated', 'static')),
  /** ESX: whether to check the address is in the VMware range. */
  check: X.attr(X.yesNo()),
});

/** `<local address='127.0.0.1' port='1235'/>`: the local end of a udp socket backend. */
export const InterfaceSourceLocal = X.element({
  address: X.attr(X.str()),
  port: X.attr(X.uint({ max: 65535 })),
});

/** NIC models libvirt knows by name; it matches them case-insensitively and prints them like this. */
export const KNOWN_NET_MODELS = [
  'netfront', 'rtl8139', 'virtio', 'e1000', 'e1000e', 'virtio-transitional', 'virtio-non-transitional', 'usb-net',
  'spapr-vlan', 'lan9118', 'scm91c111', 'vlance', 'vmxnet', 'vmxnet2', 'vmxnet3', 'Am79C970A', 'Am79C973',
  '82540EM', '82545EM', '82543GC',
] as const;

/** A NIC model name: a known model in libvirt's spelling (`ViRtIo` → `virtio`), or any other name as written. */
function netModelCodec(): X.ValueCodec<TString> {
  const known = new Map<string, string>(KNOWN_NET_MODELS.map((m) => [m.toLowerCase(), m]));
  return {
    schema: Type.String({ pattern: '^[a-zA-Z0-9\\-_]+$' }),
    describe: 'a NIC model name (letters, digits, - and _)',
    parse(raw) {
      if (!/^[a-zA-Z0-9\-_]+$/.test(raw)) throw new X.CodecError('must be a NIC model name (letters, digits, - and _)');
      return known.get(raw.toLowerCase()) ?? raw;
    },
    format: (v) => v,
  };
}

const VDS_ORDER = ['switchid', 'portid', 'portgroupid', 'connectionid'];

/** `<source>` of an interface; which attributes apply depends on the interface `type`. */
export const InterfaceSource = X.element(
  {
    /** network: the libvirt network. */
    network: X.attr(X.str()),
    portgroup: X.attr(X.str()),
    /** network: the port's UUID in the network driver; vds: the switch port number. */
    portid: X.attr(X.str()),
    /** bridge: the host bridge (also reported for network interfaces of running domains). */
    bridge: X.attr(X.str()),
    macTableManager: X.attr(X.enumOf('kernel', 'libvirt')),
    /** vhostuser: 'unix'. */
    type: X.attr(X.enumOf('unix')),
    /** vhostuser: the socket. */
    path: X.attr(X.str()),
    /** direct: host interface to attach macvtap to; vdpa: the vhost-vdpa character device; user: passt's host interface. */
    dev: X.attr(X.str()),
    /** direct: vepa, bridge, private, passthrough; vhostuser: server or client. */
    mode: X.attr(X.enumOf('vepa', 'bridge', 'private', 'passthrough', 'server', 'client')),
    /** server/client/mcast/udp. */
    address: X.attr(X.str()),
    port: X.attr(X.uint({ max: 65535 })),
    /** internal (VirtualBox): the internal network name. */
    name: X.attr(X.str()),
    /** vds (ESX distributed switch). */
    switchid: X.attr(X.uuid()),
    portgroupid: X.attr(X.str()),
    connectionid: X.attr(X.int()),
    /** hostdev: the USB device was unplugged (running domains). */
    missing: X.attr(X.yesNo()),
    local: X.child(InterfaceSourceLocal),
    /** ethernet: host-side addresses and routes of the tap device. */
    ips: X.children(NetIp, { xml: 'ip' }),
    routes: X.children(NetRoute, { xml: 'route' }),
    reconnect: X.child(Reconnect),
    vendor: X.child(UsbId),
    product: X.child(UsbId),
    /** hostdev: the VF's host address, `<address type='pci' .../>`. */
    hostAddress: X.child(HostSourceAddress, { xml: 'address' }),
  },
  {
    write(w, name, v: Record<string, unknown>, writeDefault) {
      if (v.switchid === undefined) return writeDefault(w, name, v);
      // vds sources print their switch coordinates in this order.
      const attrs: [string, string | number | undefined][] = VDS_ORDER.map((k) => [k, v[k] as string | number | undefined]);
      w.empty(name, attrs);
    },
  },
);
export type InterfaceSource = Static<typeof InterfaceSource>;

const offload = () => X.attr(X.onOff());

/** `<host>` of a virtio driver: offloads the host side (tap/vhost) performs. */
export const InterfaceDriverHost = X.element({
  csum: offload(),
  gso: offload(),
  tso4: offload(),
  tso6: offload(),
  ecn: offload(),
  ufo: offload(),
  mrgRxbuf: X.attr(X.onOff(), { xml: 'mrg_rxbuf' }),
});

/** `<guest>` of a virtio driver: offloads offered to the guest. */
export const InterfaceDriverGuest = X.element({
  csum: offload(),
  tso4: offload(),
  tso6: offload(),
  ecn: offload(),
  ufo: offload(),
});

/** `<driver>`: virtio-net backend and tuning, or the VF assignment backend of a hostdev interface. */
export const InterfaceDriver = X.element({
  /** virtio: qemu (userspace) or vhost (kernel); hostdev: kvm, vfio or xen. */
  name: X.attr(X.enumOf('qemu', 'vhost', 'kvm', 'vfio', 'xen')),
  txmode: X.attr(X.enumOf('iothread', 'timer')),
  ioeventfd: X.attr(X.onOff()),
  eventIdx: X.attr(X.onOff(), { xml: 'event_idx' }),
  /** Multiqueue: number of queue pairs. */
  queues: X.attr(X.uint({ min: 1 })),
  rxQueueSize: X.attr(X.uint({ min: 1 }), { xml: 'rx_queue_size' }),
  txQueueSize: X.attr(X.uint({ min: 1 }), { xml: 'tx_queue_size' }),
  /** Receive-side scaling in the guest (eBPF steering). */
  rss: X.attr(X.onOff()),
  rssHashReport: X.attr(X.onOff(), { xml: 'rss_hash_report' }),
  ...virtioOptions(),
  host: X.child(InterfaceDriverHost),
  guest: X.child(InterfaceDriverGuest),
});
export type InterfaceDriver = Static<typeof InterfaceDriver>;

/** `<backend>`: host-side helper of the interface: tap/vhost device paths, or passt. */
export const InterfaceBackend = X.element({
  /** 'passt' runs the passt user-mode stack instead of slirp (type='user'). */
  type: X.attr(X.enumOf('passt')),
  /** Tap clone device (default /dev/net/tun). */
  tap: X.attr(X.str()),
  /** vhost-net device (default /dev/vhost-net). */
  vhost: X.attr(X.str()),
  /** passt: log file. */
  logFile: X.attr(X.str()),
});

/** `<range start='2022' end='2030' to='22' exclude='no'/>` of a passt port forward. */
export const PortForwardRange = X.element({
  start: X.reqAttr(X.uint({ max: 65535 })),
  end: X.attr(X.uint({ max: 65535 })),
  to: X.attr(X.uint({ max: 65535 })),
  exclude: X.attr(X.yesNo()),
});

/** `<portForward proto='tcp' address='...' dev='...'>`: host ports forwarded into a passt guest. */
export const PortForward = X.element({
  proto: X.reqAttr(X.enumOf('tcp', 'udp')),
  address: X.attr(X.str()),
  dev: X.attr(X.str()),
  ranges: X.children(PortForwardRange, { xml: 'range' }),
});

/** `<filterref filter='clean-traffic'><parameter name='IP' value='10.0.0.1'/></filterref>`. */
export const FilterParameter = X.element({
  name: X.reqAttr(X.str({ pattern: '^[a-zA-Z0-9_]+$', describe: 'a filter variable name' })),
  value: X.reqAttr(X.str()),
});
export const FilterRef = X.element({
  filter: X.reqAttr(X.str()),
  parameters: X.children(FilterParameter, { xml: 'parameter' }),
});

/** `<coalesce><rx><frames max='7'/></rx></coalesce>`: interrupt coalescing of the tap device. */
export const Coalesce = X.element({
  rx: X.child(X.element({ frames: X.child(X.element({ max: X.attr(X.uint()) })) })),
});

const { boot, alias, rom, acpi, address } = deviceInfo();

const interfaceProps = {
  type: X.attr(InterfaceType),
  /** hostdev: libvirt detaches the VF from its host driver (default yes when printed). */
  managed: X.attr(X.yesNo()),
  /** Trust the guest's RX filter changes (MAC, multicast) and mirror them on the host. */
  trustGuestRxFilters: X.attr(X.yesNo()),
  mac: X.child(InterfaceMac),
  source: X.child(InterfaceSource),
  vlan: X.child(Vlan),
  virtualport: X.child(VirtualPort),
  bandwidth: X.child(Bandwidth),
  /** `<port isolated='yes'/>`: no traffic to other isolated ports on the same bridge. */
  port: X.child(X.element({ isolated: X.attr(X.yesNo()) })),
  /** Guest-side addresses (user/passt, containers). */
  ips: X.children(NetIp, { xml: 'ip' }),
  routes: X.children(NetRoute, { xml: 'route' }),
  portForwards: X.children(PortForward, { xml: 'portForward' }),
  /** ethernet/bridge: script run when the tap device is created. */
  script: X.child(X.element({ path: X.reqAttr(X.str()) })),
  downscript: X.child(X.element({ path: X.reqAttr(X.str()) })),
  backenddomain: X.child(X.element({ name: X.reqAttr(X.str()) })),
  /** Host-side device name; `managed='no'` uses an existing tap/macvtap device. */
  target: X.child(X.element({ dev: X.reqAttr(X.str()), managed: X.attr(X.yesNo()) })),
  /** Containers: interface name inside the guest. */
  guest: X.child(X.element({ dev: X.attr(X.str()), actual: X.attr(X.str()) })),
  /** NIC model: virtio, e1000e, rtl8139, ... */
  model: X.child(X.element({ type: X.reqAttr(netModelCodec()) })),
  driver: X.child(InterfaceDriver),
  backend: X.child(InterfaceBackend),
  filterref: X.child(FilterRef),
  /** `<tune><sndbuf>`: tap send buffer, bytes. */
  tune: X.child(X.element({ sndbuf: X.textChild(X.uint()) })),
  teaming: X.child(Teaming),
  link: X.child(X.element({ state: X.reqAttr(X.enumOf('up', 'down')) })),
  /** Bytes. */
  mtu: X.child(X.element({ size: X.reqAttr(X.uint({ max: 65535 })) })),
  coalesce: X.child(Coalesce),
  boot,
  alias,
  rom,
  acpi,
  address,
};

/** A hostdev interface prints its VF driver before `<source>`, as a `<hostdev>` does. */
const { type, managed, trustGuestRxFilters, mac, driver, ...rest } = interfaceProps;
const HostdevInterfaceLayout = X.element({ type, managed, trustGuestRxFilters, mac, driver, ...rest } as TProperties);

export const Interface = X.element(interfaceProps, {
  write(w, name, v, writeDefault) {
    if (v.type === 'hostdev') X.writeObject(w, name, HostdevInterfaceLayout, v);
    else writeDefault(w, name, v);
  },
});
export type Interface = Static<typeof Interface>;

const VIRTIO_NET_MODELS = new Set(['virtio', 'virtio-transitional', 'virtio-non-transitional']);

/** The interface's MAC as libvirt names the interface in messages. */
function macOf(net: Interface): string {
  return net.mac?.address ?? '(generated MAC)';
}

/**
 * The rules libvirt enforces for one interface whatever the hypervisor, in libvirt's order
 * (messages as libvirt words them). For types other than `network` the connection type is known
 * up front, so the rules libvirt checks once a network port is allocated (VLAN tags, bandwidth
 * on hostdev) are checked here too.
 */
export function validateInterface(net: Interface, label?: string): ModelIssue[] {
  const at = (obj: unknown, problem: string, fix: string, prop?: string, xmlName?: string) => [deviceIssue(obj, problem, { label, fix, prop, xmlName })];
  const type = net.type ?? 'user';
  const src = net.source;
  if ((src?.ips?.length || src?.routes?.length) && type !== 'ethernet') {
    return at(
      src,
      `Invalid attempt to set network interface host-side IP route and/or address info on interface of type '${type}'. This is only supported on interfaces of type 'ethernet'`,
      'move <ip>/<route> out of <source> (guest side) or use type ethernet',
    );
  }
  if (net.target?.managed === 'no' && type !== 'ethernet') {
    return at(net.target, `unmanaged target dev is not supported on interfaces of type '${type}'`, "remove managed='no'", 'managed', '@managed');
  }
  const team = net.teaming;
  if (team) {
    if (team.type === 'transient' && !team.persistent) {
      return at(team, "teaming persistent attribute must be set if teaming type is 'transient'", "add persistent='ua-...' naming the virtio interface's alias");
    }
    if (team.type !== 'transient' && team.persistent) {
      return at(team, `teaming persistent attribute not allowed if teaming type is '${team.type ?? ''}'`, 'remove persistent', 'persistent', '@persistent');
    }
  }
  const portRules = isolatedPortRules(net, type, label);
  if (portRules.length) return portRules;
  if (!(net.model && VIRTIO_NET_MODELS.has(net.model.type)) && net.driver) {
    const drv = net.driver;
    const checks: [unknown, string, string][] = [
      [drv.iommu, 'iommu driver option is only supported for virtio devices', '@iommu'],
      [drv.ats, 'ats driver option is only supported for virtio devices', '@ats'],
      [drv.packed, 'packed driver option is only supported for virtio devices', '@packed'],
      [drv.pagePerVq, 'page_per_vq option is only supported for virtio devices', '@page_per_vq'],
    ];
    for (const [v, problem, xmlName] of checks) if (v !== undefined) return at(drv, problem, "remove it or use <model type='virtio'/>", undefined, xmlName);
  }
  if (type !== 'network') {
    if (net.vlan && !(type === 'hostdev' || (type === 'direct' && src?.mode === 'passthrough') || (type === 'bridge' && net.virtualport?.type === 'openvswitch'))) {
      return at(net.vlan, `interface ${macOf(net)} - vlan tag not supported for this connection type`, 'use vlan tags only with hostdev, macvtap passthrough or Open vSwitch bridges');
    }
    if (net.bandwidth && type === 'hostdev') {
      return at(net.bandwidth, `interface ${macOf(net)} - bandwidth settings are not supported for hostdev interfaces`, 'remove <bandwidth>');
    }
  }
  return [];
}

/**
 * A custom tap device (`<backend tap=...>`) only makes sense for tap-based connections
 * (ethernet, network, bridge). libvirt accepts the definition and refuses it when the domain
 * starts (QEMU driver), so this is not part of validateInterface; the QEMU provider checks it.
 */
export function validateTapBackend(net: Interface, label?: string): ModelIssue[] {
  const type = net.type ?? 'user';
  if (net.backend?.tap === undefined || type === 'ethernet' || type === 'network' || type === 'bridge') return [];
  return [
    deviceIssue(net.backend, `interface ${macOf(net)} - custom tap device path is not supported for network interfaces of type ${type}`, {
      label,
      prop: 'tap',
      xmlName: '@tap',
      fix: 'remove tap from <backend>',
    }),
  ];
}

function isolatedPortRules(net: Interface, type: InterfaceType, label?: string): ModelIssue[] {
  if (net.port?.isolated !== 'yes') return [];
  if (type !== 'network' && type !== 'bridge') {
    return [
      deviceIssue(net.port, `interface ${macOf(net)} - <port isolated='yes'/> is not supported for network interfaces with type='${type}'`, {
        label,
        fix: "use port isolation only with type='network' or type='bridge'",
      }),
    ];
  }
  if (net.virtualport?.type) {
    return [
      deviceIssue(net.port, `interface ${macOf(net)} - <port isolated='yes'/> is not supported for network interfaces with virtualport type='${net.virtualport.type}'`, {
        label,
        fix: 'remove <virtualport> or the port isolation',
      }),
    ];
  }
  return [];
}

/** Each interface's rules, in document order. */
export function validateInterfaces(nets: readonly Interface[], label?: string): ModelIssue[] {
  for (const [i, n] of nets.entries()) {
    const own = validateInterface(n, label ? `${label}/${i}` : undefined);
    if (own.length) return own;
  }
  return [];
}

export interface InterfaceDefaultsOptions {
  /**
   * Generates a MAC address for an interface that has none (libvirt makes one up in
   * 52:54:00:xx:xx:xx). The model is pure, so the caller supplies randomness; without it the
   * MAC stays absent.
   */
  readonly newMac?: () => string;
}

/** libvirt's generic defaults for an interface (in place): type `user`, a generated MAC. */
export function applyInterfaceDefaults(net: Interface, opts: InterfaceDefaultsOptions = {}): void {
  net.type ??= 'user';
  if (net.mac === undefined && opts.newMac) net.mac = { address: opts.newMac() };
}
