/**
 * `<hostdev>`: a host device handed to the guest: a PCI function (VFIO), a USB device, a SCSI LUN
 * (host adapter or iSCSI), a vhost-scsi target (`scsi_host`), a mediated device (`mdev`), or, in
 * `capabilities` mode (containers), a block/char device or network interface.
 *
 *   <hostdev mode='subsystem' type='pci' managed='yes'>
 *     <driver name='vfio'/>
 *     <source>
 *       <address domain='0x0000' bus='0x06' slot='0x12' function='0x5'/>
 *     </source>
 *   </hostdev>
 */
import * as X from '../../schema';
import type { Static } from '@sinclair/typebox';
import type { ModelIssue } from '../../errors';
import { deviceInfo } from './device-info';
import { deviceIssue } from './device-issue';
import { Auth, Initiator } from './storage-source';
import { Teaming } from './teaming';
import { NetIp, NetRoute } from './net-ip';
import { diskBus, effectiveDriveAddress, iscsiNameWithLun, type Disk } from './disk';

const hex = (n: number | undefined, width: number) => (n === undefined ? undefined : '0x' + n.toString(16).padStart(width, '0'));
const num = () => X.uint({ anyBase: true });

/**
 * The host-side address inside a hostdev (or `type='hostdev'` interface) `<source>`. One element
 * for every kind, printed the way libvirt prints each:
 *   PCI   `<address domain='0x0000' bus='0x06' slot='0x12' function='0x5'/>` (hex; with `type='pci'`
 *         when it was given, as inside an interface);
 *   USB   `<address bus='1' device='3'/>`;   SCSI `<address bus='0' target='0' unit='1'/>`;
 *   mdev  `<address uuid='...'/>`;          CCW  `<address cssid='0xfe' ssid='0x0' devno='0x0001'/>`.
 */
export const HostSourceAddress = X.element(
  {
    type: X.attr(X.enumOf('pci', 'usb')),
    domain: X.attr(num()),
    bus: X.attr(num()),
    slot: X.attr(num()),
    function: X.attr(num()),
    /** Accepted on a PCI source address as on any PCI address; libvirt does not print it here. */
    multifunction: X.attr(X.onOff()),
    /** USB device number on `bus`. */
    device: X.attr(num()),
    /** SCSI target and unit on `bus`. */
    target: X.attr(num()),
    unit: X.attr(num()),
    /** mdev UUID. */
    uuid: X.attr(X.uuid()),
    cssid: X.attr(num()),
    ssid: X.attr(num()),
    devno: X.attr(num()),
  },
  {
    write(w, name, a: Record<string, any>) {
      let attrs: [string, string | number | undefined][];
      if (a.uuid !== undefined) attrs = [['uuid', a.uuid]];
      else if (a.device !== undefined || a.type === 'usb') attrs = [['type', a.type], ['bus', a.bus], ['device', a.device]];
      else if (a.target !== undefined || a.unit !== undefined) attrs = [['bus', a.bus], ['target', a.target], ['unit', a.unit]];
      else if (a.devno !== undefined || a.cssid !== undefined) attrs = [['cssid', hex(a.cssid, 0)], ['ssid', hex(a.ssid, 0)], ['devno', hex(a.devno, 4)]];
      else {
        attrs = [
          ['type', a.type],
          ['domain', hex(a.domain ?? 0, 4)],
          ['bus', hex(a.bus ?? 0, 2)],
          ['slot', hex(a.slot ?? 0, 2)],
          ['function', hex(a.function ?? 0, 1)],
        ];
      }
      w.empty(name, attrs);
    },
  },
);
export type HostSourceAddress = Static<typeof HostSourceAddress>;

/** `<vendor id='0x1234'/>`, `<product id='0xbeef'/>` of a USB hostdev. */
export const UsbId = X.element({ id: X.reqAttr(X.hex(4)) });

/** `<adapter name='scsi_host0'/>`: the host SCSI adapter of a SCSI hostdev. */
export const ScsiAdapter = X.element({ name: X.reqAttr(X.str()) });

/** `<host name='example.org' port='3260'/>`: the iSCSI portal of a SCSI hostdev. */
export const IscsiHost = X.element({
  name: X.reqAttr(X.str()),
  port: X.attr(X.uint({ max: 65535 })),
});

