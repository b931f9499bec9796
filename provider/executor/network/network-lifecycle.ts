/**
 * Bringing a network to life on a host and taking it down again: the bridge with its
 * addresses, routes and sysctls, the nftables chains, and dnsmasq. All through the Transport
 * with argv commands (`ip`, `nft -f -`, `dnsmasq`, `kill`), sysctls written as files.
 *
 * Invariants:
 * - Everything that can be checked without the host (names, modes, addresses, the firewall)
 *   is checked first (planNetworkSetup): a bad document fails before any command runs.
 * - startNetwork converges: each part is read first and changed only when it differs, so
 *   starting a running network runs no command that changes anything. A start cut off half-way
 *   (crash, lost connection) left a record naming what it was about to create; the next start
 *   adopts those parts and finishes, the next stop removes them.
 * - stopNetwork removes exactly what the record says virtform created: a bridge it found
 *   already there (forward mode='bridge'), another table's rules, or a device carrying someone
 *   else's ifalias are never touched. sysctls it turned on (ip_forward) stay on, as libvirt
 *   leaves them, because other networks and services may rely on them.
 * - When a start fails with the host still reachable, what it created is removed again
 *   (`rollbackOnFailure`, default on), so a failed start leaves nothing behind.
 * - Callers that hold the host lock pass it; it is checked before every change.
 *
 * Runtime files: see network-record.ts. The dnsmasq lease file survives a stop (so guests keep
 * their addresses across a network restart) unless `keepLeases: false`.
 */
import { createHash } from 'crypto';
import * as path from 'path';
import { HostError, TransportHostFs, type Transport } from '../../host';
import type { Network } from '../../../model/network';
import { dnsmasqConfig } from './dnsmasq-conf';
import { parseDnsmasqLeases, type NetworkLease } from './dnsmasq-leases';
import { launchDnsmasq, probeDnsmasq, reloadDnsmasq, runningDnsmasqPid, stopDnsmasqPid, unreachableDir } from './dnsmasq-process';
import { runHostCommand } from './host-command';
import { bridgeAlias, checkNetworkName, isVirtformAlias } from './host-names';
import { expectBridge, readAddresses, readBridgePorts, readLink, readRoutes, type LinkAddress, type LinkInfo } from './ip-link';
import { NetworkError } from './network-error';
import {
  ensureDir,
  networkRuntimePaths,
  readNetworkRecord,
  removeFiles,
  writeNetworkRecord,
  type NetworkRecord,
  type NetworkRuntimePaths,
} from './network-record';
import { planNetworkSetup, type NetworkKind, type NetworkSetup } from './network-setup';
import { networkFirewall, type NetworkFirewall } from './nft-ruleset';
import { applyNftScript, readVirtformTable, removeChains } from './nft-table';

/** Where and how networks run on one host. */
export interface NetworkHostContext {
  readonly transport: Transport;
  /** The host's runtime directory (HostPaths.runDir). */
  readonly runDir: string;
  /** The dnsmasq program. Default `dnsmasq` from PATH. */
  readonly dnsmasqBinary?: string;
  /**
   * The account dnsmasq drops to after start-up (`--user=`). Default: dnsmasq's own
   * (`nobody`), which must be able to reach `<runDir>/dnsmasq`; 'root' keeps root and skips
   * that check.
   */
  readonly dnsmasqUser?: string;
  /** The host lock the caller holds (state/HostLock); checked before every change. */
  readonly lock?: { assertHeld(what: string): void };
}

export interface StartNetworkOptions {
  /** Undo what this start created when it fails (default true). */
  readonly rollbackOnFailure?: boolean;
}

export interface NetworkStatus {
  readonly name: string;
  /** The record says active and every part it names is in place. */
  readonly active: boolean;
  /** inactive: no record; starting / stopping: an operation began and did not finish. */
  readonly phase: 'inactive' | 'starting' | 'active' | 'stopping';
  readonly kind?: NetworkKind;
  readonly bridge?: string;
  readonly bridgeExists: boolean;
  readonly bridgeUp: boolean;
  /** Global addresses on the bridge. */
  readonly addresses: readonly LinkAddress[];
  /** Devices attached to the bridge (guests' taps). */
  readonly ports: readonly string[];
  readonly dnsmasqPid: number | null;
  /** Chains of table `inet virtform` that belong to the network and exist. */
  readonly chains: readonly string[];
  readonly leases: readonly NetworkLease[];
  /** What the record names but the host lacks (a dead dnsmasq, a missing chain...). */
  readonly problems: readonly string[];
}

