/**
 * What QEMU does on guest shutdown and the ACPI/sleep switches:
 *
 * - `-no-shutdown`: QEMU stays alive when the guest powers off, so the executor sees the event
 *   and applies `<on_poweroff>`/`<on_reboot>`/`<on_crash>` itself (with QEMU's `set-action` over
 *   QMP after start); without set-action support, `<on_reboot>destroy` is `-no-reboot`.
 * - `-no-acpi` for x86 guests without `<features><acpi/>` (when the machine has no `acpi`
 *   property QEMU would report).
 * - `<pm>` suspend-to-mem/disk: `-global PIIX4_PM.disable_s3=0|1` (ICH9-LPC on q35).
 *
 * Owner: argv-core engineer.
 */
import type { Domain } from '../../../../model/domain/domain';
import type { QemuCommandLine } from '../command-line';
import type { ArgvContext } from '../context';
import type { ArgvState } from '../build';
import { isX86 } from '../machine-options';
import { isQ35Machine } from '../machine-facts';

export function buildPowerManagement(cmd: QemuCommandLine, def: Domain, ctx: ArgvContext, _state: ArgvState): void {
  const caps = ctx.caps;
  if (caps.flags.has('set-action')) cmd.add('-no-shutdown');
  else if (def.onReboot === 'destroy') cmd.add('-no-reboot');
  else cmd.add('-no-shutdown');

  // libvirt sets its no-acpi capability by architecture (x86), not from a probe reply.
  const noAcpi = caps.flags.has('no-acpi') || caps.arch === 'x86_64' || caps.arch === 'i686';
  if (isX86(def) && !def.features?.acpi && noAcpi) cmd.add('-no-acpi');

  const q35 = isQ35Machine(def);
  const s3 = def.pm?.suspendToMem?.enabled;
  if (s3 !== undefined) {
    const obj = q35 && caps.flags.has('ich9-disable-s3') ? 'ICH9-LPC' : 'PIIX4_PM';
    cmd.add('-global', `${obj}.disable_s3=${s3 === 'no' ? 1 : 0}`);
  }
  const s4 = def.pm?.suspendToDisk?.enabled;
  if (s4 !== undefined) {
    const obj = q35 && caps.flags.has('ich9-disable-s4') ? 'ICH9-LPC' : 'PIIX4_PM';
    cmd.add('-global', `${obj}.disable_s4=${s4 === 'no' ? 1 : 0}`);
  }
}
