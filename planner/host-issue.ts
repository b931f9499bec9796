/**
 * HostIssue: one failed (or risky) host-resource constraint of a domain on a host, written for
 * the user: which host and node or device, the numbers, the rule, and what to do. The planner
 * returns these before anything on the host is touched; the executor raises the same messages
 * when it finds the same problem live (the kernel's state can change between plan and apply).
 *
 * - `error`: apply would fail (QEMU would not start, or the kernel would refuse).
 * - `warning`: apply works, but something is likely to hurt (cross-node DMA, a device that
 *   cannot be reset). Shown in the plan; never blocks.
 */

export type HostIssueSeverity = 'error' | 'warning';

export type HostIssueCode =
  // hugepages
  | 'HUGEPAGE_SHORTFALL' // not enough free pages on the node(s) the memory is bound to
  | 'HUGEPAGE_GROW_TOO_LITTLE_MEMORY' // growing the pool would need more free memory than the node has
  | 'HUGEPAGE_SIZE_UNAVAILABLE' // the host has no pool of this page size
  | 'HUGEPAGE_NOT_MULTIPLE' // memory is not a whole number of pages
  | 'HUGEPAGE_NO_MOUNT' // no hugetlbfs mount for the page size
  | 'HUGEPAGE_NO_SUPPORT' // the kernel has no hugetlb support (no default page size)
  | 'HOST_NODE_MISSING' // a numatune nodeset names a host node that does not exist
  | 'NUMA_PLACEMENT_AUTO' // placement='auto': the node is chosen at start, the check is host-wide
  // PCI / VFIO
  | 'IOMMU_MISSING'
  | 'PCI_DEVICE_MISSING'
  | 'PCI_NOT_ENDPOINT'
  | 'PCI_IN_USE' // the device, or a device in its IOMMU group, belongs to another domain
  | 'IOMMU_GROUP_NOT_VIABLE'
  | 'PCI_UNMANAGED_NOT_DETACHED'
  | 'PCI_NO_IOMMU_GROUP'
  | 'VFIO_DRIVER_NOT_LOADED'
  | 'PCI_RESET_RISKY'
  | 'PCI_REMOTE_NODE' // device on another host node than the domain's memory/CPUs
  | 'SRIOV_NOT_CAPABLE'
  | 'SRIOV_TOO_MANY_VFS'
  | 'SRIOV_VFS_IN_PLACE' // the PF already has another non-zero VF count
  | 'MDEV_PARENT_MISSING'
  | 'MDEV_TYPE_MISSING'
  | 'MDEV_NO_INSTANCES'
  | 'MDEV_UNDECLARED' // an mdev hostdev whose device may not exist and has no declaration
  // raised by the executor only (live kernel answers)
  | 'VFIO_BIND_FAILED' // unbind / bind to vfio-pci refused or timed out
  | 'VFIO_RELEASE_FAILED' // giving a device back to its driver failed
  | 'MDEV_MISSING' // an mdev that should exist does not
  | 'MDEV_FAILED' // creating or removing an mdev failed
  | 'SRIOV_FAILED'; // setting sriov_numvfs failed or the VFs did not appear

export interface HostIssue {
  readonly severity: HostIssueSeverity;
  readonly code: HostIssueCode;
  /** The domain element the issue is about: `/domain/cpu/numa/cell[2]`, `/domain/devices/hostdev[1]`. */
  readonly path: string;
  /** Starts with `host NAME` and the node or device: `host h1 node1: need 512 × 2048 KiB pages, 300 free`. */
  readonly problem: string;
  /** Why, in more words (which guest cell, which binding, what the kernel said); may be empty. */
  readonly detail: string;
  /** What to do about it. */
  readonly fix: string;
}

/** One line per issue: `error: problem; detail (path) (fix: ...)`. */
export function formatHostIssue(i: HostIssue): string {
  return `${i.severity}: ${i.problem}${i.detail ? `; ${i.detail}` : ''} (${i.path}) (fix: ${i.fix})`;
}

/** Thrown by the executor when a live check fails; carries the same issues the planner would return. */
export class HostResourceError extends Error {
  constructor(readonly issues: readonly HostIssue[]) {
    super(issues.map(formatHostIssue).join('\n'));
    this.name = 'HostResourceError';
  }
}
