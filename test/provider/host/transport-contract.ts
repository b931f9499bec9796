/**
 * What every Transport must do, run against LocalTransport and SshTransport alike (the SSH
 * one through a real sshd on 127.0.0.1, which shares this machine's file system).
 */
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { HostError } from '../../../provider/host/errors';
import type { Transport } from '../../../provider/host/transport';
import { HOSTILE } from './hostile-strings';

export function nulSplit(b: Buffer): string[] {
  const parts = b.toString('utf8').split('\0');
  parts.pop();
  return parts;
}

/** A unix socket server that echoes what it receives, prefixed with `echo:`. */
export async function echoServer(socketPath: string): Promise<net.Server> {
  const srv = net.createServer((s) => {
    s.on('data', (d) => s.write(Buffer.concat([Buffer.from('echo:'), d])));
    s.on('end', () => s.end());
  });
  await new Promise<void>((r) => srv.listen(socketPath, r));
  return srv;
}

/** Writes `msg` to the stream, then reads until `expected.length` bytes arrived. */
export async function converse(stream: NodeJS.ReadWriteStream, msg: string, expectedLength: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let got = '';
    stream.on('data', (d: Buffer) => {
      got += d.toString();
      if (got.length >= expectedLength) resolve(got);
    });
    stream.on('error', reject);
    stream.write(msg);
  });
}

