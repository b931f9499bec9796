/**
 * The host preparation of a launch (LaunchSpec.hostSteps) and its undoing (a ReleaseHook):
 *
 *   step                         takes (status.json)     given back by domainResourceReleaseHook
 *   write the private files      -                       (the run dir goes at stop)
 *   create the UEFI variables    -                       (kept: the guest's NVRAM persists)
 *   prepare hugepages            hugepages               releaseHugepages
 *   prepare host devices         vfio, mdevs, sriov      releaseHostdevs
 *   create taps                  taps                    releaseInterfaceTap
 *
 * Each step undoes its own partial work when it fails (prepareHugepages/prepareHostdevs do;
 * the tap step deletes the taps it created) and returns what it took; the launcher records it in
 * status.json before the next step, so that a later failure, destroy, shutdown or reap gives it
 * back through the release hook, which must therefore be registered on the DomainHost of every
 * command (`launchDomainHost`).
 *
 * Ledgers (which pages and devices other domains hold) come from the other run directories'
 * status.json, read when the step runs.
 */
import type { Network } from '../../../model/network';
import type { HugepageDemand } from '../../../planner/hugepage-demand';
import { HugepageLedger } from '../../../planner/hugepage-ledger';
import type { HostdevDemand } from '../../../planner/hostdev-demand';
import { HostdevLedger } from '../../../planner/hostdev-ledger';
import type { MdevDeclaration, SriovDeclaration } from '../../../planner/hostdev-check';
import type { Transport } from '../../host/transport';
import { transportHostContext, type HostContext } from '../host-context';
import { prepareHugepages, releaseHugepages, type HugepageRecord as PreparedHugepages } from '../hugepages/prepare-hugepages';
import { prepareInterfaceTap, releaseInterfaceTap } from '../network/interface-tap';
import { prepareHostdevs, releaseHostdevs } from '../vfio/prepare-hostdevs';
import type { VfioDeviceRecord as PreparedVfio } from '../vfio/vfio-bind';
import { listRunDirNames, readRunDir, type DomainHost, type ReleaseHook } from './domain-host';
import type { LaunchHostStep } from './launch-spec';
import type { DomainStatusRecord, TapRecord } from './status-record';

/** The status records of every other domain with a run directory on the host (unreadable ones are skipped). */
export async function otherDomainRecords(h: DomainHost, except: string): Promise<DomainStatusRecord[]> {
  const out: DomainStatusRecord[] = [];
  for (const name of await listRunDirNames(h)) {
    if (name === except) continue;
    const run = await readRunDir(h, name).catch(() => undefined);
    if (run?.record) out.push(run.record);
  }
  return out;
}

/** A script run with positional arguments only: `sh -c SCRIPT sh ARGS...`; throws naming `what`. */
async function hostScript(t: Transport, what: string, script: string, args: readonly string[], stdin?: Buffer): Promise<void> {
  const r = await t.exec(['sh', '-c', script, 'sh', ...args], { timeoutMs: 30000, ...(stdin ? { stdin } : {}) });
  if (r.code !== 0) throw new Error(`${t.hostLabel}: ${what} failed: ${r.stderr.toString('utf8').trim() || `exit ${r.code}`}`);
}

/**
 * `<run>/NAME/lib` (QEMU's HOME and the master key), the channel and file-backed memory folders,
 * all mode 0700, and `master-key.aes` (mode 0600, the 32 key bytes on stdin: never on a command line).
 */
export function privateFilesStep(dirs: readonly string[], masterKeyFile: string, masterKey: Uint8Array): LaunchHostStep {
  return {
    name: 'write the private files',
    async run({ host }) {
      const script = 'umask 077; f=$1; shift; mkdir -p -m 0700 -- "$@" && cat >"$f" && chmod 0600 -- "$f"';
      await hostScript(host.transport, `creating ${dirs.join(', ')} and ${masterKeyFile}`, script, [masterKeyFile, ...dirs], Buffer.from(masterKey));
    },
  };
}