export interface StopNetworkOptions {
  /** Keep `<runDir>/dnsmasq/NAME.leases` (default true). */
  readonly keepLeases?: boolean;
}

export interface StopNetworkResult {
  readonly name: string;
  /** False when there was nothing to stop (no record). */
  readonly wasRunning: boolean;
  /** What was removed, in order, e.g. `dnsmasq pid 4242`, `nft chain nw-virbr1-fwd`, `bridge virbr1`. */
  readonly removed: readonly string[];
  /** Devices that were attached to the deleted bridge (guests' taps, now detached). */
  readonly detachedPorts: readonly string[];
  /** Parts left in place on purpose, with the reason. */
  readonly leftInPlace: readonly string[];
}

export interface UpdateHostsResult {
  /** False when the hosts files already matched. */
  readonly changed: boolean;
  readonly dnsmasqPid: number | null;
}

/** Everything derived from the document before the host is asked anything. */
interface Prepared {
  readonly setup: NetworkSetup;
  readonly firewall: NetworkFirewall;
  readonly setupHash: string;
  readonly paths: NetworkRuntimePaths;
}

function prepare(ctx: NetworkHostContext, net: Network): Prepared {
  const setup = planNetworkSetup(net);
  const firewall = networkFirewall(setup);
  const paths = networkRuntimePaths(ctx.runDir, setup.name);
  const setupHash = sha256(JSON.stringify(setup) + '\n' + firewall.hash);
  return { setup, firewall, setupHash, paths };
}

function sha256(s: string): string {
  return `sha256:${createHash('sha256').update(s).digest('hex')}`;
}

function assertLock(ctx: NetworkHostContext, what: string): void {
  ctx.lock?.assertHeld(what);
}

/** Mutable view of the record while an operation runs; every save goes to the host first. */
class RecordWriter {
  constructor(
    private readonly ctx: NetworkHostContext,
    private readonly paths: NetworkRuntimePaths,
    public rec: Omit<NetworkRecord, 'format' | 'updatedAt'>,
  ) {}

  async save(change: Partial<Omit<NetworkRecord, 'format' | 'updatedAt' | 'name'>>): Promise<void> {
    assertLock(this.ctx, `record the state of network '${this.rec.name}'`);
    this.rec = { ...this.rec, ...change };
    await writeNetworkRecord(this.ctx.transport, this.paths, this.rec);
  }
}

/**
 * Starts (or finishes starting, or checks) network `net` on the host and returns its status.
 * `net` is the defined document (defaults applied, bridge name assigned).
 */
export async function startNetwork(ctx: NetworkHostContext, net: Network, opts: StartNetworkOptions = {}): Promise<NetworkStatus> {
  const prep = prepare(ctx, net);
  const t = ctx.transport;
  const { setup, paths } = prep;
  const existing = await readNetworkRecord(t, paths, setup.name);
  if (existing && existing.setupHash !== prep.setupHash) {
    throw new NetworkError(
      'ACTIVE_DIFFERENT',
      `${t.hostLabel}: network '${setup.name}' is ${existing.phase === 'active' ? 'running' : `${existing.phase} (interrupted)`} with another definition (bridge ${existing.bridge}, ${existing.kind}). Stop it first (stopNetwork), then start the new definition.`,
    );
  }
  assertLock(ctx, `start network '${setup.name}'`);
  const w = new RecordWriter(ctx, paths, existing ?? {
    name: setup.name,
    kind: setup.kind,
    bridge: setup.bridge,
    phase: 'starting',
    setupHash: prep.setupHash,
    bridgeCreated: false,
    chains: [],
    dnsmasq: false,
    sysctlsChanged: [],
  });
  const fresh = existing === null;
  try {
    if (fresh) {
      await ensureDir(t, path.posix.dirname(paths.recordFile));
      await w.save({ phase: 'starting' });
    }
    await ensureBridge(ctx, prep, w);
    if (setup.createsBridge) {
      await ensureAddressesAndRoutes(ctx, setup);
      await ensureForwarding(ctx, setup, w);
      await ensureFirewall(ctx, prep, w);
      if (setup.dnsmasq) await ensureDnsmasq(ctx, prep, net, w);
    }
    if (w.rec.phase !== 'active') await w.save({ phase: 'active' });
  } catch (e) {
    if (fresh && opts.rollbackOnFailure !== false && !isConnectionError(e)) {
      try {
        await stopNetwork(ctx, setup.name, { keepLeases: false });
      } catch (undoError) {
        (e as Error).message += ` (undoing the partial start also failed: ${(undoError as Error).message}; run stopNetwork for '${setup.name}' once the host is reachable)`;
      }
    }
    throw e;
  }
  return networkStatus(ctx, setup.name);
}

