/**
 * Carries out domain changes with the daemonless lifecycle (provider/executor/domain) and the
 * state store:
 *
 *   create              fill what the host generates (UUID, MACs), store record + definition,
 *                       then launch QEMU from that definition
 *   update (restart)    store the new definition, stop QEMU (ACPI shutdown, then forced after
 *                       `shutdownTimeoutMs`), launch again
 *   update (live)       store the new definition, make the live changes on the running QEMU
 *                       (balloon target over QMP; threads re-pinned and read back), record
 *                       the new definition hash in status.json
 *   delete              stop QEMU (as above), remove definition then record
 *   delete-then-create  delete, then create
 *
 * Every launch records `definitionHash(definition)` as the status specHash, so the next plan
 * sees whether QEMU runs the stored definition. Idempotent: a domain stored but not started
 * is started; one already gone is not an error to delete.
 *
 * The QEMU argv and the host preparation come from a DomainLaunchBuilder: QemuLaunchBuilder
 * (provider/executor/domain/launch-builder.ts) in production. Its host steps take hugepages,
 * devices and taps; the DomainHost given here must carry their release hook
 * (launchDomainHost), or destroy refuses to forget them.
 */
import type { Domain } from '../../../model/domain/domain';
import { parseDomainXml } from '../../../model/domain/domain';
import type { HostFacts } from '../../../model/host-facts';
import { definitionHash, fillGenerated, type Generators } from '../../../planner/canonical-document';
import type { LiveUpdateKind } from '../../../planner/change-effect';
import type { ResourceChange } from '../../../planner/plan';
import { planPins } from '../../../planner/pin-plan';
import { QmpClient } from '../../qemu/qmp';
import { probeCgroupLayout } from '../domain/cpuset-cgroup';
import { readRunDir, writeStatus, type DomainHost } from '../domain/domain-host';
import { DomainError } from '../domain/errors';
import { launchDomain, type LaunchResult } from '../domain/launch';
import type { LaunchSpec } from '../domain/launch-spec';
import { reconnectDomain } from '../domain/reconnect';
import { domainRunPaths, type DomainRunPaths } from '../domain/run-paths';
import { destroyDomain, shutdownDomain } from '../domain/stop';
import { applyPins, pinRecord } from '../domain/thread-pinning';
import type { ApplyExecutor, ApplyStepContext } from './apply-executor';
import type { DefinitionStore, StoreRef } from './definition-store';

/**
 * What a launch needs besides the lifecycle's own parts (name, UUID, pins, spec hash): the argv
 * (the monitor on `paths.qmpSocket`; the lifecycle adds it when absent), its environment, the
 * console socket, QMP commands before `cont`, host steps and resource limits, the displays'
 * listeners and the on_poweroff/on_crash handling. See LaunchSpec for each field.
 */
export type DomainLaunchParts = Pick<LaunchSpec, 'argv' | 'env' | 'consoleSocket' | 'beforeCont' | 'hostSteps' | 'rlimits' | 'displays' | 'lifecycle'>;

export interface DomainLaunchBuilder {
  /** Builds the QEMU command line for `domain` (its canonical definition) on this host. */
  build(domain: Domain, ctx: { readonly paths: DomainRunPaths; readonly facts: HostFacts; readonly hostLabel: string }): Promise<DomainLaunchParts>;
}

export interface DomainExecutorOptions {
  readonly host: DomainHost;
  readonly store: DefinitionStore;
  readonly launcher: DomainLaunchBuilder;
  readonly facts: HostFacts;
  readonly generators: Generators;
  /** How long a guest gets to power off on ACPI before QEMU is stopped by force; 0: at once, without the power button. Default 60000 ms. */
  readonly shutdownTimeoutMs?: number;
}

/** The live changes this executor makes; the rest restart the domain. */
export const DOMAIN_LIVE_UPDATES: ReadonlySet<LiveUpdateKind> = new Set<LiveUpdateKind>(['balloon', 'pins']);

export class DomainExecutor implements ApplyExecutor {
  readonly liveUpdates = DOMAIN_LIVE_UPDATES;

  constructor(private readonly o: DomainExecutorOptions) {}