/** `<source>` of a hostdev; which parts apply depends on the hostdev `type`. */
export const HostdevSource = X.element({
  /** usb/pci: what to do when the device is missing at start. */
  startupPolicy: X.attr(X.enumOf('mandatory', 'requisite', 'optional')),
  /** usb: when QEMU may reset the device. */
  guestReset: X.attr(X.enumOf('off', 'uninitialized', 'on')),
  /** pci: filter guest writes to the PCI config space. */
  writeFiltering: X.attr(X.yesNo()),
  /** scsi: `adapter` (default) or `iscsi`; scsi_host: `vhost`. */
  protocol: X.attr(X.enumOf('adapter', 'iscsi', 'vhost')),
  /** scsi iscsi: IQN and LUN, `iqn.2014-08.com.example:target/1`. */
  name: X.attr(X.str()),
  /** scsi_host: vhost-scsi target WWPN, `naa.` + 16 hex digits. */
  wwpn: X.attr(X.str({ pattern: '^naa\\.[0-9a-fA-F]{16}$', describe: "a WWPN such as 'naa.5123456789abcde0'" })),
  /** missing='yes': the USB device was unplugged (running domains). */
  missing: X.attr(X.yesNo()),
  /** capabilities storage: the block device. */
  block: X.textChild(X.str({ trim: true })),
  /** capabilities misc: the character device. */
  char: X.textChild(X.str({ trim: true })),
  /** capabilities net: the host interface name. */
  interface: X.textChild(X.str({ trim: true })),
  vendor: X.child(UsbId),
  product: X.child(UsbId),
  adapter: X.child(ScsiAdapter),
  host: X.child(IscsiHost),
  auth: X.child(Auth),
  initiator: X.child(Initiator),
  address: X.child(HostSourceAddress),
});
export type HostdevSource = Static<typeof HostdevSource>;

/** `<driver name='vfio'/>`: PCI device assignment backend. */
export const HostdevDriver = X.element({ name: X.attr(X.enumOf('kvm', 'vfio', 'xen')) });

const { boot, alias, rom, acpi, address } = deviceInfo();

export const Hostdev = X.element({
  mode: X.attr(X.enumOf('subsystem', 'capabilities')),
  type: X.attr(X.enumOf('pci', 'usb', 'scsi', 'scsi_host', 'mdev', 'storage', 'misc', 'net')),
  /** pci/usb: libvirt detaches the device from its host driver and reattaches it afterwards. */
  managed: X.attr(X.yesNo()),
  /** scsi: SG_IO filtering. */
  sgio: X.attr(X.enumOf('filtered', 'unfiltered')),
  /** scsi: allow raw I/O. */
  rawio: X.attr(X.yesNo()),
  /** scsi_host: vhost-scsi flavour; mdev: vfio-pci, vfio-ccw or vfio-ap. */
  model: X.attr(X.enumOf('virtio', 'virtio-transitional', 'virtio-non-transitional', 'vfio-pci', 'vfio-ccw', 'vfio-ap')),
  /** mdev vfio-pci: use the vGPU as a display. */
  display: X.attr(X.onOff()),
  /** mdev vfio-pci with display: also expose a ramfb boot display. */
  ramfb: X.attr(X.onOff()),
  driver: X.child(HostdevDriver),
  source: X.child(HostdevSource),
  /** capabilities net: addresses and routes of the interface. */
  ips: X.children(NetIp, { xml: 'ip' }),
  routes: X.children(NetRoute, { xml: 'route' }),
  /** scsi: read-only LUN. */
  readonly: X.flag(),
  /** scsi: shared with other domains. */
  shareable: X.flag(),
  /** pci: the VF's half of a failover pair with a virtio interface. */
  teaming: X.child(Teaming),
  boot,
  alias,
  rom,
  acpi,
  address,
});
export type Hostdev = Static<typeof Hostdev>;

