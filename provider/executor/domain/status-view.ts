/**
 * What `virtform status` shows per domain: name, state, pid, QMP socket and each vCPU's thread
 * with its CPU affinity read live from /proc (not from status.json), so a pin changed behind
 * virtform's back shows.
 */
import { parseConnectionUri, hostPaths } from '../../host/uri';
import { openTransport, type OpenTransportOptions } from '../../host/open-transport';
import type { DomainHost } from './domain-host';
import { listRunDirNames } from './domain-host';
import { DomainError } from './errors';
import { launchDomainHost } from './launch-host-steps';
import { readThreads } from './qemu-process';
import { reconnectDomain, type DomainRuntime, type DomainState, type ReconnectOptions } from './reconnect';

export interface VcpuStatus {
  readonly index: number;
  readonly threadId: number;
  /** Cpus_allowed_list of the thread now (`0-1`); null when the thread could not be read. */
  readonly affinity: string | null;
}

/** The exact JSON shape of `virtform status --json` entries. */
export interface DomainStatusView {
  readonly name: string;
  readonly state: DomainState;
  readonly pid: number | null;
  readonly qmpSocket: string;
  readonly vcpus: readonly VcpuStatus[];
}

export interface DomainStatusEntry {
  readonly view: DomainStatusView;
  /** Everything reconnect learnt (reason, iothreads, record), for the human table. */
  readonly runtime?: DomainRuntime;
  /** Set when the domain could not be inspected (unreadable status.json). */
  readonly error?: string;
}

/** Reconnects to every domain with a run directory on the host, in name order. */
export async function domainStatuses(h: DomainHost, opts: ReconnectOptions = {}): Promise<DomainStatusEntry[]> {
  const out: DomainStatusEntry[] = [];
  for (const name of await listRunDirNames(h)) {
    let rt: DomainRuntime;
    try {
      rt = await reconnectDomain(h, name, opts);
    } catch (e) {
      // One domain that cannot be inspected must not hide the others.
      const message = e instanceof DomainError ? e.message : `${h.transport.hostLabel}: domain '${name}': reconnect: ${(e as Error).message}`;
      out.push({ view: { name, state: 'unknown', pid: null, qmpSocket: `${h.runDir}/${name}/qmp.sock`, vcpus: [] }, error: message });
      continue;
    }
    const live = rt.pid !== null ? new Map((await readThreads(h.transport, rt.pid)).map((x) => [x.tid, x.cpus])) : new Map<number, string>();
    out.push({
      view: {
        name,
        state: rt.state,
        pid: rt.pid,
        qmpSocket: rt.qmpSocket,
        vcpus: rt.vcpus.map((v) => ({ index: v.index, threadId: v.threadId, affinity: live.get(v.threadId) ?? null })),
      },
      runtime: rt,
    });
  }
  return out;
}

/**
 * A DomainHost for a connection URI (-c): the transport, the URI's run directory and the release
 * hook of the launch's host steps (a command that finds a QEMU gone gives back its taps,
 * devices and hugepages). Close it with `transport.close()`.
 */
export async function openDomainHost(uri: string | undefined, opts: OpenTransportOptions = {}): Promise<DomainHost> {
  const parsed = parseConnectionUri(uri, opts);
  const transport = await openTransport(parsed, opts);
  return launchDomainHost(transport, hostPaths(parsed).runDir);
}