function isConnectionError(e: unknown): boolean {
  return e instanceof HostError && (e.code === 'CONNECTION_LOST' || e.code === 'CONNECT_FAILED' || e.code === 'TIMEOUT');
}

async function ensureBridge(ctx: NetworkHostContext, prep: Prepared, w: RecordWriter): Promise<void> {
  const t = ctx.transport;
  const s = prep.setup;
  const what = `network '${s.name}'`;
  let link = await readLink(t, s.bridge);
  if (!s.createsBridge) {
    if (!link) {
      throw new NetworkError('MISSING', `${t.hostLabel}: network '${s.name}' attaches guests to host bridge ${s.bridge}, which does not exist. Create it on the host (e.g. ip link add ${s.bridge} type bridge) or name an existing bridge.`);
    }
    expectBridge(t, link, what);
    return;
  }
  const alias = bridgeAlias(s.name);
  if (link) {
    expectBridge(t, link, what);
    const ours = link.alias === alias || (w.rec.bridgeCreated && link.alias === undefined);
    if (!ours) {
      const owner = isVirtformAlias(link.alias) ? `it belongs to virtform's ${link.alias!.replace(/^virtform:/, '').replace(':', " '")}'` : link.alias !== undefined ? `its ifalias is '${link.alias}'` : 'virtform did not create it';
      throw new NetworkError('CONFLICT', `${t.hostLabel}: network '${s.name}' needs to create bridge ${s.bridge}, but a bridge of that name exists and ${owner}. Choose another bridge name, or use forward mode='bridge' to attach guests to the existing bridge.`);
    }
    if (!w.rec.bridgeCreated) await w.save({ bridgeCreated: true });
  } else {
    await w.save({ bridgeCreated: true });
    const argv = ['ip', 'link', 'add', 'name', s.bridge];
    if (s.mac !== undefined) argv.push('address', s.mac);
    if (s.mtu !== undefined) argv.push('mtu', String(s.mtu));
    argv.push('type', 'bridge', 'forward_delay', String(s.delaySeconds * 100), 'stp_state', s.stp ? '1' : '0');
    await runHostCommand(t, argv, `creating bridge ${s.bridge} for ${what}`);
    await runHostCommand(t, ['ip', 'link', 'set', 'dev', s.bridge, 'alias', alias], `marking bridge ${s.bridge} as virtform's`);
    link = await readLink(t, s.bridge);
    if (!link) throw new NetworkError('COMMAND_FAILED', `${t.hostLabel}: bridge ${s.bridge} vanished right after it was created for ${what}.`);
  }
  await convergeBridge(ctx, s, link, alias);
}

