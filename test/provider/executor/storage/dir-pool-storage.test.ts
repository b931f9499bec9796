import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parsePoolXml } from '../../../../model/pool';
import { parseVolumeXml } from '../../../../model/volume';
import { HostLock, StateError, StateStore } from '../../../../provider/executor/state';
import { DirPoolStorage, type StorageContext } from '../../../../provider/executor/storage';
import { describeEachTransport } from '../both-transports';
import { itIf, missing } from '../../../support/skip';

const actor = { user: 'alice', clientHost: 'laptop-a' };
const MiB = 1048576;
const noQemuImg = missing({ binaries: ['qemu-img'] });

function qinfo(file: string): Record<string, unknown> {
  return JSON.parse(execFileSync('qemu-img', ['info', '-U', '--output=json', file], { encoding: 'utf8' }));
}

async function refused(p: Promise<unknown>): Promise<StateError> {
  try {
    await p;
  } catch (e) {
    if (!(e instanceof StateError)) throw e;
    return e;
  }
  throw new Error('expected a StateError');
}

const poolXml = (name: string, dir: string, perms = '') => parsePoolXml(`<pool type='dir'><name>${name}</name><target><path>${dir}</path>${perms}</target></pool>`);
const vol = (xml: string) => parseVolumeXml(xml);

