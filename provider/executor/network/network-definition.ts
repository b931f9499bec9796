/**
 * Networks as the state store keeps them (`<stateDir>/networks/NAME.xml` with its ownership
 * record): starting and stopping the network a stack defined, and picking a bridge name when
 * a definition has none (libvirt does that when a network is defined).
 *
 * Invariants:
 * - A stack starts or stops only a network whose ownership record names it: a definition
 *   without a record is NOT_OWNED and another stack's is OTHER_STACK (StateStore's rules),
 *   refused before any network command runs.
 * - The document started is the stored one, with libvirt's defaults applied.
 */
import { applyNetworkDefaults, managesBridge, forwardModeOf, parseNetworkXml, type Network } from '../../../model/network';
import { definitionPath, type StateStore } from '../state';
import { checkNetworkName } from './host-names';
import { readAllLinks } from './ip-link';
import { NetworkError } from './network-error';
import { startNetwork, stopNetwork, type NetworkHostContext, type NetworkStatus, type StartNetworkOptions, type StopNetworkOptions, type StopNetworkResult } from './network-lifecycle';
import { pickBridgeName } from './network-setup';

/** Reads, checks ownership of, and parses the stored definition of network `name`. */
export async function readDefinedNetwork(store: StateStore, name: string, stack: string): Promise<Network> {
  checkNetworkName(name);
  const ref = { kind: 'network', name } as const;
  const entry = await store.assertMayChange(ref, stack);
  if (entry.xml === null) {
    throw new NetworkError('MISSING', `${store.transport.hostLabel}: network '${name}' is not defined (no ${definitionPath(store.stateDir, ref)}). Define it before starting it.`);
  }
  return applyNetworkDefaults(parseNetworkXml(entry.xml, definitionPath(store.stateDir, ref)));
}

/** Starts the network `stack` defined under `name`. */
export async function startDefinedNetwork(ctx: NetworkHostContext, store: StateStore, name: string, stack: string, opts: StartNetworkOptions = {}): Promise<NetworkStatus> {
  return startNetwork(ctx, await readDefinedNetwork(store, name, stack), opts);
}

/** Stops network `name` after checking that `stack` owns it (or that its definition is gone). */
export async function stopDefinedNetwork(ctx: NetworkHostContext, store: StateStore, name: string, stack: string, opts: StopNetworkOptions = {}): Promise<StopNetworkResult> {
  checkNetworkName(name);
  await store.assertMayChange({ kind: 'network', name }, stack);
  return stopNetwork(ctx, name, opts);
}

/**
 * `net` with a bridge name: its own, or the first `virbrN` that is neither a device on the
 * host nor the bridge of another stored network. Networks that use host devices directly
 * (forward mode bridge and the macvtap modes) are returned unchanged.
 */
export async function assignBridgeName(store: StateStore, net: Network): Promise<Network> {
  if (net.bridge?.name !== undefined || !managesBridge(forwardModeOf(net))) return net;
  const taken = new Set((await readAllLinks(store.transport)).map((l) => l.name));
  for (const e of await store.list('network')) {
    if (e.xml === null || e.ref.name === net.name) continue;
    try {
      const b = parseNetworkXml(e.xml).bridge?.name;
      if (b !== undefined) taken.add(b);
    } catch {
      // A definition that no longer parses names no bridge we could avoid.
    }
  }
  return { ...net, bridge: { ...net.bridge, name: pickBridgeName(taken) } };
}
