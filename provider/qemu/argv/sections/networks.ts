/**
 * Network interfaces: per interface its host side (`-chardev` of vhost-user, `-add-fd` of a
 * vDPA device), the `-netdev` backend, then the guest NIC `-device`:
 *
 *   user       {"type":"user","id":"hostnet0"}        (passt: a "stream" netdev on passt's socket)
 *   ethernet, bridge, network, direct
 *              {"type":"tap","fd":"3","vhost":true,"vhostfd":"44","id":"hostnet0"}   (libvirt opens the tap)
 *              {"type":"tap","ifname":"vnet0","script":"no","downscript":"no","vhost":true,"id":"hostnet0"}
 *                                                    (virtform: the executor created tap `vnet0`)
 *   vhostuser  {"type":"vhost-user","chardev":"charnet0","id":"hostnet0"}
 *   vdpa       {"type":"vhost-vdpa","vhostdev":"/dev/fdset/0","id":"hostnet0"}
 *   server/client/mcast/udp
 *              {"type":"socket","listen":"127.0.0.1:1234","id":"hostnet0"}
 *
 *   -device {"driver":"virtio-net-pci",<virtio options>,<tuning>,"netdev":"hostnet0","id":"net0",
 *            "mac":"52:54:00:..","bootindex":2,"bus":"pci.0","addr":"0x3",<rom>}
 *
 * `hostdev` interfaces are PCI/USB assignments: the hostdev section puts them on the command line.
 * vhost-net is used for virtio NICs of KVM guests on tap backends unless `<driver name='qemu'>`.
 *
 * Owner: devices engineer.
 */
import type { Domain } from '../../../../model/domain/domain';
import type { Interface } from '../../../../model/domain/devices/interface';
import type { QemuCommandLine } from '../command-line';
import type { ArgvContext } from '../context';
import type { ArgvState } from '../build';
import { addChardev, addFdSet, configString } from '../chardev-backend';
import { addAddressProps } from '../device-address';
import { addDeviceJson } from '../device-json';
import { virtioDeviceProps } from '../virtio-device';
import { internalError, unsupported } from '../../validate/errors';

/**
 * The fds libvirt's test harness gets for a tap device's queues and their vhost-net devices
 * (its mocks hand out stderr+1+i and stderr+42+i), and for a vDPA device.
 */
export const TEST_NET_FD = { tap: 3, vhost: 44, vdpa: 1732 } as const;

const VIRTIO_MODELS = new Set(['virtio', 'virtio-transitional', 'virtio-non-transitional']);

/** True for the virtio-net models. */
export function isVirtioNet(iface: Interface): boolean {
  return VIRTIO_MODELS.has(netModel(iface));
}

/** The NIC model: as written, or QEMU's per-architecture default (rtl8139 on x86 PCs). */
export function netModel(iface: Interface, def?: Domain): string {
  const m = iface.model?.type;
  if (m) return m;
  const arch = def?.os?.type.arch;
  if (arch === 'aarch64' || arch === 'armv7l' || arch === 's390x' || arch === 'riscv64') return 'virtio';
  if (arch === 'ppc64' || arch === 'ppc64le') return 'spapr-vlan';
  return 'rtl8139';
}

/** Host backends that are tap devices. */
function isTapBackend(type: string): boolean {
  return type === 'ethernet' || type === 'bridge' || type === 'network' || type === 'direct';
}

/** Whether the tap backend of `iface` is paired with vhost-net (in-kernel virtio data path). */
export function usesVhostNet(def: Domain, iface: Interface): boolean {
  if (def.type !== 'kvm') return false;
  if (iface.driver?.name === 'qemu') return false;
  if (!isVirtioNet(iface)) {
    if (iface.driver?.name === 'vhost') throw unsupported('vhost-net is only supported for virtio network interfaces');
    return false;
  }
  return true;
}

/** The interface's alias (`net0`, `ua-mynic`). */
function netAlias(iface: Interface, index: number): string {
  return iface.alias?.name ?? `net${index}`;
}

/** `<shortName>` libvirt uses in per-domain file names: `<id>-<first 20 chars of the name>`. */
function domainShortName(def: Domain, ctx: ArgvContext): string {
  return `${ctx.domainId}-${def.name.slice(0, 20)}`;
}

/** Slirp host forwards (a virtform extension: libvirt forwards ports only with passt). */
function slirpHostForwards(iface: Interface): { str: string }[] {
  const out: { str: string }[] = [];
  for (const pf of iface.portForwards ?? []) {
    const addr = pf.address ?? '';
    for (const r of pf.ranges ?? []) {
      if (r.exclude === 'yes') continue;
      const end = r.end ?? r.start;
      for (let port = r.start; port <= end; port++) {
        const guestPort = r.to !== undefined ? r.to + (port - r.start) : port;
        out.push({ str: `${pf.proto}:${addr}:${port}-:${guestPort}` });
      }
    }
  }
  return out;
}

