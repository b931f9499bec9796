/**
 * The QEMU driver half of `virtform domxml-format`: which QEMU capabilities the defaults are
 * computed for, and the driver-defaults hook built from them.
 *
 * - `--caps FILE`: libvirt's `<qemuCaps>` XML (with its `.replies` beside it) or a virtform caps
 *   JSON;
 * - otherwise this machine's QEMU for the domain: its `<emulator>`, else
 *   `/usr/bin/qemu-system-ARCH` for its architecture (probed once, then cached per binary under
 *   `$XDG_CACHE_HOME/virtform/qemu-caps`);
 * - no such binary: no QEMU defaults (the generic canonical form only).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Domain } from '../model/domain/domain';
import { loadQemuCapsCached, type QemuCaps } from '../provider/qemu/caps';
import { qemuDefineDefaults } from '../provider/qemu/prepare';
import { localProbeHost } from '../provider/qemu/local-argv-host';
import { loadCapsFile } from './commands/domxml-to-native';

/** libvirt's architecture name of this machine (`x86_64`, `aarch64`...). */
export function hostArch(): string {
  switch (os.arch()) {
    case 'x64':
      return 'x86_64';
    case 'arm64':
      return 'aarch64';
    case 'ia32':
      return 'i686';
    default:
      return os.arch();
  }
}

/** The QEMU binary a domain runs on here: its `<emulator>`, else the system one for its arch. */
export function emulatorFor(xml: string): string {
  const emulator = /<emulator>\s*([^<\s]+)\s*<\/emulator>/.exec(xml)?.[1];
  if (emulator) return emulator;
  const arch = /<type[^>]*\barch=['"]([^'"]+)['"]/.exec(xml)?.[1] ?? hostArch();
  return `/usr/bin/qemu-system-${arch === 'i686' ? 'i386' : arch}`;
}

/** The caps to apply the QEMU defaults with, or undefined when none are available here. */
export async function capsForDomxmlFormat(xml: string, capsFile: string | undefined): Promise<QemuCaps | undefined> {
  if (capsFile !== undefined) return loadCapsFile(capsFile);
  const binary = emulatorFor(xml);
  if (!fs.existsSync(binary)) return undefined;
  const cacheDir = path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'virtform', 'qemu-caps');
  return (await loadQemuCapsCached(localProbeHost(), binary, { cacheDir })).caps;
}

/** The driver-defaults hook for domxml-format: QEMU defaults for `caps` (identity without caps). */
export function qemuDriverDefaults(caps: QemuCaps | undefined): (domain: Domain) => Domain {
  if (!caps) return (domain) => domain;
  return qemuDefineDefaults(caps, { hostArch: hostArch() });
}
