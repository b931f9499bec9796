/**
 * The devices libvirt's QEMU driver adds to every x86 PC guest when they are missing: the PCI
 * root (pci-root on i440FX, pcie-root on Q35), the first USB controller, Q35's built-in SATA
 * controller, a virtio memory balloon, PS/2 mouse and keyboard, and an audio backend.
 */
import type { Domain } from '../../../model/domain/domain';
import type { Audio, AudioType } from '../../../model/domain/devices/audio';
import type { ControllerModel } from '../../../model/domain/devices/controller';
import type { QemuCaps } from '../caps';
import { hasFlag } from '../caps';
import { controllersOf, devicesOf, findController, maybeAddController } from './device-list';
import { isI440fx, isQ35, isX86, machineName } from './machine';
import type { QemuDefaultsOptions } from './options';

/** The QEMU configuration error libvirt reports at define time. */
export class QemuDefaultsError extends Error {}

/** USB controller a new Q35 guest gets: USB3 when QEMU has it, else USB2, else none. */
function q35UsbModel(caps: QemuCaps): ControllerModel | undefined {
  if (hasFlag(caps, 'qemu-xhci')) return 'qemu-xhci';
  if (hasFlag(caps, 'nec-usb-xhci')) return 'nec-xhci';
  if (hasFlag(caps, 'ich9-usb-ehci1')) return 'ich9-ehci1';
  return undefined;
}

/** Adds USB controller `index`; an ICH9 EHCI master comes with its three UHCI companions. */
function addUsbController(def: Domain, index: number, model: ControllerModel | undefined): void {
  const list = controllersOf(def);
  list.push({ type: 'usb', index, ...(model ? { model } : {}) });
  if (model !== 'ich9-ehci1') return;
  (['ich9-uhci1', 'ich9-uhci2', 'ich9-uhci3'] as const).forEach((m, i) => list.push({ type: 'usb', index, model: m, master: { startport: i * 2 } }));
}

function ensureRoot(def: Domain, model: 'pci-root' | 'pcie-root'): void {
  const root = findController(def, 'pci', 0);
  if (root) {
    if (root.model !== model) {
      throw new QemuDefaultsError(
        `The PCI controller with index='0' must be model='${model}' for this machine type, but model='${root.model ?? ''}' was found instead`,
      );
    }
    return;
  }
  maybeAddController(def, 'pci', 0, model);
}

/** The machine's built-in and default devices (qemuDomainDefAddDefaultDevices). */
export function addDefaultDevices(def: Domain, caps: QemuCaps): void {
  const devices = devicesOf(def);
  let addDefaultUsb = true;
  let usbModel: ControllerModel | undefined;
  let addPciRoot = false;
  let addPcieRoot = false;
  let addSata = false;
  if (isX86(def)) {
    if (machineName(def) === 'isapc') addDefaultUsb = false;
    else if (isQ35(def)) {
      addPcieRoot = true;
      addSata = true;
      usbModel = q35UsbModel(caps);
      if (!usbModel) addDefaultUsb = false;
    } else if (isI440fx(def)) {
      addPciRoot = true;
      if (hasFlag(caps, 'piix3-usb-uhci')) usbModel = 'piix3-uhci';
    }
  }
  addImplicitInputs(def);
  if (addDefaultUsb && !findController(def, 'usb', 0)) addUsbController(def, 0, usbModel);
  if (addSata) maybeAddController(def, 'sata', 0);
  if (addPciRoot) ensureRoot(def, 'pci-root');
  if (addPcieRoot) ensureRoot(def, 'pcie-root');
  if (!devices.memballoon) devices.memballoon = { model: 'virtio' };
}

/** QEMU's i8042 controller gives PC guests a PS/2 mouse and keyboard whether configured or not. */
function addImplicitInputs(def: Domain): void {
  const m = machineName(def);
  const i8042 = isI440fx(def) || isQ35(def) || m === 'xenfv' || m === 'isapc';
  if (!i8042 || (def.features as { ps2?: string } | undefined)?.ps2 === 'off') return;
  const inputs = (devicesOf(def).inputs ??= []);
  for (const type of ['mouse', 'keyboard'] as const) {
    if (!inputs.some((i) => i.type === type && i.bus === 'ps2')) inputs.push({ type, bus: 'ps2' });
  }
}

/**
 * A guest without `<audio>` gets one (id 1) matching its display: SPICE audio with SPICE, no audio
 * with VNC or without graphics, unless qemu.conf allows host audio there, in which case the
 * backend named by QEMU_AUDIO_DRV (SDL always passes host audio through).
 */
export function addDefaultAudio(def: Domain, opts: QemuDefaultsOptions): void {
  const devices = devicesOf(def);
  if (devices.audios?.length) return;
  const cfg = opts.config ?? {};
  let add = false;
  let passthrough = false;
  let backend: AudioType = 'none';
  for (const g of devices.graphics ?? []) {
    switch (g.type) {
      case 'vnc':
        passthrough = !!cfg.vncAllowHostAudio;
        if (!passthrough) backend = 'none';
        add = true;
        break;
      case 'spice':
        passthrough = false;
        backend = 'spice';
        add = true;
        break;
      case 'sdl':
        passthrough = true;
        add = true;
        break;
    }
  }
  if (!devices.graphics?.length) {
    passthrough = !!cfg.nogfxAllowHostAudio;
    if (!passthrough) backend = 'none';
    add = true;
  }
  const env = opts.env ?? {};
  if (add && passthrough) {
    const drv = env.QEMU_AUDIO_DRV;
    if (drv === undefined) add = false;
    else if (drv === 'pa') backend = 'pulseaudio';
    else backend = drv as AudioType;
  }
  if (!add) return;
  const audio: Audio = { id: 1, type: backend } as Audio;
  if (passthrough && backend === 'sdl' && env.SDL_AUDIODRIVER) (audio as { driver?: string }).driver = env.SDL_AUDIODRIVER;
  devices.audios = [audio];
}
