/**
 * HostdevLedger: which virtform domain holds which host PCI function and mediated device on a
 * host, read from the domains' status records. VFIO opens whole IOMMU groups, so a device is
 * also unavailable when another device of its group is held by another domain. Pure.
 *
 * A record stays in the ledger until its release succeeded (an exited domain whose devices
 * could not be given back still holds them), so nothing is handed out twice.
 */

export interface HostdevHolding {
  readonly domain: string;
  /** PCI address `dddd:bb:ss.f` (lower-case hex), or undefined for an mdev. */
  readonly address?: string;
  /** mdev UUID (lower case), or undefined for a PCI function. */
  readonly uuid?: string;
}

/** The part of a domain's status the ledger reads (status.json `vfio`, `mdevs`). */
export interface HostdevStatusEntry {
  readonly domain: string;
  readonly vfio: readonly { readonly address: string }[];
  readonly mdevs?: readonly { readonly uuid: string }[];
}

export class HostdevLedger {
  constructor(readonly holdings: readonly HostdevHolding[] = []) {}

  static fromStatus(entries: readonly HostdevStatusEntry[]): HostdevLedger {
    const h: HostdevHolding[] = [];
    for (const e of entries) {
      for (const d of e.vfio) h.push({ domain: e.domain, address: d.address.toLowerCase() });
      for (const m of e.mdevs ?? []) h.push({ domain: e.domain, uuid: m.uuid.toLowerCase() });
    }
    return new HostdevLedger(h);
  }

  with(holdings: readonly HostdevHolding[]): HostdevLedger {
    return new HostdevLedger([...this.holdings, ...holdings]);
  }

  without(domain: string): HostdevLedger {
    return new HostdevLedger(this.holdings.filter((x) => x.domain !== domain));
  }

  /** The domain holding PCI function `address`, or undefined. */
  ownerOf(address: string): string | undefined {
    const a = address.toLowerCase();
    return this.holdings.find((x) => x.address === a)?.domain;
  }

  /** The domain holding mdev `uuid`, or undefined. */
  ownerOfMdev(uuid: string): string | undefined {
    const u = uuid.toLowerCase();
    return this.holdings.find((x) => x.uuid === u)?.domain;
  }
}