/** The rules libvirt enforces for one hostdev whatever the hypervisor (messages as libvirt words them). */
export function validateHostdev(h: Hostdev, label?: string): ModelIssue[] {
  const at = (obj: unknown, problem: string, fix: string, prop?: string, xmlName?: string) => [deviceIssue(obj, problem, { label, fix, prop, xmlName })];
  const mode = h.mode ?? 'subsystem';
  const addr = h.address?.type;
  if (mode === 'subsystem' && h.type === 'mdev') {
    if (h.source?.address?.uuid === undefined) {
      return at(h.source ?? h, "Missing 'uuid' attribute for element <address>", "write the mediated device as <address uuid='...'/> in <source>");
    }
    const wanted = h.model === 'vfio-ccw' ? 'ccw' : h.model === 'vfio-ap' ? undefined : 'pci';
    if (addr && addr !== wanted) {
      return at(h.address, `Unsupported address type '${addr}' with mediated device model '${h.model ?? ''}'`, wanted ? `use an address of type '${wanted}'` : 'remove <address>', 'type', '@type');
    }
  }
  if (mode === 'subsystem') {
    switch (h.type) {
      case 'pci':
        if (addr && addr !== 'pci' && addr !== 'unassigned') return at(h.address, "PCI host devices must use 'pci' or 'unassigned' address type", "use <address type='pci' .../>");
        break;
      case 'scsi':
        if (addr && addr !== 'drive') return at(h.address, "SCSI host device must use 'drive' address type", "use <address type='drive' .../>");
        if (h.sgio === 'unfiltered') return at(h, 'unfiltered sgio is no longer supported', "use sgio='filtered' or drop it", 'sgio', '@sgio');
        break;
      case 'scsi_host':
        if (addr && addr !== 'pci' && addr !== 'ccw') return at(h.address, "SCSI_host host device must use 'pci' or 'ccw' address type", "use a 'pci' or 'ccw' address");
        break;
      case 'usb':
        if (addr && addr !== 'usb') return at(h.address, "USB host device must use 'usb' address type", "use <address type='usb' .../>");
        break;
      default:
        break;
    }
  }
  if (addr === 'unassigned' && !(mode === 'subsystem' && h.type === 'pci')) {
    return at(h.address, "address of type 'unassigned' is supported only for hostdevs", 'remove the address');
  }
  const team = h.teaming;
  if (team) {
    if (team.type !== 'transient') return at(team, "teaming hostdev devices must have type='transient'", "use <teaming type='transient' persistent='...'/>");
    if (!team.persistent) return at(team, 'missing required persistent attribute in hostdev teaming element', "add persistent='ua-...' naming the virtio interface's alias");
    if (mode !== 'subsystem' || h.type !== 'pci') return at(team, 'teaming is only supported for pci hostdev devices', 'remove <teaming>');
  }
  return [];
}

/** Whether two hostdevs name the same host device (libvirt refuses to assign one twice). */
export function sameHostDevice(a: Hostdev, b: Hostdev): boolean {
  if ((a.mode ?? 'subsystem') !== (b.mode ?? 'subsystem') || a.type !== b.type) return false;
  const x = a.source ?? {};
  const y = b.source ?? {};
  const xa = x.address ?? {};
  const ya = y.address ?? {};
  switch (a.type) {
    case 'pci':
      return (xa.domain ?? 0) === (ya.domain ?? 0) && (xa.bus ?? 0) === (ya.bus ?? 0) && (xa.slot ?? 0) === (ya.slot ?? 0) && (xa.function ?? 0) === (ya.function ?? 0);
    case 'usb':
      if (xa.bus !== undefined && xa.device !== undefined) return xa.bus === ya.bus && xa.device === ya.device;
      return x.vendor?.id === y.vendor?.id && x.product?.id === y.product?.id;
    case 'scsi':
      if ((x.protocol ?? 'adapter') !== (y.protocol ?? 'adapter')) return false;
      if (x.protocol === 'iscsi') return x.name === y.name && x.host?.name === y.host?.name;
      return x.adapter?.name === y.adapter?.name && xa.bus === ya.bus && xa.target === ya.target && xa.unit === ya.unit;
    case 'scsi_host':
      return x.wwpn === y.wwpn;
    case 'mdev':
      return xa.uuid === ya.uuid;
    case 'storage':
      return x.block === y.block;
    case 'misc':
      return x.char === y.char;
    case 'net':
      return x.interface === y.interface;
    default:
      return false;
  }
}

