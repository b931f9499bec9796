import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parsePoolXml } from '../../../../model/pool';
import { HostLock, StateStore } from '../../../../provider/executor/state';
import { DirPoolStorage, buildIsoImage, buildNoCloudSeed, primaryName, pruneNoCloudSeeds, writeNoCloudSeed, type StorageContext } from '../../../../provider/executor/storage';
import { describeEachTransport } from '../both-transports';
import { isRoot, itIf, missing } from '../../../support/skip';

const PASSWORD = 'Tr0ub4dor&3-never-log-me';
const USER_DATA = `#cloud-config
users:
  - name: ops
    plain_text_passwd: '${PASSWORD}'
    lock_passwd: false
ssh_pwauth: true
`;
const META_DATA = 'instance-id: web1-0001\nlocal-hostname: web1\n';
// Larger than one sector, with every byte value, so extents and binary content are checked.
const NETWORK_CONFIG = Buffer.concat([Buffer.from('version: 2\nethernets:\n  eth0:\n    dhcp4: true\n# '), Buffer.from(Array.from({ length: 5000 }, (_, i) => i & 0xff))]);

const seed = { userData: USER_DATA, metaData: META_DATA, networkConfig: NETWORK_CONFIG };
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'virtform-seed-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function isoFile(): string {
  const f = path.join(tmp, 'seed.iso');
  fs.writeFileSync(f, buildNoCloudSeed('web1', seed).image);
  return f;
}

describe('NoCloud seed image (pure)', () => {
  it('is deterministic and named after the domain and content digest', () => {
    const a = buildNoCloudSeed('web1', seed);
    const b = buildNoCloudSeed('web1', { ...seed });
    expect(a.image.equals(b.image)).toBe(true);
    expect(a.volumeName).toBe(b.volumeName);
    expect(a.volumeName).toMatch(/^cidata-[0-9a-f]{16}\.iso$/);
    expect(buildNoCloudSeed('web2', seed).volumeName).not.toBe(a.volumeName);
    expect(buildNoCloudSeed('web1', { ...seed, userData: USER_DATA + '\n' }).volumeName).not.toBe(a.volumeName);
    // 25 header sectors, meta-data 1, network-config 3, user-data 1.
    expect(a.image.length).toBe(30 * 2048);
  });

  it('derives unique 8.3 primary names and refuses what ISO 9660 cannot hold', () => {
    expect(primaryName('user-data')).toBe('USER_DAT.');
    expect(primaryName('network-config')).toBe('NETWORK_.');
    expect(primaryName('archive.tar.gz')).toBe('ARCHIVE_.GZ');
    expect(() => buildIsoImage({ volumeId: 'cidata', files: [{ name: 'user-data1', data: Buffer.alloc(0) }, { name: 'user-data2', data: Buffer.alloc(0) }] })).toThrow(
      "ISO file names must differ in their 8.3 form; 'user-data2' gives USER_DAT. again",
    );
    expect(() => buildIsoImage({ volumeId: 'cidata', files: [{ name: 'a/b', data: Buffer.alloc(0) }] })).toThrow("ISO file name 'a/b' must be 1 to 64 characters");
    expect(() => buildIsoImage({ volumeId: 'ci data', files: [] })).toThrow("ISO volume id 'ci data' must be 1 to 16 letters, digits, '_' or '-'");
  });
});

