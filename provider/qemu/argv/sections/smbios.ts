/**
 * `-smbios type=N,...` from `<sysinfo type='smbios'>` when `<os><smbios mode='sysinfo'/>` asks
 * for it (BIOS type 0, system type 1, base boards type 2, chassis type 3, OEM strings type 11),
 * or from the host's SMBIOS data with `mode='host'` (minus the host's UUID). Values have their
 * commas doubled (QEMU's option syntax).
 *
 * Owner: argv-core engineer.
 */
import type { Domain } from '../../../../model/domain/domain';
import type { Sysinfo } from '../../../../model/domain/sysinfo';
import { qemuOptEscape, type QemuCommandLine } from '../command-line';
import type { ArgvContext } from '../context';
import type { ArgvState } from '../build';
import { unsupported } from '../../validate/errors';

type Fields = Readonly<Record<string, string | undefined>> | undefined;

/** `type=N,key=value,...` with the fields present, in `keys` order; undefined when none is. */
function table(type: number, fields: Fields, keys: readonly string[]): string | undefined {
  if (!fields) return undefined;
  const parts = keys.filter((k) => fields[k] !== undefined).map((k) => `${k}=${qemuOptEscape(fields[k] as string)}`);
  return parts.length ? [`type=${type}`, ...parts].join(',') : undefined;
}

/** The `-smbios` values for one SMBIOS sysinfo, in libvirt's order. */
export function smbiosTables(src: Sysinfo, skipUuid: boolean): string[] {
  const out: string[] = [];
  const bios = table(0, src.bios, ['vendor', 'version', 'date', 'release']);
  if (bios) out.push(bios);
  const system = table(1, src.system, ['manufacturer', 'product', 'version', 'serial', ...(skipUuid ? [] : ['uuid']), 'sku', 'family']);
  if (system) out.push(system);
  const boards = src.baseBoards ?? [];
  if (boards.length > 1) throw unsupported('qemu does not support more than one entry to Type 2 in SMBIOS table');
  for (const b of boards) {
    const s = table(2, b, ['manufacturer', 'product', 'version', 'serial', 'asset', 'location']);
    if (s) out.push(s);
  }
  const chassis = table(3, src.chassis, ['manufacturer', 'version', 'serial', 'asset', 'sku']);
  if (chassis) out.push(chassis);
  const oem = src.oemStrings?.entries ?? [];
  if (oem.length) out.push(['type=11', ...oem.map((v) => `value=${qemuOptEscape(v)}`)].join(','));
  return out;
}

export function buildSmbios(cmd: QemuCommandLine, def: Domain, ctx: ArgvContext, _state: ArgvState): void {
  const mode = def.os?.smbios?.mode;
  if (mode === undefined || mode === 'emulate') return;
  let src: Sysinfo | undefined;
  let skipUuid = false;
  if (mode === 'host') {
    src = ctx.host.smbios;
    if (!src) throw unsupported('Host SMBIOS information is not available');
    skipUuid = true;
  } else {
    src = (def.sysinfos ?? []).find((s) => s.type === 'smbios');
    if (!src) throw unsupported(`Domain '${def.name}' sysinfo are not available`);
  }
  for (const t of smbiosTables(src, skipUuid)) cmd.add('-smbios', t);
}
