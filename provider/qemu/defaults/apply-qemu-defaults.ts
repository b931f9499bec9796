/**
 * libvirt 9.0's QEMU post-parse pass: what `virsh define` adds to a domain for a given QEMU
 * binary, on top of the hypervisor-independent defaults (model/domain/defaults.ts). A pure
 * function of the domain, the binary's caps and the options (host facts, qemu.conf settings),
 * applied in place in libvirt's order:
 *
 *  1. controller indexes; emulator, architecture and default machine;
 *  2. per-device defaults (device-defaults.ts) and disk buses / drive addresses;
 *  3. the machine's default devices (PCI root, USB, SATA, balloon, PS/2 inputs), machine alias
 *     canonicalization, the default CPU model, CPU check mode, NUMA vCPU completion, the
 *     default audio backend;
 *  4. implicit controllers (disk controllers, virtio-serial, CCID) and video;
 *  5. addresses: virtio-serial ports, spapr-vio registers, PCI slots (adding root ports and
 *     bridges), USB ports.
 *
 * Applying it twice changes nothing. Device aliases and firmware autoselection are start-time
 * steps, see aliases.ts and firmware.ts.
 */
import type { Domain } from '../../../model/domain/domain';
import type { QemuCaps } from '../caps';
import type { QemuDefaultsOptions } from './options';
import { applyFirmwareFeatureDefaults, applyMachineDefaults, canonicalizeMachine, machineName } from './machine';
import { applyCpuCheckDefault, applyDefaultCpu, applyNumaCpusDefault } from './cpu';
import { applyControllerDefaults, applyDeviceDefaults, applyLoaderDefaults, applyUsbCompanionDefaults } from './device-defaults';
import { addDefaultAudio, addDefaultDevices } from './default-devices';
import { addImplicitControllers, addImplicitVideo, applyDiskPlacement, assignControllerIndexes, assignHostdevDriveAddresses, dropGenericImplicitControllers } from './implicit-devices';
import { assignVirtioSerialAddresses } from './virtio-serial-addresses';
import { assignPciAddresses, normalizePciAddresses } from './pci-addresses';
import { assignSpaprVioAddresses } from './spapr-vio-addresses';
import { assignDimmSlots, sortParsedControllers } from './device-list';
import { assignUsbAddresses } from './usb-addresses';
import { dropGeneratedPaths } from './internal-paths';

export interface ApplyQemuDefaultsOptions extends QemuDefaultsOptions {
  /**
   * The domain is new (being created or started): every USB device gets a port. Otherwise USB
   * addresses are only completed when all USB devices already have one, as libvirt does when it
   * loads a definition.
   */
  readonly newDomain?: boolean;
}

/** Applies libvirt's QEMU post-parse defaults to `def` (in place) and returns it. */
export function applyQemuDefaults(def: Domain, caps: QemuCaps, opts: ApplyQemuDefaultsOptions = {}): Domain {
  if (def.genid === '' && opts.newGenid) def.genid = opts.newGenid();
  dropGenericImplicitControllers(def);
  applyUsbCompanionDefaults(def);
  sortParsedControllers(def);
  normalizePciAddresses(def);
  assignControllerIndexes(def);
  applyMachineDefaults(def, caps, opts.hostArch);
  applyLoaderDefaults(def);

  if (opts.inactive ?? true) dropGeneratedPaths(def, opts.config);
  applyDeviceDefaults(def, caps);
  applyDiskPlacement(def);
  assignHostdevDriveAddresses(def);

  addDefaultDevices(def, caps);
  canonicalizeMachine(def, caps);
  applyDefaultCpu(def, caps);
  applyCpuCheckDefault(def, caps);
  applyNumaCpusDefault(def);
  applyFirmwareFeatureDefaults(def);
  addDefaultAudio(def, opts);

  const before = new Set(def.devices?.controllers ?? []);
  addImplicitControllers(def);
  for (const c of def.devices?.controllers ?? []) if (!before.has(c) && c.type === 'scsi') applyControllerDefaults(def, c, caps);
  addImplicitVideo(def, caps);

  assignVirtioSerialAddresses(def);
  assignSpaprVioAddresses(def, machineName(def).startsWith('pseries'));
  assignDimmSlots(def);
  assignPciAddresses(def, caps);
  assignUsbAddresses(def, opts.newDomain ?? false);
  return def;
}