  async create(c: ResourceChange, ctx: ApplyStepContext): Promise<void> {
    const xml = await this.define(c, ctx);
    await this.start(c.name, xml, ctx);
  }

  async update(c: ResourceChange, ctx: ApplyStepContext): Promise<void> {
    const before = await this.storedDomain(c.name);
    const xml = await this.define(c, ctx);
    const running = await this.isRunning(c.name);
    if (c.mode === 'restart' || !running) {
      if (running) await this.stop(c.name, ctx, before);
      await this.start(c.name, xml, ctx);
      return;
    }
    await this.updateLive(c, xml, ctx);
  }

  async deleteThenCreate(c: ResourceChange, ctx: ApplyStepContext): Promise<void> {
    await this.delete(c, ctx);
    await this.create(c, ctx);
  }

  async delete(c: ResourceChange, ctx: ApplyStepContext): Promise<void> {
    if (await this.isRunning(c.name)) await this.stop(c.name, ctx, await this.storedDomain(c.name));
    else await this.clearRunDir(c.name);
    await this.o.store.remove(ref(c.name), ctx);
  }

  /** Stores the definition with generated values filled in; returns the stored text. */
  private async define(c: ResourceChange, ctx: ApplyStepContext): Promise<string> {
    if (c.desiredXml === undefined) throw new Error(`${c.address}: the plan holds no definition to apply`);
    const xml = fillGenerated('domain', c.desiredXml, this.o.generators);
    const uuid = parseDomainXml(xml, c.address).uuid;
    await this.o.store.define(ref(c.name), { xml, ...(uuid ? { uuid } : {}), specHash: definitionHash(xml) }, ctx);
    return xml;
  }

  private async isRunning(name: string): Promise<boolean> {
    const run = await readRunDir(this.o.host, name);
    if (!run.dirExists) return false;
    try {
      const rt = await reconnectDomain(this.o.host, name);
      return rt.state !== 'shutoff';
    } catch (e) {
      if (e instanceof DomainError && e.code === 'NOT_RUNNING') return false;
      throw e;
    }
  }

  private async clearRunDir(name: string): Promise<void> {
    await clearLeftoverRunDir(this.o.host, name);
  }

  private async start(name: string, xml: string, ctx: ApplyStepContext): Promise<void> {
    await startDefinedDomain(this.o, name, xml, { progress: (m) => ctx.progress(m) });
  }

  /** The stored definition (before a define: the one the running QEMU was started from), if readable. */
  private async storedDomain(name: string): Promise<Domain | undefined> {
    const e = await this.o.store.get(ref(name));
    if (e.xml === null) return undefined;
    try {
      return parseDomainXml(e.xml, `domain '${name}' (stored definition)`);
    } catch {
      return undefined;
    }
  }

  /** Stops QEMU: the power button first, unless the guest cannot get it (then QEMU is stopped at once). */
  private async stop(name: string, ctx: ApplyStepContext, running?: Domain): Promise<void> {
    if (running && !answersPowerButton(running)) {
      ctx.progress('stopping QEMU (the domain has no ACPI, so no power button reaches its guest)');
      await destroyDomain(this.o.host, name);
      return;
    }
    const timeoutMs = this.o.shutdownTimeoutMs ?? 60000;
    if (timeoutMs === 0) {
      ctx.progress('stopping QEMU at once (shutdown timeout 0: the guest is not asked)');
      await destroyDomain(this.o.host, name);
      return;
    }
    ctx.progress(`shutting down (ACPI power button; QEMU is stopped by force after ${Math.ceil(timeoutMs / 1000)} s)`);
    await shutdownDomain(this.o.host, name, { timeoutMs });
  }

