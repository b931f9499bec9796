/**
 * `-fw_cfg name=NAME,string=VALUE` or `name=NAME,file=PATH` for each entry of
 * `<sysinfo type='fwcfg'>` (blobs the guest reads from QEMU's firmware configuration device).
 *
 * Owner: argv-core engineer.
 */
import type { Domain } from '../../../../model/domain/domain';
import { qemuOptEscape, type QemuCommandLine } from '../command-line';
import type { ArgvContext } from '../context';
import type { ArgvState } from '../build';

export function buildSysinfoFwCfg(cmd: QemuCommandLine, def: Domain, _ctx: ArgvContext, _state: ArgvState): void {
  for (const s of def.sysinfos ?? []) {
    if (s.type !== 'fwcfg') continue;
    for (const e of s.entries ?? []) {
      const name = `name=${qemuOptEscape(e.name)}`;
      cmd.add('-fw_cfg', e.file !== undefined ? `${name},file=${qemuOptEscape(e.file)}` : `${name},string=${qemuOptEscape(e.value ?? '')}`);
    }
  }
}
