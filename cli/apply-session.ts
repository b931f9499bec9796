/**
 * The composition root of plan, apply and destroy: for a connection URI, the host's facts, a
 * LiveStateReader, an ApplyExecutor per resource kind, the host lock and the apply journal.
 * docs/apply.md describes the wiring.
 *
 * - state: provider/executor/state StateStore (definitions and ownership records) behind the
 *   reader and every executor;
 * - lock: HostLock, taken before live state is read and held until the apply ends; taking it
 *   also resumes the stack's interrupted applies (provider/executor/apply/interrupted-apply.ts);
 * - journal: each apply's steps in `<stateDir>/journal/` (HostApplyJournal);
 * - reader: StoreLiveStateReader (domain runtime and pin drift; network runtime from the network
 *   module) wrapped in StoragePresenceReader (a pool or volume whose directory or image is gone
 *   is planned as created again);
 * - executors: DomainExecutor (daemonless lifecycle) with QemuLaunchBuilder (caps probed on the
 *   host, prepareDomain, argv from the host's facts, host steps: taps, hugepages, VFIO) and a
 *   DomainHost carrying those steps' release hook; NetworkExecutor, PoolExecutor (dir pools) and
 *   VolumeExecutor.
 *
 * Tests pass their own ApplySessionFactory through CliIo.applySession, usually
 * `createApplySession` with options (another launcher, a short shutdown timeout).
 */
import { randomBytes, randomUUID } from 'crypto';
import type { HostFacts } from '../model/host-facts';
import type { Generators } from '../planner/canonical-document';
import type { Plan } from '../planner/plan';
import { KindRoutedExecutor, type ApplyExecutor } from '../provider/executor/apply/apply-executor';
import type { ApplyJournal } from '../provider/executor/apply/apply-plan';
import type { WriteLock } from '../provider/executor/apply/definition-store';
import { DomainExecutor, type DomainLaunchBuilder } from '../provider/executor/apply/domain-executor';
import { heldHostLock } from '../provider/executor/apply/held-host-lock';
import { HostApplyJournal } from '../provider/executor/apply/host-apply-journal';
import { resumeInterruptedApplies, resumedNote } from '../provider/executor/apply/interrupted-apply';
import { StoreLiveStateReader, type LiveStateReader } from '../provider/executor/apply/live-state-reader';
import { NetworkExecutor, networkRuntimeReader } from '../provider/executor/apply/network-executor';
import { PoolExecutor } from '../provider/executor/apply/pool-executor';
import { StoragePresenceReader } from '../provider/executor/apply/storage-presence-reader';
import { VolumeExecutor } from '../provider/executor/apply/volume-executor';
import type { DomainHost } from '../provider/executor/domain/domain-host';
import { QemuLaunchBuilder } from '../provider/executor/domain/launch-builder';
import { launchDomainHost } from '../provider/executor/domain/launch-host-steps';
import { HostLock } from '../provider/executor/state/host-lock';
import { StateStore } from '../provider/executor/state/state-store';
import { discoverHost } from '../provider/host/host-discovery';
import { openTransport } from '../provider/host/open-transport';
import type { Transport } from '../provider/host/transport';
import { hostPaths, parseConnectionUri, type HostPaths } from '../provider/host/uri';

/** The lock an apply holds on its host, from before it reads live state until it is done. */
export interface HeldLock extends WriteLock {
  release(): Promise<void>;
  /** What taking the lock found and did (interrupted applies resumed); shown before the plan. */
  readonly notes?: readonly string[];
}

/** An apply's journal: its steps, then how it ended. */
export interface ApplyRunJournal extends ApplyJournal {
  finish(ok: boolean): Promise<void>;
}

export interface ApplySession {
  /** The host's name in messages (`localhost`, `root@h1:22`). */
  readonly hostLabel: string;
  readonly facts: HostFacts;
  readonly reader: LiveStateReader;
  readonly executor: ApplyExecutor;
  /** Takes the host lock (`command` and `stack` are recorded as its holder). */
  lock(command: string, stack: string): Promise<HeldLock>;
  /** The journal of an apply of `plan` under `lock`; absent: applies are not journalled. */
  journal?(plan: Plan, lock: HeldLock, command: string): ApplyRunJournal;
  /** What this build cannot do, shown before an apply. */
  readonly notes: readonly string[];
  close(): Promise<void>;
}

