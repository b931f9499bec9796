/**
 * `-sandbox`: QEMU's seccomp filter. With it on, QEMU may not use obsolete syscalls, raise
 * privileges, spawn processes or change resource controls (qemu.conf `seccomp_sandbox`, on by
 * default; `ctx.config.seccompSandbox` 0 turns it off, -1 leaves QEMU's default).
 *
 * Owner: argv-core engineer.
 */
import type { Domain } from '../../../../model/domain/domain';
import type { QemuCommandLine } from '../command-line';
import type { ArgvContext } from '../context';
import type { ArgvState } from '../build';

export function buildSandbox(cmd: QemuCommandLine, _def: Domain, ctx: ArgvContext, _state: ArgvState): void {
  if (!ctx.caps.flags.has('seccomp-sandbox')) return;
  const setting = Number(ctx.config?.seccompSandbox ?? 1);
  if (setting === 0) cmd.add('-sandbox', 'off');
  else if (setting > 0) cmd.add('-sandbox', 'on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny');
}
