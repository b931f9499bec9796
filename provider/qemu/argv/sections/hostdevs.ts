/**
 * Host devices, in domain order:
 *   PCI      `vfio-pci` with `host=DDDD:BB:SS.F`, boot index, ROM options;
 *   mdev     `vfio-pci` (`vfio-pci-nohotplug` with a ramfb display) on
 *            `sysfsdev=/sys/bus/mdev/devices/UUID`;
 *   USB      `usb-host` on `/dev/bus/usb/BBB/DDD`, guest reset policy;
 *   SCSI     a `-blockdev` backend (`host_device` on the LUN's SCSI generic node, or `iscsi`,
 *            node `libvirt-N-backend`, numbered after the disks) and `scsi-generic`;
 *   scsi_host `vhost-scsi-pci` on a vhost-scsi target WWPN.
 *
 * Owner: storage engineer.
 */
import type { Domain } from '../../../../model/domain/domain';
import type { Hostdev } from '../../../../model/domain/devices/hostdev';
import type { QemuCommandLine } from '../command-line';
import type { ArgvContext } from '../context';
import type { ArgvState } from '../build';
import { addAddressProps, driveAddressProps } from '../device-address';
import { addDeviceJson } from '../device-json';
import { virtioDeviceProps } from '../virtio-device';
import { lookupSecret, secretObjectProps } from '../secret-object';
import { iscsiProps } from '../storage/blockdev';
import { storageIds } from '../storage/storage-ids';
import { internalError, unsupported } from '../../validate/errors';
import { buildHostdevInterfaces } from './networks';

const hex = (n: number | undefined, w: number) => (n ?? 0).toString(16).padStart(w, '0');

/** `ROM BAR / ROM file` of a PCI device: `rombar` 0/1, `romfile` ("" when the ROM is disabled). */
export function addRomProps(props: Record<string, unknown>, rom: Hostdev['rom']): void {
  if (!rom) return;
  if (rom.bar) props.rombar = rom.bar === 'on' ? 1 : 0;
  if (rom.enabled === 'no') props.romfile = '';
  else if (rom.file) props.romfile = rom.file;
}

function pciProps(def: Domain, h: Hostdev): Record<string, unknown> {
  const a = h.source?.address ?? {};
  const props: Record<string, unknown> = {
    driver: 'vfio-pci',
    host: `${hex(a.domain, 4)}:${hex(a.bus, 2)}:${hex(a.slot, 2)}.${(a.function ?? 0).toString(16)}`,
    id: h.alias?.name,
  };
  if (h.boot) props.bootindex = h.boot.order;
  if (h.teaming?.type === 'transient' && h.teaming.persistent) props.failover_pair_id = h.teaming.persistent;
  addAddressProps(props, def, h);
  addRomProps(props, h.rom);
  return props;
}

function mdevProps(def: Domain, h: Hostdev): Record<string, unknown> {
  const model = h.model ?? 'vfio-pci';
  if (model !== 'vfio-pci') throw unsupported(`mediated device model '${model}' is not supported on this architecture`);
  const props: Record<string, unknown> = {
    driver: h.ramfb === 'on' ? 'vfio-pci-nohotplug' : 'vfio-pci',
    id: h.alias?.name,
    sysfsdev: `/sys/bus/mdev/devices/${h.source?.address?.uuid ?? ''}`,
  };
  if (h.display) props.display = h.display;
  if (h.ramfb === 'on') props.ramfb = true;
  if (h.boot) props.bootindex = h.boot.order;
  addAddressProps(props, def, h);
  addRomProps(props, h.rom);
  return props;
}

/** Host bus/device of a USB hostdev: its `<address>`, or the device found by vendor/product id. */
function usbHostAddress(h: Hostdev, ctx: ArgvContext): { bus?: number; device?: number } | undefined {
  const a = h.source?.address;
  if (a && (a.bus || a.device)) return a;
  const vendor = h.source?.vendor?.id;
  const product = h.source?.product?.id;
  if (vendor === undefined || product === undefined) return undefined;
  const found = ctx.host.findUsbDevice?.(vendor, product);
  if (!found) {
    const hex4 = (n: number) => n.toString(16).padStart(4, '0');
    throw internalError(`Did not find USB device ${hex4(vendor)}:${hex4(product)}`);
  }
  return found;
}

