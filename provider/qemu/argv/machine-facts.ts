/**
 * What a machine type builds in, as the device sections need it: which controllers QEMU creates
 * with the board and so must not be put on the command line.
 */
import type { Domain } from '../../../model/domain/domain';

function machine(def: Domain): string {
  return def.os?.type.machine ?? '';
}

/** The x86 Q35 board (`q35`, `pc-q35-*`): ICH9 with built-in AHCI (SATA) and no IDE. */
export function isQ35Machine(def: Domain): boolean {
  const m = machine(def);
  return m === 'q35' || m.startsWith('pc-q35-');
}

/** The x86 i440FX board (`pc`, `pc-i440fx-*`, old `pc-0.x`/`pc-1.x`): PIIX3 with built-in IDE. */
export function isI440fxMachine(def: Domain): boolean {
  const m = machine(def);
  return m === 'pc' || m.startsWith('pc-i440fx-') || m.startsWith('pc-0.') || m.startsWith('pc-1.') || m.startsWith('rhel');
}

/** Boards whose first IDE controller is part of the machine. */
export function hasBuiltinIde(def: Domain): boolean {
  const m = machine(def);
  return isI440fxMachine(def) || m === 'isapc' || m.startsWith('malta') || m === 'sun4u' || m === 'g3beige';
}
