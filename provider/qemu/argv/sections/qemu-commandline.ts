/**
 * `<qemu:commandline>`: extra arguments passed to QEMU verbatim, after everything libvirt
 * generates for devices (their `<qemu:env>` variables are added to the environment here too,
 * after the standard ones). Unsupported by design: the domain owner takes responsibility.
 *
 * Owner: argv-core engineer.
 */
import type { Domain } from '../../../../model/domain/domain';
import type { QemuCommandLine } from '../command-line';
import type { ArgvContext } from '../context';
import type { ArgvState } from '../build';

export function buildQemuCommandlineArgs(cmd: QemuCommandLine, def: Domain, _ctx: ArgvContext, _state: ArgvState): void {
  const qc = def.qemuCommandline;
  if (!qc) return;
  for (const a of qc.args ?? []) cmd.args.push(a.value);
  for (const e of qc.envs ?? []) cmd.setEnv(e.name, e.value ?? '');
}
