/**
 * Firmware autoselection (`<os firmware='efi'>` / `firmware='bios'`), done when a domain starts:
 * the first descriptor (see firmware-descriptor.ts, in precedence order) that fits fills in the
 * loader, the UEFI variable store and the features the firmware needs.
 *
 * A descriptor fits when it offers the requested interface (BIOS or UEFI), lists the guest's
 * architecture with a machine pattern matching the machine type, has the mapping the `<loader>`
 * asks for (pflash → flash, rom → memory), supports the requested S3/S4, secure boot and
 * enrolled keys settings, does not require SMM when SMM is off, and is a stateless flash image
 * exactly when `<loader stateless='yes'>` (otherwise a split code + variables pair; combined
 * images are not used). SEV guests need an SEV-capable firmware.
 *
 * Selecting a flash firmware makes the loader a read-only pflash, records the variables template
 * and, without an explicit `<nvram>`, the store `NVRAM_DIR/NAME_VARS.fd`. A firmware that
 * requires SMM turns SMM on and the loader secure. The firmware's secure-boot and enrolled-keys
 * features are recorded in `<firmware>`.
 */
import type { Domain } from '../../../model/domain/domain';
import type { QemuCaps } from '../caps';
import type { FirmwareDescriptor } from './firmware-descriptor';
import { DEFAULT_NVRAM_DIR, type QemuDriverConfig } from './options';

export class FirmwareSelectionError extends Error {}

/** The QEMU architecture names descriptors use for libvirt's. */
function qemuArch(arch: string | undefined): string {
  if (arch === 'i686') return 'i386';
  return arch ?? '';
}

/** Shell-style match: `*` any run, `?` one character (g_pattern_match_simple). */
export function globMatch(pattern: string, text: string): boolean {
  const re = new RegExp('^' + pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$');
  return re.test(text);
}

function feature(def: Domain, name: 'secure-boot' | 'enrolled-keys'): 'yes' | 'no' | undefined {
  return def.os.firmwareInfo?.features?.find((f) => f.name === name)?.enabled;
}

/** Why a descriptor does not fit the domain, or undefined when it does. */
export function firmwareMismatch(def: Domain, fw: FirmwareDescriptor): string | undefined {
  const want = def.os.firmware === 'efi' ? 'uefi' : 'bios';
  if (!fw.interfaces.includes(want)) return `no '${want}' interface`;
  const machine = def.os.type.machine ?? '';
  const arch = qemuArch(def.os.type.arch);
  if (!fw.targets.some((t) => t.architecture === arch && t.machines.some((m) => globMatch(m, machine)))) return `not for ${arch} machine ${machine}`;
  const loader = def.os.loader;
  if (loader?.type === 'pflash' && fw.mapping.device !== 'flash') return 'not a flash image';
  if (loader?.type === 'rom' && fw.mapping.device !== 'memory') return 'not a ROM image';
  const has = (f: string) => fw.features.includes(f);
  const pm = (def as { pm?: { suspendToMem?: { enabled?: string }; suspendToDisk?: { enabled?: string } } }).pm;
  if (pm?.suspendToMem?.enabled === 'yes' && !has('acpi-s3')) return 'no S3 support';
  if (pm?.suspendToDisk?.enabled === 'yes' && !has('acpi-s4')) return 'no S4 support';
  const sb = feature(def, 'secure-boot');
  if (sb === 'yes' && !has('secure-boot')) return 'no secure boot';
  if (sb === 'no' && has('secure-boot')) return 'secure boot';
  const keys = feature(def, 'enrolled-keys');
  if (keys === 'yes' && !has('enrolled-keys')) return 'no enrolled keys';
  if (keys === 'no' && has('enrolled-keys')) return 'enrolled keys';
  if (loader?.secure === 'yes' && !has('requires-smm')) return 'not a secure (SMM) loader';
  if (def.features?.smm?.state === 'off' && has('requires-smm')) return 'requires SMM';
  if (fw.mapping.device === 'flash') {
    const m = fw.mapping;
    if (loader?.stateless === 'yes') {
      if (m.mode !== 'stateless') return 'not stateless';
    } else if (m.mode !== 'split') {
      return `${m.mode} flash`;
    }
    if (m.executable.format !== 'raw') return `${m.executable.format} executable`;
    if (m.mode === 'split' && m.nvramTemplate && m.nvramTemplate.format !== 'raw') return `${m.nvramTemplate.format} variables template`;
  }
  const sev = (def.launchSecurity as { type?: string; policy?: number } | undefined)?.type;
  if (sev === 'sev' && !has('amd-sev')) return 'no SEV support';
  return undefined;
}

/** The UEFI variable store libvirt creates for a domain: `NVRAM_DIR/NAME_VARS.fd`. */
export function defaultNvramPath(def: Domain, config: QemuDriverConfig = {}): string {
  return `${config.nvramDir ?? DEFAULT_NVRAM_DIR}/${def.name}_VARS.fd`;
}

/**
 * A read-only pflash loader (UEFI code) without a variable store gets the default one; done at
 * start whether or not the firmware was autoselected.
 */
export function applyNvramPathDefault(def: Domain, config: QemuDriverConfig = {}): void {
  const loader = def.os.loader;
  if (loader?.type !== 'pflash' || loader.readonly !== 'yes' || loader.stateless === 'yes') return;
  const nvram = def.os.nvram;
  if (nvram?.path !== undefined || nvram?.source !== undefined) return;
  def.os.nvram = { ...(nvram ?? {}), path: defaultNvramPath(def, config) };
}

/**
 * Fills in the firmware of a domain asking for autoselection (in place). Throws
 * FirmwareSelectionError when no descriptor fits. Domains without `firmware=` only get the
 * default variable store.
 */
export function selectFirmware(def: Domain, _caps: QemuCaps, descriptors: readonly FirmwareDescriptor[], config: QemuDriverConfig = {}): Domain {
  const family = def.os.firmware;
  if (!family) {
    applyNvramPathDefault(def, config);
    return def;
  }
  const fw = descriptors.find((d) => firmwareMismatch(def, d) === undefined);
  if (!fw) throw new FirmwareSelectionError(`Unable to find any firmware to satisfy '${family}'`);
  const m = fw.mapping;
  if (m.device === 'flash') {
    const loader = (def.os.loader ??= {});
    loader.type = 'pflash';
    loader.readonly = 'yes';
    loader.path = m.executable.filename;
    if (m.mode === 'split') {
      const nvram = (def.os.nvram ??= {});
      if (m.nvramTemplate) nvram.template = m.nvramTemplate.filename;
      if (nvram.path === undefined && nvram.source === undefined) nvram.path = defaultNvramPath(def, config);
    }
  } else if (m.device === 'memory') {
    const loader = (def.os.loader ??= {});
    loader.type = 'rom';
    loader.path = m.filename;
  } else {
    def.os.kernel = m.filename;
  }
  if (fw.features.includes('requires-smm')) {
    const features = (def.features ??= {});
    features.smm = { ...(features.smm ?? {}), state: 'on' };
    if (def.os.loader) def.os.loader.secure = 'yes';
  }
  if (family === 'efi') {
    const info = (def.os.firmwareInfo ??= { features: [] });
    const list = (info.features ??= []);
    for (const name of ['enrolled-keys', 'secure-boot'] as const) {
      const enabled = fw.features.includes(name) ? 'yes' : 'no';
      const f = list.find((x) => x.name === name);
      if (f) f.enabled = enabled;
      else list.push({ enabled, name });
    }
  }
  return def;
}
