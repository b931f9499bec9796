/**
 * Validation rules for net, chardevs, input, graphics, video, sound, audio, watchdog, rng,
 * memballoon, tpm, panic, iommu, vsock, shmem, smartcard, redirdev and nvram devices: what
 * libvirt's QEMU driver rejects for these devices on this QEMU binary and host, with libvirt's
 * messages. Runs after the QEMU defaults (models, addresses and default devices are known).
 *
 * Owner: devices engineer.
 */
import type { Domain } from '../../../model/domain/domain';
import type { Graphics } from '../../../model/domain/devices/graphics';
import type { Interface } from '../../../model/domain/devices/interface';
import type { Input } from '../../../model/domain/devices/input';
import type { Serial } from '../../../model/domain/devices/serial';
import type { Shmem } from '../../../model/domain/devices/shmem';
import type { Tpm } from '../../../model/domain/devices/tpm';
import type { Video } from '../../../model/domain/devices/video';
import type { ChrBacked } from '../../../model/domain/devices/chardev';
import type { Address } from '../../../model/domain/devices/device-info';
import type { QemuCaps } from '../caps';
import type { ArgvContext } from '../argv/context';
import { isQ35Machine } from '../argv/machine-facts';
import { serialTargetModel } from '../argv/sections/serials';
import { inputBus } from '../argv/sections/inputs';
import { internalError, unsupported, xmlError } from './errors';

const has = (caps: QemuCaps, flag: string): boolean => caps.flags.has(flag);

function machineOf(def: Domain): string {
  return def.os?.type.machine ?? '';
}

function archOf(def: Domain): string {
  return def.os?.type.arch ?? 'x86_64';
}

function isX86(def: Domain): boolean {
  const a = archOf(def);
  return a === 'x86_64' || a === 'i686';
}

function isPSeries(def: Domain): boolean {
  return archOf(def).startsWith('ppc64') && machineOf(def).startsWith('pseries');
}

function isArmVirt(def: Domain): boolean {
  const a = archOf(def);
  return (a === 'aarch64' || a === 'armv7l') && (machineOf(def) === 'virt' || machineOf(def).startsWith('virt-'));
}

function isRiscvVirt(def: Domain): boolean {
  return archOf(def).startsWith('riscv') && (machineOf(def) === 'virt' || machineOf(def).startsWith('virt-'));
}

function isS390(def: Domain): boolean {
  return archOf(def) === 's390x' || archOf(def) === 's390';
}

function emulatorOf(def: Domain, caps: QemuCaps): string {
  return def.devices?.emulator ?? caps.emulator;
}

/** `0000:01:00.0`, the way libvirt names a PCI address in messages. */
function pciAddressString(a: Address): string {
  const hex = (n: number | undefined, w: number) => (n ?? 0).toString(16).padStart(w, '0');
  return `${hex(a.domain, 4)}:${hex(a.bus, 2)}:${hex(a.slot, 2)}.${(a.function ?? 0).toString(16)}`;
}

// ---------------------------------------------------------------------------------------------
// Graphics

/** libvirt's limit of one display of these types per domain. */
const SINGLE_DISPLAY_TYPES: readonly Graphics['type'][] = ['sdl', 'egl-headless', 'dbus'];

