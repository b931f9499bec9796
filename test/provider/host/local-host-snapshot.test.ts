/**
 * Local host discovery reads with fs what DISCOVERY_SCRIPT reads with a shell: the two
 * snapshots must be the same, record for record and in the same order, on the fixture trees
 * (exactly) and on this machine (apart from values that change between two reads).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { discoverHost, parseHostSnapshot, QEMU_BINARY_DIRS, runDiscoveryScript, type HostSnapshot } from '../../../provider/host/host-discovery';
import { COMMANDS_SCRIPT, expandGlob, readLocalHostSnapshot } from '../../../provider/host/local-host-snapshot';
import { LocalTransport } from '../../../provider/host/local-transport';
import { buildTwoNodeHost } from '../../fixtures/two-node-host';

const local = new LocalTransport('qemu:///system');

/** A snapshot as plain data, in record order; `volatile` paths keep their key, not their content. */
function plain(s: HostSnapshot, volatile: (p: string) => boolean = () => false) {
  return {
    files: [...s.files].map(([p, f]) => [p, f.ok, volatile(p) ? '(volatile)' : f.ok ? f.content.toString('utf8') : '(error text)']),
    links: [...s.links],
    dirs: [...s.dirs],
    commands: [...s.commands].map(([n, c]) => (n === 'date' ? [n, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n$/.test(c.output)] : [n, c.code, c.output])),
    qemuBinaries: s.qemuBinaries,
    values: [...s.values],
  };
}

