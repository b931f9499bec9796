/**
 * Machine type facts the defaults branch on, and the machine-level defaults: the emulator binary,
 * the guest architecture, the default machine and the canonical name of a machine alias.
 */
import type { Domain } from '../../../model/domain/domain';
import type { Accel, QemuCaps } from '../caps';
import { defaultMachine, findMachine } from '../caps';

/** The accelerator a domain type runs under: `kvm` for type='kvm', TCG otherwise. */
export function domainAccel(def: Domain): Accel {
  return def.type === 'kvm' ? 'kvm' : 'tcg';
}

export function machineName(def: Domain): string {
  return def.os?.type.machine ?? '';
}

/** The x86 Q35 (ICH9, PCI Express) board: `q35` and `pc-q35-*`. */
export function isQ35(def: Domain): boolean {
  const m = machineName(def);
  return m === 'q35' || m.startsWith('pc-q35-');
}

/** The x86 i440FX (PIIX3, conventional PCI) board: `pc`, `pc-i440fx-*` and the old `pc-0.x`/`pc-1.x` names. */
export function isI440fx(def: Domain): boolean {
  const m = machineName(def);
  return m === 'pc' || m.startsWith('pc-i440fx-') || m.startsWith('pc-0.') || m.startsWith('pc-1.') || m.startsWith('rhel');
}

export function isMicrovm(def: Domain): boolean {
  return machineName(def) === 'microvm';
}

export function isX86(def: Domain): boolean {
  const a = def.os?.type.arch;
  return a === 'x86_64' || a === 'i686';
}

/**
 * The `x.y` version at the end of a versioned machine name (`pc-q35-4.2` → [4, 2]), undefined for
 * unversioned names (`pc`, `q35`, `microvm`).
 */
export function machineVersion(def: Domain): [number, number] | undefined {
  const m = /-(\d+)\.(\d+)(?:\.\d+)?$/.exec(machineName(def));
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

/** True when the machine is versioned and older than `major.minor` (unversioned means newest). */
export function machineOlderThan(def: Domain, major: number, minor: number): boolean {
  const v = machineVersion(def);
  if (!v) return false;
  return v[0] < major || (v[0] === major && v[1] < minor);
}

/**
 * Emulator, architecture and machine: the binary defaults to the one the caps describe, the
 * architecture to the binary's, a missing machine to QEMU's default for the accelerator, and a
 * machine alias (`pc`) to the versioned machine it stands for (`pc-i440fx-7.2`).
 */
export function applyMachineDefaults(def: Domain, caps: QemuCaps, hostArch: string | undefined): void {
  const devices = (def.devices ??= {});
  if (devices.emulator === undefined && caps.emulator) devices.emulator = caps.emulator;
  const type = def.os.type;
  type.arch ??= (caps.arch || hostArch) as typeof type.arch;
  const accel = domainAccel(def);
  if (type.machine === undefined) {
    const m = defaultMachine(caps, accel) ?? defaultMachine(caps, accel === 'kvm' ? 'tcg' : 'kvm');
    if (m) type.machine = m.name;
  }
}

/** Replaces a machine alias by its canonical name (libvirt does this after adding default devices). */
export function canonicalizeMachine(def: Domain, caps: QemuCaps): void {
  const type = def.os.type;
  if (type.machine === undefined) return;
  const m = findMachine(caps, domainAccel(def), type.machine);
  if (m && m.alias === type.machine) type.machine = m.name;
}

/** Asking for firmware with enrolled keys implies asking for secure boot. */
export function applyFirmwareFeatureDefaults(def: Domain): void {
  const features = def.os.firmwareInfo?.features;
  if (!features) return;
  const enrolled = features.find((f) => f.name === 'enrolled-keys');
  if (enrolled?.enabled === 'yes' && !features.some((f) => f.name === 'secure-boot')) features.push({ enabled: 'yes', name: 'secure-boot' });
}