function usbProps(def: Domain, h: Hostdev, ctx: ArgvContext): Record<string, unknown> {
  const a = usbHostAddress(h, ctx);
  if (!a || (!a.bus && !a.device)) throw internalError('USB host device is missing bus/device information');
  const pad = (n: number | undefined) => String(n ?? 0).padStart(3, '0');
  const props: Record<string, unknown> = { driver: 'usb-host', hostdevice: `/dev/bus/usb/${pad(a.bus)}/${pad(a.device)}`, id: h.alias?.name };
  switch (h.source?.guestReset) {
    case 'off':
      props['guest-reset'] = false;
      break;
    case 'uninitialized':
      props['guest-reset'] = true;
      props['guest-resets-all'] = false;
      break;
    case 'on':
      props['guest-reset'] = true;
      props['guest-resets-all'] = true;
      break;
  }
  if (h.boot) props.bootindex = h.boot.order;
  return addAddressProps(props, def, h);
}

/** The `-blockdev` backend of a SCSI hostdev, with the secret of an iSCSI login first. */
function addScsiBackend(cmd: QemuCommandLine, ctx: ArgvContext, h: Hostdev, nodeName: string): void {
  const src = h.source ?? {};
  let props: Record<string, unknown>;
  if (src.protocol === 'iscsi') {
    let secret: string | undefined;
    if (src.auth) {
      secret = `${nodeName}-secret0`;
      const s = src.auth.secret;
      cmd.addJson('-object', secretObjectProps(ctx, secret, lookupSecret(ctx, { uuid: s.uuid, usage: s.usage, usageType: s.type ?? 'iscsi' })));
    }
    const storage = { name: src.name, hosts: src.host ? [{ name: src.host.name, port: src.host.port }] : [], initiator: src.initiator };
    props = iscsiProps(storage, src.auth?.username, secret);
  } else {
    const a = src.address ?? {};
    const adapter = src.adapter?.name ?? '';
    const sg = ctx.host.scsiGenericDevice?.(adapter, a.bus ?? 0, a.target ?? 0, a.unit ?? 0);
    if (!sg) throw internalError(`no SCSI generic device for ${adapter}:${a.bus ?? 0}:${a.target ?? 0}:${a.unit ?? 0}`);
    props = { driver: 'host_device', filename: sg };
  }
  props['node-name'] = nodeName;
  props['read-only'] = !!h.readonly;
  cmd.addJson('-blockdev', props);
}

function scsiProps(def: Domain, h: Hostdev, backend: string): Record<string, unknown> {
  const props: Record<string, unknown> = { driver: 'scsi-generic', drive: backend, id: h.alias?.name };
  if (h.boot) props.bootindex = h.boot.order;
  if (h.address?.type === 'drive') driveAddressProps(props, def, 'scsi', h.address);
  return props;
}

function vhostScsiProps(def: Domain, h: Hostdev, ctx: ArgvContext): Record<string, unknown> {
  const fd = ctx.host.vhostScsiFd;
  if (fd === undefined) throw internalError('no /dev/vhost-scsi file descriptor was passed for a vhost-scsi host device');
  const props = virtioDeviceProps('vhost-scsi', { address: h.address, model: h.model }, undefined, ctx.caps);
  props.wwpn = h.source?.wwpn;
  props.vhostfd = String(fd);
  props.id = h.alias?.name;
  if (h.boot) props.bootindex = h.boot.order;
  return addAddressProps(props, def, h);
}

export function buildHostdevs(cmd: QemuCommandLine, def: Domain, ctx: ArgvContext, state: ArgvState): void {
  const ids = storageIds(def, state, ctx.detectedBackingStores);
  // libvirt lists the VFs of hostdev interfaces first among the host devices.
  buildHostdevInterfaces(cmd, def);
  for (const h of def.devices?.hostdevs ?? []) {
    if ((h.mode ?? 'subsystem') !== 'subsystem') continue;
    switch (h.type) {
      case 'pci':
        addDeviceJson(cmd, def, pciProps(def, h));
        break;
      case 'mdev':
        addDeviceJson(cmd, def, mdevProps(def, h));
        break;
      case 'usb':
        addDeviceJson(cmd, def, usbProps(def, h, ctx));
        break;
      case 'scsi': {
        const backend = `libvirt-${ids.hostdevs.get(h) ?? 0}-backend`;
        addScsiBackend(cmd, ctx, h, backend);
        addDeviceJson(cmd, def, scsiProps(def, h, backend));
        break;
      }
      case 'scsi_host':
        addDeviceJson(cmd, def, vhostScsiProps(def, h, ctx));
        break;
      default:
        break;
    }
  }
}
