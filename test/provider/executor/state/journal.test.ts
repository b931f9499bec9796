import * as fs from 'fs';
import * as path from 'path';
import {
  HostLock,
  Journal,
  StateError,
  doneStepIds,
  inFlightSteps,
  listInterruptedApplies,
  replayJournal,
  undoOrder,
} from '../../../../provider/executor/state';
import { describeEachTransport } from '../both-transports';

const actor = { user: 'alice', clientHost: 'laptop-a' };
let tick = 0;
const clock = () => new Date(Date.UTC(2024, 4, 1, 10, 0, tick++));

describe('journal replay (pure)', () => {
  const begin = '{"t":"begin","applyId":"a1","stack":"s","command":"virtform apply","by":{"user":"u","clientHost":"h"},"at":"2024-01-01T00:00:00.000Z"}\n';
  it('takes each step\'s last line, keeps the last undo, and reports a torn last line', () => {
    const text =
      begin +
      '{"t":"step","id":"vol","state":"started","action":"create-volume","undo":{"rm":"/p/v"},"at":"2024-01-01T00:00:01.000Z"}\n' +
      '{"t":"step","id":"vol","state":"done","result":{"bytes":5},"at":"2024-01-01T00:00:02.000Z"}\n' +
      '{"t":"step","id":"dom","state":"started","action":"define","undo":{"undefine":"web"},"at":"2024-01-01T00:00:03.000Z"}\n' +
      '{"t":"step","id":"dom","state":"done","undo":{"undefine":"web","uuid":"u1"},"at":"2024-01-01T00:00:04.000Z"}\n' +
      '{"t":"step","id":"net","state":"started","action":"start-network","at":"2024-01-01T00:00:05.000Z"}\n' +
      '{"t":"step","id":"net","state":"failed","error":"boom","at":"2024-01-01T00:00:06.000Z"}\n' +
      '{"t":"step","id":"run","state":"started","action":"start-domain","undo":{"stop":"web"},"at":"2024-01-01T00:00:07.000Z"}\n' +
      '{"t":"step","id":"run","sta';
    const r = replayJournal(text, 'j');
    expect(r.torn).toBe(true);
    expect(r.outcome).toBeUndefined();
    expect(r.steps).toEqual([
      { id: 'vol', state: 'done', action: 'create-volume', undo: { rm: '/p/v' }, result: { bytes: 5 }, startedAt: '2024-01-01T00:00:01.000Z', endedAt: '2024-01-01T00:00:02.000Z' },
      { id: 'dom', state: 'done', action: 'define', undo: { undefine: 'web', uuid: 'u1' }, startedAt: '2024-01-01T00:00:03.000Z', endedAt: '2024-01-01T00:00:04.000Z' },
      { id: 'net', state: 'failed', action: 'start-network', error: 'boom', startedAt: '2024-01-01T00:00:05.000Z', endedAt: '2024-01-01T00:00:06.000Z' },
      { id: 'run', state: 'started', action: 'start-domain', undo: { stop: 'web' }, startedAt: '2024-01-01T00:00:07.000Z' },
    ]);
    expect(inFlightSteps(r).map((s) => s.id)).toEqual(['run']);
    expect(undoOrder(r).map((s) => s.id)).toEqual(['run', 'dom', 'vol']);
    expect([...doneStepIds(r)]).toEqual(['vol', 'dom']);
  });
  it('refuses a damaged line that is not the last one', () => {
    expect(() => replayJournal(begin + 'garbage\n{"t":"end","outcome":"applied","at":"x"}\n', '/s/journal/a1.jsonl')).toThrow(
      'journal /s/journal/a1.jsonl line 2 is not JSON: "garbage". Keep the file for inspection; virtform cannot tell which steps it recorded.',
    );
    expect(() => replayJournal('{"t":"step"}\n', 'j')).toThrow('journal j does not start with a begin line');
  });
});

