/**
 * What the executor tells QEMU over QMP between starting it (frozen by `-S`) and `cont`, for
 * the domain's lifecycle actions. QEMU runs with `-no-shutdown`, so a guest poweroff or crash
 * stops the guest but keeps QEMU, and the executor applies `<on_poweroff>`/`<on_crash>` itself.
 * Only `<on_reboot>destroy</on_reboot>` needs QEMU's help: a guest reboot must become a shutdown
 * (`set-action reboot=shutdown`), which QEMUs without `set-action` get as `-no-reboot` instead.
 */
import type { Domain } from '../../../model/domain/domain';
import type { QemuCaps } from '../caps';

/** The `set-action` arguments to send before `cont`, or undefined when none is needed. */
export function startupSetAction(def: Domain, caps: QemuCaps): { readonly reboot: 'shutdown' } | undefined {
  if (!caps.flags.has('set-action')) return undefined;
  return def.onReboot === 'destroy' ? { reboot: 'shutdown' } : undefined;
}

/** One QMP command (structurally the lifecycle's QmpCommand, `LaunchSpec.beforeCont`). */
export interface StartupQmpCommand {
  readonly execute: string;
  readonly arguments?: Record<string, unknown>;
}

/**
 * Everything libvirt tells a freshly started QEMU before `cont`, in its order: the reboot
 * action (above), then the memory balloon's setup (libvirt does it on every start of a domain
 * with a balloon): the statistics polling period when `<stats period>` is set (a QOM property
 * of the balloon device, not a command-line option), and the balloon target, which is the
 * domain's current memory (`<currentMemory>`, bytes); last, the deletion of the thread contexts
 * the command line created only to preallocate memory (`QemuCommandLine.preallocThreadContexts`:
 * their threads have no work left).
 */
export function startupQmpCommands(def: Domain, caps: QemuCaps, preallocThreadContexts: readonly string[] = []): StartupQmpCommand[] {
  const out: StartupQmpCommand[] = [];
  const action = startupSetAction(def, caps);
  if (action) out.push({ execute: 'set-action', arguments: { ...action } });
  const balloon = def.devices?.memballoon;
  if (balloon && balloon.model !== 'none' && balloon.model !== 'xen') {
    const alias = balloon.alias?.name;
    if (balloon.stats?.period !== undefined && alias !== undefined) {
      out.push({ execute: 'qom-set', arguments: { path: `/machine/peripheral/${alias}`, property: 'guest-stats-polling-interval', value: balloon.stats.period } });
    }
    const kib = def.currentMemory ?? def.memory?.value;
    if (kib !== undefined) out.push({ execute: 'balloon', arguments: { value: kib * 1024 } });
  }
  for (const id of preallocThreadContexts) out.push({ execute: 'object-del', arguments: { id } });
  return out;
}
