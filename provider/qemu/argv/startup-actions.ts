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