/** The `-netdev` properties of `iface`'s host side (may first add `-chardev`/`-add-fd`). */
function netdevProps(cmd: QemuCommandLine, def: Domain, iface: Interface, alias: string, ctx: ArgvContext, state: ArgvState): Record<string, unknown> {
  const type = iface.type ?? 'user';
  const src = iface.source;
  const queues = iface.driver?.queues ?? 1;
  let props: Record<string, unknown>;
  if (isTapBackend(type)) {
    const vhost = usesVhostNet(def, iface);
    if (ctx.fdPassing === 'test-fds') {
      const fds = Array.from({ length: queues }, (_, i) => String(TEST_NET_FD.tap + i));
      props = { type: 'tap', [queues > 1 ? 'fds' : 'fd']: fds.join(':') };
      if (vhost) {
        const vfds = Array.from({ length: queues }, (_, i) => String(TEST_NET_FD.vhost + i));
        props.vhost = true;
        props[queues > 1 ? 'vhostfds' : 'vhostfd'] = vfds.join(':');
      }
    } else {
      const ifname = iface.target?.dev;
      if (!ifname) throw internalError(`interface '${alias}' has no host tap device name (target dev) to attach to`);
      props = { type: 'tap', ifname, script: 'no', downscript: 'no' };
      if (queues > 1) props.queues = queues;
      if (vhost) props.vhost = true;
    }
    if (iface.tune?.sndbuf !== undefined) props.sndbuf = iface.tune.sndbuf;
  } else {
    switch (type) {
      case 'user':
        if (iface.backend?.type === 'passt') {
          const dir = configString(ctx, 'passtStateDir') ?? `${ctx.paths.runDir}/passt`;
          props = {
            type: 'stream',
            addr: { type: 'unix', path: `${dir}/${domainShortName(def, ctx)}-${alias}.socket` },
            server: false,
          };
        } else {
          props = { type: 'user' };
          for (const ip of iface.ips ?? []) {
            if (ip.address.includes(':')) {
              props['ipv6-prefix'] = ip.address;
              if (ip.prefix) props['ipv6-prefixlen'] = ip.prefix;
            } else {
              props.net = ip.prefix ? `${ip.address}/${ip.prefix}` : ip.address;
            }
          }
          const fwd = slirpHostForwards(iface);
          if (fwd.length) props.hostfwd = fwd;
        }
        break;
      case 'internal':
        props = { type: 'user' };
        break;
      case 'client':
        props = { type: 'socket', connect: `${src?.address ?? ''}:${src?.port ?? ''}` };
        break;
      case 'server':
        props = { type: 'socket', listen: `${src?.address ?? ''}:${src?.port ?? ''}` };
        break;
      case 'mcast':
        props = { type: 'socket', mcast: `${src?.address ?? ''}:${src?.port ?? ''}` };
        break;
      case 'udp':
        props = {
          type: 'socket',
          udp: `${src?.address ?? ''}:${src?.port ?? ''}`,
          localaddr: `${src?.local?.address ?? ''}:${src?.local?.port ?? ''}`,
        };
        break;
      case 'vhostuser': {
        const charId = `char${alias}`;
        const chr = {
          type: 'unix' as const,
          sources: [{ mode: src?.mode === 'server' ? ('bind' as const) : ('connect' as const), path: src?.path, reconnect: src?.reconnect }],
        };
        addChardev(cmd, chr, charId, ctx, state, { deviceAlias: alias, passFds: false, wait: true, tlsAllowed: false });
        props = { type: 'vhost-user', chardev: charId };
        if (queues > 1) props.queues = queues;
        break;
      }
      case 'vdpa': {
        const dev = ctx.fdPassing === 'test-fds' ? addFdSet(cmd, state, TEST_NET_FD.vdpa, `${alias}-vdpa`) : src?.dev ?? '';
        props = { type: 'vhost-vdpa', vhostdev: dev };
        if (queues > 1) props.queues = queues;
        break;
      }
      default:
        throw unsupported(`Unsupported network type '${type}'`);
    }
  }
  props.id = `host${alias}`;
  return props;
}

/** The boot index of the NIC: its `<boot order>`, or the place of `network` in `<os><boot dev>` for the first NIC. */
function netBootIndex(def: Domain, iface: Interface, index: number): number | undefined {
  if (iface.boot?.order !== undefined) return iface.boot.order;
  if (index !== 0) return undefined;
  const boots = def.os?.boots ?? [];
  const pos = boots.findIndex((b) => b.dev === 'network');
  return pos >= 0 ? pos + 1 : undefined;
}

/** `rombar`/`romfile` of a device's `<rom>` (a disabled ROM is an empty romfile). */
export function addRomProps(props: Record<string, unknown>, rom: Interface['rom']): Record<string, unknown> {
  if (!rom || (rom.enabled === undefined && rom.bar === undefined && rom.file === undefined)) return props;
  if (rom.enabled === 'no') {
    props.romfile = '';
    return props;
  }
  if (rom.bar !== undefined) props.rombar = rom.bar === 'on' ? 1 : 0;
  if (rom.file !== undefined) props.romfile = rom.file;
  return props;
}