export interface HostdevRulesContext {
  /** Disks, whose SCSI drive addresses SCSI hostdevs must not take. */
  readonly disks?: readonly Disk[];
  /** Path prefix for hostdevs built in code (`Devices/hostdevs`). */
  readonly label?: string;
}

type Drive = { controller: number; bus: number; target: number; unit: number };
const driveOf = (a: { type: string; controller?: number; bus?: number; target?: number; unit?: number } | undefined): Drive | undefined =>
  a?.type === 'drive' ? { controller: a.controller ?? 0, bus: a.bus ?? 0, target: a.target ?? 0, unit: a.unit ?? 0 } : undefined;
const same = (a: Drive, b: Drive) => a.controller === b.controller && a.bus === b.bus && a.target === b.target && a.unit === b.unit;

/**
 * Every hostdev rule libvirt enforces independent of the hypervisor, in libvirt's order: each
 * hostdev's own rules, then no host device twice and at most one vGPU with ramfb, then SCSI
 * drive addresses not shared with another SCSI hostdev or a SCSI disk.
 */
export function validateHostdevs(hostdevs: readonly Hostdev[], ctx: HostdevRulesContext = {}): ModelIssue[] {
  const lab = (h: Hostdev) => (ctx.label ? `${ctx.label}/${hostdevs.indexOf(h)}` : undefined);
  for (const h of hostdevs) {
    const own = validateHostdev(h, lab(h));
    if (own.length) return own;
  }
  let ramfb = false;
  for (let i = 0; i < hostdevs.length; i++) {
    const h = hostdevs[i];
    for (let j = i + 1; j < hostdevs.length; j++) {
      if (sameHostDevice(h, hostdevs[j])) {
        return [deviceIssue(hostdevs[j], 'Hostdev already exists in the domain configuration', { label: lab(hostdevs[j]), fix: 'remove the second <hostdev> for this host device' })];
      }
    }
    if (h.type === 'mdev' && h.ramfb === 'on') {
      if (ramfb) return [deviceIssue(h, "Only one vgpu device can have 'ramfb' enabled", { label: lab(h), prop: 'ramfb', xmlName: '@ramfb', fix: "keep ramfb='on' on one vGPU only" })];
      ramfb = true;
    }
  }
  const scsi = hostdevs.filter((h) => (h.mode ?? 'subsystem') === 'subsystem' && h.type === 'scsi');
  for (let i = 0; i < scsi.length; i++) {
    const a = driveOf(scsi[i].address);
    if (!a) continue;
    // libvirt prints the bus number as controller and vice versa in these two messages.
    const where = `controller='${a.bus}' bus='${a.controller}' target='${a.target}' unit='${a.unit}'`;
    for (let j = i + 1; j < scsi.length; j++) {
      const b = driveOf(scsi[j].address);
      if (b && same(a, b)) {
        return [deviceIssue(scsi[j], `SCSI host address ${where} in use by another SCSI host device`, { label: lab(scsi[j]), prop: 'address', xmlName: 'address', fix: 'give each SCSI hostdev its own drive address' })];
      }
    }
    const disk = (ctx.disks ?? []).find((d) => {
      const da = diskBus(d) === 'scsi' ? effectiveDriveAddress(d) : undefined;
      return da !== undefined && same(da, a);
    });
    if (disk) {
      return [deviceIssue(scsi[i], `SCSI host address ${where} in use by another SCSI disk`, { label: lab(scsi[i]), prop: 'address', xmlName: 'address', fix: 'give the hostdev a drive address no SCSI disk uses' })];
    }
  }
  return [];
}

/**
 * libvirt's generic defaults for a hostdev (in place): mode `subsystem`, `managed='no'` for
 * subsystem devices (libvirt always states it), LUN 0 on a bare iSCSI IQN.
 */
export function applyHostdevDefaults(h: Hostdev): void {
  h.mode ??= 'subsystem';
  if (h.mode === 'subsystem') h.managed ??= 'no';
  if (h.type === 'scsi' && h.source?.protocol === 'iscsi') h.source.name = iscsiNameWithLun(h.source.name);
}