async function convergeBridge(ctx: NetworkHostContext, s: NetworkSetup, link: LinkInfo, alias: string): Promise<void> {
  const t = ctx.transport;
  const set: string[] = [];
  if (link.alias !== alias) set.push('alias', alias);
  if (s.mac !== undefined && link.mac !== s.mac) set.push('address', s.mac);
  if (s.mtu !== undefined && link.mtu !== s.mtu) set.push('mtu', String(s.mtu));
  if (set.length) await runHostCommand(t, ['ip', 'link', 'set', 'dev', s.bridge, ...set], `configuring bridge ${s.bridge}`);
  if (link.stp !== undefined && link.stp !== s.stp) {
    await runHostCommand(t, ['ip', 'link', 'set', 'dev', s.bridge, 'type', 'bridge', 'stp_state', s.stp ? '1' : '0'], `setting STP on bridge ${s.bridge}`);
  }
  // IPv6 on the bridge is settled before it comes up, so no link-local address appears when unwanted.
  if (s.bridgeIpv6 !== undefined) {
    const dir = `/proc/sys/net/ipv6/conf/${s.bridge}`;
    const want: [string, string][] = s.bridgeIpv6 === 'off' ? [[`${dir}/disable_ipv6`, '1']] : [[`${dir}/disable_ipv6`, '0'], [`${dir}/accept_ra`, '0']];
    await writeSysctls(ctx, want, s.bridgeIpv6 === 'on' && s.addresses.some((a) => a.family === 'ipv6') ? 'required' : 'optional');
  }
  if (!link.up) await runHostCommand(t, ['ip', 'link', 'set', 'dev', s.bridge, 'up'], `bringing bridge ${s.bridge} up`);
}

/**
 * Writes each sysctl file whose value differs; returns those changed with their old values.
 * A missing file is an error when `required` (IPv6 asked for on a host without it).
 */
async function writeSysctls(ctx: NetworkHostContext, want: readonly [string, string][], need: 'required' | 'optional'): Promise<{ path: string; before: string; after: string }[]> {
  const t = ctx.transport;
  const current = await t.readFiles(want.map(([p]) => p));
  const fs = new TransportHostFs(t);
  const changed: { path: string; before: string; after: string }[] = [];
  for (const [p, value] of want) {
    const got = current.get(p);
    if (!got) {
      if (need === 'required') throw new NetworkError('MISSING', `${t.hostLabel}: ${p} does not exist: the host's kernel has IPv6 disabled, but the network has IPv6 addresses. Enable IPv6 on the host (ipv6.disable=0) or remove the IPv6 <ip>.`);
      continue;
    }
    const before = got.toString('utf8').trim();
    if (before === value) continue;
    assertLock(ctx, `write ${p}`);
    try {
      await fs.write(p, `${value}\n`);
    } catch (e) {
      throw new NetworkError('COMMAND_FAILED', `${t.hostLabel}: cannot set ${p} to ${value}: ${(e as Error).message}. Setting it needs root (CAP_NET_ADMIN).`);
    }
    changed.push({ path: p, before, after: value });
  }
  return changed;
}

async function ensureAddressesAndRoutes(ctx: NetworkHostContext, s: NetworkSetup): Promise<void> {
  const t = ctx.transport;
  const have = await readAddresses(t, s.bridge);
  for (const a of s.addresses) {
    if (have.some((h) => h.family === a.family && h.address === a.address && h.prefix === a.prefix)) continue;
    assertLock(ctx, `add an address to bridge ${s.bridge}`);
    const argv =
      a.family === 'ipv4'
        ? ['ip', '-4', 'addr', 'add', `${a.address}/${a.prefix}`, 'brd', '+', 'dev', s.bridge]
        : ['ip', '-6', 'addr', 'add', `${a.address}/${a.prefix}`, 'dev', s.bridge, 'nodad'];
    await runHostCommand(t, argv, `adding ${a.address}/${a.prefix} to bridge ${s.bridge}`);
  }
  for (const family of ['ipv4', 'ipv6'] as const) {
    const wanted = s.routes.filter((r) => r.family === family);
    if (!wanted.length) continue;
    const routes = await readRoutes(t, family, s.bridge);
    for (const r of wanted) {
      const metric = r.metric ?? (family === 'ipv6' ? 1024 : 0);
      if (routes.some((x) => x.destination === r.destination && x.gateway === r.gateway && x.metric === metric)) continue;
      assertLock(ctx, `add a route on bridge ${s.bridge}`);
      const argv = ['ip', family === 'ipv4' ? '-4' : '-6', 'route', 'add', r.destination, 'via', r.gateway, 'dev', s.bridge];
      if (r.metric !== undefined) argv.push('metric', String(r.metric));
      await runHostCommand(t, argv, `adding route ${r.destination} via ${r.gateway} for network '${s.name}'`);
    }
  }
}

