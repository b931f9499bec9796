/**
 * resumeInterruptedApplies on a local state directory: an apply killed while it started a domain
 * left a QEMU paused in prelaunch (the launch's host script gave up waiting for its go-ahead);
 * the next apply of the stack, under the lock, kills that QEMU, records what it did in the old
 * journal and closes it as abandoned. Journals of other stacks are left alone.
 */
import { startingStatusRecord } from '../../../support/status-record-fixture';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { resumeInterruptedApplies, resumedNote } from '../../../../provider/executor/apply/interrupted-apply';
import { detachedLaunchCommand, formatStatusRecord, launchArgv, type DomainHost, type DomainStatusRecord } from '../../../../provider/executor/domain';
import { HostLock } from '../../../../provider/executor/state/host-lock';
import { Journal, listInterruptedApplies } from '../../../../provider/executor/state/journal';
import { StateStore } from '../../../../provider/executor/state/state-store';
import { discoverHost } from '../../../../provider/host/host-discovery';
import { LocalTransport } from '../../../../provider/host/local-transport';
import { planPins } from '../../../../planner/pin-plan';
import { describeUnless, missingBinaryReason, QEMU_X86_64 } from '../../../support/qemu';
import { makeTestDomain, pidsWithUuid } from '../domain/test-domain';

describeUnless(missingBinaryReason(QEMU_X86_64))('resuming an interrupted apply', () => {
  jest.setTimeout(60000);
  let tmp: string;
  let t: LocalTransport;

  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vf-resume-'));
    t = new LocalTransport(`qemu:///embed?root=${tmp}`);
  });
  afterAll(async () => {
    await t.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('kills the QEMU a killed apply left in prelaunch, and closes its journal as abandoned', async () => {
    const root = path.join(tmp, 'root');
    const h: DomainHost = { transport: t, runDir: path.join(root, 'run') };
    const d = makeTestDomain(h.runDir, tmp, undefined, { name: 'vf-prelaunch', boot: 'none' });
    const store = new StateStore(t, root);
    await store.init();

    // The killed apply: its journal has the domain's create in flight, and it had spawned QEMU.
    let lock = await HostLock.acquire(t, root, { command: 'virtform apply', stack: 'web' });
    const j = await Journal.begin(t, root, lock, { stack: 'web', command: 'virtform apply' });
    await j.started('volume.images/a.img', { action: 'create', resource: { kind: 'volume', pool: 'images', name: 'a.img' } });
    await j.done('volume.images/a.img');
    await j.started('domain.vf-prelaunch', { action: 'create', resource: { kind: 'domain', name: 'vf-prelaunch' } });
    const other = await Journal.begin(t, root, lock, { stack: 'other', command: 'virtform apply' });
    await lock.release();
    fs.mkdirSync(d.paths.dir, { recursive: true });
    const starting: DomainStatusRecord = startingStatusRecord(d.name, d.uuid, { specHash: 'sha256:x', qmpSocket: d.paths.qmpSocket, consoleSocket: d.paths.consoleSocket });
    fs.writeFileSync(d.paths.statusFile, formatStatusRecord(starting));
    const cmd = detachedLaunchCommand(launchArgv({ name: d.name, uuid: d.uuid, argv: d.argv, pins: planPins(d.domain, await discoverHost(t), 'localhost') }, d.paths), d.paths, { timeoutMs: 1000 });
    execFileSync(cmd[0], cmd.slice(1));
    for (let i = 0; i < 100 && !(fs.existsSync(d.paths.pidFile) && fs.readFileSync(d.paths.pidFile, 'utf8').trim()); i++) await new Promise((r) => setTimeout(r, 50));
    expect(pidsWithUuid(d.uuid)).toHaveLength(1);

    lock = await HostLock.acquire(t, root, { command: 'virtform apply', stack: 'web' });
    try {
      const resumed = await resumeInterruptedApplies({ transport: t, stateDir: root, store, domains: h, lock, stack: 'web' });
      expect(resumed.map((r) => ({ ...r, startedAt: 'T', by: 'U' }))).toEqual([
        {
          applyId: j.applyId,
          startedAt: 'T',
          by: 'U',
          command: 'virtform apply',
          done: 1,
          inFlight: ['domain.vf-prelaunch (create): stopped the QEMU it had left half-started; the plan starts the domain again'],
        },
      ]);
      expect(resumedNote(resumed[0])).toBe(
        `resuming apply ${j.applyId} ('virtform apply' by ${resumed[0].by} at ${resumed[0].startedAt}), which was interrupted after 1 step; in flight: domain.vf-prelaunch (create): stopped the QEMU it had left half-started; the plan starts the domain again. The plan below starts from what it left.`,
      );
      expect(pidsWithUuid(d.uuid)).toEqual([]);
      expect(fs.existsSync(d.paths.dir)).toBe(false);
      // Only the other stack's apply is still open.
      expect((await listInterruptedApplies(t, root)).map((a) => a.applyId)).toEqual([other.applyId]);
      const closed = fs.readFileSync(path.join(root, 'journal', 'finished', `${j.applyId}.jsonl`), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(closed.slice(-2).map((l) => [l.t, l.id ?? '', l.state ?? l.outcome])).toEqual([
        ['step', 'domain.vf-prelaunch', 'failed'],
        ['end', '', 'abandoned'],
      ]);
      // Nothing left to resume for this stack.
      expect(await resumeInterruptedApplies({ transport: t, stateDir: root, store, domains: h, lock, stack: 'web' })).toEqual([]);
    } finally {
      await lock.release();
    }
  });
});
