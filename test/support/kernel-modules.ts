/**
 * Finds kernel modules in an extracted (never installed) Debian kernel package and orders them for
 * insmod, dependencies first.
 *
 * Debian's linux-image packages ship no modules.dep (depmod writes it at install time), so the
 * dependencies are read where depmod reads them: the `depends=` entry of each module's `.modinfo`
 * ELF section. Modules may be stored plain (`.ko`, Debian 12), or compressed (`.ko.xz`, `.ko.zst`,
 * `.ko.gz`, later kernels); compressed ones are unpacked with xz / zstd / zlib.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';

export interface KernelModule {
  /** Module name as the kernel knows it: dashes become underscores (`virtio-rng.ko` → `virtio_rng`). */
  readonly name: string;
  readonly file: string;
  /** Names of the modules it needs loaded first. */
  readonly depends: readonly string[];
}

/** Module name from a file name: `virtio_pci.ko.xz` → `virtio_pci`. */
export function moduleName(file: string): string {
  return path.basename(file).replace(/\.ko(\.(xz|zst|gz))?$/, '').replace(/-/g, '_');
}

/** All modules under `moduleDir` (`.../lib/modules/<release>`), by name. */
export function indexModules(moduleDir: string): Map<string, string> {
  const index = new Map<string, string>();
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.ko(\.(xz|zst|gz))?$/.test(e.name)) index.set(moduleName(e.name), p);
    }
  };
  walk(path.join(moduleDir, 'kernel'));
  return index;
}

/** Names of modules built into the kernel image (from modules.builtin), which need no insmod. */
export function builtinModules(moduleDir: string): Set<string> {
  const file = path.join(moduleDir, 'modules.builtin');
  if (!fs.existsSync(file)) return new Set();
  return new Set(fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map(moduleName));
}

/** The module file's bytes, uncompressed. */
export function readModule(file: string): Buffer {
  if (file.endsWith('.ko')) return fs.readFileSync(file);
  if (file.endsWith('.gz')) return zlib.gunzipSync(fs.readFileSync(file));
  const tool = file.endsWith('.xz') ? 'xz' : 'zstd';
  try {
    return execFileSync(tool, ['-dc', file], { maxBuffer: 256 << 20 });
  } catch (e) {
    throw new Error(`cannot decompress ${file} with ${tool} (${(e as Error).message}); install ${tool === 'xz' ? 'xz-utils' : 'zstd'}`);
  }
}

/** `key=value` strings of an ELF64 little-endian object's `.modinfo` section. */
export function readModinfo(elf: Buffer): Map<string, string[]> {
  if (elf.readUInt32BE(0) !== 0x7f454c46 || elf[4] !== 2 || elf[5] !== 1) {
    throw new Error('not a 64-bit little-endian ELF object');
  }
  const shoff = Number(elf.readBigUInt64LE(0x28));
  const shentsize = elf.readUInt16LE(0x3a);
  const shnum = elf.readUInt16LE(0x3c);
  const shstrndx = elf.readUInt16LE(0x3e);
  const section = (i: number) => {
    const at = shoff + i * shentsize;
    return { name: elf.readUInt32LE(at), offset: Number(elf.readBigUInt64LE(at + 0x18)), size: Number(elf.readBigUInt64LE(at + 0x20)) };
  };
  const names = section(shstrndx);
  const out = new Map<string, string[]>();
  for (let i = 0; i < shnum; i++) {
    const s = section(i);
    const nameEnd = elf.indexOf(0, names.offset + s.name);
    if (elf.toString('latin1', names.offset + s.name, nameEnd) !== '.modinfo') continue;
    for (const entry of elf.toString('utf8', s.offset, s.offset + s.size).split('\0')) {
      const eq = entry.indexOf('=');
      if (eq <= 0) continue;
      const key = entry.slice(0, eq);
      out.set(key, [...(out.get(key) ?? []), entry.slice(eq + 1)]);
    }
  }
  return out;
}

/**
 * `wanted` and everything they depend on, dependencies first; built-in modules are left out.
 * Throws when a module is neither a file nor built in.
 */
export function resolveModules(moduleDir: string, wanted: readonly string[]): KernelModule[] {
  const index = indexModules(moduleDir);
  const builtin = builtinModules(moduleDir);
  const order: KernelModule[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, chain: string[]): void => {
    if (builtin.has(name) || state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') throw new Error(`module dependency cycle: ${[...chain, name].join(' → ')}`);
    const file = index.get(name);
    if (!file) throw new Error(`kernel module ${name} (needed by ${chain.join(' → ') || 'the test guest'}) is neither in ${moduleDir}/kernel nor built in`);
    state.set(name, 'visiting');
    const depends = (readModinfo(readModule(file)).get('depends')?.[0] ?? '').split(',').filter(Boolean);
    for (const d of depends) visit(d, [...chain, name]);
    state.set(name, 'done');
    order.push({ name, file, depends });
  };
  for (const w of wanted) visit(w, []);
  return order;
}