describe('NoCloud seed image read by real ISO readers', () => {
  itIf(missing({ binaries: ['isoinfo'] }))('isoinfo (genisoimage): label cidata, Joliet names, exact bytes', () => {
    const f = isoFile();
    const pvd = execFileSync('isoinfo', ['-d', '-i', f], { encoding: 'utf8' });
    expect(pvd).toContain('Volume id: cidata\n');
    expect(pvd).toContain('Joliet with UCS level 3 found');
    expect(pvd).toContain('Volume size is: 30\n');
    expect(execFileSync('isoinfo', ['-J', '-f', '-i', f], { encoding: 'utf8' })).toBe('/meta-data\n/network-config\n/user-data\n');
    expect(execFileSync('isoinfo', ['-f', '-i', f], { encoding: 'utf8' })).toBe('/META_DAT.;1\n/NETWORK_.;1\n/USER_DAT.;1\n');
    const x = (n: string) => execFileSync('isoinfo', ['-J', '-x', `/${n}`, '-i', f]);
    expect(x('user-data').toString('utf8')).toBe(USER_DATA);
    expect(x('meta-data').toString('utf8')).toBe(META_DATA);
    expect(x('network-config').equals(NETWORK_CONFIG)).toBe(true);
  });

  itIf(missing({ binaries: ['bsdtar'] }))('bsdtar (libarchive): same names and bytes', () => {
    const f = isoFile();
    expect(execFileSync('bsdtar', ['-tf', f], { encoding: 'utf8' }).split('\n').filter((l) => l && l !== '.').sort()).toEqual(['meta-data', 'network-config', 'user-data']);
    const out = path.join(tmp, 'bsdtar-out');
    fs.mkdirSync(out, { recursive: true });
    execFileSync('bsdtar', ['-xf', f, '-C', out]);
    expect(fs.readFileSync(path.join(out, 'user-data'), 'utf8')).toBe(USER_DATA);
    expect(fs.readFileSync(path.join(out, 'meta-data'), 'utf8')).toBe(META_DATA);
    expect(fs.readFileSync(path.join(out, 'network-config')).equals(NETWORK_CONFIG)).toBe(true);
  });

  itIf(missing({ binaries: ['blkid'] }))('blkid (how cloud-init finds the seed): TYPE iso9660, LABEL cidata', () => {
    const out = execFileSync('blkid', ['-p', '-o', 'export', isoFile()], { encoding: 'utf8' });
    expect(out).toMatch(/^LABEL=cidata$/m);
    expect(out).toMatch(/^TYPE=iso9660$/m);
  });

  const kernelIso = fs.existsSync('/proc/filesystems') && /\tiso9660\n/.test(fs.readFileSync('/proc/filesystems', 'utf8'));
  itIf(!isRoot ? 'needs root' : !kernelIso ? 'the running kernel has no iso9660 file system (not in /proc/filesystems)' : null)('the Linux kernel mounts it and shows the Joliet names', () => {
    const mnt = path.join(tmp, 'mnt');
    fs.mkdirSync(mnt, { recursive: true });
    execFileSync('mount', ['-o', 'loop,ro', isoFile(), mnt]);
    try {
      expect(fs.readdirSync(mnt).sort()).toEqual(['meta-data', 'network-config', 'user-data']);
      expect(fs.readFileSync(path.join(mnt, 'user-data'), 'utf8')).toBe(USER_DATA);
      expect(fs.readFileSync(path.join(mnt, 'network-config')).equals(NETWORK_CONFIG)).toBe(true);
    } finally {
      spawnSync('umount', [mnt]);
    }
  });
});

const noQemuImg = missing({ binaries: ['qemu-img'] });
(noQemuImg ? describe.skip : describe)(`seed volumes${noQemuImg ? ` [skipped: ${noQemuImg}]` : ''}`, () => {
  describeEachTransport('NoCloud seed volume', (fx) => {
    let ctx: StorageContext;
    let pool: DirPoolStorage;
    const images = () => path.join(fx.dir(), 'images');
    beforeAll(async () => {
      const store = new StateStore(fx.t(), path.join(fx.dir(), 'state'), { actor: { user: 'alice', clientHost: 'laptop-a' } });
      await store.init();
      const lock = await HostLock.acquire(fx.t(), store.stateDir, { command: 'test', actor: { user: 'alice', clientHost: 'laptop-a' } });
      ctx = { store, lock, stack: 'shop' };
      pool = await DirPoolStorage.build(ctx, parsePoolXml(`<pool type='dir'><name>images</name><target><path>${images()}</path></target></pool>`));
    });
    afterAll(() => ctx?.lock.release());

    it('writes the seed once, owned by its domain, and never records its content', async () => {
      const s = buildNoCloudSeed('web1', seed);
      const r = await writeNoCloudSeed(pool, 'web1', seed);
      expect(r).toMatchObject({ name: s.volumeName, created: true, info: { format: 'raw', virtualSize: s.image.length } });
      expect(fs.readFileSync(path.join(images(), s.volumeName)).equals(s.image)).toBe(true);
      expect(fs.statSync(path.join(images(), s.volumeName)).mode & 0o7777).toBe(0o600);
      const rec = (await ctx.store.get({ kind: 'volume', pool: 'images', name: s.volumeName })).owner!;
      expect(rec).toMatchObject({ parent: { kind: 'domain', name: 'web1' }, specHash: `sha256:${s.sha256}`, imageFormat: 'raw', stack: 'shop' });
      expect((await ctx.store.listChildren({ kind: 'domain', name: 'web1' })).map((e) => e.ref.name)).toEqual([s.volumeName]);
      const again = await writeNoCloudSeed(pool, 'web1', seed);
      expect(again.created).toBe(false);
      // Nothing under the state directory holds the password.
      const grep = spawnSync('grep', ['-rl', '--', PASSWORD, path.join(fx.dir(), 'state')]);
      expect(grep.status).toBe(1);
    });

    it('a changed seed is a new volume; the old one goes only when pruned', async () => {
      const old = buildNoCloudSeed('web1', seed).volumeName;
      const changed = { ...seed, metaData: 'instance-id: web1-0002\n' };
      const r = await writeNoCloudSeed(pool, 'web1', changed);
      expect(r.name).not.toBe(old);
      expect(fs.existsSync(path.join(images(), old))).toBe(true);
      await writeNoCloudSeed(pool, 'web2', seed);
      expect(await pruneNoCloudSeeds(pool, 'web1', r.name)).toEqual([old]);
      expect(fs.readdirSync(images()).sort()).toEqual([r.name, buildNoCloudSeed('web2', seed).volumeName].sort());
    });
  });
});
