/**
 * Facts about the domain's accelerator and machine type that several sections need: which
 * accelerator's caps apply, the machine's caps entry, and its default RAM backend id.
 */
import type { Domain } from '../../../model/domain/domain';
import { findMachine, type Accel, type MachineType } from '../caps';
import type { ArgvContext } from './context';

/** `kvm` for `<domain type='kvm'>`, `tcg` otherwise. */
export function accelFor(def: Domain): Accel {
  return def.type === 'kvm' ? 'kvm' : 'tcg';
}

/** The caps entry of the domain's machine (by name or alias), under its accelerator. */
export function machineCaps(def: Domain, ctx: ArgvContext): MachineType | undefined {
  const name = def.os?.type.machine;
  if (name === undefined) return undefined;
  return findMachine(ctx.caps, accelFor(def), name) ?? findMachine(ctx.caps, accelFor(def) === 'kvm' ? 'tcg' : 'kvm', name);
}

/** Id of the machine's built-in RAM backend (`pc.ram`), when QEMU reports one. */
export function defaultRamId(def: Domain, ctx: ArgvContext): string | undefined {
  return machineCaps(def, ctx)?.defaultRamId;
}

/** True for x86 guests (`i686`, `x86_64`). */
export function isX86(def: Domain): boolean {
  const arch = def.os?.type.arch ?? 'x86_64';
  return arch === 'x86_64' || arch === 'i686';
}
