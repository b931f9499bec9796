/**
 * The QMP monitor: a socket chardev (`charmonitor`) in server mode, either an fd the launcher
 * already listens on (libvirt's way) or a UNIX socket path QEMU creates (virtform over SSH),
 * and `-mon` in control (QMP) mode on it.
 *
 * Owner: argv-core engineer.
 */
import type { Domain } from '../../../../model/domain/domain';
import { qemuOptEscape, type QemuCommandLine } from '../command-line';
import type { ArgvContext } from '../context';
import type { ArgvState } from '../build';

export const MONITOR_CHARDEV_ID = 'charmonitor';

export function buildMonitor(cmd: QemuCommandLine, _def: Domain, ctx: ArgvContext, _state: ArgvState): void {
  const m = ctx.monitor;
  const where = m.kind === 'fd' ? `fd=${m.fd}` : `path=${qemuOptEscape(m.path)}`;
  cmd.add('-chardev', `socket,id=${MONITOR_CHARDEV_ID},${where},server=on,wait=off`);
  cmd.add('-mon', `chardev=${MONITOR_CHARDEV_ID},id=monitor,mode=control`);
}
