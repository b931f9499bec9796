import * as fs from 'fs';
import * as path from 'path';
import { spawn } from 'child_process';
import { HostLock, readLockHolder, StateError } from '../../../../provider/executor/state';
import { describeEachTransport } from '../both-transports';

const alice = { user: 'alice', clientHost: 'laptop-a' };
const bob = { user: 'bob', clientHost: 'laptop-b' };

async function lockError(p: Promise<unknown>): Promise<StateError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(StateError);
    return e as StateError;
  }
  throw new Error('expected the lock to be refused');
}

describeEachTransport('host lock', (fx, kind) => {
  const stateDir = () => path.join(fx.dir(), 'state');

  it('records its holder, refuses a second holder naming the first, and frees on release', async () => {
    const a = await HostLock.acquire(fx.t(), stateDir(), { command: 'virtform apply web.ts', stack: 'web', actor: alice });
    expect(a.held).toBe(true);
    const rec = JSON.parse(fs.readFileSync(path.join(stateDir(), 'lock.holder.json'), 'utf8'));
    expect(rec).toEqual({
      hostPid: a.holder.hostPid,
      user: 'alice',
      clientHost: 'laptop-a',
      clientPid: process.pid,
      command: 'virtform apply web.ts',
      stack: 'web',
      startedAt: a.holder.startedAt,
    });
    expect(fs.statSync(path.join(stateDir(), 'lock.holder.json')).mode & 0o777).toBe(0o600);
    expect(fs.existsSync(`/proc/${a.holder.hostPid}`)).toBe(true);

    const other = await fx.another();
    const e = await lockError(HostLock.acquire(other, stateDir(), { command: 'virtform destroy', actor: bob }));
    expect(e.code).toBe('LOCKED');
    expect(e.message).toBe(
      `${other.hostLabel}: the host is locked by another virtform command: 'virtform apply web.ts' run by alice@laptop-a ` +
        `(client pid ${process.pid}, stack 'web') since ${a.holder.startedAt}; host process ${a.holder.hostPid} holds ${stateDir()}/lock. ` +
        `Wait for it to finish and run your command again. If that command hangs, stop it on laptop-a; the lock is released as soon as its connection ends.`,
    );
    expect((await readLockHolder(other, stateDir()))?.alive).toBe(true);

    await a.release();
    expect(a.held).toBe(false);
    expect(() => a.assertHeld('write domain x')).toThrow(/cannot write domain x: the host lock .* is no longer held/);
    expect(fs.existsSync(path.join(stateDir(), 'lock.holder.json'))).toBe(false);
    expect(await readLockHolder(other, stateDir())).toBeNull();

    const b = await HostLock.acquire(other, stateDir(), { command: 'virtform destroy', actor: bob });
    expect(b.holder.user).toBe('bob');
    await b.release();
  });

  it('waits for the lock when asked to, and reports the wait when it runs out', async () => {
    const a = await HostLock.acquire(fx.t(), stateDir(), { command: 'first', actor: alice });
    const t0 = Date.now();
    const e = await lockError(HostLock.acquire(fx.t(), stateDir(), { command: 'second', waitMs: 400, actor: bob }));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(380);
    expect(e.message).toContain('the host is locked after waiting 400 ms by another virtform command: \'first\'');
    const waiting = HostLock.acquire(fx.t(), stateDir(), { command: 'third', waitMs: 10000, actor: bob });
    setTimeout(() => void a.release(), 300);
    const c = await waiting;
    expect(c.holder.command).toBe('third');
    await c.release();
  });

  it('is not blocked by a stale holder record left by a crashed holder', async () => {
    fs.mkdirSync(stateDir(), { recursive: true });
    fs.writeFileSync(path.join(stateDir(), 'lock.holder.json'), '{"hostPid":999999999,"user":"ghost","clientHost":"gone","clientPid":1,"command":"virtform apply","startedAt":"2020-01-01T00:00:00.000Z"}');
    const h = await readLockHolder(fx.t(), stateDir());
    expect(h?.user).toBe('ghost');
    expect(h?.alive).toBe(false);
    const a = await HostLock.acquire(fx.t(), stateDir(), { command: 'after crash', actor: alice });
    expect(JSON.parse(fs.readFileSync(path.join(stateDir(), 'lock.holder.json'), 'utf8')).command).toBe('after crash');
    await a.release();
  });

  it('names an unknown holder when something else holds the lock file', async () => {
    fs.mkdirSync(stateDir(), { recursive: true });
    fs.rmSync(path.join(stateDir(), 'lock.holder.json'), { force: true });
    // Its own process group, so that killing it also kills `sleep`, which inherits the lock.
    const outsider = spawn('flock', [path.join(stateDir(), 'lock'), 'sleep', '30'], { stdio: 'ignore', detached: true });
    await new Promise((r) => setTimeout(r, 200));
    try {
      const e = await lockError(HostLock.acquire(fx.t(), stateDir(), { command: 'x', actor: alice }));
      expect(e.message).toBe(
        `${fx.t().hostLabel}: the host is locked, but the holder is unknown: there is no holder record. The lock may have just changed hands, ` +
          `or another program holds ${stateDir()}/lock. Run the command again; if it stays locked, find the holder with 'fuser -v ${stateDir()}/lock' on the host.`,
      );
    } finally {
      const gone = new Promise((r) => outsider.once('exit', r));
      process.kill(-outsider.pid!, 'SIGKILL');
      await gone;
    }
  });

  if (kind === 'local') {
    it('is released when the client end of the pipe closes, as when the client process dies', async () => {
      const a = await HostLock.acquire(fx.t(), stateDir(), { command: 'crashing apply', actor: alice });
      // What the kernel does to a dead client's pipes, without killing the test process.
      (a as unknown as { proc: { stdin: NodeJS.WritableStream & { destroy(): void } } }).proc.stdin.destroy();
      const b = await HostLock.acquire(fx.t(), stateDir(), { command: 'next apply', actor: bob, waitMs: 3000 });
      expect(b.holder.command).toBe('next apply');
      expect(a.held).toBe(false);
      await b.release();
    });
  }

  if (kind === 'ssh') {
    it('is released by the kernel when the SSH connection dies', async () => {
      const a = await HostLock.acquire(fx.t(), stateDir(), { command: 'doomed apply', actor: alice });
      const hostPid = a.holder.hostPid;
      fx.sshd()!.killConnections();
      // The holding process sees end-of-file and exits; the lock becomes free.
      for (let i = 0; i < 100 && fs.existsSync(`/proc/${hostPid}`); i++) await new Promise((r) => setTimeout(r, 50));
      expect(fs.existsSync(`/proc/${hostPid}`)).toBe(false);
      expect(a.held).toBe(false);
      expect(() => a.assertHeld('define domain web')).toThrow(StateError);
      await a.release(); // harmless after the connection died
      // flock itself exits a moment after its child: allow it that moment.
      const other = await fx.another();
      const b = await HostLock.acquire(other, stateDir(), { command: 'next apply', actor: bob, waitMs: 3000 });
      expect(b.holder.command).toBe('next apply');
      await b.release();
    });
  }
});