(noQemuImg ? describe.skip : describe)(`dir pool storage${noQemuImg ? ` [skipped: ${noQemuImg}]` : ''}`, () => {
  describeEachTransport('dir pool storage', (fx) => {
    let ctx: StorageContext;
    let other: StorageContext;
    let pool: DirPoolStorage;
    const images = () => path.join(fx.dir(), 'images');
    beforeAll(async () => {
      const store = new StateStore(fx.t(), path.join(fx.dir(), 'state'), { actor });
      await store.init();
      const lock = await HostLock.acquire(fx.t(), store.stateDir, { command: 'test', actor });
      ctx = { store, lock, stack: 'shop' };
      other = { store, lock, stack: 'blog' };
    });
    afterAll(() => ctx?.lock.release());

    it('builds a pool directory with the default mode 0711 and records that it made it', async () => {
      pool = await DirPoolStorage.build(ctx, poolXml('images', images()));
      expect(fs.statSync(images()).mode & 0o7777).toBe(0o711);
      expect(pool.dir).toBe(fs.realpathSync(images()));
      const rec = (await ctx.store.get({ kind: 'pool', name: 'images' })).owner!;
      expect(rec).toMatchObject({ kind: 'pool', name: 'images', stack: 'shop', path: images(), createdDir: true });
    });

    itIf(missing({ root: true }))("applies the pool document's mode, owner and group", async () => {
      const d = path.join(fx.dir(), 'perm-pool');
      await DirPoolStorage.build(ctx, poolXml('perm', d, '<permissions><mode>0750</mode><owner>107</owner><group>108</group></permissions>'));
      const st = fs.statSync(d);
      expect([st.mode & 0o7777, st.uid, st.gid]).toEqual([0o750, 107, 108]);
    });

    it('uses an existing directory it did not make without changing its permissions', async () => {
      const d = path.join(fx.dir(), 'existing');
      fs.mkdirSync(d, { mode: 0o755 });
      fs.chmodSync(d, 0o755);
      const p = await DirPoolStorage.build(ctx, poolXml('existing', d, '<permissions><mode>0700</mode></permissions>'));
      expect(fs.statSync(d).mode & 0o7777).toBe(0o755);
      expect((await ctx.store.get({ kind: 'pool', name: 'existing' })).owner!.createdDir).toBeUndefined();
      const r = await p.remove();
      expect(r).toEqual({ removedDir: false });
      expect(fs.existsSync(d)).toBe(true);
    });

    it('refreshes capacity, allocation and available from the file system (statvfs)', async () => {
      const sizes = await pool.refresh();
      const s = fs.statfsSync(images());
      // bsize here is the fundamental block size (f_frsize) on Linux.
      expect(sizes.capacity).toBe(s.blocks * s.bsize);
      expect(sizes.allocation).toBe((s.blocks - s.bfree) * s.bsize);
      // available moves with every write on this busy disk: same block size, within 64 MiB.
      expect(sizes.available % s.bsize).toBe(0);
      expect(Math.abs(sizes.available - s.bavail * s.bsize)).toBeLessThan(64 * MiB);
    });

    it('creates a sparse raw volume with mode 0600 and the exact size', async () => {
      const r = await pool.createVolume(vol("<volume><name>sparse.img</name><capacity unit='MiB'>3</capacity><allocation>0</allocation><target><format type='raw'/></target></volume>"));
      const file = path.join(images(), 'sparse.img');
      expect(r).toMatchObject({ name: 'sparse.img', path: path.join(pool.dir, 'sparse.img'), created: true, info: { format: 'raw', virtualSize: 3 * MiB } });
      expect(r.info.actualSize).toBeLessThanOrEqual(4096);
      expect(fs.statSync(file).size).toBe(3 * MiB);
      expect(fs.statSync(file).mode & 0o7777).toBe(0o600);
      expect(qinfo(file)['virtual-size']).toBe(3 * MiB);
      const rec = (await ctx.store.get({ kind: 'volume', pool: 'images', name: 'sparse.img' })).owner!;
      expect(rec).toMatchObject({ kind: 'volume', pool: 'images', name: 'sparse.img', stack: 'shop', path: r.path, imageFormat: 'raw' });
    });

    it('creates a fully and a partly allocated raw volume', async () => {
      const full = await pool.createVolume(vol("<volume><name>full.img</name><capacity>1048576</capacity><target><format type='raw'/><permissions><mode>0640</mode></permissions></target></volume>"));
      expect(full.info).toMatchObject({ virtualSize: MiB, actualSize: MiB });
      const st = fs.statSync(path.join(images(), 'full.img'));
      expect([st.mode & 0o7777, st.blocks * 512]).toEqual([0o640, MiB]);
      const part = await pool.createVolume(vol("<volume><name>part.img</name><capacity>2097152</capacity><allocation>1048576</allocation></volume>"));
      expect(part.info.virtualSize).toBe(2 * MiB);
      expect(fs.statSync(path.join(images(), 'part.img')).blocks * 512).toBe(MiB);
    });

    itIf(missing({ root: true }))("gives a volume the document's owner and group", async () => {
      await pool.createVolume(vol("<volume><name>chowned.img</name><capacity>65536</capacity><target><permissions><mode>0604</mode><owner>107</owner><group>108</group></permissions></target></volume>"));
      const st = fs.statSync(path.join(images(), 'chowned.img'));
      expect([st.mode & 0o7777, st.uid, st.gid]).toEqual([0o604, 107, 108]);
      await pool.deleteVolume('chowned.img');
    });

    it('creates a qcow2 volume on a backing file with its format, compat and cluster size', async () => {
      await pool.createVolume(vol("<volume><name>base.qcow2</name><capacity>2097152</capacity><allocation>0</allocation><target><format type='qcow2'/></target></volume>"));
      const r = await pool.createVolume(
        vol(`<volume><name>child.qcow2</name><capacity>4194304</capacity><allocation>0</allocation><target><format type='qcow2'/><compat>1.1</compat><clusterSize unit='KiB'>128</clusterSize><features><lazy_refcounts/></features></target><backingStore><path>${images()}/base.qcow2</path><format type='qcow2'/></backingStore></volume>`),
      );
      expect(r.info).toMatchObject({ format: 'qcow2', virtualSize: 4 * MiB, clusterSize: 131072, compat: '1.1', backingFilename: path.join(pool.dir, 'base.qcow2'), backingFormat: 'qcow2' });
      const q = qinfo(path.join(images(), 'child.qcow2')) as { 'format-specific': { data: { 'lazy-refcounts': boolean } }; 'backing-filename-format': string };
      expect(q['format-specific'].data['lazy-refcounts']).toBe(true);
      expect(q['backing-filename-format']).toBe('qcow2');
    });

    it('refuses a backing file outside the pool unless allowed', async () => {
      const outside = path.join(fx.dir(), 'outside.raw');
      fs.writeFileSync(outside, Buffer.alloc(MiB));
      const doc = vol(`<volume><name>leak.qcow2</name><capacity>1048576</capacity><allocation>0</allocation><target><format type='qcow2'/></target><backingStore><path>${outside}</path><format type='raw'/></backingStore></volume>`);
      const e = await refused(pool.createVolume(doc));
      expect(e.code).toBe('ESCAPES_POOL');
      expect(e.message).toBe(
        `${fx.t().hostLabel}: the backing file of volume 'leak.qcow2' ${outside} resolves to ${fs.realpathSync(outside)}, which is not in pool 'images' (${pool.dir}). ` +
          `Put the base image in the pool, or allow backing files outside the pool explicitly.`,
      );
      expect(fs.existsSync(path.join(images(), 'leak.qcow2'))).toBe(false);
      const ok = await pool.createVolume(doc, { allowBackingOutsidePool: true });
      expect(ok.info.backingFilename).toBe(outside);
    });

    it('is idempotent for its own volumes and refuses foreign ones', async () => {
      const again = await pool.createVolume(vol("<volume><name>sparse.img</name><capacity unit='MiB'>3</capacity><allocation>0</allocation></volume>"));
      expect(again.created).toBe(false);
      fs.writeFileSync(path.join(images(), 'foreign.img'), 'not ours');
      const e = await refused(pool.createVolume(vol("<volume><name>foreign.img</name><capacity>1048576</capacity></volume>")));
      expect(e.code).toBe('NOT_OWNED');
      expect(fs.readFileSync(path.join(images(), 'foreign.img'), 'utf8')).toBe('not ours');
      for (const op of [() => pool.resizeVolume('foreign.img', 2 * MiB), () => pool.deleteVolume('foreign.img')]) {
        expect((await refused(op())).code).toBe('NOT_OWNED');
      }
      expect(fs.readFileSync(path.join(images(), 'foreign.img'), 'utf8')).toBe('not ours');
      const blog = await DirPoolStorage.open(other, poolXml('images', images()));
      const o = await refused(blog.deleteVolume('sparse.img'));
      expect(o.code).toBe('OTHER_STACK');
      expect(o.message).toContain("volume 'sparse.img' in pool 'images' belongs to stack 'shop'");
      expect(fs.existsSync(path.join(images(), 'sparse.img'))).toBe(true);
    });

    it('grows in place, refuses to shrink unless allowed', async () => {
      const file = path.join(images(), 'sparse.img');
      fs.writeFileSync(file, Buffer.from('keep me'), { flag: 'r+' });
      expect((await pool.resizeVolume('sparse.img', 5 * MiB)).virtualSize).toBe(5 * MiB);
      expect(fs.statSync(file).size).toBe(5 * MiB);
      expect(fs.readFileSync(file).subarray(0, 7).toString()).toBe('keep me');
      const e = await refused(pool.resizeVolume('sparse.img', 2 * MiB));
      expect(e.code).toBe('SHRINK_REFUSED');
      expect(e.message).toBe(
        `${fx.t().hostLabel}: volume 'sparse.img' in pool 'images' is 5242880 bytes; resizing it to 2097152 bytes would shrink it and destroy the data past byte 2097152. ` +
          `Shrink the file system inside the guest first, then allow shrinking explicitly, or keep the size.`,
      );
      expect(fs.statSync(file).size).toBe(5 * MiB);
      expect((await pool.resizeVolume('sparse.img', 2 * MiB, { allowShrink: true })).virtualSize).toBe(2 * MiB);
      expect((await pool.resizeVolume('base.qcow2', 8 * MiB)).virtualSize).toBe(8 * MiB);
      expect(qinfo(path.join(images(), 'base.qcow2'))['virtual-size']).toBe(8 * MiB);
    });

    it('deletes only owned volumes, and a pool directory only when it made it and it is empty', async () => {
      await pool.deleteVolume('part.img');
      expect(fs.existsSync(path.join(images(), 'part.img'))).toBe(false);
      expect((await ctx.store.get({ kind: 'volume', pool: 'images', name: 'part.img' })).owner).toBeNull();
      const e = await refused(pool.remove());
      expect(e.code).toBe('EXISTS');
      expect(e.message).toMatch(/^.*: pool 'images' still holds \d+ entries in .*\(.*\)\. virtform never deletes volumes as a side effect: delete them first/);
      const d = path.join(fx.dir(), 'empty-pool');
      const p = await DirPoolStorage.build(ctx, poolXml('empty', d));
      expect(await p.remove()).toEqual({ removedDir: true });
      expect(fs.existsSync(d)).toBe(false);
      expect((await ctx.store.get({ kind: 'pool', name: 'empty' })).owner).toBeNull();
    });

    describe('paths cannot escape the pool', () => {
      it.each([
        ['..', "'..' names a directory, not a file"],
        ['../escape.img', 'it contains /, which would make it a path'],
        ['/etc/passwd', 'it contains /, which would make it a path'],
        ['a/../../b', 'it contains /, which would make it a path'],
        ['.hidden', 'it starts with ., which virtform keeps for hidden and temporary files'],
        ['x\ny', 'it contains a control character (newline, tab, NUL, ...)'],
      ])('refuses the name %j', async (name, problem) => {
        const e = await refused(pool.volumePath(name));
        expect(e.code).toBe('BAD_NAME');
        expect(e.message).toContain(problem);
      });

      it('refuses a symlink at a volume name, pointing out of the pool or not', async () => {
        const target = path.join(fx.dir(), 'secret.txt');
        fs.writeFileSync(target, 'secret');
        fs.symlinkSync(target, path.join(images(), 'evil.img'));
        fs.symlinkSync('sparse.img', path.join(images(), 'alias.img'));
        const e = await refused(pool.createVolume(vol("<volume><name>evil.img</name><capacity>1048576</capacity></volume>")));
        expect(e.code).toBe('ESCAPES_POOL');
        expect(e.message).toBe(
          `${fx.t().hostLabel}: volume 'evil.img' in pool 'images': ${pool.dir}/evil.img is a symlink (to ${target}); volumes must be regular files inside the pool, ` +
            `because qemu-img and QEMU would follow the link out of ${pool.dir}. Remove the link or choose another name.`,
        );
        for (const op of [() => pool.volumeInfo('evil.img'), () => pool.deleteVolume('evil.img'), () => pool.resizeVolume('alias.img', 9 * MiB)]) {
          expect((await refused(op())).code).toBe('ESCAPES_POOL');
        }
        expect(fs.readFileSync(target, 'utf8')).toBe('secret');
        expect(fs.lstatSync(path.join(images(), 'evil.img')).isSymbolicLink()).toBe(true);
        fs.rmSync(path.join(images(), 'evil.img'));
        fs.rmSync(path.join(images(), 'alias.img'));
      });

      it('refuses a directory or device at a volume name', async () => {
        fs.mkdirSync(path.join(images(), 'adir'));
        const e = await refused(pool.createVolume(vol("<volume><name>adir</name><capacity>1048576</capacity></volume>")));
        expect(e.code).toBe('EXISTS');
        expect(e.message).toBe(`${fx.t().hostLabel}: volume 'adir' in pool 'images': ${pool.dir}/adir exists and is not a regular file. Choose another name.`);
        fs.rmdirSync(path.join(images(), 'adir'));
      });

      it('resolves a pool directory that is itself a symlink and keeps volumes inside it', async () => {
        const link = path.join(fx.dir(), 'images-link');
        fs.symlinkSync(images(), link);
        const viaLink = await DirPoolStorage.open(ctx, poolXml('images', link));
        expect(viaLink.dir).toBe(fs.realpathSync(images()));
        expect((await viaLink.volumePath('sparse.img')).path).toBe(path.join(fs.realpathSync(images()), 'sparse.img'));
      });

      it('keeps hostile but valid names as exact file names', async () => {
        for (const name of ["it's $(touch pwned).img", '-rf', 'a b;c|d&e', '😀.qcow2', '*']) {
          const r = await pool.createVolume(vol(`<volume><name>${name.replace(/&/g, '&amp;')}</name><capacity>65536</capacity><allocation>0</allocation></volume>`));
          expect(r.path).toBe(path.join(pool.dir, name));
          expect(fs.statSync(path.join(images(), name)).size).toBe(65536);
          await pool.deleteVolume(name);
          expect(fs.existsSync(path.join(images(), name))).toBe(false);
        }
        expect(fs.existsSync(path.join(images(), 'pwned'))).toBe(false);
        expect(fs.existsSync('pwned')).toBe(false);
        expect(fs.readdirSync(images()).sort()).toEqual(['base.qcow2', 'child.qcow2', 'foreign.img', 'full.img', 'leak.qcow2', 'sparse.img']);
      });
    });
  });
});