describeEachTransport('apply journal', (fx, kind) => {
  const stateDir = () => path.join(fx.dir(), 'state');

  it('records steps durably and moves the journal to finished/ at the end', async () => {
    const lock = await HostLock.acquire(fx.t(), stateDir(), { command: 'apply', actor });
    const j = await Journal.begin(fx.t(), stateDir(), lock, { stack: 'shop', command: 'virtform apply', planHash: 'sha256:ab', actor, now: clock });
    expect(j.applyId).toMatch(/^20240501T1000\d\dZ-[0-9a-f]{8}$/);
    await j.started('vol:disk0', { action: 'create-volume', resource: { kind: 'volume', pool: 'images', name: 'disk0' }, undo: { deleteVolume: { pool: 'images', name: 'disk0' } } });
    await j.done('vol:disk0', { result: { capacity: 1048576 } });
    const lines = fs.readFileSync(j.file, 'utf8').split('\n');
    expect(lines.length).toBe(4);
    expect(JSON.parse(lines[0])).toEqual({ t: 'begin', applyId: j.applyId, stack: 'shop', planHash: 'sha256:ab', command: 'virtform apply', by: actor, at: expect.stringMatching(/^2024-05-01T10:00:\d\d.000Z$/) });
    expect(fs.statSync(j.file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.join(stateDir(), 'journal')).mode & 0o777).toBe(0o700);
    expect((await listInterruptedApplies(fx.t(), stateDir())).map((a) => a.applyId)).toEqual([j.applyId]);
    await j.finish('applied');
    expect(fs.existsSync(j.file)).toBe(false);
    const fin = replayJournal(fs.readFileSync(path.join(stateDir(), 'journal', 'finished', `${j.applyId}.jsonl`), 'utf8'), 'f');
    expect(fin.outcome).toBe('applied');
    expect(await listInterruptedApplies(fx.t(), stateDir())).toEqual([]);
    await expect(j.started('x', { action: 'y' })).rejects.toThrow(`journal ${j.applyId} has ended; start a new one`);
    await lock.release();
  });

  it('refuses secrets in undo data before writing anything', async () => {
    const lock = await HostLock.acquire(fx.t(), stateDir(), { command: 'apply', actor });
    const j = await Journal.begin(fx.t(), stateDir(), lock, { stack: 'shop', command: 'virtform apply', actor });
    const size = fs.statSync(j.file).size;
    await expect(j.started('seed', { action: 'write-seed', undo: { users: [{ name: 'root', plain_text_passwd: 'hunter2' }] } })).rejects.toThrow(
      "journal step 'seed' undo: key 'users[0].plain_text_passwd' looks like a secret; journals are plain files and must not hold secrets. Record a reference to the secret (its name or UUID) instead.",
    );
    expect(fs.statSync(j.file).size).toBe(size);
    expect(fs.readFileSync(j.file, 'utf8')).not.toContain('hunter2');
    await j.finish('abandoned');
    await lock.release();
  });

  it('refuses to write once the lock is gone', async () => {
    const lock = await HostLock.acquire(fx.t(), stateDir(), { command: 'apply', actor });
    const j = await Journal.begin(fx.t(), stateDir(), lock, { stack: 'shop', command: 'virtform apply', actor });
    await lock.release();
    const e = await j.started('a', { action: 'b' }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(StateError);
    expect((e as StateError).code).toBe('LOCK_NOT_HELD');
    const lock2 = await HostLock.acquire(fx.t(), stateDir(), { command: 'cleanup', actor });
    await (await Journal.resume(fx.t(), stateDir(), lock2, j.applyId)).finish('abandoned');
    await lock2.release();
  });

  if (kind === 'ssh') {
    it('survives an apply cut off mid-step: the next command sees what was done, what was in flight, and can roll back', async () => {
      const lock = await HostLock.acquire(fx.t(), stateDir(), { command: 'virtform apply', stack: 'shop', actor });
      const j = await Journal.begin(fx.t(), stateDir(), lock, { stack: 'shop', command: 'virtform apply', planHash: 'sha256:p1', actor, now: clock });
      const made: string[] = [];
      // Step 1 completes: a file appears on the host.
      await j.started('file:a', { action: 'create-file', undo: { rm: path.join(fx.dir(), 'a') } });
      await fx.t().writeFile(path.join(fx.dir(), 'a'), 'A');
      made.push('a');
      await j.done('file:a');
      // Step 2 starts, and the connection dies while it runs.
      await j.started('file:b', { action: 'create-file', undo: { rm: path.join(fx.dir(), 'b') } });
      fx.sshd()!.killConnections();
      await expect(fx.t().writeFile(path.join(fx.dir(), 'b'), 'B')).rejects.toThrow();
      await expect(j.done('file:b')).rejects.toThrow();

      // A later command: the lock is free (the kernel released it) and the journal is there.
      const other = await fx.another();
      const lock2 = await HostLock.acquire(other, stateDir(), { command: 'virtform apply', stack: 'shop', actor, waitMs: 3000 });
      const [interrupted] = await listInterruptedApplies(other, stateDir(), { stack: 'shop' });
      expect(interrupted.applyId).toBe(j.applyId);
      expect(interrupted.begin.planHash).toBe('sha256:p1');
      expect(interrupted.steps.map((s) => [s.id, s.state])).toEqual([
        ['file:a', 'done'],
        ['file:b', 'started'],
      ]);
      expect(inFlightSteps(interrupted).map((s) => s.id)).toEqual(['file:b']);
      expect(await listInterruptedApplies(other, stateDir(), { stack: 'blog' })).toEqual([]);

      // Roll back, newest first; undo of the in-flight step tolerates "never happened".
      const resumed = await Journal.resume(other, stateDir(), lock2, interrupted.applyId, clock);
      for (const s of undoOrder(interrupted)) {
        await resumed.started(`undo:${s.id}`, { action: 'undo' });
        const r = await other.exec(['rm', '-f', '--', (s.undo as { rm: string }).rm]);
        expect(r.code).toBe(0);
        await resumed.done(`undo:${s.id}`);
      }
      await resumed.finish('rolled-back');
      expect(fs.existsSync(path.join(fx.dir(), 'a'))).toBe(false);
      expect(fs.existsSync(path.join(fx.dir(), 'b'))).toBe(false);
      expect(await listInterruptedApplies(other, stateDir())).toEqual([]);
      const fin = replayJournal(fs.readFileSync(path.join(stateDir(), 'journal', 'finished', `${j.applyId}.jsonl`), 'utf8'), 'f');
      expect(fin.outcome).toBe('rolled-back');
      expect(fin.steps.map((s) => [s.id, s.state])).toEqual([
        ['file:a', 'done'],
        ['file:b', 'started'],
        ['undo:file:b', 'done'],
        ['undo:file:a', 'done'],
      ]);
      expect(made).toEqual(['a']);
      await lock2.release();
    });
  }
});
