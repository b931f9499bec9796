/**
 * The `vmcoreinfo` device (`<features><vmcoreinfo state='on'/>`): lets the guest kernel publish
 * where its crash-dump notes are, for `virsh dump`-style guest memory dumps.
 *
 * Owner: argv-core engineer.
 */
import type { Domain } from '../../../../model/domain/domain';
import type { QemuCommandLine } from '../command-line';
import type { ArgvContext } from '../context';
import type { ArgvState } from '../build';

export function buildVmCoreInfo(cmd: QemuCommandLine, def: Domain, _ctx: ArgvContext, _state: ArgvState): void {
  if (def.features?.vmcoreinfo === 'on') cmd.addJson('-device', { driver: 'vmcoreinfo' });
}
