/**
 * Paths libvirt generated itself inside its per-domain state directory are not part of a
 * definition: a VNC socket under the driver's lib dir (written by old libvirt versions into
 * the XML) is dropped when a definition is loaded, and the display listens on the default
 * address again.
 */
import type { Domain } from '../../../model/domain/domain';
import { DEFAULT_LIB_DIR, type QemuDriverConfig } from './options';

export function dropGeneratedPaths(def: Domain, config: QemuDriverConfig = {}): void {
  const libDir = config.libDir ?? DEFAULT_LIB_DIR;
  const generated = (p: string | undefined) => p !== undefined && p.startsWith(libDir);
  for (const g of def.devices?.graphics ?? []) {
    if (g.type !== 'vnc') continue;
    const first = g.listens?.[0];
    const fromListen = first?.type === 'socket' && generated(first.socket);
    const fromAttr = !g.listens?.length && generated(g.socket);
    if (!fromListen && !fromAttr) continue;
    delete g.socket;
    g.listens = [{ type: 'address' }, ...(g.listens ?? []).slice(1)];
    if (g.port === undefined || g.port === -1 || g.autoport === 'yes') {
      g.port = -1;
      g.autoport = 'yes';
    }
  }
}
