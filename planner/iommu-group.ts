/**
 * IOMMU group viability, shared by the plan check (on HostFacts) and the executor (on live
 * sysfs). Pure.
 *
 * QEMU can open a VFIO group only when every device in it is bound to a VFIO-compatible driver
 * or to none: vfio-pci, pci-stub or unbound; PCI bridges (header type 1) and the ports'
 * `pcieport` driver are tolerated, as the kernel does. Devices the domain itself takes are
 * fine, since virtform binds them to vfio-pci first.
 */

export interface GroupMember {
  readonly address: string;
  readonly vendor: string;
  readonly device: string;
  /** Bound driver, null when unbound. */
  readonly driver: string | null;
  readonly headerType: 'endpoint' | 'bridge' | 'cardbus' | 'unknown';
}

/** Drivers a group member may stay bound to without breaking the group. */
export const VFIO_FRIENDLY_DRIVERS: readonly string[] = ['vfio-pci', 'pci-stub'];

/** The members that keep the group from being opened, given the addresses this domain takes (and will bind). */
export function blockingMembers(members: readonly GroupMember[], taken: ReadonlySet<string>): GroupMember[] {
  return members.filter((m) => {
    if (taken.has(m.address)) return false;
    if (m.headerType === 'bridge' || m.driver === 'pcieport') return false;
    return m.driver !== null && !VFIO_FRIENDLY_DRIVERS.includes(m.driver);
  });
}

/**
 * Every member with its ids and driver, for messages:
 * `0000:01:00.0 [10de:1b80] driver nouveau (assigned to this domain); 0000:01:00.1 [10de:10f0] driver snd_hda_intel (not assigned)`.
 */
export function describeGroup(members: readonly GroupMember[], taken: ReadonlySet<string>): string {
  return members
    .map((m) => {
      const role = taken.has(m.address)
        ? 'assigned to this domain'
        : m.headerType === 'bridge'
          ? 'PCI bridge, may stay'
          : m.driver === null || VFIO_FRIENDLY_DRIVERS.includes(m.driver)
            ? 'not assigned, may stay'
            : 'not assigned';
      return `${m.address} [${m.vendor}:${m.device}] ${m.driver ? `driver ${m.driver}` : 'no driver'} (${role})`;
    })
    .join('; ');
}
