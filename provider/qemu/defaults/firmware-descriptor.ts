/**
 * QEMU firmware descriptors (docs/interop/firmware.json in QEMU): JSON files that say which
 * firmware images exist on a host, what they can do (UEFI or BIOS, secure boot, enrolled keys,
 * SMM...) and for which architectures and machine types. Firmware autoselection
 * (`<os firmware='efi'>`) picks from them.
 *
 * Files are looked up in several folders, most important first (per-user config,
 * /etc/qemu/firmware, /usr/share/qemu/firmware). A file overrides files of the same name in less
 * important folders; an empty file hides them. The survivors are used in file name order.
 */
import * as fs from 'fs';
import * as path from 'path';

/** How the firmware is mapped into the guest. */
export type FirmwareMapping =
  | {
      readonly device: 'flash';
      /** `split`: code and variables in two images; `combined`: one image; `stateless`: no variables. */
      readonly mode: 'split' | 'combined' | 'stateless';
      readonly executable: { readonly filename: string; readonly format: string };
      readonly nvramTemplate?: { readonly filename: string; readonly format: string };
    }
  | { readonly device: 'memory'; readonly filename: string }
  | { readonly device: 'kernel'; readonly filename: string };

export interface FirmwareTarget {
  readonly architecture: string;
  /** Shell-style patterns of machine type names (`pc-q35-*`). */
  readonly machines: readonly string[];
}

export interface FirmwareDescriptor {
  /** The descriptor file (for messages). */
  readonly path: string;
  /** `uefi`, `bios`, `openfirmware`, `uboot`. */
  readonly interfaces: readonly string[];
  readonly mapping: FirmwareMapping;
  readonly targets: readonly FirmwareTarget[];
  /** `secure-boot`, `enrolled-keys`, `requires-smm`, `acpi-s3`, `amd-sev`, ... */
  readonly features: readonly string[];
}

export class FirmwareDescriptorError extends Error {}

function strList(v: unknown, what: string, file: string): string[] {
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new FirmwareDescriptorError(`${file}: '${what}' must be a list of strings`);
  return v as string[];
}

function image(v: unknown, what: string, file: string): { filename: string; format: string } {
  const o = v as { filename?: unknown; format?: unknown } | undefined;
  if (!o || typeof o.filename !== 'string') throw new FirmwareDescriptorError(`${file}: mapping '${what}' needs a 'filename'`);
  return { filename: o.filename, format: typeof o.format === 'string' ? o.format : 'raw' };
}

/** Parses one descriptor's JSON text. Throws FirmwareDescriptorError naming the file. */
export function parseFirmwareDescriptor(text: string, file: string): FirmwareDescriptor {
  let j: Record<string, unknown>;
  try {
    j = JSON.parse(text) as Record<string, unknown>;
  } catch (e) {
    throw new FirmwareDescriptorError(`${file}: not valid JSON (${(e as Error).message})`);
  }
  const m = j.mapping as Record<string, unknown> | undefined;
  if (!m || typeof m.device !== 'string') throw new FirmwareDescriptorError(`${file}: missing 'mapping' with a 'device'`);
  let mapping: FirmwareMapping;
  if (m.device === 'flash') {
    const mode = (m.mode ?? 'split') as string;
    if (mode !== 'split' && mode !== 'combined' && mode !== 'stateless') throw new FirmwareDescriptorError(`${file}: unknown flash mode '${mode}'`);
    mapping = {
      device: 'flash',
      mode,
      executable: image(m.executable, 'executable', file),
      ...(m['nvram-template'] !== undefined ? { nvramTemplate: image(m['nvram-template'], 'nvram-template', file) } : {}),
    };
  } else if (m.device === 'memory' || m.device === 'kernel') {
    if (typeof m.filename !== 'string') throw new FirmwareDescriptorError(`${file}: mapping needs a 'filename'`);
    mapping = { device: m.device, filename: m.filename };
  } else {
    throw new FirmwareDescriptorError(`${file}: unknown mapping device '${String(m.device)}'`);
  }
  const targets = (Array.isArray(j.targets) ? j.targets : []).map((t: { architecture?: unknown; machines?: unknown }) => ({
    architecture: String(t.architecture ?? ''),
    machines: strList(t.machines ?? [], 'machines', file),
  }));
  return {
    path: file,
    interfaces: strList(j['interface-types'] ?? [], 'interface-types', file),
    mapping,
    targets,
    features: strList(j.features ?? [], 'features', file),
  };
}

/**
 * QEMU's override rules over a listing of descriptor folders (most important first): for each
 * file name the first folder that has it wins; the winners in name order, which is the order
 * autoselection tries them. Pure: the local loader and the host loader (over a Transport) share it.
 */
export function chooseFirmwareDescriptorFiles(listing: readonly { readonly dir: string; readonly names: readonly string[] }[]): string[] {
  const chosen = new Map<string, string>();
  for (const { dir, names } of listing) {
    for (const n of names) if (n.endsWith('.json') && !chosen.has(n)) chosen.set(n, path.posix.join(dir, n));
  }
  return [...chosen.keys()].sort().map((name) => chosen.get(name) as string);
}

/** Parses the chosen descriptor files (empty files mask a lower folder's file of the same name and are skipped). */
export function parseFirmwareDescriptorFiles(files: readonly { readonly file: string; readonly text: string }[]): FirmwareDescriptor[] {
  return files.filter((f) => f.text.trim() !== '').map((f) => parseFirmwareDescriptor(f.text, f.file));
}

/**
 * Reads the descriptors of `dirs` on this machine (most important first; missing folders are
 * skipped) with QEMU's override rules, in the order autoselection tries them.
 */
export function loadFirmwareDescriptors(dirs: readonly string[]): FirmwareDescriptor[] {
  const listing = dirs.flatMap((dir) => {
    try {
      return [{ dir, names: fs.readdirSync(dir) }];
    } catch {
      return [];
    }
  });
  return parseFirmwareDescriptorFiles(chooseFirmwareDescriptorFiles(listing).map((file) => ({ file, text: fs.readFileSync(file, 'utf8') })));
}

/** Where QEMU firmware descriptors live on a host, most important first. */
export function defaultFirmwareDirs(home = process.env.HOME ?? '', configHome = process.env.XDG_CONFIG_HOME): string[] {
  const user = configHome ? path.join(configHome, 'qemu/firmware') : home ? path.join(home, '.config/qemu/firmware') : undefined;
  return [...(user ? [user] : []), '/etc/qemu/firmware', '/usr/share/qemu/firmware'];
}
