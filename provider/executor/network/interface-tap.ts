/**
 * Tap devices for domain interfaces of type network and bridge: created with a fixed name per
 * domain and interface (host-names.ts `tapName`), attached to the bridge and brought up before
 * QEMU starts, which then opens them with
 * `-netdev tap,id=...,ifname=<ifname>,script=no,downscript=no`.
 *
 * Invariants:
 * - Every name and value is checked before the first command.
 * - Preparing converges: an existing tap with this name and virtform's mark (or, after a crash
 *   between creating and marking it, no mark) is reused and adjusted; a device of that name
 *   that is not such a tap is a CONFLICT and is left alone.
 * - The tap's MAC is the guest's MAC with the first byte FE, as libvirt does: the bridge takes
 *   the lowest port MAC as its own when it has no fixed one, and FE keeps a guest's address
 *   from ever becoming the bridge's.
 * - The tap's MTU is the interface's, else the network's, else the bridge's, so frames the
 *   guest sends fit the bridge.
 * - Releasing deletes only a tap carrying this domain's and interface's mark (or none).
 */
import type { Transport } from '../../host';
import type { Network } from '../../../model/network';
import { runHostCommand } from './host-command';
import { bridgeAlias, checkLinkName, tapAlias, tapName } from './host-names';
import { readLink, type LinkInfo } from './ip-link';
import { NetworkError } from './network-error';
import { planNetworkSetup } from './network-setup';

/** Where an interface connects: a network (`<interface type='network'>`) or a host bridge (`type='bridge'`). */
export type TapSource = Network | { readonly bridge: string };

export interface PrepareTapOptions {
  /** The guest's MAC address (`<mac address>`); the tap gets it with the first byte FE. */
  readonly guestMac?: string;
  /** `<mtu size>` of the interface, in bytes. */
  readonly mtu?: number;
  /** Create the tap with IFF_MULTI_QUEUE (for QEMU `queues=N`, N > 1). */
  readonly multiQueue?: boolean;
  /** Account allowed to open the tap when QEMU does not run as root. */
  readonly user?: string;
  /** The host lock the caller holds; checked before every change. */
  readonly lock?: { assertHeld(what: string): void };
}

export interface InterfaceTap {
  /** For QEMU: `-netdev tap,ifname=<ifname>,script=no,downscript=no`. */
  readonly ifname: string;
  readonly bridge: string;
  readonly mtu: number;
  /** The tap's own MAC (FE:…), when a guest MAC was given. */
  readonly mac?: string;
  /** False when an existing tap was reused. */
  readonly created: boolean;
}

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;
const USER = /^([a-z_][a-z0-9_.-]*\$?|[0-9]+)$/i;

interface Target {
  readonly bridge: string;
  readonly what: string;
  /** The ifalias a managed network's bridge carries; undefined for a host bridge. */
  readonly bridgeAlias?: string;
  readonly networkMtu?: number;
  readonly isolated: boolean;
}

function targetOf(source: TapSource, domainName: string): Target {
  if ('bridge' in source && typeof source.bridge === 'string') {
    checkLinkName(source.bridge, `bridge of an interface of domain '${domainName}'`);
    return { bridge: source.bridge, what: `host bridge ${source.bridge}`, isolated: false };
  }
  const setup = planNetworkSetup(source as Network);
  return {
    bridge: setup.bridge,
    what: `network '${setup.name}'`,
    ...(setup.createsBridge ? { bridgeAlias: bridgeAlias(setup.name) } : {}),
    ...(setup.mtu !== undefined ? { networkMtu: setup.mtu } : {}),
    isolated: setup.isolatedPorts,
  };
}

/**
 * Creates (or reuses) the tap of interface `ifaceIndex` of `domainName`, attached to the
 * bridge of `source` and up. The network must be running (its bridge must exist).
 */