async function ensureForwarding(ctx: NetworkHostContext, s: NetworkSetup, w: RecordWriter): Promise<void> {
  const want: [string, string][] = [];
  if (s.ipv4Forwarding) want.push(['/proc/sys/net/ipv4/ip_forward', '1']);
  if (s.ipv6Forwarding) want.push(['/proc/sys/net/ipv6/conf/all/forwarding', '1']);
  if (!want.length) return;
  const changed = await writeSysctls(ctx, want, 'required');
  if (changed.length) await w.save({ sysctlsChanged: [...w.rec.sysctlsChanged, ...changed] });
}

async function ensureFirewall(ctx: NetworkHostContext, prep: Prepared, w: RecordWriter): Promise<void> {
  const fw = prep.firewall;
  if (!fw.chains.length) return;
  const names = fw.chains.map((c) => c.name);
  if (w.rec.firewallHash === fw.hash) {
    const table = await readVirtformTable(ctx.transport);
    if (names.every((n) => table.chains.has(n))) return;
  }
  await w.save({ chains: names, firewallHash: undefined });
  await applyNftScript(ctx.transport, fw.script, `installing the nftables rules of network '${prep.setup.name}'`);
  await w.save({ firewallHash: fw.hash });
}

interface DnsmasqFiles {
  readonly conf: string;
  readonly hostsfile: string;
  readonly addnhosts: string;
  readonly confHash: string;
  readonly hostsHash: string;
}

async function dnsmasqFiles(ctx: NetworkHostContext, prep: Prepared, net: Network): Promise<DnsmasqFiles> {
  const caps = await probeDnsmasq(ctx.transport, ctx.dnsmasqBinary);
  const cfg = dnsmasqConfig({ network: net, caps, stateDir: prep.paths.dnsmasqDir, pidFile: prep.paths.pidFile });
  if (cfg.hostsfilePath !== prep.paths.hostsfile || cfg.addnhostsPath !== prep.paths.addnhosts) {
    throw new NetworkError('BAD_NAME', `network '${prep.setup.name}': dnsmasq would read ${cfg.hostsfilePath}, not ${prep.paths.hostsfile}. Use a plainer network name.`);
  }
  return {
    conf: cfg.conf,
    hostsfile: cfg.hostsfile,
    addnhosts: cfg.addnhosts,
    confHash: sha256(cfg.conf),
    hostsHash: sha256(`${cfg.hostsfile}\0${cfg.addnhosts}`),
  };
}

async function writeHostsFiles(ctx: NetworkHostContext, p: NetworkRuntimePaths, f: DnsmasqFiles): Promise<void> {
  assertLock(ctx, `write the dnsmasq hosts files of ${p.conf}`);
  await ctx.transport.writeFile(p.hostsfile, f.hostsfile, 0o644);
  await ctx.transport.writeFile(p.addnhosts, f.addnhosts, 0o644);
}

