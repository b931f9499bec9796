/**
 * Fingerprints bind a plan to the host it was computed from: `apply FILE` reads the host again
 * and refuses when a fingerprint differs, naming what changed.
 *
 * - facts: the HostFacts the checks read (CPUs online and isolated, NUMA nodes and their CPUs,
 *   hugepage pools with their free pages, hugetlbfs mounts, PCI devices with driver and IOMMU
 *   group, KVM, QEMU binaries). Left out because they move all the time and no decision rests
 *   on them: `takenAt` and free or available memory.
 * - one per resource the plan looked at: its stored definition (secrets blanked, see
 *   redactXmlText), owner and runtime state.
 *
 * Values are `sha256:<hex>` of a JSON form with sorted keys (stable across runs). Pure.
 */
import { createHash } from 'crypto';
import type { HostFacts } from '../model/host-facts';
import type { LiveResource } from './live-state';
import { formatAddress } from './resource-address';
import { redactXmlText } from './sensitive-values';

export interface PlanFingerprint {
  readonly facts: string;
  /** By address; null: the host had no such resource. */
  readonly resources: Readonly<Record<string, string | null>>;
}

/** JSON with object keys sorted at every level. */
export function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

export function sha256(text: string): string {
  return `sha256:${createHash('sha256').update(text).digest('hex')}`;
}

/** The decision-relevant part of HostFacts. */
export function factsFingerprint(f: HostFacts): string {
  return sha256(
    stableJson({
      hostname: f.hostname,
      kernel: f.kernel,
      cpus: f.cpus,
      numa: f.numa.nodes.map((n) => ({ id: n.id, cpus: n.cpus, hugepages: n.hugepages })),
      hugepages: f.hugepages,
      pci: {
        iommuEnabled: f.pci.iommuEnabled,
        iommuGroups: f.pci.iommuGroups,
        devices: f.pci.devices.map((d) => ({ address: d.address, driver: d.driver, driverOverride: d.driverOverride, iommuGroup: d.iommuGroup, numaNode: d.numaNode })),
      },
      kvm: f.kvm,
      qemu: f.qemu.binaries.map((b) => ({ path: b.path, version: b.version })),
    }),
  );
}

/** One live resource's fingerprint; null when absent. */
export function resourceFingerprint(r: LiveResource | undefined): string | null {
  if (!r) return null;
  return sha256(stableJson({ xml: r.xml === null ? null : redactXmlText(r.xml), owner: r.owner?.stack ?? null, state: r.runtime?.state ?? null, definitionHash: r.runtime?.definitionHash ?? null }));
}

/** What differs between the fingerprint a plan was made with and the host's now, for the refusal message. */
export function fingerprintChanges(planned: PlanFingerprint, now: PlanFingerprint): string[] {
  const out: string[] = [];
  if (planned.facts !== now.facts) out.push('host facts (CPUs, NUMA nodes, hugepages, PCI devices or QEMU)');
  for (const [addr, fp] of Object.entries(planned.resources).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const cur = now.resources[addr] ?? null;
    if (cur === fp) continue;
    out.push(fp === null ? `${addr} (now exists on the host)` : cur === null ? `${addr} (no longer on the host)` : `${addr} (its definition, owner or running state changed)`);
  }
  return out;
}

/** The fingerprint of the same facts and resources as `planned`, on the host as it is now. */
export function fingerprintNow(planned: PlanFingerprint, facts: HostFacts, live: { readonly resources: readonly LiveResource[] }): PlanFingerprint {
  const byAddr = new Map(live.resources.map((r) => [formatAddress(r.address), r]));
  return {
    facts: factsFingerprint(facts),
    resources: Object.fromEntries(Object.keys(planned.resources).map((a) => [a, resourceFingerprint(byAddr.get(a))])),
  };
}