const onOff = (v: 'on' | 'off' | undefined): boolean | undefined => (v === undefined ? undefined : v === 'on');

/** Sets `key` when `value` is defined. */
function put(props: Record<string, unknown>, key: string, value: unknown): void {
  if (value !== undefined) props[key] = value;
}

/** The guest NIC `-device` properties. */
export function nicDeviceProps(def: Domain, iface: Interface, alias: string, index: number, ctx: ArgvContext): Record<string, unknown> {
  const model = netModel(iface, def);
  let props: Record<string, unknown>;
  if (VIRTIO_MODELS.has(model)) {
    const d = iface.driver;
    props = virtioDeviceProps('virtio-net', { address: iface.address, model }, d, ctx.caps);
    put(props, 'tx', d?.txmode === 'iothread' ? 'bh' : d?.txmode);
    put(props, 'ioeventfd', onOff(d?.ioeventfd));
    put(props, 'event_idx', onOff(d?.eventIdx));
    put(props, 'csum', onOff(d?.host?.csum));
    put(props, 'gso', onOff(d?.host?.gso));
    put(props, 'host_tso4', onOff(d?.host?.tso4));
    put(props, 'host_tso6', onOff(d?.host?.tso6));
    put(props, 'host_ecn', onOff(d?.host?.ecn));
    put(props, 'host_ufo', onOff(d?.host?.ufo));
    put(props, 'mrg_rxbuf', onOff(d?.host?.mrgRxbuf));
    put(props, 'guest_csum', onOff(d?.guest?.csum));
    put(props, 'guest_tso4', onOff(d?.guest?.tso4));
    put(props, 'guest_tso6', onOff(d?.guest?.tso6));
    put(props, 'guest_ecn', onOff(d?.guest?.ecn));
    put(props, 'guest_ufo', onOff(d?.guest?.ufo));
    const queues = d?.queues ?? 1;
    if (queues > 1) {
      props.mq = true;
      if (iface.address?.type !== 'ccw') props.vectors = 2 * queues + 2;
    }
    put(props, 'rx_queue_size', d?.rxQueueSize);
    put(props, 'tx_queue_size', d?.txQueueSize);
    put(props, 'rss', onOff(d?.rss));
    put(props, 'hash', onOff(d?.rssHashReport));
    put(props, 'host_mtu', iface.mtu?.size);
    if (iface.teaming?.type === 'persistent') props.failover = true;
  } else {
    props = { driver: model };
  }
  props.netdev = `host${alias}`;
  props.id = alias;
  props.mac = iface.mac?.address;
  put(props, 'bootindex', netBootIndex(def, iface, index));
  addAddressProps(props, def, iface);
  return addRomProps(props, iface.rom);
}

/**
 * The VF of a `hostdev` interface, as the hostdev section puts it first among the host devices
 * (libvirt keeps it in its hostdev list ahead of the `<hostdev>` elements):
 *   {"driver":"vfio-pci","host":"0000:03:07.1","id":"hostdev0","bootindex":1,
 *    "failover_pair_id":"ua-backup0","bus":"pci.0","addr":"0x2"}
 * The MAC address and VLAN are set on the VF by the host, not by QEMU.
 */
export function hostdevInterfaceProps(def: Domain, iface: Interface, alias: string, index: number): Record<string, unknown> {
  const a = iface.source?.hostAddress;
  if (a?.type === 'usb') throw unsupported('USB network interfaces of type hostdev are not supported');
  const hex = (n: number | undefined, w: number) => (n ?? 0).toString(16).padStart(w, '0');
  const props: Record<string, unknown> = {
    driver: 'vfio-pci',
    host: `${hex(a?.domain, 4)}:${hex(a?.bus, 2)}:${hex(a?.slot, 2)}.${(a?.function ?? 0).toString(16)}`,
    id: alias,
  };
  put(props, 'bootindex', netBootIndex(def, iface, index));
  if (iface.teaming?.type === 'transient' && iface.teaming.persistent) props.failover_pair_id = iface.teaming.persistent;
  addAddressProps(props, def, iface);
  return addRomProps(props, iface.rom);
}

/** `-device` of every hostdev interface, in domain order (called by the hostdev section). */
export function buildHostdevInterfaces(cmd: QemuCommandLine, def: Domain): void {
  (def.devices?.interfaces ?? []).forEach((iface, i) => {
    if (iface.type !== 'hostdev') return;
    addDeviceJson(cmd, def, hostdevInterfaceProps(def, iface, iface.alias?.name ?? `hostdev${i}`, i));
  });
}

export function buildNetworks(cmd: QemuCommandLine, def: Domain, ctx: ArgvContext, state: ArgvState): void {
  (def.devices?.interfaces ?? []).forEach((iface, i) => {
    const type = iface.type ?? 'user';
    if (type === 'hostdev' || type === 'null' || type === 'vds') return;
    const alias = netAlias(iface, i);
    cmd.addJson('-netdev', netdevProps(cmd, def, iface, alias, ctx, state));
    addDeviceJson(cmd, def, nicDeviceProps(def, iface, alias, i, ctx));
  });
}