  private async updateLive(c: ResourceChange, xml: string, ctx: ApplyStepContext): Promise<void> {
    const h = this.o.host;
    const kinds = new Set(c.attributes.filter((a) => a.effect === 'live' && a.liveKind).map((a) => a.liveKind!));
    const domain = parseDomainXml(xml, c.address);
    if (kinds.has('balloon')) {
      const kib = domain.currentMemory ?? domain.memory?.value;
      if (kib === undefined) throw new Error(`${c.address}: the definition has no memory size to set the balloon to`);
      ctx.progress(`setting the balloon target to ${kib} KiB`);
      await this.qmp(c.name, (q) => q.execute('balloon', { value: kib * 1024 }, { timeoutMs: 10000 }));
    }
    const rt = await reconnectDomain(h, c.name);
    let record = rt.record;
    if (kinds.has('pins')) {
      if (rt.pid === null || !record.threads) throw new Error(`${c.address}: QEMU's threads are not known (status.json has none); restart the domain`);
      ctx.progress('re-pinning threads');
      const plan = planPins(domain, this.o.facts, h.transport.hostLabel);
      const cg = await probeCgroupLayout(h.transport);
      const applied = await applyPins(h.transport, {
        pid: rt.pid,
        uuid: record.uuid,
        plan,
        threads: record.threads,
        cpuset: cg.cpuset,
        ...(cg.noCpuset ? { noCpuset: cg.noCpuset } : {}),
        ...(h.cgroups ? { cgroups: h.cgroups } : {}),
      });
      record = { ...record, pins: pinRecord(plan, record.threads), cgroup: applied.cgroup };
    }
    // QEMU now matches the stored definition.
    await writeStatus(h, { ...record, specHash: definitionHash(xml) });
  }

  private async qmp<T>(name: string, fn: (q: QmpClient) => Promise<T>): Promise<T> {
    const rt = await reconnectDomain(this.o.host, name);
    const t = this.o.host.transport;
    const q = await QmpClient.connect(await t.connectUnix(rt.qmpSocket), { label: `the QMP monitor ${rt.qmpSocket} on ${t.hostLabel}`, timeoutMs: 10000 });
    try {
      return await fn(q);
    } finally {
      await q.close();
    }
  }
}

/** Removes a leftover run dir of a QEMU that is gone (destroy cleans up and is idempotent). */
export async function clearLeftoverRunDir(h: DomainHost, name: string): Promise<void> {
  const run = await readRunDir(h, name);
  if (!run.dirExists) return;
  await destroyDomain(h, name);
}

/**
 * How apply starts a stored definition (`xml`, the text in the state store) on a host: the
 * planner's pins, the launch parts from the builder, a leftover run dir of a QEMU that is gone
 * cleared, then the lifecycle's launch with the definition's hash as the spec hash. `paused`
 * starts it like `virsh start --paused` (launched, pinned, start-time commands sent, no `cont`).
 * Used by DomainExecutor and by the libvirt oracle (test/oracle), which must test this path.
 */
export async function startDefinedDomain(
  o: Pick<DomainExecutorOptions, 'host' | 'launcher' | 'facts'>,
  name: string,
  xml: string,
  opts: { readonly paused?: boolean; readonly progress?: (message: string) => void } = {},
): Promise<{ readonly parts: DomainLaunchParts; readonly launch: LaunchResult }> {
  const domain = parseDomainXml(xml, `domain '${name}' (stored definition)`);
  const uuid = domain.uuid;
  if (uuid === undefined) throw new Error(`domain '${name}': the stored definition has no UUID`);
  const h = o.host;
  const pins = planPins(domain, o.facts, h.transport.hostLabel);
  const paths = domainRunPaths(h.runDir, name);
  const parts = await o.launcher.build(domain, { paths, facts: o.facts, hostLabel: h.transport.hostLabel });
  await clearLeftoverRunDir(h, name);
  opts.progress?.('launching QEMU');
  const launch = await launchDomain(h, { ...parts, name, uuid, pins, specHash: definitionHash(xml), ...(opts.paused ? { paused: true } : {}) });
  return { parts, launch };
}

/**
 * Whether a guest can be asked to power off with the ACPI power button. An x86 domain without
 * `<features><acpi/>` runs with `-no-acpi`: the button never reaches the guest, and waiting for
 * it only delays the stop. Other architectures are given the benefit of the doubt.
 */
export function answersPowerButton(d: Domain): boolean {
  const arch = d.os?.type?.arch;
  const x86 = arch === undefined || arch === 'x86_64' || arch === 'i686';
  return !x86 || d.features?.acpi === true;
}

function ref(name: string): StoreRef {
  return { kind: 'domain', name };
}
