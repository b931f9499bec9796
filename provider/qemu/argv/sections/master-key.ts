/**
 * The master key secret (`masterKey0`): a 32-byte random key in the domain's private dir that
 * QEMU uses to decrypt every other secret passed on the command line or over QMP.
 *
 * Owner: argv-core engineer.
 */
import type { Domain } from '../../../../model/domain/domain';
import type { QemuCommandLine } from '../command-line';
import type { ArgvContext } from '../context';
import type { ArgvState } from '../build';

/** The id other secrets name as `keyid`. */
export const MASTER_KEY_ID = 'masterKey0';

/** Path of the master key file for a domain lib dir. */
export function masterKeyPath(domainLibDir: string): string {
  return `${domainLibDir}/master-key.aes`;
}

export function buildMasterKey(cmd: QemuCommandLine, _def: Domain, ctx: ArgvContext, _state: ArgvState): void {
  cmd.addJson('-object', { 'qom-type': 'secret', id: MASTER_KEY_ID, format: 'raw', file: masterKeyPath(ctx.paths.domainLibDir) });
}
