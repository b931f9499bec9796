/**
 * `-S`: QEMU starts with vCPUs stopped, so the executor can pin threads, set QMP actions and
 * hot-add what needs it before `cont`.
 *
 * Owner: argv-core engineer.
 */
import type { Domain } from '../../../../model/domain/domain';
import type { QemuCommandLine } from '../command-line';
import type { ArgvContext } from '../context';
import type { ArgvState } from '../build';

export function buildFreeze(cmd: QemuCommandLine, _def: Domain, _ctx: ArgvContext, _state: ArgvState): void {
  cmd.add('-S');
}
