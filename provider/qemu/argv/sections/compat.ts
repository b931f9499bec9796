/**
 * `-compat`: what QEMU does with deprecated commands and output, from `<qemu:deprecation
 * behavior>`: `omit` hides deprecated output, `reject`/`crash` also refuse deprecated input.
 *
 * Owner: argv-core engineer.
 */
import type { Domain } from '../../../../model/domain/domain';
import type { QemuCommandLine } from '../command-line';
import type { ArgvContext } from '../context';
import type { ArgvState } from '../build';

export function buildCompat(cmd: QemuCommandLine, def: Domain, ctx: ArgvContext, _state: ArgvState): void {
  const behavior = def.qemuDeprecation?.behavior;
  if (behavior === undefined || behavior === 'none') return;
  // `-compat` exists since QEMU 6.0; probes do not derive libvirt's flag for it.
  if (!ctx.caps.flags.has('compat-deprecated') && ctx.caps.version < 6_000_000) return;
  const props: Record<string, string> = { 'deprecated-output': 'hide' };
  if (behavior === 'reject' || behavior === 'crash') props['deprecated-input'] = behavior;
  cmd.addJson('-compat', props);
}
