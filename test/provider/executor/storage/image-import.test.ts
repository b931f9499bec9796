import { execFileSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as path from 'path';
import { parsePoolXml } from '../../../../model/pool';
import { HostLock, StateError, StateStore } from '../../../../provider/executor/state';
import { DirPoolStorage, localFileSource, redactUrl, urlSource, type StorageContext, type TransferProgress } from '../../../../provider/executor/storage';
import { describeEachTransport } from '../both-transports';
import { missing } from '../../../support/skip';
import { freePort } from '../../../support/sshd';

const actor = { user: 'alice', clientHost: 'laptop-a' };
const MiB = 1048576;
const noQemuImg = missing({ binaries: ['qemu-img'] });
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function refused(p: Promise<unknown>): Promise<StateError> {
  try {
    await p;
  } catch (e) {
    if (!(e instanceof StateError)) throw e;
    return e;
  }
  throw new Error('expected a StateError');
}

/** A deterministic, incompressible-ish payload. */
function payload(n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 131 + (i >> 8) * 7) & 0xff;
  return b;
}

describe('URLs in messages', () => {
  it('hides credentials', () => {
    expect(redactUrl('https://bob:hunter2@example.test/img.qcow2?x=1')).toBe('https://***@example.test/img.qcow2?x=1');
    expect(redactUrl('http://example.test/a')).toBe('http://example.test/a');
    expect(redactUrl('::')).toBe('(an invalid URL)');
  });
  it('accepts only http and https', async () => {
    await expect(urlSource('file:///etc/shadow')).rejects.toThrow('file:///etc/shadow: only http:// and https:// URLs can be imported, not file://. For a file on this machine, import it as a local file.');
    await expect(urlSource('not a url')).rejects.toThrow("'(an invalid URL)' is not a valid URL; give an http:// or https:// address.");
  });
});

