/**
 * The test guest's build: the module order (checked against the raw `depends=` strings in the
 * module files), compressed-module handling, and the initramfs contents (listed by GNU cpio).
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { buildTestGuest, GUEST_MODULES, testGuestSkipReason } from './guest';
import { indexModules, moduleName, readModinfo, readModule, resolveModules } from './kernel-modules';
import { describeUnless } from './qemu';

/** `depends=` read by searching the raw bytes, not by parsing ELF sections. */
function rawDepends(file: Buffer): string[] {
  const at = file.indexOf(Buffer.from('\0depends='));
  const end = file.indexOf(0, at + 1);
  return file.toString('utf8', at + '\0depends='.length, end).split(',').filter(Boolean);
}

describe('kernel module names', () => {
  it.each([
    ['virtio_pci.ko', 'virtio_pci'],
    ['virtio-rng.ko', 'virtio_rng'],
    ['/x/sd_mod.ko.xz', 'sd_mod'],
    ['scsi_mod.ko.zst', 'scsi_mod'],
  ])('%s → %s', (file, name) => expect(moduleName(file)).toBe(name));
});

describeUnless(testGuestSkipReason())('test guest', () => {
  let tree: string;
  let moduleDir: string;

  beforeAll(async () => {
    const guest = await buildTestGuest();
    tree = fs.mkdtempSync(path.join(os.tmpdir(), 'vf-kernel-'));
    execFileSync('dpkg', ['-x', guest.kernelDeb, tree]);
    moduleDir = path.join(tree, 'lib', 'modules', guest.kernelRelease);
  });
  afterAll(() => fs.rmSync(tree, { recursive: true, force: true }));

  it('orders the virtio modules dependencies first, matching each module\'s depends= string', async () => {
    const modules = resolveModules(moduleDir, GUEST_MODULES);
    const guest = await buildTestGuest();
    expect(modules.map((m) => m.name)).toEqual(guest.modules);
    const position = new Map(modules.map((m, i) => [m.name, i]));
    for (const m of modules) {
      expect([m.name, m.depends]).toEqual([m.name, rawDepends(fs.readFileSync(m.file))]);
      for (const d of m.depends) expect(position.get(d)!).toBeLessThan(position.get(m.name)!);
    }
    for (const w of GUEST_MODULES) expect(position.has(w)).toBe(true);
  });

  it('reads the module license and name from .modinfo', () => {
    const info = readModinfo(fs.readFileSync(indexModules(moduleDir).get('virtio_blk')!));
    expect(info.get('name')).toEqual(['virtio_blk']);
    expect(info.get('license')).toEqual(['GPL']);
  });

  it('decompresses .ko.xz and .ko.gz modules to the same bytes', () => {
    const plain = indexModules(moduleDir).get('virtio')!;
    const bytes = fs.readFileSync(plain);
    const xz = path.join(tree, 'virtio.ko.xz');
    fs.writeFileSync(xz, execFileSync('xz', ['-c', plain], { maxBuffer: 64 << 20 }));
    const gz = path.join(tree, 'virtio.ko.gz');
    fs.writeFileSync(gz, zlib.gzipSync(bytes));
    expect(readModule(xz).equals(bytes)).toBe(true);
    expect(readModule(gz).equals(bytes)).toBe(true);
  });

  it('packs busybox, /dev/console, /init and the modules into the initramfs', async () => {
    const guest = await buildTestGuest();
    const cpio = zlib.gunzipSync(fs.readFileSync(guest.initrd));
    const names = execFileSync('cpio', ['-it', '--quiet'], { input: cpio, encoding: 'utf8' }).trim().split('\n');
    expect(names).toEqual(expect.arrayContaining(['init', 'bin/busybox', 'bin/sh', 'dev/console', 'proc', 'sys']));
    expect(names.filter((n) => n.startsWith('lib/modules/')).sort()).toEqual(guest.modules.map((m) => `lib/modules/${m}.ko`).sort());
    const init = execFileSync('cpio', ['-i', '--quiet', '--to-stdout', 'init'], { input: cpio, encoding: 'utf8' });
    expect(init).toContain(`for m in ${guest.modules.join(' ')}; do`);
    expect(init.trimEnd().split('\n').pop()).toBe('poweroff -f');
    expect(guest.kernelPackage).toMatch(/^linux-image-\S+-cloud-amd64 \S+$/);
    expect(guest.cmdline).toBe('console=ttyS0 panic=-1 quiet');
  });
});
