/**
 * The apply walk: dependencies first, independent changes in parallel up to the limit, a
 * failure recorded for its resource with its dependents skipped and the rest carried on,
 * progress events, and the journal told before and after each step.
 */
import type { ResourceChange } from '../../../../planner/plan';
import type { ApplyExecutor, ApplyStepContext } from '../../../../provider/executor/apply/apply-executor';
import { KindRoutedExecutor, NotWiredError, notWiredExecutor } from '../../../../provider/executor/apply/apply-executor';
import { applyPlan, type ApplyEvent } from '../../../../provider/executor/apply/apply-plan';

const change = (address: string, action: ResourceChange['action'], dependsOn: string[] = []): ResourceChange => {
  const [kind, name] = [address.slice(0, address.indexOf('.')), address.slice(address.indexOf('.') + 1)];
  return { address, kind: kind as ResourceChange['kind'], name, action, reason: 'changed', attributes: [], dependsOn };
};

/** Records calls; each call waits `ms` and fails for addresses in `failing`. */
function recorder(opts: { ms?: number; failing?: string[] } = {}) {
  const log: string[] = [];
  let running = 0;
  let maxRunning = 0;
  const step = (method: string) => async (c: ResourceChange, ctx: ApplyStepContext): Promise<void> => {
    running++;
    maxRunning = Math.max(maxRunning, running);
    log.push(`${method} ${c.address}`);
    ctx.progress(`working on ${c.name}`);
    await new Promise((r) => setTimeout(r, opts.ms ?? 5));
    running--;
    if (opts.failing?.includes(c.address)) throw new Error(`${c.address} broke`);
  };
  const executor: ApplyExecutor = { liveUpdates: new Set(), create: step('create'), update: step('update'), deleteThenCreate: step('replace'), delete: step('delete') };
  return { executor, log, get maxRunning() { return maxRunning; } };
}

const lock = { assertHeld: () => undefined };

describe('applyPlan', () => {
  it('calls the method of each action, dependencies first, skipping no-ops', async () => {
    const r = recorder();
    const res = await applyPlan(
      [change('pool.p', 'create'), change('volume.p/v', 'update', ['pool.p']), change('network.n', 'no-op'), change('domain.d', 'delete-then-create', ['volume.p/v']), change('domain.old', 'delete')],
      r.executor,
      { stack: 'web', lock },
      { parallelism: 1 },
    );
    expect(r.log).toEqual(['create pool.p', 'update volume.p/v', 'replace domain.d', 'delete domain.old']);
    expect(res.ok).toBe(true);
    expect(res.results.map((x) => [x.address, x.outcome])).toEqual([
      ['pool.p', 'done'],
      ['volume.p/v', 'done'],
      ['domain.d', 'done'],
      ['domain.old', 'done'],
    ]);
  });

  it('runs independent changes in parallel up to the limit', async () => {
    const r = recorder({ ms: 30 });
    await applyPlan(['a', 'b', 'c', 'd', 'e'].map((n) => change(`domain.${n}`, 'create')), r.executor, { stack: 'web', lock }, { parallelism: 3 });
    expect(r.maxRunning).toBe(3);
    expect(r.log).toHaveLength(5);
  });

  it('records a failure, skips what waits for it, and carries on with the rest', async () => {
    const r = recorder({ failing: ['volume.p/v'] });
    const events: string[] = [];
    const res = await applyPlan(
      [change('volume.p/v', 'create'), change('domain.a', 'create', ['volume.p/v']), change('domain.b', 'create', ['domain.a']), change('domain.c', 'create')],
      r.executor,
      { stack: 'web', lock },
      { parallelism: 1, onEvent: (e: ApplyEvent) => events.push(`${e.type} ${e.change.address}${e.type === 'skipped' ? `: ${e.because.join(', ')}` : e.type === 'progress' ? `: ${e.message}` : ''}`) },
    );
    expect(res.ok).toBe(false);
    expect(res.results.map((x) => [x.address, x.outcome, x.message])).toEqual([
      ['volume.p/v', 'failed', 'volume.p/v broke'],
      ['domain.a', 'skipped', 'not attempted: volume.p/v failed'],
      ['domain.b', 'skipped', 'not attempted: domain.a was skipped'],
      ['domain.c', 'done', undefined],
    ]);
    expect(events).toEqual([
      'start volume.p/v',
      'progress volume.p/v: working on p/v',
      'failed volume.p/v',
      'skipped domain.a: volume.p/v failed',
      'skipped domain.b: domain.a was skipped',
      'start domain.c',
      'progress domain.c: working on c',
      'done domain.c',
    ]);
  });

  it('tells the journal before and after each step', async () => {
    const journal: string[] = [];
    const r = recorder({ failing: ['domain.b'] });
    await applyPlan([change('domain.a', 'create'), change('domain.b', 'delete')], r.executor, { stack: 'web', lock }, {
      parallelism: 1,
      journal: {
        stepStarted: async (c) => void journal.push(`started ${c.address}`),
        stepFinished: async (c, outcome, message) => void journal.push(`${outcome} ${c.address}${message ? `: ${message}` : ''}`),
      },
    });
    expect(journal).toEqual(['started domain.a', 'done domain.a', 'started domain.b', 'failed domain.b: domain.b broke']);
  });

  it('repeats a still-running event for long steps', async () => {
    const r = recorder({ ms: 120 });
    const still: number[] = [];
    await applyPlan([change('domain.a', 'create')], r.executor, { stack: 'web', lock }, { stillEveryMs: 50, onEvent: (e) => e.type === 'still' && still.push(e.elapsedMs) });
    expect(still.length).toBeGreaterThanOrEqual(1);
  });
});

describe('KindRoutedExecutor', () => {
  it('routes by kind and unions the live kinds', async () => {
    const d = recorder();
    const routed = new KindRoutedExecutor({
      domain: { ...d.executor, liveUpdates: new Set(['balloon']) },
      network: notWiredExecutor('network', 'provider/executor/network', 'netexec'),
      pool: notWiredExecutor('pool', 'provider/executor/storage', 'netexec'),
      volume: { ...d.executor, liveUpdates: new Set(['volume-resize']) },
    });
    expect([...routed.liveUpdates].sort()).toEqual(['balloon', 'volume-resize']);
    const res = await applyPlan([change('network.n', 'create'), change('domain.d', 'create', ['network.n']), change('volume.p/v', 'create')], routed, { stack: 'web', lock });
    expect(res.results.map((x) => [x.address, x.outcome, x.message])).toEqual([
      ['network.n', 'failed', new NotWiredError('create of network.n (networks)', 'provider/executor/network', 'netexec').message],
      ['domain.d', 'skipped', 'not attempted: network.n failed'],
      ['volume.p/v', 'done', undefined],
    ]);
    expect(res.results[0].message).toBe(
      'create of network.n (networks) is not available in this build: provider/executor/network (branch netexec) is not merged yet, so virtform cannot do it; nothing was changed for it',
    );
  });
});