export async function prepareInterfaceTap(
  transport: Transport,
  source: TapSource,
  domainName: string,
  ifaceIndex: number,
  opts: PrepareTapOptions = {},
): Promise<InterfaceTap> {
  const ifname = tapName(domainName, ifaceIndex);
  const alias = tapAlias(domainName, ifaceIndex);
  const target = targetOf(source, domainName);
  const guestMac = opts.guestMac?.toLowerCase();
  if (guestMac !== undefined && !MAC.test(guestMac)) {
    throw new NetworkError('INVALID', `domain '${domainName}' interface ${ifaceIndex}: MAC address ${JSON.stringify(opts.guestMac)} is not of the form 52:54:00:12:34:56.`);
  }
  if (opts.mtu !== undefined && !(Number.isInteger(opts.mtu) && opts.mtu >= 68 && opts.mtu <= 65535)) {
    throw new NetworkError('INVALID', `domain '${domainName}' interface ${ifaceIndex}: MTU ${opts.mtu} is outside 68-65535 bytes.`);
  }
  if (opts.user !== undefined && !USER.test(opts.user)) {
    throw new NetworkError('BAD_NAME', `domain '${domainName}' interface ${ifaceIndex}: tap owner ${JSON.stringify(opts.user)} is not a user name or uid.`);
  }
  const tapMac = guestMac !== undefined ? `fe${guestMac.slice(2)}` : undefined;

  const bridge = await readLink(transport, target.bridge);
  if (!bridge || bridge.kind !== 'bridge' || (target.bridgeAlias !== undefined && bridge.alias !== target.bridgeAlias)) {
    const state = !bridge ? 'does not exist' : bridge.kind !== 'bridge' ? `is a ${bridge.kind ?? 'physical'} device, not a bridge` : `is not the bridge virtform created for it (ifalias ${bridge.alias === undefined ? 'unset' : `'${bridge.alias}'`})`;
    throw new NetworkError(
      target.bridgeAlias !== undefined ? 'NOT_ACTIVE' : 'MISSING',
      `${transport.hostLabel}: domain '${domainName}' interface ${ifaceIndex} connects to ${target.what}, but bridge ${target.bridge} ${state}. ${target.bridgeAlias !== undefined ? 'Start the network first.' : 'Create the bridge on the host or fix the interface source.'}`,
    );
  }
  const mtu = opts.mtu ?? target.networkMtu ?? bridge.mtu;
  const lock = (what: string): void => opts.lock?.assertHeld(what);

  let tap = await readLink(transport, ifname);
  if (tap) {
    checkOurTap(transport, tap, alias, domainName, ifaceIndex);
    if (tap.multiQueue !== undefined && tap.multiQueue !== (opts.multiQueue ?? false)) {
      lock(`recreate tap ${ifname}`);
      await runHostCommand(transport, ['ip', 'link', 'del', 'dev', ifname], `recreating tap ${ifname} with${opts.multiQueue ? '' : 'out'} multi-queue`);
      tap = null;
    }
  }
  const created = tap === null;
  if (!tap) {
    lock(`create tap ${ifname}`);
    const argv = ['ip', 'tuntap', 'add', 'dev', ifname, 'mode', 'tap'];
    if (opts.multiQueue) argv.push('multi_queue');
    if (opts.user !== undefined) argv.push('user', opts.user);
    await runHostCommand(transport, argv, `creating tap ${ifname} for domain '${domainName}' interface ${ifaceIndex}`);
    await runHostCommand(transport, ['ip', 'link', 'set', 'dev', ifname, 'alias', alias], `marking tap ${ifname} as virtform's`);
    tap = await readLink(transport, ifname);
    if (!tap) throw new NetworkError('COMMAND_FAILED', `${transport.hostLabel}: tap ${ifname} vanished right after it was created.`);
  }
  const set: string[] = [];
  if (tap.alias !== alias) set.push('alias', alias);
  if (tapMac !== undefined && tap.mac !== tapMac) set.push('address', tapMac);
  if (tap.mtu !== mtu) set.push('mtu', String(mtu));
  if (tap.master !== target.bridge) set.push('master', target.bridge);
  if (set.length) {
    lock(`configure tap ${ifname}`);
    await runHostCommand(transport, ['ip', 'link', 'set', 'dev', ifname, ...set], `attaching tap ${ifname} to bridge ${target.bridge}`);
  }
  const isolatedNow = tap.master === target.bridge ? (tap.isolated ?? false) : false;
  if (isolatedNow !== target.isolated) {
    lock(`set port isolation on tap ${ifname}`);
    await runHostCommand(transport, ['ip', 'link', 'set', 'dev', ifname, 'type', 'bridge_slave', 'isolated', target.isolated ? 'on' : 'off'], `setting port isolation on tap ${ifname}`);
  }
  if (!tap.up) {
    lock(`bring tap ${ifname} up`);
    await runHostCommand(transport, ['ip', 'link', 'set', 'dev', ifname, 'up'], `bringing tap ${ifname} up`);
  }
  return { ifname, bridge: target.bridge, mtu, ...(tapMac !== undefined ? { mac: tapMac } : {}), created };
}

function checkOurTap(t: Transport, tap: LinkInfo, alias: string, domainName: string, ifaceIndex: number): void {
  const isTap = tap.kind === 'tun' && tap.tunType === 'tap';
  if (isTap && (tap.alias === alias || tap.alias === undefined)) return;
  const what = !isTap ? `a ${tap.kind ?? 'physical'}${tap.kind === 'tun' ? ` (${tap.tunType})` : ''} device` : `a tap with ifalias '${tap.alias}'`;
  throw new NetworkError('CONFLICT', `${t.hostLabel}: tap name ${tap.name} of domain '${domainName}' interface ${ifaceIndex} is taken by ${what}, which virtform did not create for this interface. Remove or rename that device.`);
}

/**
 * Deletes the tap of interface `ifaceIndex` of `domainName` when it exists and is virtform's.
 * A tap QEMU still holds disappears once QEMU closes it.
 */
export async function releaseInterfaceTap(
  transport: Transport,
  domainName: string,
  ifaceIndex: number,
  opts: { readonly lock?: { assertHeld(what: string): void } } = {},
): Promise<{ readonly ifname: string; readonly removed: boolean }> {
  const ifname = tapName(domainName, ifaceIndex);
  const alias = tapAlias(domainName, ifaceIndex);
  const tap = await readLink(transport, ifname);
  if (!tap) return { ifname, removed: false };
  checkOurTap(transport, tap, alias, domainName, ifaceIndex);
  opts.lock?.assertHeld(`delete tap ${ifname}`);
  await runHostCommand(transport, ['ip', 'link', 'del', 'dev', ifname], `deleting tap ${ifname} of domain '${domainName}' interface ${ifaceIndex}`);
  return { ifname, removed: true };
}
