/**
 * `-name guest=NAME,debug-threads=on`. debug-threads names QEMU's threads (`CPU 0/KVM`,
 * `IO iothread1`...): the executor pins vCPU and I/O threads by those names, so it is always on.
 *
 * Owner: argv-core engineer.
 */
import type { Domain } from '../../../../model/domain/domain';
import { qemuOptEscape, type QemuCommandLine } from '../command-line';
import type { ArgvContext } from '../context';
import type { ArgvState } from '../build';

export function buildName(cmd: QemuCommandLine, def: Domain, _ctx: ArgvContext, _state: ArgvState): void {
  cmd.add('-name', `guest=${qemuOptEscape(def.name)},debug-threads=on`);
}
