/**
 * `-msg timestamp=on`: QEMU prefixes its log lines with a timestamp (qemu.conf `log_timestamp`,
 * on by default; `ctx.config.logTimestamp` false turns it off).
 *
 * Owner: argv-core engineer.
 */
import type { Domain } from '../../../../model/domain/domain';
import type { QemuCommandLine } from '../command-line';
import type { ArgvContext } from '../context';
import type { ArgvState } from '../build';

export function buildMsgTimestamp(cmd: QemuCommandLine, _def: Domain, ctx: ArgvContext, _state: ArgvState): void {
  if (ctx.config?.logTimestamp === false) return;
  cmd.add('-msg', 'timestamp=on');
}