(noQemuImg ? describe.skip : describe)(`image import${noQemuImg ? ` [skipped: ${noQemuImg}]` : ''}`, () => {
  let server: http.Server;
  let base: string;
  const body = payload(3 * MiB + 5);
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      if (req.url === '/disk.raw') {
        res.writeHead(200, { 'content-length': String(body.length) });
        res.end(body);
      } else if (req.url === '/moved') {
        res.writeHead(302, { location: '/disk.raw' });
        res.end();
      } else if (req.url === '/private.raw') {
        const ok = req.headers.authorization === `Basic ${Buffer.from('bob:s3cr:t').toString('base64')}`;
        res.writeHead(ok ? 200 : 401, { 'content-length': ok ? '4' : '0' });
        res.end(ok ? 'priv' : '');
      } else if (req.url === '/cut') {
        res.writeHead(200, { 'content-length': String(body.length) });
        res.write(body.subarray(0, 100000), () => res.destroy());
      } else {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('no such image');
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  describeEachTransport('image import', (fx) => {
    let ctx: StorageContext;
    let pool: DirPoolStorage;
    const images = () => path.join(fx.dir(), 'images');
    beforeAll(async () => {
      const store = new StateStore(fx.t(), path.join(fx.dir(), 'state'), { actor });
      await store.init();
      const lock = await HostLock.acquire(fx.t(), store.stateDir, { command: 'test', actor });
      ctx = { store, lock, stack: 'shop' };
      pool = await DirPoolStorage.build(ctx, parsePoolXml(`<pool type='dir'><name>images</name><target><path>${images()}</path></target></pool>`));
    });
    afterAll(() => ctx?.lock.release());

    it('uploads a local image in streamed chunks with progress and puts it in place byte for byte', async () => {
      const src = path.join(fx.dir(), 'local.raw');
      fs.writeFileSync(src, body);
      const seen: TransferProgress[] = [];
      const r = await pool.importImage('uploaded.raw', await localFileSource(src), { sha256: sha(body), onProgress: (p) => seen.push(p) });
      expect(seen).toEqual([
        { bytes: 1 * MiB, total: body.length },
        { bytes: 2 * MiB, total: body.length },
        { bytes: 3 * MiB, total: body.length },
        { bytes: 3 * MiB + 5, total: body.length },
      ]);
      // qemu reports a raw file's size rounded up to whole 512-byte sectors.
      expect(r).toMatchObject({ name: 'uploaded.raw', created: true, info: { format: 'raw', virtualSize: 3 * MiB + 512 } });
      expect(fs.statSync(path.join(images(), 'uploaded.raw')).size).toBe(3 * MiB + 5);
      const file = path.join(images(), 'uploaded.raw');
      expect(sha(fs.readFileSync(file))).toBe(sha(body));
      expect(fs.statSync(file).mode & 0o7777).toBe(0o600);
      expect(fs.readdirSync(images())).toEqual(['uploaded.raw']);
      expect((await ctx.store.get({ kind: 'volume', pool: 'images', name: 'uploaded.raw' })).owner).toMatchObject({ stack: 'shop', imageFormat: 'raw', path: r.path });
      const again = await refused(pool.importImage('uploaded.raw', await localFileSource(src)));
      expect(again.code).toBe('EXISTS');
    });

    it('refuses an image whose digest differs from the expected one, leaving nothing behind', async () => {
      const src = path.join(fx.dir(), 'local.raw');
      const e = await refused(pool.importImage('bad.raw', await localFileSource(src), { sha256: '0'.repeat(64) }));
      expect(e.code).toBe('CHECKSUM');
      expect(e.message).toBe(`${src}: SHA-256 is ${sha(body)}, expected ${'0'.repeat(64)}. The image was not imported; check the source and the expected digest.`);
      expect(fs.readdirSync(images())).toEqual(['uploaded.raw']);
      expect((await ctx.store.get({ kind: 'volume', pool: 'images', name: 'bad.raw' })).owner).toBeNull();
    });

    it('converts qcow2 to raw and grows to the requested capacity', async () => {
      const src = path.join(fx.dir(), 'src.qcow2');
      execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', src, '1M']);
      execFileSync('qemu-io', ['-f', 'qcow2', '-c', 'write -P 0x5a 0 65536', src]);
      const r = await pool.importImage('conv.raw', await localFileSource(src), { format: 'raw', capacity: 2 * MiB });
      expect(r.info).toMatchObject({ format: 'raw', virtualSize: 2 * MiB });
      const data = fs.readFileSync(path.join(images(), 'conv.raw'));
      expect(data.length).toBe(2 * MiB);
      expect(data.subarray(0, 65536).equals(Buffer.alloc(65536, 0x5a))).toBe(true);
      expect(data.subarray(65536).equals(Buffer.alloc(2 * MiB - 65536))).toBe(true);
      expect(fs.readdirSync(images()).sort()).toEqual(['conv.raw', 'uploaded.raw']);
      const small = await refused(pool.importImage('small.qcow2', await localFileSource(src), { capacity: 4096 }));
      expect(small.code).toBe('SHRINK_REFUSED');
    });

    it('refuses images that point at other host files (backing file, external data file)', async () => {
      const base0 = path.join(fx.dir(), 'host-secret.raw');
      fs.writeFileSync(base0, Buffer.alloc(65536, 7));
      const overlay = path.join(fx.dir(), 'overlay.qcow2');
      execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', base0, '-F', 'raw', overlay]);
      const e = await refused(pool.importImage('overlay.qcow2', await localFileSource(overlay)));
      expect(e.code).toBe('UNSAFE_IMAGE');
      expect(e.message).toBe(
        `${overlay} is a qcow2 image with a backing file (${base0}); a guest could read that host file through it. Flatten it first (qemu-img convert -O qcow2 IMAGE FLAT) and import the flat image.`,
      );
      const withData = path.join(fx.dir(), 'datafile.qcow2');
      execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', '-o', `data_file=${base0}`, withData, '64K']);
      const d = await refused(pool.importImage('datafile.qcow2', await localFileSource(withData)));
      expect(d.code).toBe('UNSAFE_IMAGE');
      expect(d.message).toContain(`with an external data file (${base0})`);
      expect(fs.readdirSync(images()).sort()).toEqual(['conv.raw', 'uploaded.raw']);
    });

    it('downloads over HTTP (following redirects) straight into the pool', async () => {
      const seen: TransferProgress[] = [];
      const r = await pool.importImage('dl.raw', await urlSource(`${base}/moved`), { sha256: sha(body), sourceFormat: 'raw', onProgress: (p) => seen.push(p) });
      expect(r.info).toMatchObject({ format: 'raw', virtualSize: 3 * MiB + 512 });
      expect(sha(fs.readFileSync(path.join(images(), 'dl.raw')))).toBe(sha(body));
      expect(seen[seen.length - 1]).toEqual({ bytes: body.length, total: body.length });
      expect(seen.every((p, i) => i === 0 || p.bytes > seen[i - 1].bytes)).toBe(true);
    });

    it('sends credentials from the URL as basic authentication and never shows them', async () => {
      const seen: string[] = [];
      const src = await urlSource(`${base.replace('http://', 'http://bob:s3cr%3At@')}/private.raw`);
      expect(src.label).toBe(`${base.replace('http://', 'http://***@')}/private.raw`);
      const r = await pool.importImage('private.raw', src, { sourceFormat: 'raw' });
      expect(fs.readFileSync(r.path.replace(pool.dir, images()), 'utf8')).toBe('priv');
      const rec = JSON.stringify(await ctx.store.get({ kind: 'volume', pool: 'images', name: 'private.raw' }));
      expect(rec).not.toContain('s3cr');
      seen.push(rec);
      const denied = await refused(urlSource(`${base.replace('http://', 'http://bob:wrong@')}/private.raw`));
      expect(denied.message).toBe(`${base.replace('http://', 'http://***@')}/private.raw: the server answered 401 Unauthorized. Check the address.`);
      expect(denied.message).not.toContain('wrong');
      await pool.deleteVolume('private.raw');
    });

    it('recovers from an upload cut off by a lost connection: the next import of the name finishes it', async function (this: void) {
      const sshd = fx.sshd();
      if (!sshd) return; // the local transport has no connection to lose
      const src = path.join(fx.dir(), 'interrupted-src.raw');
      const big = payload(32 * MiB);
      fs.writeFileSync(src, big);
      // Cut the connection once the host has started writing the temp file (SSH buffers ahead of it).
      const started = () => fs.readdirSync(images()).some((n) => n.startsWith('.interrupted.raw.') && fs.statSync(path.join(images(), n)).size > 0);
      let killedAt = -1;
      const err = await pool
        .importImage('interrupted.raw', await localFileSource(src), {
          onProgress: (p) => {
            if (killedAt < 0 && started()) {
              killedAt = p.bytes;
              sshd.killConnections();
            }
          },
        })
        .catch((e: unknown) => e);
      expect(killedAt).toBeGreaterThan(0);
      expect(killedAt).toBeLessThan(big.length);
      expect(err).toBeInstanceOf(Error);
      expect(ctx.lock.held).toBe(false);
      const left = fs.readdirSync(images()).filter((n) => n.includes('interrupted'));
      expect(left.length).toBe(1);
      expect(left[0]).toMatch(/^\.interrupted\.raw\.virtform-part-[0-9a-f]{8}$/);
      // The lock went with the connection: a new command takes it and sees the owned record.
      const t2 = await fx.another();
      const store2 = new StateStore(t2, ctx.store.stateDir, { actor });
      const lock2 = await HostLock.acquire(t2, store2.stateDir, { command: 'retry', actor, waitMs: 3000 });
      try {
        expect((await store2.get({ kind: 'volume', pool: 'images', name: 'interrupted.raw' })).owner?.stack).toBe('shop');
        const pool2 = await DirPoolStorage.open({ store: store2, lock: lock2, stack: 'shop' }, parsePoolXml(`<pool type='dir'><name>images</name><target><path>${images()}</path></target></pool>`));
        const r = await pool2.importImage('interrupted.raw', await localFileSource(src), { sha256: sha(big) });
        expect(r.created).toBe(true);
        expect(fs.readdirSync(images()).filter((n) => n.includes('interrupted'))).toEqual(['interrupted.raw']);
        await pool2.deleteVolume('interrupted.raw');
      } finally {
        await lock2.release();
      }
      // Give the rest of this suite a lock again.
      ctx = { ...ctx, store: store2, lock: await HostLock.acquire(t2, store2.stateDir, { command: 'test', actor }) };
      pool = await DirPoolStorage.open(ctx, parsePoolXml(`<pool type='dir'><name>images</name><target><path>${images()}</path></target></pool>`));
    });

    it('reports HTTP errors and cut-off downloads without leaving files', async () => {
      const nf = await refused(urlSource(`${base}/missing.img`));
      expect(nf.code).toBe('DOWNLOAD');
      expect(nf.message).toBe(`${base}/missing.img: the server answered 404 Not Found. Check the address.`);
      const cut = await refused(pool.importImage('cut.raw', await urlSource(`${base}/cut`)));
      expect(cut.code).toBe('DOWNLOAD');
      expect(cut.message).toMatch(new RegExp(`^${base.replace(/[.:/]/g, '\\$&')}/cut: reading the image failed after \\d+ bytes: `));
      const port = await freePort();
      const refusedPort = await refused(urlSource(`http://user:pw@127.0.0.1:${port}/x.img`));
      expect(refusedPort.message).toBe(`http://***@127.0.0.1:${port}/x.img: download failed: ECONNREFUSED. Check the address and that this machine can reach it.`);
      expect(fs.readdirSync(images()).sort()).toEqual(['conv.raw', 'dl.raw', 'uploaded.raw']);
      expect((await ctx.store.get({ kind: 'volume', pool: 'images', name: 'cut.raw' })).owner).toBeNull();
    });
  });
});
