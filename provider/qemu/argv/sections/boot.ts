/**
 * `-boot [menu=on|off,][reboot-timeout=N,][splash-time=N,]strict=on` (boot order itself is per
 * device `bootindex`, see ../boot-order.ts), then direct kernel boot: `-kernel`, `-initrd`,
 * `-append`, `-dtb`, and the SLIC ACPI table (`-acpitable sig=SLIC,file=...`).
 *
 * Owner: argv-core engineer.
 */
import type { Domain } from '../../../../model/domain/domain';
import { qemuOptEscape, type QemuCommandLine } from '../command-line';
import type { ArgvContext } from '../context';
import type { ArgvState } from '../build';

export function buildBoot(cmd: QemuCommandLine, def: Domain, _ctx: ArgvContext, _state: ArgvState): void {
  const os = def.os;
  const opts: string[] = [];
  if (os?.bootmenu) {
    opts.push(`menu=${os.bootmenu.enable === 'yes' ? 'on' : 'off'}`);
  }
  if (os?.bios?.rebootTimeout !== undefined) opts.push(`reboot-timeout=${os.bios.rebootTimeout}`);
  if (os?.bootmenu?.timeout !== undefined) opts.push(`splash-time=${os.bootmenu.timeout}`);
  opts.push('strict=on');
  cmd.add('-boot', opts.join(','));
  if (os?.kernel !== undefined) cmd.add('-kernel', os.kernel);
  if (os?.initrd !== undefined) cmd.add('-initrd', os.initrd);
  if (os?.cmdline !== undefined) cmd.add('-append', os.cmdline);
  if (os?.dtb !== undefined) cmd.add('-dtb', os.dtb);
  for (const t of os?.acpi?.tables ?? []) {
    if (t.type === 'slic') cmd.add('-acpitable', `sig=SLIC,file=${qemuOptEscape(t.path)}`);
  }
}
