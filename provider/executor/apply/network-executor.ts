/**
 * Carries out network changes with provider/executor/network and the state store:
 *
 *   create              fill the UUID, pick a bridge name when the document has none (the first
 *                       free virbrN, as libvirt does at define time), store record + definition,
 *                       start the network (bridge, addresses, nftables chains, dnsmasq)
 *   update (live)       store the new definition; rewrite dnsmasq's hosts files and SIGHUP it
 *                       (only `<dhcp><host>` changes are planned live: `dhcp-host`)
 *   update (restart)    store the new definition, stop the network, start it again
 *   delete              stop the network (ownership checked first), remove definition, record
 *   delete-then-create  delete, then create
 *
 * What runs is recorded: after a start or a live update, `<runDir>/applied/networks/NAME.json`
 * holds the hash of the canonical definition the network runs with, which `networkRuntime`
 * gives the live-state reader, so the next plan sees a network left running an older
 * definition (an apply stopped between storing and restarting) and restarts it.
 *
 * Idempotent: a start converges (a half-finished one is adopted), a stop of a stopped network
 * does nothing. A domain's taps are its launch's business; the planner restarts the domains of
 * a network that restarts, since deleting the bridge detaches their taps.
 */
import * as path from 'path';
import type { Transport } from '../../host';
import { formatNetworkXml, parseNetworkXml } from '../../../model/network';
import { MODEL_DEFAULTS, applyDefaults, definitionHash, fillGenerated, formatResourceDocument, parseStored, type Generators } from '../../../planner/canonical-document';
import type { LiveUpdateKind } from '../../../planner/change-effect';
import type { LiveRuntime } from '../../../planner/live-state';
import type { ResourceChange } from '../../../planner/plan';
import { assignBridgeName, networkStatus, readDefinedNetwork, startDefinedNetwork, stopDefinedNetwork, updateNetworkHosts, type NetworkHostContext } from '../network';
import { runHostCommand } from '../network/host-command';
import type { StateStore } from '../state/state-store';
import type { ApplyExecutor, ApplyStepContext } from './apply-executor';
import { heldHostLock } from './held-host-lock';

export interface NetworkExecutorOptions {
  readonly store: StateStore;
  /** The host's runtime directory (HostPaths.runDir). */
  readonly runDir: string;
  readonly generators: Generators;
  /** dnsmasq's account after start-up (NetworkHostContext.dnsmasqUser). */
  readonly dnsmasqUser?: string;
}

/** The live changes this executor makes; the rest restart the network. */
export const NETWORK_LIVE_UPDATES: ReadonlySet<LiveUpdateKind> = new Set<LiveUpdateKind>(['dhcp-host']);

const APPLIED_FORMAT = 'virtform-network-applied/1';

/** `<runDir>/applied/networks/NAME.json`: the definition hash the network runs with. */
export function appliedNetworkFile(runDir: string, name: string): string {
  return path.posix.join(runDir, 'applied', 'networks', `${name}.json`);
}

/** The hash the planner compares (planner/make-plan runtimeChanges): of the stored XML after the model's defaults. */
export function networkDefinitionHash(xml: string): string {
  return definitionHash(formatResourceDocument(applyDefaults(parseStored('network', xml, '<network definition>'), MODEL_DEFAULTS, undefined)));
}

export class NetworkExecutor implements ApplyExecutor {
  readonly liveUpdates = NETWORK_LIVE_UPDATES;

  constructor(private readonly o: NetworkExecutorOptions) {}

  private get t(): Transport {
    return this.o.store.transport;
  }

  async create(c: ResourceChange, ctx: ApplyStepContext): Promise<void> {
    const xml = await this.define(c, ctx);
    await this.start(c.name, xml, ctx);
  }

  async update(c: ResourceChange, ctx: ApplyStepContext): Promise<void> {
    const xml = await this.define(c, ctx);
    const net = this.netCtx(ctx);
    const active = (await networkStatus(net, c.name)).active;
    if (c.mode === 'live' && active) {
      const defined = await readDefinedNetwork(this.o.store, c.name, ctx.stack);
      ctx.progress('updating the DHCP hosts (dnsmasq reloads them)');
      await updateNetworkHosts(net, defined);
      await this.recordApplied(c.name, xml, ctx);
      return;
    }
    if (active || c.mode === 'restart') await this.stop(c.name, ctx);
    await this.start(c.name, xml, ctx);
  }

