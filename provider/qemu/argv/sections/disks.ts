/**
 * Disks: `-blockdev` chains (storage + format nodes, secrets, TLS, fd sets) and their frontend `-device`.
 *
 * Owner: storage engineer.
 */
import type { Domain } from '../../../../model/domain/domain';
import type { QemuCommandLine } from '../command-line';
import type { ArgvContext } from '../context';
import type { ArgvState } from '../build';

export function buildDisks(_cmd: QemuCommandLine, _def: Domain, _ctx: ArgvContext, _state: ArgvState): void {
  // not written yet
}