export function transportContract(getTransport: () => Transport): void {
  let tmp: string;
  let t: Transport;
  beforeAll(() => {
    t = getTransport();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'virtform-transport-'));
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('passes hostile arguments to the program byte-exact', async () => {
    const r = await t.exec(['printf', '%s\\0', ...HOSTILE]);
    expect(r.code).toBe(0);
    expect(nulSplit(r.stdout)).toEqual([...HOSTILE]);
  });

  it('returns exit code, stdout and stderr without throwing on failure', async () => {
    const r = await t.exec(['sh', '-c', 'echo out; echo err >&2; exit 3']);
    expect({ code: r.code, out: r.stdout.toString(), err: r.stderr.toString() }).toEqual({ code: 3, out: 'out\n', err: 'err\n' });
  });

  it('feeds stdin, binary bytes included', async () => {
    const data = Buffer.from([0, 1, 2, 255, 10, 0, 0x27, 0x24]);
    const r = await t.exec(['cat'], { stdin: data });
    expect(r.stdout.equals(data)).toBe(true);
  });

  it('sets environment variables and the working directory', async () => {
    const r = await t.exec(['sh', '-c', 'printf "%s|" "$VF_A" "$VF_B"; pwd'], { env: { VF_A: "it's $(x)", VF_B: '' }, cwd: tmp });
    expect(r.stdout.toString()).toBe(`it's $(x)||${fs.realpathSync(tmp)}\n`);
  });

  it('reports a missing program as exit code 127', async () => {
    const r = await t.exec(['virtform-no-such-program', 'x']);
    expect(r.code).toBe(127);
    expect(r.stderr.toString()).toMatch(/virtform-no-such-program.*not found/);
  });

  it('reports death by signal as code null with the signal name', async () => {
    const r = await t.exec(['sh', '-c', 'kill -KILL $$']);
    expect({ code: r.code, signal: r.signal }).toEqual({ code: null, signal: 'SIGKILL' });
  });

  it('kills a command that outlives timeoutMs and rejects with TIMEOUT', async () => {
    const marker = path.join(tmp, 'survived');
    const started = Date.now();
    await expect(t.exec(['sh', '-c', `sleep 3 && touch ${marker}`], { timeoutMs: 300 })).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(Date.now() - started).toBeLessThan(2500);
    await new Promise((r) => setTimeout(r, 3200));
    expect(fs.existsSync(marker)).toBe(false);
  }, 15000);

  it('spawns a long-running command with live streams, and kills it', async () => {
    const p = await t.spawn(['cat']);
    const echoed = new Promise<string>((resolve) => p.stdout.once('data', (d: Buffer) => resolve(d.toString())));
    p.stdin.write('ping\n');
    expect(await echoed).toBe('ping\n');
    p.kill('SIGTERM');
    expect(await p.exited).toEqual({ code: null, signal: 'SIGTERM' });
  });

  it('reads one file, and names host and path when it is missing', async () => {
    fs.writeFileSync(path.join(tmp, 'one'), 'content\n');
    expect((await t.readFile(path.join(tmp, 'one'))).toString()).toBe('content\n');
    const missing = path.join(tmp, 'nope');
    const err = await t.readFile(missing).catch((e: HostError) => e);
    expect(err).toBeInstanceOf(HostError);
    expect((err as HostError).code).toBe('NOT_FOUND');
    expect((err as HostError).message).toContain(`cannot read ${missing}`);
    expect((err as HostError).message).toContain(t.hostLabel);
  });

  it('reads many files at once: binary, procfs, sysfs, missing and directories', async () => {
    const bin = Buffer.from([0, 0, 1, 10, 0, 255]);
    fs.writeFileSync(path.join(tmp, 'bin'), bin);
    fs.writeFileSync(path.join(tmp, 'empty'), '');
    fs.writeFileSync(path.join(tmp, 'we ird\nname'), 'x');
    const paths = [
      path.join(tmp, 'bin'),
      path.join(tmp, 'empty'),
      path.join(tmp, 'we ird\nname'),
      '/proc/meminfo',
      '/sys/devices/system/cpu/online',
      path.join(tmp, 'missing'),
      tmp,
    ];
    const got = await t.readFiles(paths);
    expect([...got.keys()]).toEqual(paths);
    expect(got.get(paths[0])!.equals(bin)).toBe(true);
    expect(got.get(paths[1])!.length).toBe(0);
    expect(got.get(paths[2])!.toString()).toBe('x');
    expect(got.get('/proc/meminfo')!.toString()).toMatch(/^MemTotal: +\d+ kB\n/); // procfs says size 0
    expect(got.get('/sys/devices/system/cpu/online')!.toString()).toBe(fs.readFileSync('/sys/devices/system/cpu/online', 'utf8'));
    expect(got.get(paths[5])).toBeNull();
    expect(got.get(tmp)).toBeNull();
  });

  it('writes a file atomically (a new inode) with the given mode', async () => {
    const p = path.join(tmp, 'w');
    fs.writeFileSync(p, 'old');
    const inode = fs.statSync(p).ino;
    await t.writeFile(p, Buffer.from('new\0bytes'), 0o600);
    const st = fs.statSync(p);
    expect(fs.readFileSync(p).equals(Buffer.from('new\0bytes'))).toBe(true);
    expect(st.mode & 0o777).toBe(0o600);
    expect(st.ino).not.toBe(inode);
    expect(fs.readdirSync(tmp).filter((n) => n.includes('virtform'))).toEqual([]);
    await expect(t.writeFile(path.join(tmp, 'no-dir', 'f'), 'x')).rejects.toThrow(`cannot write ${path.join(tmp, 'no-dir', 'f')}`);
  });

  it('connects to a unix socket on the host', async () => {
    const sock = path.join(tmp, 'echo.sock');
    const srv = await echoServer(sock);
    try {
      const s = await t.connectUnix(sock);
      expect(await converse(s, 'hello', 10)).toBe('echo:hello');
      s.end();
    } finally {
      srv.close();
    }
  });

  it('names the path when no unix socket is there', async () => {
    const sock = path.join(tmp, 'absent.sock');
    const err = await t.connectUnix(sock).catch((e: HostError) => e);
    expect(err).toMatchObject({ code: 'NOT_FOUND' });
    expect((err as Error).message).toContain(`no unix socket at ${sock}`);
    expect((err as Error).message).toContain(t.hostLabel);
  });
}