async function ensureDnsmasq(ctx: NetworkHostContext, prep: Prepared, net: Network, w: RecordWriter): Promise<void> {
  const t = ctx.transport;
  const p = prep.paths;
  const files = await dnsmasqFiles(ctx, prep, net);
  let pid = await runningDnsmasqPid(t, p);
  if (pid !== null && w.rec.confHash === undefined) {
    // Started by a run cut off before it recorded the configuration: adopt it when the conf it
    // was started with is the one wanted now.
    const onHost = (await t.readFiles([p.conf])).get(p.conf);
    if (onHost && sha256(onHost.toString('utf8')) === files.confHash) await w.save({ dnsmasq: true, confHash: files.confHash });
  }
  if (pid !== null && w.rec.confHash === files.confHash) {
    if (w.rec.hostsHash !== files.hostsHash) {
      await writeHostsFiles(ctx, p, files);
      await reloadDnsmasq(t, pid);
      await w.save({ hostsHash: files.hostsHash });
    }
    return;
  }
  if (pid !== null) {
    // Ours (its cmdline names our conf) but started with another configuration: restart it.
    assertLock(ctx, `restart dnsmasq of network '${prep.setup.name}'`);
    await stopDnsmasqPid(t, pid);
  }
  await ensureDir(t, p.dnsmasqDir);
  if (ctx.dnsmasqUser !== 'root') {
    const blocked = await unreachableDir(t, p.dnsmasqDir);
    if (blocked !== null) {
      throw new NetworkError(
        'MISSING',
        `${t.hostLabel}: dnsmasq drops root after start-up and then cannot reach ${p.dnsmasqDir}, because ${blocked} is not searchable by other users (no o+x). Run 'chmod o+x ${blocked}', relocate virtform's state (root=DIR) below searchable directories, or set dnsmasqUser: 'root'.`,
      );
    }
  }
  await writeHostsFiles(ctx, p, files);
  await t.writeFile(p.conf, files.conf, 0o644);
  await w.save({ dnsmasq: true, confHash: undefined, hostsHash: undefined });
  pid = await launchDnsmasq(t, p, { ...(ctx.dnsmasqBinary ? { binary: ctx.dnsmasqBinary } : {}), ...(ctx.dnsmasqUser ? { user: ctx.dnsmasqUser } : {}) });
  await w.save({ confHash: files.confHash, hostsHash: files.hostsHash });
}

/**
 * Rewrites the DHCP hosts file and the DNS additional hosts of a running network and sends
 * dnsmasq SIGHUP. Only for changes confined to `<dhcp><host>` and `<dns><host>`: anything
 * else in dnsmasq's configuration or the bridge setup needs a restart (ACTIVE_DIFFERENT).
 */
export async function updateNetworkHosts(ctx: NetworkHostContext, net: Network): Promise<UpdateHostsResult> {
  const prep = prepare(ctx, net);
  const t = ctx.transport;
  const rec = await readNetworkRecord(t, prep.paths, prep.setup.name);
  if (!rec || rec.phase !== 'active') {
    throw new NetworkError('NOT_ACTIVE', `${t.hostLabel}: network '${prep.setup.name}' is not running (${rec ? rec.phase : 'no runtime record'}). Start it first.`);
  }
  if (!prep.setup.dnsmasq) return { changed: false, dnsmasqPid: null };
  const files = await dnsmasqFiles(ctx, prep, net);
  if (rec.setupHash !== prep.setupHash || rec.confHash !== files.confHash) {
    throw new NetworkError('ACTIVE_DIFFERENT', `${t.hostLabel}: the new definition of network '${prep.setup.name}' changes more than its DHCP and DNS hosts (${rec.setupHash !== prep.setupHash ? 'the bridge, addresses or forwarding' : "dnsmasq's configuration"}). Restart the network to apply it.`);
  }
  const pid = await runningDnsmasqPid(t, prep.paths);
  if (rec.hostsHash === files.hostsHash) return { changed: false, dnsmasqPid: pid };
  assertLock(ctx, `update the hosts of network '${prep.setup.name}'`);
  await writeHostsFiles(ctx, prep.paths, files);
  if (pid !== null) await reloadDnsmasq(t, pid);
  const w = new RecordWriter(ctx, prep.paths, rec);
  await w.save({ hostsHash: files.hostsHash });
  return { changed: true, dnsmasqPid: pid };
}