/**
 * The guest's UEFI variable store: copied from the firmware's template on first start (an
 * existing store is the guest's and is never overwritten), mode 0600, in a folder made 0700.
 */
export function nvramStep(nvramPath: string, template: string): LaunchHostStep {
  return {
    name: 'create the UEFI variable store',
    async run({ host }) {
      const script = '[ -e "$1" ] && exit 0; umask 077; mkdir -p -m 0700 -- "${1%/*}" && cp -- "$2" "$1.new" && chmod 0600 -- "$1.new" && mv -n -- "$1.new" "$1"';
      await hostScript(host.transport, `copying the UEFI variables template ${template} to ${nvramPath}`, script, [nvramPath, template]);
    },
  };
}

export interface HugepagesStepOptions {
  readonly domain: string;
  readonly demand: Pick<HugepageDemand, 'needs' | 'mountSizesKiB'>;
  /** The mount per page size the argv's mem-path uses; the prepared mount must be the same. */
  readonly expectedMounts: ReadonlyMap<number, string>;
  /** Relative folder made under each mount for QEMU's mem-path (`virtform/ID-NAME`). */
  readonly memDir: string;
  readonly growPools?: boolean;
  readonly mountMissingUnder?: string;
  readonly hostContext?: HostContext;
}

export function hugepagesStep(o: HugepagesStepOptions): LaunchHostStep {
  return {
    name: 'prepare hugepages',
    async run({ host }) {
      const ctx = o.hostContext ?? transportHostContext(host.transport);
      const others = await otherDomainRecords(host, o.domain);
      const ledger = HugepageLedger.fromStatus(others.map((r) => ({ domain: r.name, phase: r.phase, hugepages: r.hugepages })));
      const prepared = await prepareHugepages(ctx, {
        domain: o.domain,
        demand: o.demand,
        ledger,
        ...(o.growPools ? { growPools: true } : {}),
        ...(o.mountMissingUnder !== undefined ? { mountMissingUnder: o.mountMissingUnder } : {}),
        mounts: o.expectedMounts,
        memDir: o.memDir,
      });
      const wrong = prepared.mounts.filter((m) => o.expectedMounts.has(m.sizeKiB) && o.expectedMounts.get(m.sizeKiB) !== m.path);
      if (wrong.length) {
        await releaseHugepages(ctx, prepared.records).catch(() => undefined);
        throw new Error(
          `the hugetlbfs mounts changed since the host was read: ${wrong.map((m) => `${m.sizeKiB} KiB pages are now on ${m.path}, the command line was built for ${o.expectedMounts.get(m.sizeKiB)}`).join('; ')}; run the command again`,
        );
      }
      return { hugepages: prepared.records };
    },
  };
}

export interface HostdevsStepOptions {
  readonly domain: string;
  readonly demand: Pick<HostdevDemand, 'pci' | 'mdevs'>;
  readonly detachGroupPeers?: boolean;
  readonly sriov?: readonly SriovDeclaration[];
  readonly mdevs?: readonly MdevDeclaration[];
  readonly hostContext?: HostContext;
}

export function hostdevsStep(o: HostdevsStepOptions): LaunchHostStep {
  return {
    name: 'prepare host devices',
    async run({ host }) {
      const ctx = o.hostContext ?? transportHostContext(host.transport);
      const others = await otherDomainRecords(host, o.domain);
      const ledger = HostdevLedger.fromStatus(others.map((r) => ({ domain: r.name, vfio: r.vfio, mdevs: r.mdevs })));
      const p = await prepareHostdevs(ctx, {
        domain: o.domain,
        demand: o.demand,
        ledger,
        ...(o.detachGroupPeers ? { detachGroupPeers: true } : {}),
        ...(o.sriov ? { sriov: o.sriov } : {}),
        ...(o.mdevs ? { mdevs: o.mdevs } : {}),
      });
      return { vfio: p.vfio, mdevs: p.mdevs, sriov: p.sriov };
    },
  };
}

