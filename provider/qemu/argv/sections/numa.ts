/**
 * Guest NUMA: per-node memory backends, `-numa node/dist/cpu/hmat-*`.
 *
 * Owner: argv-core engineer.
 */
import type { Domain } from '../../../../model/domain/domain';
import type { QemuCommandLine } from '../command-line';
import type { ArgvContext } from '../context';
import type { ArgvState } from '../build';

export function buildNuma(_cmd: QemuCommandLine, _def: Domain, _ctx: ArgvContext, _state: ArgvState): void {
  // not written yet
}
