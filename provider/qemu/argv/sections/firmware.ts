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

/** The storage + raw format node pair for a local firmware file. */
function addFilePflash(cmd: QemuCommandLine, index: 0 | 1, file: string, readOnly: boolean): void {
  const storage = `libvirt-pflash${index}-storage`;
  const driver = file.startsWith('/dev/') ? 'host_device' : 'file';
  cmd.addJson('-blockdev', { driver, filename: file, 'node-name': storage, 'auto-read-only': true, discard: 'unmap' });
  cmd.addJson('-blockdev', { 'node-name': `libvirt-pflash${index}-format`, 'read-only': readOnly, driver: 'raw', file: storage });
}

/**
 * Hook for NVRAM stores on network storage (`<nvram type='network'>`): the storage engineer's
 * blockdev builder registers here so firmware does not duplicate it. Without it such a store is
 * rejected.
 */
export const networkNvramBuilder: {
  build?: (cmd: QemuCommandLine, def: Domain, ctx: ArgvContext, state: ArgvState, nodePrefix: string) => void;
} = {};

export function buildPflashBlockdevs(cmd: QemuCommandLine, def: Domain, ctx: ArgvContext, state: ArgvState): void {
  const loader = def.os?.loader;
  if (!isPflash(def) || loader?.path === undefined) return;
  addFilePflash(cmd, 0, loader.path, loader.readonly === 'yes');
  const nv = nvramPath(def, ctx);
  if (!nv) return;
  if (nv.file !== undefined) {
    addFilePflash(cmd, 1, nv.file, false);
  } else if (nv.network && networkNvramBuilder.build) {
    networkNvramBuilder.build(cmd, def, ctx, state, 'libvirt-pflash1');
  }
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
