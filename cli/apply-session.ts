/**
 * The composition root of plan, apply and destroy: for a connection URI, the host's facts, a
 * LiveStateReader and an ApplyExecutor, and the host lock.
 *
 * Wired in this build:
 * - transport, host facts (provider/host), the domain lifecycle (provider/executor/domain) and
 *   DomainExecutor on top of it.
 * Adapters left for modules of other branches (each refuses with NotWiredError naming the module;
 * nothing is pretended):
 * - STATE_STORE: provider/executor/state StateStore (branch netexec) → `store`; it fits the
 *   DefinitionStore port as it is (`new StateStore(transport, paths.stateDir)`);
 * - HOST_LOCK: provider/executor/state HostLock (branch netexec) → `lock`; until then applies
 *   run without the host lock, and say so;
 * - QEMU_ARGV: provider/qemu prepare + argv builder (branch qemu) → DomainLaunchBuilder;
 * - NETWORKS, POOLS, VOLUMES: provider/executor/network and storage (branch netexec) → the
 *   executors of those kinds, and `networkRuntime` for the reader.
 * Tests (and later wiring) pass their own ApplySessionFactory through CliIo.applySession.
 */
import { randomBytes, randomUUID } from 'crypto';
import type { HostFacts } from '../model/host-facts';
import type { Generators } from '../planner/canonical-document';
import { KindRoutedExecutor, NotWiredError, notWiredExecutor, type ApplyExecutor } from '../provider/executor/apply/apply-executor';
import type { DefinitionStore, WriteLock } from '../provider/executor/apply/definition-store';
import { DomainExecutor, type DomainLaunchBuilder } from '../provider/executor/apply/domain-executor';
import { StoreLiveStateReader, type LiveStateReader } from '../provider/executor/apply/live-state-reader';
import type { DomainHost } from '../provider/executor/domain/domain-host';
import { discoverHost } from '../provider/host/host-discovery';
import { openTransport } from '../provider/host/open-transport';
import { hostPaths, parseConnectionUri } from '../provider/host/uri';

/** The lock an apply holds on its host, from before it reads live state until it is done. */
export interface HeldLock extends WriteLock {
  release(): Promise<void>;
}

export interface ApplySession {
  /** The host's name in messages (`localhost`, `root@h1:22`). */
  readonly hostLabel: string;
  readonly facts: HostFacts;
  readonly reader: LiveStateReader;
  readonly executor: ApplyExecutor;
  /** Takes the host lock (`command` and `stack` are recorded as its holder). */
  lock(command: string, stack: string): Promise<HeldLock>;
  /** What this build cannot do, shown before an apply. */
  readonly notes: readonly string[];
  close(): Promise<void>;
}

export type ApplySessionFactory = (uri: string | undefined) => Promise<ApplySession>;

/** Random UUIDs and QEMU-prefixed unicast MACs for what the host generates at create time. */
export const RANDOM_GENERATORS: Generators = {
  uuid: () => randomUUID(),
  mac: () => `52:54:00:${[...randomBytes(3)].map((b) => b.toString(16).padStart(2, '0')).join(':')}`,
};

/** STATE_STORE adapter: the state store is not merged into this build. */
export function notWiredStore(): DefinitionStore {
  const refuse = async (): Promise<never> => {
    throw new NotWiredError("reading and writing the host's state (definitions and ownership records)", 'provider/executor/state StateStore', 'netexec');
  };
  return { init: refuse, get: refuse, list: refuse, define: refuse, remove: refuse };
}

/** QEMU_ARGV adapter: the argv pipeline is not merged into this build. */
export const notWiredLaunchBuilder: DomainLaunchBuilder = {
  build: async (domain) => {
    throw new NotWiredError(`building the QEMU command line of domain '${domain.name}'`, 'provider/qemu prepare.ts and argv/build.ts', 'qemu');
  },
};

/** The default wiring (see the header for what is wired and what is left). */
export const openApplySession: ApplySessionFactory = async (uri) => {
  const parsed = parseConnectionUri(uri);
  const transport = await openTransport(parsed);
  try {
    const paths = hostPaths(parsed);
    const facts = await discoverHost(transport);
    const store = notWiredStore();
    const domains: DomainHost = { transport, runDir: paths.runDir };
    const executor = new KindRoutedExecutor({
      domain: new DomainExecutor({ host: domains, store, launcher: notWiredLaunchBuilder, facts, generators: RANDOM_GENERATORS }),
      network: notWiredExecutor('network', 'provider/executor/network', 'netexec'),
      pool: notWiredExecutor('pool', 'provider/executor/storage', 'netexec'),
      volume: notWiredExecutor('volume', 'provider/executor/storage', 'netexec'),
    });
    return {
      hostLabel: transport.hostLabel,
      facts,
      reader: new StoreLiveStateReader({ store, stateDir: paths.stateDir, domains }),
      executor,
      lock: async () => ({ assertHeld: () => undefined, release: async () => undefined }),
      notes: ['this build has no host lock yet (provider/executor/state HostLock, branch netexec): do not run two applies on one host at once'],
      close: () => transport.close(),
    };
  } catch (e) {
    await transport.close();
    throw e;
  }
};