/** Stops network `name`, removing exactly what virtform created for it. */
export async function stopNetwork(ctx: NetworkHostContext, name: string, opts: StopNetworkOptions = {}): Promise<StopNetworkResult> {
  checkNetworkName(name);
  const t = ctx.transport;
  const p = networkRuntimePaths(ctx.runDir, name);
  const rec = await readNetworkRecord(t, p, name);
  const removed: string[] = [];
  const detachedPorts: string[] = [];
  const leftInPlace: string[] = [];
  if (!rec) return { name, wasRunning: false, removed, detachedPorts, leftInPlace };
  assertLock(ctx, `stop network '${name}'`);
  const w = new RecordWriter(ctx, p, rec);
  if (rec.phase !== 'stopping') await w.save({ phase: 'stopping' });

  if (rec.dnsmasq) {
    const pid = await runningDnsmasqPid(t, p);
    if (pid !== null) {
      const how = await stopDnsmasqPid(t, pid);
      removed.push(`dnsmasq pid ${pid}${how === 'killed' ? ' (killed after SIGTERM timed out)' : ''}`);
    }
    await removeFiles(t, [p.conf, p.hostsfile, p.addnhosts, p.pidFile, ...(opts.keepLeases === false ? [p.leaseFile] : [])]);
    await w.save({ dnsmasq: false });
  }
  if (rec.chains.length) {
    const r = await removeChains(t, rec.chains, `removing the nftables rules of network '${name}'`);
    removed.push(...r.deleted.map((c) => `nft chain ${c}`));
    if (r.tableDeleted) removed.push('nft table inet virtform (empty)');
    await w.save({ chains: [], firewallHash: undefined });
  }
  if (rec.bridgeCreated) {
    const link = await readLink(t, rec.bridge);
    if (link) {
      const alias = bridgeAlias(name);
      if (link.kind === 'bridge' && (link.alias === alias || link.alias === undefined)) {
        detachedPorts.push(...(await readBridgePorts(t, rec.bridge)));
        await runHostCommand(t, ['ip', 'link', 'del', 'dev', rec.bridge], `deleting bridge ${rec.bridge} of network '${name}'`);
        removed.push(`bridge ${rec.bridge}`);
      } else {
        leftInPlace.push(`device ${rec.bridge}: it is ${link.kind === 'bridge' ? `a bridge with ifalias '${link.alias}'` : `a ${link.kind ?? 'physical'} device`} now, not the bridge virtform created`);
      }
    }
  }
  for (const s of rec.sysctlsChanged) leftInPlace.push(`${s.path} = ${s.after} (was ${s.before}; other networks and services may rely on it)`);
  await removeFiles(t, [p.recordFile]);
  return { name, wasRunning: true, removed, detachedPorts, leftInPlace };
}

/** What runs of network `name` on the host. */
export async function networkStatus(ctx: NetworkHostContext, name: string): Promise<NetworkStatus> {
  checkNetworkName(name);
  const t = ctx.transport;
  const p = networkRuntimePaths(ctx.runDir, name);
  const rec = await readNetworkRecord(t, p, name);
  if (!rec) {
    return { name, active: false, phase: 'inactive', bridgeExists: false, bridgeUp: false, addresses: [], ports: [], dnsmasqPid: null, chains: [], leases: [], problems: [] };
  }
  // One command at a time: a status read is a handful of short commands, and a burst of parallel
  // SSH sessions only risks the server's MaxSessions.
  const link = await readLink(t, rec.bridge);
  const pid = rec.dnsmasq ? await runningDnsmasqPid(t, p) : null;
  const table = rec.chains.length ? await readVirtformTable(t) : null;
  const leaseText = (await t.readFiles([p.leaseFile])).get(p.leaseFile);
  const addresses = link ? await readAddresses(t, rec.bridge) : [];
  const ports = link ? await readBridgePorts(t, rec.bridge) : [];
  const chains = rec.chains.filter((c) => table?.chains.has(c));
  const problems: string[] = [];
  if (!link) problems.push(`bridge ${rec.bridge} does not exist`);
  else if (!link.up && rec.kind !== 'bridge') problems.push(`bridge ${rec.bridge} is down`);
  if (rec.dnsmasq && pid === null) problems.push('dnsmasq is not running');
  for (const c of rec.chains) if (!chains.includes(c)) problems.push(`nft chain ${c} is missing`);
  return {
    name,
    active: rec.phase === 'active' && problems.length === 0,
    phase: rec.phase,
    kind: rec.kind,
    bridge: rec.bridge,
    bridgeExists: link !== null,
    bridgeUp: link?.up ?? false,
    addresses,
    ports,
    dnsmasqPid: pid,
    chains,
    leases: leaseText ? parseDnsmasqLeases(leaseText.toString('utf8')) : [],
    problems,
  };
}