  async deleteThenCreate(c: ResourceChange, ctx: ApplyStepContext): Promise<void> {
    await this.delete(c, ctx);
    await this.create(c, ctx);
  }

  async delete(c: ResourceChange, ctx: ApplyStepContext): Promise<void> {
    await this.stop(c.name, ctx);
    await this.o.store.remove({ kind: 'network', name: c.name }, { stack: ctx.stack, lock: heldHostLock(ctx.lock, `deleting ${c.address}`) });
  }

  /** Stores the definition with the UUID and bridge name filled in; returns the stored text. */
  private async define(c: ResourceChange, ctx: ApplyStepContext): Promise<string> {
    if (c.desiredXml === undefined) throw new Error(`${c.address}: the plan holds no definition to apply`);
    const lock = heldHostLock(ctx.lock, `defining ${c.address}`);
    const net = await assignBridgeName(this.o.store, parseNetworkXml(fillGenerated('network', c.desiredXml, this.o.generators), c.address));
    const xml = formatNetworkXml(net);
    await this.o.store.define({ kind: 'network', name: c.name }, { xml, ...(net.uuid ? { uuid: net.uuid } : {}), specHash: definitionHash(xml) }, { stack: ctx.stack, lock });
    return xml;
  }

  private async start(name: string, xml: string, ctx: ApplyStepContext): Promise<void> {
    ctx.progress('starting the network (bridge, firewall, dnsmasq)');
    await startDefinedNetwork(this.netCtx(ctx), this.o.store, name, ctx.stack);
    await this.recordApplied(name, xml, ctx);
  }

  private async stop(name: string, ctx: ApplyStepContext): Promise<void> {
    const r = await stopDefinedNetwork(this.netCtx(ctx), this.o.store, name, ctx.stack);
    if (r.wasRunning) ctx.progress(`stopped: ${r.removed.join(', ') || 'nothing was running'}`);
    heldHostLock(ctx.lock, `stopping network '${name}'`).assertHeld(`remove ${appliedNetworkFile(this.o.runDir, name)}`);
    await runHostCommand(this.t, ['rm', '-f', '--', appliedNetworkFile(this.o.runDir, name)], `removing the applied record of network '${name}'`);
  }

  private async recordApplied(name: string, xml: string, ctx: ApplyStepContext): Promise<void> {
    const file = appliedNetworkFile(this.o.runDir, name);
    heldHostLock(ctx.lock, `recording network '${name}'`).assertHeld(`write ${file}`);
    await runHostCommand(this.t, ['mkdir', '-p', '-m', '0755', '--', path.posix.dirname(file)], `creating ${path.posix.dirname(file)}`);
    await this.t.writeFile(file, JSON.stringify({ format: APPLIED_FORMAT, name, definitionHash: networkDefinitionHash(xml) }) + '\n', 0o644);
  }

  private netCtx(ctx: ApplyStepContext): NetworkHostContext {
    return {
      transport: this.t,
      runDir: this.o.runDir,
      lock: heldHostLock(ctx.lock, 'changing a network'),
      ...(this.o.dnsmasqUser ? { dnsmasqUser: this.o.dnsmasqUser } : {}),
    };
  }
}

/**
 * A network's runtime for StoreLiveStateReader: `active` (every part the record names is in
 * place) with the definition hash it was started from, or `inactive` (not running, half
 * started, or something it needs is gone: the plan then restarts it).
 */
export function networkRuntimeReader(transport: Transport, runDir: string): (name: string) => Promise<LiveRuntime> {
  return async (name) => {
    const s = await networkStatus({ transport, runDir }, name);
    if (!s.active) return { state: 'inactive' };
    const file = appliedNetworkFile(runDir, name);
    const text = (await transport.readFiles([file])).get(file);
    let hash: string | undefined;
    if (text) {
      try {
        const rec = JSON.parse(text.toString('utf8')) as { format?: string; definitionHash?: unknown };
        if (rec.format === APPLIED_FORMAT && typeof rec.definitionHash === 'string') hash = rec.definitionHash;
      } catch {
        // An unreadable applied record says nothing about what runs: the hash stays unknown.
      }
    }
    return { state: 'active', ...(hash ? { definitionHash: hash } : {}) };
  };
}
