/**
 * The runtime record of a network on its host, `<runDir>/networks/NAME.json`, and where the
 * network's dnsmasq files live (`<runDir>/dnsmasq/NAME.{conf,hostsfile,addnhosts,pid,leases}`,
 * the layout libvirt uses under /var/lib/libvirt/dnsmasq).
 *
 * The record is the network's own journal: before virtform creates anything (the bridge, the
 * nftables chains, dnsmasq) it writes down that it is about to, and only then acts. So after a
 * crash the record names everything that may exist, a retried start adopts it, and a stop
 * removes exactly that and nothing else.
 *
 * Invariants:
 * - Written atomically (Transport.writeFile: temp file + rename); a record that does not
 *   parse is CORRUPT and never guessed at.
 * - `bridgeCreated` is true only when virtform found no device of that name and then created
 *   it (or adopted one carrying its own ifalias): a pre-existing bridge is never deleted.
 */
import * as path from 'path';
import type { Transport } from '../../host';
import type { NetworkKind } from './network-setup';
import { NetworkError } from './network-error';
import { runHostCommand } from './host-command';

export const NETWORK_RECORD_FORMAT = 'virtform-network-run/1';

export interface NetworkRecord {
  readonly format: typeof NETWORK_RECORD_FORMAT;
  readonly name: string;
  readonly kind: NetworkKind;
  readonly bridge: string;
  /** starting: start began and has not finished; active: running; stopping: stop began. */
  readonly phase: 'starting' | 'active' | 'stopping';
  /** `sha256:<hex>` of the planned setup and firewall: what the network runs with. */
  readonly setupHash: string;
  /** virtform created the bridge (or was about to) and deletes it when the network stops. */
  readonly bridgeCreated: boolean;
  /** Chains of table `inet virtform` applied (or being applied) for this network. */
  readonly chains: readonly string[];
  /** Hash of the nft script once it has been applied. */
  readonly firewallHash?: string;
  /** dnsmasq was started (or was about to be) for this network. */
  readonly dnsmasq: boolean;
  /** Hash of the dnsmasq .conf it was started with. */
  readonly confHash?: string;
  /** Hash of the hosts file and additional hosts file it last read. */
  readonly hostsHash?: string;
  /** sysctls virtform changed, with the value it found (kept as they were on stop: other users may need them). */
  readonly sysctlsChanged: readonly { readonly path: string; readonly before: string; readonly after: string }[];
  /** ISO-8601 UTC. */
  readonly updatedAt: string;
}

export interface NetworkRuntimePaths {
  readonly recordFile: string;
  readonly dnsmasqDir: string;
  readonly conf: string;
  readonly hostsfile: string;
  readonly addnhosts: string;
  readonly pidFile: string;
  readonly leaseFile: string;
}

/** Characters allowed in the run directory: it is written into dnsmasq's configuration. */
const RUN_DIR = /^\/[A-Za-z0-9_./+@%:=-]*$/;

/** The files of network `name` under `runDir` (names must have passed checkNetworkName). */
export function networkRuntimePaths(runDir: string, name: string): NetworkRuntimePaths {
  if (!RUN_DIR.test(runDir) || runDir.split('/').includes('..')) {
    throw new NetworkError(
      'BAD_NAME',
      `run directory ${JSON.stringify(runDir)} cannot hold dnsmasq files: it must be an absolute path of ASCII letters, digits and _ . / + @ % : = - (it is written into dnsmasq's configuration). Relocate the state with another root=DIR.`,
    );
  }
  const dnsmasqDir = path.posix.join(runDir, 'dnsmasq');
  const f = (ext: string): string => path.posix.join(dnsmasqDir, `${name}.${ext}`);
  return {
    recordFile: path.posix.join(runDir, 'networks', `${name}.json`),
    dnsmasqDir,
    conf: f('conf'),
    hostsfile: f('hostsfile'),
    addnhosts: f('addnhosts'),
    pidFile: f('pid'),
    leaseFile: f('leases'),
  };
}

export async function readNetworkRecord(t: Transport, p: NetworkRuntimePaths, name: string): Promise<NetworkRecord | null> {
  const got = (await t.readFiles([p.recordFile])).get(p.recordFile);
  if (!got) return null;
  let rec: NetworkRecord;
  try {
    rec = JSON.parse(got.toString('utf8')) as NetworkRecord;
  } catch (e) {
    throw corrupt(t, p, `it is not JSON (${(e as Error).message})`);
  }
  if (rec?.format !== NETWORK_RECORD_FORMAT) throw corrupt(t, p, `its format is ${JSON.stringify(rec?.format)}, expected ${NETWORK_RECORD_FORMAT}`);
  if (rec.name !== name) throw corrupt(t, p, `it is about network ${JSON.stringify(rec.name)}, not '${name}'`);
  if (typeof rec.bridge !== 'string' || !Array.isArray(rec.chains) || typeof rec.bridgeCreated !== 'boolean' || typeof rec.dnsmasq !== 'boolean') {
    throw corrupt(t, p, 'it lacks bridge, bridgeCreated, chains or dnsmasq');
  }
  return rec;
}

function corrupt(t: Transport, p: NetworkRuntimePaths, why: string): NetworkError {
  return new NetworkError('CORRUPT', `${t.hostLabel}: network record ${p.recordFile} cannot be used: ${why}. Inspect it; if the network's devices are gone, delete the file.`);
}

export async function writeNetworkRecord(t: Transport, p: NetworkRuntimePaths, rec: Omit<NetworkRecord, 'format' | 'updatedAt'>): Promise<NetworkRecord> {
  const full: NetworkRecord = { format: NETWORK_RECORD_FORMAT, ...rec, updatedAt: new Date().toISOString() };
  await t.writeFile(p.recordFile, JSON.stringify(full, null, 1) + '\n', 0o644);
  return full;
}

export async function removeFiles(t: Transport, files: readonly string[]): Promise<void> {
  if (files.length) await runHostCommand(t, ['rm', '-f', '--', ...files], 'removing network runtime files');
}

/** `mkdir -p` then mode 0755: dnsmasq, which drops to an unprivileged user, must reach its files. */
export async function ensureDir(t: Transport, dir: string): Promise<void> {
  await runHostCommand(t, ['mkdir', '-p', '--', dir], `creating ${dir}`);
  await runHostCommand(t, ['chmod', '0755', '--', dir], `setting the mode of ${dir}`);
}
