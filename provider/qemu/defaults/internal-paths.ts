/**
 * Paths libvirt generated itself are not part of a definition and are dropped when one is
 * loaded: a VNC socket under the driver's lib dir (written into the XML by old libvirt
 * versions; the display listens on the default address again) and the socket of a virtio
 * channel under the channel target dir (a new one is generated at start).
 */
import type { Domain } from '../../../model/domain/domain';
import { DEFAULT_CHANNEL_TARGET_DIR, DEFAULT_LIB_DIR, type QemuDriverConfig } from './options';

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
  const channelDir = config.channelTargetDir ?? DEFAULT_CHANNEL_TARGET_DIR;
  for (const ch of def.devices?.channels ?? []) {
    if (ch.type !== 'unix' || ch.target?.type !== 'virtio') continue;
    // libvirt's pattern for the names it generates: DIR/NAME.TARGET (old) or .../domain-ID-NAME/TARGET.
    const generated = new RegExp(`^${escapeRegex(channelDir)}/([^/]+\\.)|(domain-[^/]+/)${escapeRegex(ch.target.name ?? '')}$`);
    for (const s of ch.sources ?? []) if (s.path !== undefined && generated.test(s.path)) delete s.path;
  }
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
