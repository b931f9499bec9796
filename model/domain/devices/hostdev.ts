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