describe('local host snapshot', () => {
  let root = '';
  beforeAll(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'virtform-2node-local-'));
    buildTwoNodeHost(root);
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('is the discovery script’s snapshot of the two-node fixture, record for record', async () => {
    const viaScript = await runDiscoveryScript(local, root);
    const viaFs = await readLocalHostSnapshot(local, root, QEMU_BINARY_DIRS, 60000);
    expect(plain(viaFs)).toEqual(plain(viaScript));
    expect(viaFs.files.size).toBe(viaScript.files.size);
    expect(viaFs.links.get('/sys/bus/pci/devices/0000:81:00.0/virtfn1')).toBe('0000:81:10.4');
    const { takenAt: _a, ...a } = parseHostSnapshot(viaFs);
    const { takenAt: _b, ...b } = parseHostSnapshot(viaScript);
    expect(a).toEqual(b);
  });

  it('is the script’s snapshot of a bare tree (no NUMA, no PCI, /dev/kvm a directory, no QEMU)', async () => {
    const bare = fs.mkdtempSync(path.join(os.tmpdir(), 'virtform-bare-local-'));
    try {
      fs.mkdirSync(path.join(bare, 'proc'), { recursive: true });
      fs.writeFileSync(path.join(bare, 'proc/meminfo'), 'MemTotal: 1000 kB\nMemFree: 400 kB\n');
      fs.writeFileSync(path.join(bare, 'proc/mounts'), 'cgroup2 /cg cgroup2 rw 0 0\ncgroup2 /cg-last-line-without-newline cgroup2 rw 0 0');
      fs.mkdirSync(path.join(bare, 'cg'));
      fs.writeFileSync(path.join(bare, 'cg/cgroup.controllers'), '\n\ncpuset cpu\n\n');
      fs.mkdirSync(path.join(bare, 'cg-last-line-without-newline'));
      fs.writeFileSync(path.join(bare, 'cg-last-line-without-newline/cgroup.controllers'), 'io\n');
      fs.mkdirSync(path.join(bare, 'sys/devices/system/cpu'), { recursive: true });
      fs.writeFileSync(path.join(bare, 'sys/devices/system/cpu/online'), '0-1\n');
      fs.mkdirSync(path.join(bare, 'dev/kvm'), { recursive: true });
      const spy = jest.spyOn(local, 'exec');
      const viaFs = await readLocalHostSnapshot(local, bare, QEMU_BINARY_DIRS, 60000);
      expect(spy).not.toHaveBeenCalled();
      spy.mockRestore();
      const viaScript = await runDiscoveryScript(local, bare);
      expect(plain(viaFs)).toEqual(plain(viaScript));
      // an empty first line: the whole file, trailing newlines stripped (the script's $(cat))
      expect(viaFs.files.get('/cg/cgroup.controllers')?.content.toString()).toBe('\n\ncpuset cpu\n');
      // sh's `while read` never sees a last line without a newline
      expect(viaFs.files.has('/cg-last-line-without-newline/cgroup.controllers')).toBe(false);
      expect(viaFs.values.get('kvm')).toBe('denied');
    } finally {
      fs.rmSync(bare, { recursive: true, force: true });
    }
  });

  it('is the script’s snapshot of this machine (values that change between reads aside)', async () => {
    // Counters and mounts can change between the two reads (other tests mount, reserve pages).
    const volatile = (p: string) => /meminfo$|^\/proc\/(mounts|cgroups)$|_hugepages$|cgroup\.controllers$/.test(p);
    const viaScript = plain(await runDiscoveryScript(local, ''), volatile);
    const viaFs = plain(await readLocalHostSnapshot(local, '', QEMU_BINARY_DIRS, 60000), volatile);
    const stable = (x: typeof viaFs) => ({ ...x, files: x.files.filter(([p]) => !/cgroup\.controllers$/.test(p as string)) });
    expect(stable(viaFs)).toEqual(stable(viaScript));
  });

  it('runs the QEMU binaries of the fixture in one exec, once per canonical file', async () => {
    // The fixture has /usr/local/bin/qemu-system-x86_64 -> /usr/bin/qemu-system-x86_64.
    const spy = jest.spyOn(local, 'exec');
    const viaFs = await readLocalHostSnapshot(local, root, QEMU_BINARY_DIRS, 60000);
    expect(spy).toHaveBeenCalledTimes(1);
    expect(spy.mock.calls[0][0].slice(0, 4)).toEqual(['sh', '-c', COMMANDS_SCRIPT, 'sh']);
    expect(spy.mock.calls[0][0].slice(4)).toEqual([
      '2', path.join(root, 'usr/local/bin/qemu-system-x86_64'), '--version',
      '2', path.join(root, 'usr/bin/qemu-system-aarch64'), '--version',
    ]);
    spy.mockRestore();
    expect(viaFs.qemuBinaries.map((b) => [b.path, b.canonical])).toEqual([
      ['/usr/local/bin/qemu-system-x86_64', '/usr/bin/qemu-system-x86_64'],
      ['/usr/bin/qemu-system-aarch64', '/usr/bin/qemu-system-aarch64'],
      ['/usr/bin/qemu-system-x86_64', '/usr/bin/qemu-system-x86_64'],
    ]);
    expect(viaFs.commands.get('version:/usr/bin/qemu-system-x86_64')).toEqual({
      code: 0,
      output: 'QEMU emulator version 8.2.1 (fixture)\nCopyright (c) 2003-2023 Fabrice Bellard and the QEMU Project developers\n',
    });
    expect(viaFs.commands.get('version:/usr/local/bin/qemu-system-x86_64')).toEqual(viaFs.commands.get('version:/usr/bin/qemu-system-x86_64'));
    expect(viaFs.commands.get('version:/usr/bin/qemu-system-aarch64')).toEqual({ code: 1, output: 'cannot start: fixture is broken\n' });
  });

  it('keeps each command’s exact output and exit code, trailing newlines included', async () => {
    const argv = ['sh', '-c', COMMANDS_SCRIPT, 'sh', '3', 'sh', '-c', 'printf "a  b\\n\\n"; echo "$1" >&2; exit 3', '3', 'printf', '%s', "it's \"$x\"", '0'];
    const r = await local.exec(argv);
    expect(r.code).toBe(0);
    expect(r.stdout.toString('utf8')).toBe('3\0a  b\n\n\n\0' + '0\0it\'s "$x"\0' + '0\0\0');
  });

  it('expands globs as sh does: per component, no dot files, sorted by bytes, nothing for no match', () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'virtform-glob-'));
    try {
      for (const n of ['cpu10', 'cpu2', 'cpu1', 'cpufreq', '.cpu3', 'cpu0x']) fs.mkdirSync(path.join(d, n));
      fs.writeFileSync(path.join(d, 'cpu1', 'online'), '1\n');
      fs.writeFileSync(path.join(d, 'cpu10', 'online'), '1\n');
      expect(expandGlob(`${d}/cpu[0-9]*`)).toEqual(['cpu0x', 'cpu1', 'cpu10', 'cpu2'].map((n) => `${d}/${n}`));
      expect(expandGlob(`${d}/cpu*/online`)).toEqual([`${d}/cpu1/online`, `${d}/cpu10/online`]);
      expect(expandGlob(`${d}/nothing*`)).toEqual([]);
      expect(expandGlob(`${d}/cpu?`)).toEqual([`${d}/cpu1`, `${d}/cpu2`]);
      expect(expandGlob(`${d}/cpu[!1]`)).toEqual([`${d}/cpu2`]);
    } finally {
      fs.rmSync(d, { recursive: true, force: true });
    }
  });

  it('discoverHost uses it for the local transport and gives the script’s facts', async () => {
    const spy = jest.spyOn(local, 'exec');
    const { takenAt: _a, ...viaFs } = await discoverHost(local, { hostRoot: root });
    expect(spy.mock.calls.map((c) => c[0][2])).toEqual([COMMANDS_SCRIPT]);
    spy.mockRestore();
    const { takenAt: _b, ...viaScript } = parseHostSnapshot(await runDiscoveryScript(local, root));
    expect(viaFs).toEqual(viaScript);
  });
});
