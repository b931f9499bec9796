/**
 * Domain-wide validation rules: virt type and arch against the emulator, machine, boot order,
 * firmware selection, SMM TSEG, hugepages against the guest NUMA cells (libvirt's messages).
 *
 * Owner: argv-core engineer.
 */
import type { Domain } from '../../../model/domain/domain';
import { parseCpuset } from '../../../model/domain/cpuset';
import { findMachine, type QemuCaps } from '../caps';
import type { ArgvContext } from '../argv/context';
import { isQ35Machine } from '../argv/machine-facts';
import { QemuConfigError, unsupported } from './errors';

/** Guest architectures a QEMU system emulator runs besides its own target. */
const COMPATIBLE_ARCHES: Readonly<Record<string, readonly string[]>> = {
  x86_64: ['x86_64', 'i686'],
  aarch64: ['aarch64', 'armv7l'],
  ppc64: ['ppc64', 'ppc64le', 'ppc'],
  s390x: ['s390x'],
};

function plain(detail: string): QemuConfigError {
  return new QemuConfigError('plain', detail);
}

/** `<domain type>`, arch and machine against what the emulator offers. */
function validateEmulator(def: Domain, caps: QemuCaps): void {
  const emulator = def.devices?.emulator ?? caps.emulator;
  const arch = def.os?.type.arch ?? caps.arch;
  if (!(COMPATIBLE_ARCHES[caps.arch] ?? [caps.arch]).includes(arch)) {
    throw unsupported(`Emulator '${emulator}' does not support arch '${arch}'`);
  }
  const accel = def.type === 'kvm' ? 'kvm' : def.type === 'qemu' ? 'tcg' : undefined;
  if (accel === undefined || (accel === 'kvm' && !caps.kvmAvailable)) {
    throw unsupported(`Emulator '${emulator}' does not support virt type '${def.type}'`);
  }
  const machine = def.os?.type.machine;
  if (machine !== undefined && caps.accel[accel] && !findMachine(caps, accel, machine)) {
    throw unsupported(`Emulator '${emulator}' does not support machine type '${machine}'`);
  }
}

/** Devices that can carry `<boot order>`. */
function bootableDevices(def: Domain): { boot?: { order: number } }[] {
  const d = def.devices;
  if (!d) return [];
  return [...(d.disks ?? []), ...(d.interfaces ?? []), ...(d.hostdevs ?? []), ...(d.redirdevs ?? []), ...((d as { filesystems?: { boot?: { order: number } }[] }).filesystems ?? [])];
}

function validateBoot(def: Domain): void {
  if ((def.os?.boots ?? []).length > 0 && bootableDevices(def).some((dev) => dev.boot !== undefined)) {
    throw unsupported('per-device boot elements cannot be used together with os/boot elements');
  }
  const timeout = def.os?.bootmenu?.timeout;
  if (timeout !== undefined && (timeout < 0 || timeout > 65535)) {
    throw unsupported('invalid value for boot menu timeout, must be in range [0,65535]');
  }
}

/** Firmware autoselection and loader/NVRAM consistency. */
function validateFirmware(def: Domain): void {
  const os = def.os;
  if (!os) return;
  const loader = os.loader;
  const features = os.firmwareInfo?.features ?? [];
  if (os.firmware !== undefined) {
    const enrolled = features.find((f) => f.name === 'enrolled-keys')?.enabled;
    const secure = features.find((f) => f.name === 'secure-boot')?.enabled;
    if (enrolled === 'yes' && secure === 'no') {
      throw plain("firmware feature 'enrolled-keys' cannot be enabled when firmware feature 'secure-boot' is disabled");
    }
    if (loader) {
      if (loader.readonly !== undefined) throw plain("loader attribute 'readonly' cannot be specified when firmware autoselection is enabled");
      if (loader.type !== undefined || loader.path !== undefined) throw plain("loader attribute 'type' cannot be specified when firmware autoselection is enabled");
      // secure='yes' is kept as a request for the secure-boot feature; 'no' contradicts autoselection.
      if (loader.secure === 'no') throw plain("loader attribute 'secure' cannot be specified when firmware autoselection is enabled");
    }
    if (os.firmware === 'bios') {
      if (os.nvram !== undefined) throw plain("firmware type 'bios' does not support nvram");
      if (loader?.stateless === 'no') throw plain('Only EFI firmware permits NVRAM');
    }
  } else if (features.length > 0) {
    throw plain('cannot use feature-based firmware autoselection when firmware autoselection is disabled');
  }
  if (loader?.stateless === 'yes' && os.nvram) {
    if (os.nvram.template !== undefined) throw plain('NVRAM template is not permitted when loader is stateless');
    throw plain('NVRAM is not permitted when loader is stateless');
  }
}

/** vCPU count against the machine's limit and the `<topology>`. */
function validateVcpus(def: Domain, caps: QemuCaps): void {
  const max = def.vcpu?.count ?? 1;
  const accel = def.type === 'kvm' ? 'kvm' : 'tcg';
  const machine = def.os?.type.machine !== undefined ? findMachine(caps, accel, def.os.type.machine) : undefined;
  if (machine && machine.maxCpus > 0 && max > machine.maxCpus) {
    throw unsupported(`Maximum CPUs greater than specified machine type limit ${machine.maxCpus}`);
  }
  const t = def.cpu?.topology;
  if (t && t.sockets * (t.dies ?? 1) * t.cores * t.threads !== max) throw plain("CPU topology doesn't match maximum vcpu count");
}

function validateFeatures(def: Domain): void {
  const smm = def.features?.smm;
  if (smm?.tseg !== undefined) {
    if (!isQ35Machine(def)) throw unsupported('SMM TSEG is only supported with q35 machine type');
    if (smm.tseg % 1024 !== 0) throw unsupported('SMM TSEG size must be divisible by 1 MiB');
  }
}

/** `<hugepages><page nodeset>` must name guest NUMA cells that exist. */
function validateHugepages(def: Domain): void {
  const cells = def.cpu?.numa?.cells ?? [];
  for (const p of def.memoryBacking?.hugepages?.pages ?? []) {
    if (p.nodeset === undefined) continue;
    for (const node of parseCpuset(p.nodeset)) {
      if (node >= cells.length) throw plain(`hugepages: node ${node} not found`);
    }
  }
}

export function validateGeneral(def: Domain, caps: QemuCaps, _ctx: ArgvContext): void {
  validateEmulator(def, caps);
  validateFirmware(def);
  validateHugepages(def);
  validateBoot(def);
  validateVcpus(def, caps);
  validateFeatures(def);
}