function validateGraphics(def: Domain, caps: QemuCaps): void {
  const graphics = def.devices?.graphics ?? [];
  for (const type of SINGLE_DISPLAY_TYPES) {
    if (graphics.filter((g) => g.type === type).length > 1) {
      throw unsupported(`only 1 graphics device of type '${type}' is supported`);
    }
  }
  const eglHeadless = graphics.some((g) => g.type === 'egl-headless');
  for (const g of graphics) {
    if (eglHeadless) {
      // Only VNC and SPICE can show what egl-headless renders.
      if (g.type !== 'egl-headless' && g.type !== 'vnc' && g.type !== 'spice') {
        throw unsupported("graphics type 'egl-headless' is only supported with one of: 'vnc', 'spice' graphics types");
      }
      if (g.type === 'spice' && g.gl?.enable === 'yes') {
        throw unsupported('multiple OpenGL displays are not supported by QEMU');
      }
    }
    switch (g.type) {
      case 'sdl':
        if (!has(caps, 'sdl')) throw unsupported('SDL graphics are not supported with this QEMU');
        if (g.gl?.enable === 'yes' && !has(caps, 'sdl-gl')) throw unsupported('OpenGL display is not supported with this QEMU binary');
        break;
      case 'vnc':
        if (!has(caps, 'vnc')) throw unsupported('vnc graphics are not supported with this QEMU');
        if (g.powerControl !== undefined && !has(caps, 'vnc-power-control')) throw unsupported('VNC power control is not available');
        break;
      case 'spice':
        if (!has(caps, 'spice')) throw unsupported('spice graphics are not supported with this QEMU');
        if (g.gl?.enable === 'yes') {
          if (!has(caps, 'spice-gl')) throw unsupported("This QEMU doesn't support spice OpenGL");
          if (g.gl.rendernode !== undefined && !has(caps, 'spice-rendernode')) {
            throw unsupported("This QEMU doesn't support spice OpenGL rendernode");
          }
        }
        break;
      case 'egl-headless':
        if (!has(caps, 'egl-headless')) throw unsupported('egl-headless display is not supported with this QEMU binary');
        if (g.gl?.rendernode !== undefined && !has(caps, 'egl-headless.rendernode')) {
          throw unsupported("This QEMU doesn't support OpenGL rendernode with egl-headless graphics type");
        }
        break;
      case 'dbus':
        if (!has(caps, 'display-dbus')) throw unsupported('D-Bus graphics are not supported with this QEMU');
        break;
      default:
        throw unsupported(`unsupported graphics type '${g.type}'`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Video

const QEMU_VIDEO_TYPES = new Set(['vga', 'cirrus', 'vmvga', 'qxl', 'virtio', 'bochs', 'ramfb', 'none']);

const VIDEO_FLAG: Readonly<Record<string, string>> = {
  vga: 'VGA',
  cirrus: 'cirrus-vga',
  vmvga: 'vmware-svga',
  qxl: 'qxl',
  bochs: 'bochs-display',
  ramfb: 'ramfb',
};

function validateVideo(video: Video, primary: boolean, caps: QemuCaps): void {
  const m = video.model;
  if (!m) throw internalError('missing video model and cannot determine default');
  if (m.type === 'none') return;
  if (!QEMU_VIDEO_TYPES.has(m.type)) throw unsupported(`video type '${m.type}' is not supported with QEMU`);
  if (m.type === 'ramfb' && video.address) throw unsupported('address not supported for video type ramfb');
  if (!primary && m.type !== 'qxl' && m.type !== 'virtio') {
    throw unsupported(`video type '${m.type}' is only valid as primary video device`);
  }
  if (m.acceleration?.accel2d === 'yes') throw unsupported('qemu does not support the accel2d setting');
  if (m.type === 'qxl' && m.vgamem !== undefined) {
    if (m.vgamem < 1024) throw unsupported("value for 'vgamem' must be at least 1 MiB (1024 KiB)");
    if ((m.vgamem & (m.vgamem - 1)) !== 0) throw unsupported("value for 'vgamem' must be power of two");
  }
  const flag = VIDEO_FLAG[m.type];
  if (flag && !has(caps, flag)) throw unsupported(`video type '${m.type}' is not supported with this QEMU`);
  if (m.type === 'virtio') {
    if (video.driver?.name === 'vhostuser' && !has(caps, 'vhost-user-gpu')) {
      throw unsupported("this QEMU does not support 'vhost-user' video device");
    } else if (video.driver?.name !== 'vhostuser' && !has(caps, 'virtio-gpu')) {
      throw unsupported(`video type '${m.type}' is not supported with this QEMU`);
    }
  }
  if (m.acceleration?.accel3d === 'yes') {
    if (m.type !== 'virtio') throw unsupported(`${m.type} 3d acceleration is not supported`);
  }
}

function validateVideos(def: Domain, caps: QemuCaps): void {
  const videos = def.devices?.videos ?? [];
  const real = videos.filter((v) => v.model?.type !== 'none');
  const primary = real.find((v) => v.model?.primary === 'yes') ?? real[0];
  for (const v of videos) validateVideo(v, v === primary, caps);
}

// ---------------------------------------------------------------------------------------------
// Character devices

const CHR_TYPE_FLAG: Partial<Record<NonNullable<ChrBacked['type']>, string>> = {
  'qemu-vdagent': 'chardev.qemu-vdagent',
  spicevmc: 'spice',
  spiceport: 'spice',
};

function validateChrSource(dev: ChrBacked, caps: QemuCaps): void {
  const type = dev.type ?? 'pty';
  const flag = CHR_TYPE_FLAG[type];
  if (flag && !has(caps, flag)) throw unsupported(`chardev '${type}' not supported in this QEMU binary`);
  if (type === 'nmdm') throw unsupported(`unsupported chardev '${type}'`);
  if (type === 'dbus' && !has(caps, 'display-dbus')) throw unsupported(`chardev '${type}' not supported in this QEMU binary`);
}

/** Which target types a serial model belongs to, and where each target type can be used. */
function serialTargetCompatible(def: Domain, serial: Serial): boolean {
  const type = serial.target?.type;
  switch (type) {
    case 'isa-serial':
    case 'isa-debug':
      return isX86(def) || (!isPSeries(def) && !isArmVirt(def) && !isS390(def) && !isRiscvVirt(def));
    case 'spapr-vio-serial':
      return isPSeries(def);
    case 'system-serial':
      return isArmVirt(def) || isRiscvVirt(def);
    case 'sclp-serial':
      return isS390(def);
    default:
      return true;
  }
}

const SERIAL_MODEL_OF_TYPE: Readonly<Record<string, readonly string[]>> = {
  'isa-serial': ['isa-serial'],
  'usb-serial': ['usb-serial'],
  'pci-serial': ['pci-serial'],
  'spapr-vio-serial': ['spapr-vty'],
  'system-serial': ['pl011', '16550a'],
  'sclp-serial': ['sclpconsole', 'sclplmconsole'],
  'isa-debug': ['isa-debugcon'],
};

function validateSerial(def: Domain, serial: Serial, caps: QemuCaps): void {
  validateChrSource(serial, caps);
  const type = serial.target?.type;
  const model = serialTargetModel(def, serial);
  if (type !== undefined && serial.target?.model?.name !== undefined && !(SERIAL_MODEL_OF_TYPE[type] ?? []).includes(model)) {
    throw unsupported(`Target model '${model}' is not compatible with target type '${type}'`);
  }
  if (type !== undefined && !serialTargetCompatible(def, serial)) {
    throw unsupported(`Serial device with target type '${type}' and target model '${model}' not compatible with guest architecture or machine type`);
  }
}

function validateChardevs(def: Domain, caps: QemuCaps): void {
  const d = def.devices ?? {};
  for (const s of d.serials ?? []) validateSerial(def, s, caps);
  for (const p of d.parallels ?? []) validateChrSource(p, caps);
  for (const c of d.channels ?? []) {
    validateChrSource(c, caps);
    if (c.target?.type === 'xen') throw unsupported('Xen channels are not supported by QEMU');
  }
  for (const c of d.consoles ?? []) {
    validateChrSource(c, caps);
    const t = c.target?.type ?? 'serial';
    if (t !== 'serial' && t !== 'virtio' && t !== 'sclp' && t !== 'sclplm') {
      throw unsupported(`unsupported console target type ${t}`);
    }
    if ((t === 'sclp' || t === 'sclplm') && !isS390(def)) {
      throw unsupported(`Console device with target type '${t}' not compatible with guest architecture`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Network interfaces

const VIRTIO_NET_MODELS = new Set(['virtio', 'virtio-transitional', 'virtio-non-transitional']);

/** Interface types whose host side is a tap device libvirt can be told the path of. */
const TAP_TYPES = new Set(['ethernet', 'bridge', 'network', 'direct']);

function validateInterface(iface: Interface, caps: QemuCaps): void {
  const type = iface.type ?? 'user';
  const mac = iface.mac?.address ?? '';
  if (iface.backend?.tap !== undefined && !TAP_TYPES.has(type)) {
    throw unsupported(`interface ${mac} - custom tap device path is not supported for network interfaces of type ${type}`);
  }
  if (iface.backend?.vhost !== undefined && !TAP_TYPES.has(type)) {
    throw unsupported(`interface ${mac} - vhost-net device path is not supported for network interfaces of type ${type}`);
  }
  const model = iface.model?.type;
  const virtio = model !== undefined && VIRTIO_NET_MODELS.has(model);
  if (type === 'vhostuser' && !virtio) {
    throw unsupported("Wrong or no <model> 'type' attribute specified with <interface type='vhostuser'/>. vhostuser requires the virtio-net* frontend");
  }
  if (type === 'user' && iface.backend?.type === 'passt' && !has(caps, 'netdev.stream')) {
    throw unsupported('the passt network backend is not supported with this QEMU binary');
  }
  if (type === 'vdpa' && !has(caps, 'netdev.vhost-vdpa')) {
    throw unsupported('vhost-vdpa is not supported with this QEMU binary');
  }
  if (type !== 'user' && ((iface.ips?.length ?? 0) > 0 || (iface.routes?.length ?? 0) > 0)) {
    throw unsupported(
      `Invalid attempt to set network interface guest-side IP route and/or address info on interface of type '${type}'. This is only supported on networks of type 'user' (or containers)`,
    );
  }
  if (type === 'user' && (iface.routes?.length ?? 0) > 0) {
    throw unsupported('Invalid attempt to set network interface guest-side IP route, not supported by QEMU');
  }
  const d = iface.driver;
  if (virtio) {
    if (d?.rxQueueSize !== undefined && (d.rxQueueSize & (d.rxQueueSize - 1)) !== 0) throw unsupported('rx_queue_size has to be a power of two');
    if (d?.txQueueSize !== undefined && (d.txQueueSize & (d.txQueueSize - 1)) !== 0) throw unsupported('tx_queue_size has to be a power of two');
    if ((d?.rss !== undefined || d?.rssHashReport !== undefined) && !has(caps, 'virtio-net.rss')) {
      throw unsupported('virtio rss is not supported with this QEMU binary');
    }
  } else if (TAP_TYPES.has(type) && d?.name === 'vhost') {
    throw unsupported('vhost-net is only supported for virtio network interfaces');
  }
  if (iface.teaming?.type === 'transient' && type !== 'hostdev') {
    throw unsupported("interface type 'hostdev' is required for teaming type 'transient'");
  }
  if (iface.teaming?.type === 'persistent' && !virtio) {
    throw unsupported("virtio model is required for teaming type 'persistent'");
  }
}

// ---------------------------------------------------------------------------------------------
// Input

const VIRTIO_INPUT_FLAG = { mouse: 'virtio-mouse', tablet: 'virtio-tablet', keyboard: 'virtio-keyboard', passthrough: 'virtio-input-host' } as const;

function usbDisabled(def: Domain): boolean {
  const usb = (def.devices?.controllers ?? []).filter((c) => c.type === 'usb');
  return usb.length > 0 && usb.every((c) => c.model === 'none');
}

function validateInput(def: Domain, input: Input, caps: QemuCaps): void {
  if (input.type === 'evdev') {
    if (!has(caps, 'input-linux')) throw unsupported('evdev is not supported by this QEMU binary');
    return;
  }
  if ((input.model === 'virtio-transitional' || input.model === 'virtio-non-transitional') && input.type !== 'passthrough') {
    throw unsupported(`virtio (non-)transitional models are not supported for input type=${input.type}`);
  }
  switch (inputBus(def, input)) {
    case 'ps2':
      if (!isX86(def)) throw unsupported(`${input.type} is not supported by this QEMU binary`);
      break;
    case 'usb':
      if (usbDisabled(def)) throw unsupported("Can't add USB input device. USB bus is disabled");
      if (input.type === 'keyboard' && !has(caps, 'usb-kbd')) throw unsupported('usb-kbd is not supported by this QEMU binary');
      break;
    case 'virtio': {
      const flag = VIRTIO_INPUT_FLAG[input.type];
      if (!has(caps, flag)) throw unsupported(`${flag} is not supported by this QEMU binary`);
      break;
    }
    default:
      break;
  }
}

// ---------------------------------------------------------------------------------------------
// Sound and audio

const SOUND_FLAG: Partial<Record<string, [string, string]>> = {
  usb: ['usb-audio', 'usb-audio controller is not supported by this QEMU binary'],
  ich9: ['ich9-intel-hda', 'The ich9-intel-hda audio controller is not supported in this QEMU binary'],
};

const CODEC_FLAG = { duplex: 'hda-duplex', micro: 'hda-micro', output: 'hda-output' } as const;

function validateSounds(def: Domain, caps: QemuCaps): void {
  const audioIds = new Set((def.devices?.audios ?? []).map((a) => a.id));
  for (const s of def.devices?.sounds ?? []) {
    if (s.model === 'ich7') throw unsupported(`sound card model '${s.model}' is not supported by qemu`);
    const f = SOUND_FLAG[s.model];
    if (f && !has(caps, f[0])) throw unsupported(f[1]);
    if (s.model === 'ich6' || s.model === 'ich9') {
      for (const c of s.codecs ?? []) {
        if (!has(caps, CODEC_FLAG[c.type])) throw unsupported(`this QEMU binary lacks hda ${c.type} audio codec`);
      }
    }
    if (s.audio && !audioIds.has(s.audio.id)) throw unsupported(`no audio device with ID ${s.audio.id}`);
  }
  for (const a of def.devices?.audios ?? []) {
    if (a.type === 'dbus' && !has(caps, 'display-dbus')) throw unsupported('D-Bus audio is not supported by this QEMU');
  }
}

// ---------------------------------------------------------------------------------------------
// TPM

/** The TPM version an emulated TPM runs: as written, else 2.0 where 1.2 cannot work. */
export function tpmVersion(def: Domain, tpm: Tpm): '1.2' | '2.0' {
  const v = tpm.backend?.version;
  if (v) return v;
  if (tpm.model === 'tpm-crb' || tpm.model === 'tpm-spapr' || archOf(def) === 'aarch64') return '2.0';
  return '1.2';
}

const TPM_MODEL_FLAG: Readonly<Record<string, string>> = {
  'tpm-tis': 'tpm-tis',
  'tpm-crb': 'tpm-crb',
  'tpm-spapr': 'tpm-spapr',
  'spapr-tpm-proxy': 'spapr-tpm-proxy',
};

function validateTpm(def: Domain, tpm: Tpm, caps: QemuCaps, ctx: ArgvContext): void {
  const backend = tpm.backend;
  if (!backend) throw xmlError('missing TPM device backend');
  const model = tpm.model ?? (isPSeries(def) ? 'tpm-spapr' : 'tpm-tis');
  if (backend.type === 'emulator') {
    const version = tpmVersion(def, tpm);
    if (version === '1.2') {
      if (model === 'tpm-crb') throw unsupported(`Unsupported interface ${model} for TPM 1.2`);
      if (model === 'tpm-spapr') throw unsupported('TPM 1.2 is not supported with the SPAPR device model');
      if (isArmVirt(def)) throw unsupported('TPM 1.2 is not supported on ARM');
    }
    const supported = ctx.host.swtpmVersions;
    if (supported && !supported.includes(version)) throw unsupported(`TPM version '${version}' is not supported`);
  }
  const backendFlag = backend.type === 'passthrough' ? 'tpm-passthrough' : 'tpm-emulator';
  if (!has(caps, backendFlag)) {
    throw unsupported(`The QEMU executable ${emulatorOf(def, caps)} does not support TPM backend type ${backend.type}`);
  }
  const flag = TPM_MODEL_FLAG[model];
  if (flag && !has(caps, flag)) {
    throw unsupported(`The QEMU executable ${emulatorOf(def, caps)} does not support TPM model ${model}`);
  }
}

// ---------------------------------------------------------------------------------------------
// IOMMU

function validateIommu(def: Domain, caps: QemuCaps): void {
  const iommu = def.devices?.iommu;
  if (!iommu) return;
  const m = iommu.model;
  switch (m) {
    case 'intel':
      if (!isQ35Machine(def)) throw unsupported(`IOMMU device: '${m}' is only supported with Q35 machines`);
      if (!has(caps, 'intel-iommu')) throw unsupported(`IOMMU device: '${m}' is not supported with this QEMU binary`);
      break;
    case 'smmuv3':
      if (!isArmVirt(def)) throw unsupported(`IOMMU device: '${m}' is only supported with ARM Virt machines`);
      if (!has(caps, 'machine.virt.iommu')) throw unsupported(`IOMMU device: '${m}' is not supported with this QEMU binary`);
      break;
    case 'virtio':
      if (!isQ35Machine(def) && !isArmVirt(def)) {
        throw unsupported(`IOMMU device: '${m}' is only supported with Q35 and ARM Virt machines`);
      }
      if (!has(caps, 'virtio-iommu-pci')) throw unsupported(`IOMMU device: '${m}' is not supported with this QEMU binary`);
      break;
  }
  if (m === 'virtio') {
    if (!def.features?.acpi) throw unsupported(`IOMMU device: '${m}' requires ACPI`);
    const a = iommu.address;
    if (a && a.type !== 'pci') throw unsupported(`IOMMU device: '${m}' needs a PCI address`);
    if (a?.type === 'pci' && (a.bus ?? 0) !== 0) {
      throw xmlError(`The device at PCI address ${pciAddressString(a)} needs to be an integrated device (bus=0)`);
    }
  }
  const d = iommu.driver;
  if (d?.intremap !== undefined && !has(caps, 'intel-iommu.intremap')) throw unsupported('iommu: interrupt remapping is not supported with this QEMU binary');
  if (d?.cachingMode !== undefined && !has(caps, 'intel-iommu.caching-mode')) throw unsupported('iommu: caching mode is not supported with this QEMU binary');
  if (d?.eim !== undefined && !has(caps, 'intel-iommu.eim')) throw unsupported('iommu: eim is not supported with this QEMU binary');
  if (d?.iotlb !== undefined && !has(caps, 'intel-iommu.device-iotlb')) throw unsupported('iommu: device IOTLB is not supported with this QEMU binary');
  if (d?.awBits !== undefined && !has(caps, 'intel-iommu.aw-bits')) throw unsupported('iommu: aw_bits is not supported with this QEMU binary');
}

// ---------------------------------------------------------------------------------------------
// Shared memory

function validateShmem(shmem: Shmem, caps: QemuCaps): void {
  const model = shmem.model?.type ?? 'ivshmem-plain';
  if (shmem.size !== undefined) {
    if (shmem.size === 0) throw xmlError('shmem size must be at least 1 MiB (1024 KiB)');
    if ((shmem.size & (shmem.size - 1)) !== 0) throw xmlError('shmem size must be a power of two');
  }
  if (shmem.msi && !shmem.server) throw xmlError('msi option is only supported with a server');
  if (shmem.address && shmem.address.type !== 'pci') {
    throw unsupported("only 'pci' addresses are supported for the shared memory device");
  }
  if (model === 'ivshmem') throw unsupported('ivshmem device is not supported with this QEMU binary');
  if (!has(caps, model)) throw unsupported(`shmem model '${model}' is not supported by this QEMU binary`);
}

// ---------------------------------------------------------------------------------------------
// Everything else

function validateWatchdog(def: Domain): void {
  const wd = def.devices?.watchdog;
  if (!wd) return;
  const at = wd.address?.type;
  switch (wd.model) {
    case 'i6300esb':
      if (at !== undefined && at !== 'pci') throw unsupported(`${wd.model} model of watchdog can go only on PCI bus`);
      break;
    case 'ib700':
      if (at !== undefined && at !== 'isa') throw unsupported(`${wd.model} model of watchdog can go only on ISA bus`);
      break;
    case 'diag288':
      if (at !== undefined) throw unsupported('diag288 device cannot have an address');
      if (!isS390(def)) throw unsupported(`${wd.model} model of watchdog is allowed for s390 and s390x only`);
      break;
  }
}

const RNG_FLAG = { random: 'rng-random', egd: 'rng-egd', builtin: 'rng-builtin' } as const;

function validateRngs(def: Domain, caps: QemuCaps): void {
  for (const rng of def.devices?.rngs ?? []) {
    if (!has(caps, RNG_FLAG[rng.backend.model])) throw unsupported(`this qemu doesn't support RNG device type '${rng.backend.model}'`);
    if (rng.backend.model === 'egd') validateChrSource(rng.backend, caps);
  }
}

function validateMemballoon(def: Domain, caps: QemuCaps): void {
  const b = def.devices?.memballoon;
  if (!b || b.model === 'none') return;
  if (b.autodeflate !== undefined && !has(caps, 'virtio-balloon-pci.deflate-on-oom')) {
    throw unsupported('deflate-on-oom is not supported by this QEMU binary');
  }
  if (b.freePageReporting !== undefined && !has(caps, 'virtio-balloon.free-page-reporting')) {
    throw unsupported('freePageReporting is not supported by this QEMU binary');
  }
}

function validatePanics(def: Domain, caps: QemuCaps): void {
  for (const p of def.devices?.panics ?? []) {
    switch (p.model) {
      case 'isa':
        if (!has(caps, 'pvpanic')) throw unsupported('the QEMU binary does not support the ISA panic device');
        break;
      case 'pseries':
        if (!isPSeries(def)) throw unsupported("only pSeries guests support panic device of model 'pseries'");
        break;
      case 's390':
        if (!isS390(def)) throw unsupported("only S390 guests support panic device of model 's390'");
        break;
      default:
        break;
    }
  }
}

function validateVsock(def: Domain, caps: QemuCaps): void {
  const v = def.devices?.vsock;
  if (!v) return;
  if (!has(caps, 'vhost-vsock')) throw unsupported('vsock device is not supported with this QEMU binary');
}

function validateSmartcards(def: Domain, caps: QemuCaps): void {
  for (const card of def.devices?.smartcards ?? []) {
    switch (card.mode ?? 'host') {
      case 'host':
      case 'host-certificates':
        if (!has(caps, 'ccid-emulated')) throw unsupported('this QEMU binary lacks smartcard host mode support');
        break;
      case 'passthrough':
        if (!has(caps, 'ccid-passthru')) throw unsupported('this QEMU binary lacks smartcard passthrough mode support');
        validateChrSource(card, caps);
        break;
    }
  }
}

function validateRedirdevs(def: Domain, caps: QemuCaps): void {
  const devs = def.devices?.redirdevs ?? [];
  for (const r of devs) {
    if (!has(caps, 'usb-redir')) throw unsupported('USB redirection is not supported by this version of QEMU');
    validateChrSource(r, caps);
  }
  if (devs.length && def.devices?.redirfilter?.usbdevs?.length && !has(caps, 'usb-redir.filter')) {
    throw unsupported('USB redirection filter is not supported by this version of QEMU');
  }
}

function validateNvram(def: Domain): void {
  const nvram = def.devices?.nvram;
  if (!nvram) return;
  if (!isPSeries(def)) throw unsupported('nvram device is only supported for PPC64');
  if (nvram.address && nvram.address.type !== 'spapr-vio') throw unsupported('nvram address type must be spaprvio');
}

export function validateDevices(def: Domain, caps: QemuCaps, ctx: ArgvContext): void {
  const d = def.devices ?? {};
  for (const iface of d.interfaces ?? []) validateInterface(iface, caps);
  validateSounds(def, caps);
  validateVideos(def, caps);
  validateSmartcards(def, caps);
  validateChardevs(def, caps);
  for (const input of d.inputs ?? []) validateInput(def, input, caps);
  validateWatchdog(def);
  validateMemballoon(def, caps);
  validateNvram(def);
  validateRngs(def, caps);
  validateRedirdevs(def, caps);
  for (const s of d.shmems ?? []) validateShmem(s, caps);
  for (const t of d.tpms ?? []) validateTpm(def, t, caps, ctx);
  validatePanics(def, caps);
  validateIommu(def, caps);
  validateVsock(def, caps);
  validateGraphics(def, caps);
}
