/**
 * LiveStateReader: what a host has, in the planner's terms (planner/live-state.ts).
 *
 * StoreLiveStateReader reads:
 * - every definition and ownership record in the state store (all stacks: the planner needs
 *   the others to refuse touching them), volumes for every stored pool and every pool named;
 * - each domain's runtime from its run directory without cleaning anything up (reconnect with
 *   reap off: a plan changes nothing on the host): state, the definition hash its QEMU was
 *   started from, what it holds (hugepages, VFIO), and pin drift (each thread's affinity read
 *   live from /proc against what apply set);
 * - a run directory with no stored definition as an unowned domain (a QEMU virtform did not
 *   define runs under that name);
 * - networks' runtime through `networkRuntime` when given (the network executor's module);
 *   without it their runtime is unknown and the plan changes nothing about it.
 */
import { formatCpuList, parseCpuList } from '../../../model/cpu-list';
import type { LiveResource, LiveRuntime, LiveState, PinDrift } from '../../../planner/live-state';
import type { ResourceAddress } from '../../../planner/resource-address';
import { listRunDirNames, type DomainHost } from '../domain/domain-host';
import { DomainError } from '../domain/errors';
import { readThreads } from '../domain/qemu-process';
import { reconnectDomain, type DomainRuntime } from '../domain/reconnect';
import { definitionLocation, type DefinitionStore, type StoredEntry } from './definition-store';

export interface LiveStateReader {
  /** `pools`: pool names whose volumes to read besides the stored pools' (the desired state's pools). */
  read(pools?: readonly string[]): Promise<LiveState>;
}

export interface StoreLiveStateReaderOptions {
  readonly store: DefinitionStore;
  readonly stateDir: string;
  readonly domains: DomainHost;
  /** A network's runtime (active or not, and from which definition); absent: unknown. */
  readonly networkRuntime?: (name: string) => Promise<LiveRuntime | undefined>;
}

export class StoreLiveStateReader implements LiveStateReader {
  constructor(private readonly o: StoreLiveStateReaderOptions) {}

  async read(pools: readonly string[] = []): Promise<LiveState> {
    const { store, stateDir } = this.o;
    const out: LiveResource[] = [];
    const toLive = (e: StoredEntry, runtime?: LiveRuntime): LiveResource => {
      const address: ResourceAddress = e.ref.kind === 'volume' ? { kind: 'volume', pool: e.ref.pool, name: e.ref.name } : { kind: e.ref.kind, name: e.ref.name };
      return {
        address,
        xml: e.xml,
        owner: e.owner ? { stack: e.owner.stack, createdAt: e.owner.createdAt, createdBy: `${e.owner.createdBy.user}@${e.owner.createdBy.clientHost}` } : null,
        location: definitionLocation(stateDir, e.ref),
        ...(runtime ? { runtime } : {}),
      };
    };

    const storedPools = await store.list('pool');
    for (const e of storedPools) out.push(toLive(e));
    const poolNames = [...new Set([...storedPools.map((e) => e.ref.name), ...pools])].sort();
    for (const p of poolNames) for (const e of await store.list('volume', p)) out.push(toLive(e));

    for (const e of await store.list('network')) {
      out.push(toLive(e, this.o.networkRuntime ? await this.o.networkRuntime(e.ref.name) : undefined));
    }

    const domains = await store.list('domain');
    const running = new Set(await listRunDirNames(this.o.domains));
    for (const e of domains) {
      out.push(toLive(e, running.has(e.ref.name) ? await this.domainRuntime(e.ref.name) : { state: 'shutoff' }));
      running.delete(e.ref.name);
    }
    for (const name of running) {
      const rt = await this.domainRuntime(name);
      if (rt.state === 'shutoff') continue;
      out.push({ address: { kind: 'domain', name }, xml: null, owner: null, location: `${this.o.domains.runDir}/${name}`, runtime: rt });
    }
    return { resources: out };
  }

  private async domainRuntime(name: string): Promise<LiveRuntime> {
    let rt: DomainRuntime;
    try {
      rt = await reconnectDomain(this.o.domains, name, { reap: false });
    } catch (e) {
      if (e instanceof DomainError && e.code === 'NOT_RUNNING') return { state: 'shutoff' };
      throw e;
    }
    const rec = rt.record;
    const holds = {
      phase: rec.phase,
      hugepages: rec.hugepages.map((h) => ({ sizeKiB: h.sizeKiB, node: h.node, pages: h.pages })),
      vfio: rec.vfio.map((v) => ({ address: v.address })),
    };
    if (rt.state === 'shutoff') return { state: 'shutoff', holds };
    const pinDrift = rt.pid !== null ? await this.pinDrift(rt) : [];
    return { state: rt.state, definitionHash: rec.specHash, holds, ...(pinDrift.length ? { pinDrift } : {}) };
  }

  /** Threads whose affinity now differs from what apply set (status.json pins). */
  private async pinDrift(rt: DomainRuntime): Promise<PinDrift[]> {
    const pins = rt.record.pins;
    const threads = rt.record.threads;
    if (!pins || !threads || rt.pid === null) return [];
    const live = new Map((await readThreads(this.o.domains.transport, rt.pid)).map((t) => [t.tid, t.cpus]));
    const norm = (cpus: string): string => formatCpuList(parseCpuList(cpus));
    const out: PinDrift[] = [];
    const check = (thread: string, tid: number, applied: string): void => {
      const actual = live.get(tid);
      if (actual !== undefined && norm(actual) !== norm(applied)) out.push({ thread, applied: norm(applied), actual: norm(actual) });
    };
    for (const v of threads.vcpus) {
      const p = pins.vcpus.find((x) => x.index === v.index);
      if (p) check(`vcpu ${v.index}`, v.threadId, p.cpus);
    }
    for (const io of threads.iothreads) {
      const p = pins.iothreads.find((x) => x.id === io.id);
      if (p) check(`iothread ${io.id}`, io.threadId, p.cpus);
    }
    if (threads.emulator.length) check('emulator', rt.pid, pins.emulator);
    return out;
  }
}
