import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { QemuProbeHost } from '../../../../provider/qemu/caps/binary-probe';
import { capsFromJson, capsToJson, identifyQemuBinary, loadQemuCapsCached } from '../../../../provider/qemu/caps/caps-cache';
import type { QemuCaps } from '../../../../provider/qemu/caps/qemu-caps';
import { localProbeHost } from '../../../support/local-host';
import { describeUnless, missingBinaryReason, QEMU_X86_64 } from '../../../support/qemu';

const FAKE_CAPS: QemuCaps = {
  emulator: '/x/qemu',
  arch: 'x86_64',
  version: 7002022,
  versionString: '7.2.22',
  package: 'test',
  kvmAvailable: false,
  flags: new Set(['tcg', 'no-hpet']),
  qomTypes: new Set(['virtio-net-pci']),
  deviceProps: { 'virtio-net-pci': [{ name: 'mac', type: 'str' }] },
  objectProps: {},
  accel: { tcg: { machines: [], cpuModels: [] } },
};

describe('QEMU caps cache', () => {
  let dir: string;
  let binary: string;
  let cacheDir: string;
  let probes: number;
  const probe = async () => {
    probes++;
    return FAKE_CAPS;
  };

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vf-capscache-'));
    binary = path.join(dir, 'qemu-system-x86_64');
    fs.writeFileSync(binary, 'not really qemu\n');
    fs.utimesSync(binary, 1_700_000_000, 1_700_000_000.123456789);
    cacheDir = path.join(dir, 'cache');
    probes = 0;
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('identifies a binary by host, path, mtime in ns, size and kernel release', async () => {
    const id = await identifyQemuBinary(localProbeHost(), binary);
    const st = fs.statSync(binary, { bigint: true });
    expect(id).toEqual({
      host: 'localhost',
      binary,
      mtimeNs: st.mtimeNs.toString(),
      size: 16,
      kernelRelease: os.release(),
    });
  });

  it('probes on a miss, then serves the stored caps until the mtime changes', async () => {
    const host = localProbeHost();
    const first = await loadQemuCapsCached(host, binary, { cacheDir, probe });
    expect([first.fromCache, probes]).toEqual([false, 1]);
    const second = await loadQemuCapsCached(host, binary, { cacheDir, probe });
    expect([second.fromCache, probes]).toEqual([true, 1]);
    expect(second.caps).toEqual(FAKE_CAPS);
    expect(second.caps.flags).toBeInstanceOf(Set);

    execFileSync('touch', ['-d', '2024-01-02 03:04:05', binary]);
    const third = await loadQemuCapsCached(host, binary, { cacheDir, probe });
    expect([third.fromCache, probes]).toEqual([false, 2]);
    expect((await loadQemuCapsCached(host, binary, { cacheDir, probe })).fromCache).toBe(true);
    expect(fs.readdirSync(cacheDir)).toHaveLength(1);
  });

  it('misses when the size changes at the same mtime', async () => {
    const host = localProbeHost();
    const before = await loadQemuCapsCached(host, binary, { cacheDir, probe });
    const ref = path.join(dir, 'ref');
    fs.writeFileSync(ref, '');
    execFileSync('touch', ['-r', binary, ref]); // touch copies the timestamp to the nanosecond
    fs.appendFileSync(binary, 'more');
    execFileSync('touch', ['-r', ref, binary]);
    const after = await loadQemuCapsCached(host, binary, { cacheDir, probe });
    expect(after.identity.mtimeNs).toBe(before.identity.mtimeNs);
    expect([after.identity.size, after.fromCache, probes]).toEqual([20, false, 2]);
  });

  it('misses when the host runs another kernel', async () => {
    const real = localProbeHost();
    const upgraded: QemuProbeHost = {
      ...real,
      exec: async (argv, opts) =>
        argv[0] === 'uname' ? { code: 0, stdout: Buffer.from('6.99.0-test\n'), stderr: Buffer.alloc(0) } : real.exec(argv, opts),
    };
    await loadQemuCapsCached(real, binary, { cacheDir, probe });
    const r = await loadQemuCapsCached(upgraded, binary, { cacheDir, probe });
    expect([r.fromCache, r.identity.kernelRelease, probes]).toEqual([false, '6.99.0-test', 2]);
  });

  it('treats a corrupt entry as a miss and rewrites it', async () => {
    const host = localProbeHost();
    await loadQemuCapsCached(host, binary, { cacheDir, probe });
    const [file] = fs.readdirSync(cacheDir);
    fs.writeFileSync(path.join(cacheDir, file), '{"format":');
    expect((await loadQemuCapsCached(host, binary, { cacheDir, probe })).fromCache).toBe(false);
    expect((await loadQemuCapsCached(host, binary, { cacheDir, probe })).fromCache).toBe(true);
  });

  it('fails with the path and a fix when the binary is missing', async () => {
    await expect(loadQemuCapsCached(localProbeHost(), path.join(dir, 'nope'), { cacheDir, probe })).rejects.toThrow(
      `cannot stat the QEMU binary ${path.join(dir, 'nope')} on localhost: stat: cannot statx '${path.join(dir, 'nope')}': No such file or directory; install QEMU or fix the emulator path`,
    );
  });

  it('round-trips caps through JSON with sorted sets', () => {
    const json = capsToJson(FAKE_CAPS);
    expect(json.flags).toEqual(['no-hpet', 'tcg']);
    expect(capsFromJson(JSON.parse(JSON.stringify(json)))).toEqual(FAKE_CAPS);
  });
});

describeUnless(missingBinaryReason(QEMU_X86_64))('QEMU caps cache with the real binary', () => {
  it('stores a real probe and serves an equal QemuCaps from the cache', async () => {
    const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vf-capscache-real-'));
    try {
      const host = localProbeHost();
      const t0 = Date.now();
      const probed = await loadQemuCapsCached(host, QEMU_X86_64, { cacheDir });
      const t1 = Date.now();
      const cached = await loadQemuCapsCached(host, QEMU_X86_64, { cacheDir });
      const t2 = Date.now();
      expect([probed.fromCache, cached.fromCache]).toEqual([false, true]);
      expect(cached.caps).toEqual(probed.caps);
      console.log(`caps: probe ${t1 - t0} ms, cache hit ${t2 - t1} ms`);
    } finally {
      fs.rmSync(cacheDir, { recursive: true, force: true });
    }
  });
});
