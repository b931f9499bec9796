/**
 * plan/apply/destroy of pools and volumes on qemu:///embed?root=<tmp>, through the CLI with the
 * production wiring (state store, host lock, journal, PoolExecutor, VolumeExecutor, real qemu-img):
 * a dir pool and a qcow2 volume are created, grown in place, an image is imported from a file
 * (checked, converted, grown), a cloud-init seed is written for a domain, an image deleted behind
 * virtform's back is made again, an interrupted apply is resumed, and destroy removes exactly what
 * the stack created.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cliRunner } from '../support/run-cli';
import { openTransport } from '../../provider/host';
import { HostLock } from '../../provider/executor/state/host-lock';
import { Journal, listInterruptedApplies } from '../../provider/executor/state/journal';
import { describeUnless, missingBinaryReason, QEMU_IMG } from '../support/qemu';
import { testApplySession } from '../support/test-apply-session';

const POOL = (dir: string) => `<pool type='dir'>\n  <name>images</name>\n  <target>\n    <path>${dir}</path>\n  </target>\n</pool>\n`;
const VOLUME = (name: string, mib: number, format = 'qcow2') =>
  `<volume>\n  <name>${name}</name>\n  <capacity unit='MiB'>${mib}</capacity>\n  <allocation unit='bytes'>0</allocation>\n  <target>\n    <format type='${format}'/>\n  </target>\n</volume>\n`;

interface Info {
  format: string;
  'virtual-size': number;
}
const imgInfo = (file: string): Info => JSON.parse(execFileSync(QEMU_IMG, ['info', '--output=json', file], { encoding: 'utf8' })) as Info;

describeUnless(missingBinaryReason(QEMU_IMG))('pools and volumes through plan/apply/destroy', () => {
  jest.setTimeout(60000);
  let tmp: string;
  let stack: string;
  let root: string;
  let poolDir: string;
  let uri: string;
  const applySession = testApplySession();

  const run = cliRunner(applySession);
  const write = (rel: string, text: string): void => {
    fs.mkdirSync(path.dirname(path.join(stack, rel)), { recursive: true });
    fs.writeFileSync(path.join(stack, rel), text);
  };

  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vf-storage-'));
    stack = path.join(tmp, 'store');
    root = path.join(tmp, 'root');
    poolDir = path.join(tmp, 'images');
    uri = `qemu:///embed?root=${root}`;
    write('pools/images.xml', POOL(poolDir));
    write('volumes/images/disk0.xml', VOLUME('disk0.qcow2', 16));
  });

  afterAll(async () => {
    await run('destroy', '-c', uri, '--stack', 'store', '--auto-approve');
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('creates the pool directory and the qcow2 image, and re-plans with no changes', async () => {
    const a = await run('apply', '-c', uri, '--xml', stack, '--auto-approve');
    expect(a.err).toBe('');
    expect(a.code).toBe(0);
    expect(a.out).toContain('volume.images/disk0.qcow2: creating the image (qemu-img create)\n');
    expect(a.out).toContain('Apply complete! Resources: 2 added, 0 changed, 0 destroyed.\n');
    expect((fs.statSync(poolDir).mode & 0o777).toString(8)).toBe('711');
    const file = path.join(poolDir, 'disk0.qcow2');
    expect(imgInfo(file)).toMatchObject({ format: 'qcow2', 'virtual-size': 16 * 2 ** 20 });
    expect((fs.statSync(file).mode & 0o777).toString(8)).toBe('600');
    const rec = JSON.parse(fs.readFileSync(path.join(root, 'pools', 'images.owner.json'), 'utf8')) as { stack: string; createdDir?: boolean };
    expect([rec.stack, rec.createdDir]).toEqual(['store', true]);
    // The apply was journalled and finished.
    const finished = fs.readdirSync(path.join(root, 'journal', 'finished'));
    expect(finished).toHaveLength(1);
    const lines = fs.readFileSync(path.join(root, 'journal', 'finished', finished[0]), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => [l.t, l.id ?? l.outcome ?? l.stack, l.state ?? l.action ?? ''])).toEqual([
      ['begin', 'store', ''],
      ['step', 'pool.images', 'started'],
      ['step', 'pool.images', 'done'],
      ['step', 'volume.images/disk0.qcow2', 'started'],
      ['step', 'volume.images/disk0.qcow2', 'done'],
      ['end', 'applied', ''],
    ]);
    expect((await run('plan', '-c', uri, '--xml', stack, '--detailed-exitcode')).code).toBe(0);
  });

  it('grows a volume in place and keeps its data', async () => {
    const file = path.join(poolDir, 'disk0.qcow2');
    execFileSync('qemu-io', ['-f', 'qcow2', '-c', 'write -P 0x5a 1M 4k', file]);
    const inode = fs.statSync(file).ino;
    write('volumes/images/disk0.xml', VOLUME('disk0.qcow2', 24));
    const p = await run('plan', '-c', uri, '--xml', stack);
    expect(p.out).toContain('      ~ /volume/capacity = "16777216" -> "25165824" # grown in place\n');
    const a = await run('apply', '-c', uri, '--xml', stack, '--auto-approve');
    expect([a.code, a.err]).toEqual([0, '']);
    expect(a.out).toContain('volume.images/disk0.qcow2: growing the image to 25165824 bytes (qemu-img resize)\n');
    expect(imgInfo(file)['virtual-size']).toBe(24 * 2 ** 20);
    expect(fs.statSync(file).ino).toBe(inode);
    expect(execFileSync('qemu-io', ['-f', 'qcow2', '-c', 'read -P 0x5a 1M 4k', file], { encoding: 'utf8' })).toContain('read 4096/4096 bytes at offset 1048576');
    expect((await run('plan', '-c', uri, '--xml', stack, '--detailed-exitcode')).code).toBe(0);
  });

  it('imports an image from a file: digest checked, converted to qcow2, grown to the capacity', async () => {
    const src = path.join(tmp, 'base.raw');
    execFileSync(QEMU_IMG, ['create', '-q', '-f', 'raw', src, '4M']);
    fs.writeFileSync(src, Buffer.alloc(512, 0x5a), { flag: 'r+' });
    const sha = execFileSync('sha256sum', [src], { encoding: 'utf8' }).split(' ')[0];
    write('volumes/images/base.xml', VOLUME('base.qcow2', 8));
    write('volumes/images/base.import.json', JSON.stringify({ source: '../../../base.raw', sha256: sha, format: 'raw' }));
    const a = await run('apply', '-c', uri, '--xml', stack, '--auto-approve');
    expect([a.code, a.err]).toEqual([0, '']);
    expect(a.out).toContain(`volume.images/base.qcow2: importing ${src}\n`);
    const file = path.join(poolDir, 'base.qcow2');
    expect(imgInfo(file)).toMatchObject({ format: 'qcow2', 'virtual-size': 8 * 2 ** 20 });
    const back = path.join(tmp, 'back.raw');
    execFileSync(QEMU_IMG, ['convert', '-O', 'raw', file, back]);
    expect(fs.readFileSync(back).subarray(0, 513)).toEqual(Buffer.concat([Buffer.alloc(512, 0x5a), Buffer.alloc(1)]));
    expect((await run('plan', '-c', uri, '--xml', stack, '--detailed-exitcode')).code).toBe(0);
  });

  it('refuses an import whose digest does not match, before anything is put in the pool', async () => {
    write('volumes/images/bad.xml', VOLUME('bad.qcow2', 8));
    write('volumes/images/bad.import.json', JSON.stringify({ source: '../../../base.raw', sha256: '0'.repeat(64) }));
    const a = await run('apply', '-c', uri, '--xml', stack, '--auto-approve');
    expect(a.code).toBe(1);
    expect(a.err).toContain(`Error: volume.images/bad.qcow2: ${path.join(tmp, 'base.raw')}: SHA-256 is `);
    expect(a.err).toContain(`, expected ${'0'.repeat(64)}. The image was not imported; check the source and the expected digest.\n`);
    expect(fs.readdirSync(poolDir).sort()).toEqual(['base.qcow2', 'disk0.qcow2']);
    fs.rmSync(path.join(stack, 'volumes/images/bad.xml'));
    fs.rmSync(path.join(stack, 'volumes/images/bad.import.json'));
    expect((await run('plan', '-c', uri, '--xml', stack, '--detailed-exitcode')).code).toBe(0);
  });

  it('makes an image deleted behind its back again', async () => {
    fs.rmSync(path.join(poolDir, 'disk0.qcow2'));
    const p = await run('plan', '-c', uri, '--xml', stack, '--detailed-exitcode');
    expect(p.code).toBe(2);
    expect(p.out).toContain('  # volume.images/disk0.qcow2 will be created\n  # (an earlier apply recorded it and stopped before making it: apply finishes it)\n');
    expect((await run('apply', '-c', uri, '--xml', stack, '--auto-approve')).code).toBe(0);
    expect(imgInfo(path.join(poolDir, 'disk0.qcow2'))['virtual-size']).toBe(24 * 2 ** 20);
  });

  it('resumes an interrupted apply: the volume it was creating is made again from scratch', async () => {
    // An apply killed while qemu-img wrote disk1: its record and definition are stored, the image is half made.
    write('volumes/images/disk1.xml', VOLUME('disk1.qcow2', 16));
    const t = await openTransport(uri);
    try {
      const lock = await HostLock.acquire(t, root, { command: 'virtform apply', stack: 'store' });
      const j = await Journal.begin(t, root, lock, { stack: 'store', command: 'virtform apply' });
      await j.started('volume.images/disk1.qcow2', { action: 'create', resource: { kind: 'volume', pool: 'images', name: 'disk1.qcow2' } });
      fs.writeFileSync(path.join(root, 'volumes', 'images', 'disk1.qcow2.owner.json'), fs.readFileSync(path.join(root, 'volumes', 'images', 'disk0.qcow2.owner.json'), 'utf8').replace(/disk0/g, 'disk1'));
      fs.writeFileSync(path.join(poolDir, 'disk1.qcow2'), 'QFI\xfb half');
      await lock.release();
      expect((await listInterruptedApplies(t, root)).map((a) => a.applyId)).toEqual([j.applyId]);

      const a = await run('apply', '-c', uri, '--xml', stack, '--auto-approve');
      expect([a.code, a.err]).toEqual([0, '']);
      expect(a.out).toContain(
        `note: resuming apply ${j.applyId} ('virtform apply' by ${os.userInfo().username}@${os.hostname()} at `,
      );
      expect(a.out).toContain(
        '), which was interrupted after 0 steps; in flight: volume.images/disk1.qcow2 (create): deleted the possibly partial image and its record; the plan creates it again. The plan below starts from what it left.\n',
      );
      expect(a.out).toContain('  # volume.images/disk1.qcow2 will be created\n');
      expect(imgInfo(path.join(poolDir, 'disk1.qcow2'))).toMatchObject({ format: 'qcow2', 'virtual-size': 16 * 2 ** 20 });
      expect(await listInterruptedApplies(t, root)).toEqual([]);
      const old = fs.readFileSync(path.join(root, 'journal', 'finished', `${j.applyId}.jsonl`), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(old.slice(-2).map((l) => [l.t, l.state ?? l.outcome, l.error ?? ''])).toEqual([
        ['step', 'failed', 'interrupted while in flight; on resume: deleted the possibly partial image and its record; the plan creates it again'],
        ['end', 'abandoned', ''],
      ]);
    } finally {
      await t.close();
    }
  });

  it('refuses a second apply while another command holds the host lock, naming the holder', async () => {
    const t = await openTransport(uri);
    const lock = await HostLock.acquire(t, root, { command: 'virtform apply other.ts', stack: 'other', actor: { user: 'alice', clientHost: 'laptop-a' } });
    try {
      const a = await run('apply', '-c', uri, '--xml', stack, '--auto-approve');
      expect(a.code).toBe(1);
      expect(a.err).toContain(`Error: localhost: the host is locked by another virtform command: 'virtform apply other.ts' run by alice@laptop-a (client pid ${process.pid}, stack 'other') since `);
      expect(a.err).toContain(`; host process ${lock.holder.hostPid} holds ${path.join(root, 'lock')}. Wait for it to finish and run your command again.`);
    } finally {
      await lock.release();
      await t.close();
    }
  });

  it('destroys what the stack created and nothing else', async () => {
    fs.writeFileSync(path.join(poolDir, 'mine.img'), 'not virtform');
    fs.writeFileSync(path.join(root, 'pools', 'theirs.xml'), POOL('/nonexistent'));
    const d = await run('destroy', '-c', uri, '--xml', stack, '--auto-approve');
    // The pool keeps a file virtform did not create: its directory stays, and destroy says so.
    expect(d.code).toBe(1);
    expect(d.err).toContain(`Error: pool.images: localhost: pool 'images' still holds 1 entry in ${poolDir} (mine.img). virtform never deletes volumes as a side effect: delete them first (their files are kept otherwise).\n`);
    expect(fs.readdirSync(poolDir)).toEqual(['mine.img']);
    fs.rmSync(path.join(poolDir, 'mine.img'));
    const again = await run('destroy', '-c', uri, '--xml', stack, '--auto-approve');
    expect([again.code, again.err]).toEqual([0, '']);
    expect(again.out).toContain('Destroy complete! Resources: 1 destroyed.\n');
    expect(fs.existsSync(poolDir)).toBe(false);
    expect(fs.readdirSync(path.join(root, 'pools'))).toEqual(['theirs.xml']);
    expect(fs.readdirSync(path.join(root, 'volumes', 'images'))).toEqual([]);
  });
});
