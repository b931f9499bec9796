/**
 * Firmware. A pflash loader (UEFI code) and its NVRAM store (UEFI variables) are block nodes
 * (`-blockdev` storage + raw format node, `libvirt-pflash0-*` and `libvirt-pflash1-*`) emitted
 * before `-machine`, which plugs them in with `pflash0=`/`pflash1=`. A ROM loader is `-bios
 * PATH` after `-cpu`, where a secure pflash loader also sets `cfi.pflash01`'s `secure` global.
 *
 * The NVRAM store of a read-only pflash loader that is not stateless defaults to
 * `NVRAM_DIR/NAME_VARS.fd` (libvirt fills it in at define time; the defaults pass normally has).
 *
 * Owner: argv-core engineer.
 */
import type { Domain } from '../../../../model/domain/domain';
import type { QemuCommandLine } from '../command-line';
import type { ArgvContext } from '../context';
import type { ArgvState } from '../build';
import type { StorageSource, StorageType } from '../../../../model/domain/devices/storage-source';
import { addStorageLayer } from '../storage/blockdev';

export const PFLASH0_FORMAT_NODE = 'libvirt-pflash0-format';
export const PFLASH1_FORMAT_NODE = 'libvirt-pflash1-format';

function isPflash(def: Domain): boolean {
  return def.os?.loader?.type === 'pflash';
}

/** The NVRAM store path of a pflash loader, or undefined when the firmware has none. */
export function nvramPath(def: Domain, ctx: ArgvContext): { file?: string; network?: boolean } | undefined {
  if (!isPflash(def)) return undefined;
  const loader = def.os?.loader;
  if (loader?.stateless === 'yes') return undefined;
  const nv = def.os?.nvram;
  if (nv?.path !== undefined) return { file: nv.path };
  if (nv?.source) {
    if (nv.type === 'network') return { network: true };
    const file = nv.source.file ?? nv.source.dev;
    return file !== undefined ? { file } : undefined;
  }
  if (loader?.readonly === 'yes') return { file: `${ctx.paths.nvramDir}/${def.name}_VARS.fd` };
  return undefined;
}

/** The `-machine pflash0=/pflash1=` node names for this domain's firmware. */
export function pflashNodeNames(def: Domain): { pflash0?: string; pflash1?: string } {
  if (!isPflash(def) || def.os?.loader?.path === undefined) return {};
  const loader = def.os.loader;
  const nv = def.os.nvram;
  const hasNvram =
    loader.stateless !== 'yes' && (nv?.path !== undefined || nv?.source !== undefined || loader.readonly === 'yes');
  return { pflash0: PFLASH0_FORMAT_NODE, ...(hasNvram ? { pflash1: PFLASH1_FORMAT_NODE } : {}) };
}

/** The storage + raw format node pair of pflash unit `index` (`libvirt-pflashN-*`). */
function addPflash(cmd: QemuCommandLine, ctx: ArgvContext, index: 0 | 1, type: StorageType, source: StorageSource, readOnly: boolean): void {
  addStorageLayer(cmd, ctx, { nodePrefix: `libvirt-pflash${index}`, type, source, format: 'raw', readonly: readOnly, ...(source.auth ? { auth: source.auth } : {}) }, {}, true);
}

export function buildPflashBlockdevs(cmd: QemuCommandLine, def: Domain, ctx: ArgvContext, _state: ArgvState): void {
  const loader = def.os?.loader;
  if (!isPflash(def) || loader?.path === undefined) return;
  addPflash(cmd, ctx, 0, 'file', { file: loader.path }, loader.readonly === 'yes');
  const nv = nvramPath(def, ctx);
  if (!nv) return;
  if (nv.file !== undefined) addPflash(cmd, ctx, 1, 'file', { file: nv.file }, false);
  else if (nv.network && def.os?.nvram?.source) addPflash(cmd, ctx, 1, 'network', def.os.nvram.source, false);
}

export function buildLoader(cmd: QemuCommandLine, def: Domain, _ctx: ArgvContext, _state: ArgvState): void {
  const loader = def.os?.loader;
  if (!loader || loader.path === undefined) return;
  if (loader.type === 'rom') {
    cmd.add('-bios', loader.path);
  } else if (loader.type === 'pflash' && loader.secure === 'yes') {
    cmd.add('-global', 'driver=cfi.pflash01,property=secure,value=on');
  }
}
