/**
 * The environment QEMU starts with, in libvirt's order: `LC_ALL=C`, the launcher's PATH, HOME
 * (the per-domain private dir, so QEMU never writes into a user's home), USER, LOGNAME, then the
 * XDG base dirs under HOME. Devices and `<qemu:env>` add their own variables later.
 *
 * Owner: argv-core engineer.
 */
import type { Domain } from '../../../../model/domain/domain';
import type { QemuCommandLine } from '../command-line';
import type { ArgvContext } from '../context';
import type { ArgvState } from '../build';

export function buildEnvironment(cmd: QemuCommandLine, _def: Domain, ctx: ArgvContext, _state: ArgvState): void {
  const home = ctx.paths.domainLibDir;
  cmd.setEnv('LC_ALL', 'C');
  if (ctx.launchEnv.PATH !== undefined) cmd.setEnv('PATH', ctx.launchEnv.PATH);
  cmd.setEnv('HOME', home);
  if (ctx.launchEnv.USER !== undefined) cmd.setEnv('USER', ctx.launchEnv.USER);
  if (ctx.launchEnv.LOGNAME !== undefined) cmd.setEnv('LOGNAME', ctx.launchEnv.LOGNAME);
  cmd.setEnv('XDG_DATA_HOME', `${home}/.local/share`);
  cmd.setEnv('XDG_CACHE_HOME', `${home}/.cache`);
  cmd.setEnv('XDG_CONFIG_HOME', `${home}/.config`);
}
