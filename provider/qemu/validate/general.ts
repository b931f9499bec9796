/**
 * Domain-wide validation rules: virt type and arch against the emulator, machine, boot, memory,
 * hugepages, NUMA, CPU, features, firmware, clock (libvirt's messages).
 *
 * Owner: argv-core engineer.
 */
import type { Domain } from '../../../model/domain/domain';
import type { QemuCaps } from '../caps';
import type { ArgvContext } from '../argv/context';

export function validateGeneral(_def: Domain, _caps: QemuCaps, _ctx: ArgvContext): void {
  // filled in below as the rules are written
}