/** `opts` carries what the verb's flags decide (`--shutdown-timeout`); a test factory may add its own defaults. */
export type ApplySessionFactory = (uri: string | undefined, opts?: Pick<ApplySessionOptions, 'shutdownTimeoutMs'>) => Promise<ApplySession>;

/** Random UUIDs and QEMU-prefixed unicast MACs for what the host generates at create time. */
export const RANDOM_GENERATORS: Generators = {
  uuid: () => randomUUID(),
  mac: () => `52:54:00:${[...randomBytes(3)].map((b) => b.toString(16).padStart(2, '0')).join(':')}`,
};

/** The QEMU launch path: caps probed on the host, prepareDomain, argv from the host's facts, host steps. */
export function defaultLauncher(ctx: LaunchBuilderContext): DomainLaunchBuilder {
  return new QemuLaunchBuilder({ transport: ctx.transport, stateDir: ctx.paths.stateDir, store: ctx.store });
}

export interface ApplySessionOptions {
  /** Builds each domain's QEMU launch. Default: defaultLauncher (QemuLaunchBuilder). */
  readonly launcher?: (ctx: LaunchBuilderContext) => DomainLaunchBuilder;
  /** How long a guest gets to power off on ACPI before QEMU is stopped by force. Default 60000 ms. */
  readonly shutdownTimeoutMs?: number;
  /**
   * dnsmasq's account after start-up. Default: `root` when the state is relocated (`root=DIR`,
   * which includes every embedded URI), because the state directory is mode 0700 and dnsmasq's
   * files live below it; dnsmasq's own default (nobody) for the system paths.
   */
  readonly dnsmasqUser?: string;
}

/** What a launch builder may use: the host and its paths. */
export interface LaunchBuilderContext {
  readonly transport: Transport;
  readonly paths: HostPaths;
  readonly store: StateStore;
  readonly domains: DomainHost;
  readonly facts: HostFacts;
}

/** The production wiring for `uri`, with options (tests choose the launcher and timeouts). */
export async function createApplySession(uri: string | undefined, opts: ApplySessionOptions = {}): Promise<ApplySession> {
  const parsed = parseConnectionUri(uri);
  const transport = await openTransport(parsed);
  try {
    const paths = hostPaths(parsed);
    const facts = await discoverHost(transport);
    const store = new StateStore(transport, paths.stateDir);
    // Carries the release hook of the launch's host steps (taps, hugepages, VFIO devices).
    const domains = launchDomainHost(transport, paths.runDir);
    const launcher = (opts.launcher ?? defaultLauncher)({ transport, paths, store, domains, facts });
    const dnsmasqUser = opts.dnsmasqUser ?? (parsed.kind !== 'system' && parsed.root !== undefined ? 'root' : undefined);
    const executor = new KindRoutedExecutor({
      domain: new DomainExecutor({ host: domains, store, launcher, facts, generators: RANDOM_GENERATORS, ...(opts.shutdownTimeoutMs !== undefined ? { shutdownTimeoutMs: opts.shutdownTimeoutMs } : {}) }),
      network: new NetworkExecutor({ store, runDir: paths.runDir, generators: RANDOM_GENERATORS, ...(dnsmasqUser ? { dnsmasqUser } : {}) }),
      pool: new PoolExecutor({ store, generators: RANDOM_GENERATORS }),
      volume: new VolumeExecutor({ store }),
    });
    const reader = new StoragePresenceReader(
      new StoreLiveStateReader({ store, stateDir: paths.stateDir, domains, networkRuntime: networkRuntimeReader(transport, paths.runDir) }),
      transport,
    );
    return {
      hostLabel: transport.hostLabel,
      facts,
      reader,
      executor,
      lock: async (command, stack) => {
        const lock = await HostLock.acquire(transport, paths.stateDir, { command, stack });
        try {
          await store.init();
          const resumed = await resumeInterruptedApplies({ transport, stateDir: paths.stateDir, store, domains, lock, stack });
          return Object.assign(lock, { notes: resumed.map(resumedNote) });
        } catch (e) {
          await lock.release();
          throw e;
        }
      },
      journal: (plan, lock, command) => new HostApplyJournal({ transport, stateDir: paths.stateDir, lock: heldHostLock(lock, 'journalling an apply'), stack: plan.stack, command, plan }),
      notes: [],
      close: () => transport.close(),
    };
  } catch (e) {
    await transport.close();
    throw e;
  }
}

/** The default wiring (see the header). */
export const openApplySession: ApplySessionFactory = (uri, opts) => createApplySession(uri, opts ?? {});