/** One tap to make: interface `index` of the domain, on a network or a host bridge. */
export interface TapRequest {
  readonly index: number;
  readonly source: Network | { readonly bridge: string };
  readonly guestMac?: string;
  readonly mtu?: number;
  readonly multiQueue?: boolean;
}

export function tapsStep(domain: string, taps: readonly TapRequest[]): LaunchHostStep {
  return {
    name: 'create taps',
    async run({ host }) {
      const t = host.transport;
      const made: TapRecord[] = [];
      try {
        for (const r of taps) {
          const tap = await prepareInterfaceTap(t, r.source, domain, r.index, {
            ...(r.guestMac ? { guestMac: r.guestMac } : {}),
            ...(r.mtu !== undefined ? { mtu: r.mtu } : {}),
            ...(r.multiQueue ? { multiQueue: true } : {}),
          });
          made.push({ index: r.index, ifname: tap.ifname, bridge: tap.bridge, created: tap.created });
        }
      } catch (e) {
        for (const m of made.reverse()) await releaseInterfaceTap(t, domain, m.index).catch(() => undefined);
        throw e;
      }
      return { taps: made };
    },
  };
}

/**
 * Gives back what the launch's host steps took, from the status record, once QEMU is gone:
 * taps deleted, devices back on their drivers (mdevs removed, VF counts restored), hugepage
 * pools shrunk by what was grown and virtform's mounts and folders removed. Carries on past
 * failures and throws them together (the lifecycle then keeps status.json for a retry).
 * `hostContext` replaces the transport's sysfs (tests' fake sysfs).
 */
export function domainResourceReleaseHook(opts: { readonly hostContext?: HostContext } = {}): ReleaseHook {
  return async (h, record) => {
    const errors: string[] = [];
    for (const tap of record.taps) {
      try {
        await releaseInterfaceTap(h.transport, record.name, tap.index);
      } catch (e) {
        errors.push(`tap ${tap.ifname}: ${(e as Error).message}`);
      }
    }
    const ctx = opts.hostContext ?? transportHostContext(h.transport);
    if (record.vfio.length || record.mdevs.length || record.sriov.length) {
      try {
        await releaseHostdevs(ctx, { vfio: record.vfio as PreparedVfio[], mdevs: record.mdevs, sriov: record.sriov });
      } catch (e) {
        errors.push((e as Error).message);
      }
    }
    if (record.hugepages.length) {
      try {
        const full = record.hugepages.map((r): PreparedHugepages => ({
          sizeKiB: r.sizeKiB,
          node: r.node,
          nodes: r.nodes ?? (r.node === null ? null : [r.node]),
          pages: r.pages,
          grownBy: r.grownBy,
          grown: r.grown ?? (r.grownBy > 0 ? [{ node: r.node, pages: r.grownBy }] : []),
          mount: r.mount ?? null,
          mountedByVirtform: r.mountedByVirtform ?? false,
          memDir: r.memDir ?? null,
        }));
        await releaseHugepages(ctx, full);
      } catch (e) {
        errors.push((e as Error).message);
      }
    }
    if (errors.length) throw new Error(`${h.transport.hostLabel}: domain '${record.name}': ${errors.join('; ')}`);
  };
}

/** The DomainHost every command uses for `transport`: the run dir and the release hook of the launch's host steps. */
export function launchDomainHost(transport: Transport, runDir: string, opts: { readonly hostContext?: HostContext; readonly now?: () => Date } = {}): DomainHost {
  return {
    transport,
    runDir,
    releaseHooks: [domainResourceReleaseHook(opts.hostContext ? { hostContext: opts.hostContext } : {})],
    ...(opts.now ? { now: opts.now } : {}),
  };
}
