/**
 * HostFacts: one snapshot of a host's hardware and kernel state, as the planner sees it.
 * Read by provider/host (host-discovery.ts) in one round trip; consumed by the pure planner
 * and the pure QEMU argv builder, which may also be handed made-up facts for golden tests.
 *
 * Pure types only: plain JSON-compatible data (`virtform hosts --json` prints it as is).
 *
 * Units and conventions:
 * - Memory sizes are KiB; hugepage sizes are KiB (2048 = 2 MiB, 1048576 = 1 GiB).
 * - Hugepage counts are pages, not bytes.
 * - CPU and node id lists are sorted ascending, without duplicates.
 * - PCI addresses are the kernel's full form `dddd:bb:ss.f`, lower-case hex.
 * - PCI ids are 4 lower-case hex digits without `0x` (vendor `8086`); class is 6 (`030000`).
 * - Anything the kernel does not expose is null (or an empty list), never a guess.
 */

export interface HostFacts {
  /** When the snapshot was taken, ISO 8601, from the host's clock. */
  readonly takenAt: string;
  readonly hostname: string;
  readonly kernel: KernelFacts;
  readonly cpus: CpuFacts;
  /** Always at least one node: a kernel without NUMA is reported as node 0 holding everything. */
  readonly numa: { readonly nodes: readonly NumaNodeFacts[] };
  /** System-wide memory from /proc/meminfo. */
  readonly memory: { readonly totalKiB: number; readonly freeKiB: number; readonly availableKiB: number | null };
  readonly hugepages: HugepageFacts;
  readonly pci: PciFacts;
  readonly kvm: KvmFacts;
  readonly qemu: { readonly binaries: readonly QemuBinaryFacts[] };
  readonly cgroups: CgroupFacts;
}

export interface KernelFacts {
  /** `uname -r`, e.g. `6.1.0-18-amd64`. Part of the QEMU capabilities cache key. */
  readonly release: string;
  /** `uname -m`, e.g. `x86_64`. */
  readonly machine: string;
}

export interface CpuFacts {
  /** /sys/devices/system/cpu/online. */
  readonly online: readonly number[];
  /** /sys/devices/system/cpu/isolated (isolcpus=): never pick these for shared work. */
  readonly isolated: readonly number[];
  /** One entry per CPU that has a topology directory (online CPUs), by id. */
  readonly topology: readonly CpuTopology[];
}

export interface CpuTopology {
  readonly id: number;
  /** physical_package_id. */
  readonly socket: number;
  /** die_id; 0 on kernels without dies. */
  readonly die: number;
  readonly core: number;
  /** thread_siblings_list: the hyperthreads sharing this core, including this CPU. */
  readonly siblings: readonly number[];
  /** The NUMA node whose cpulist holds this CPU. */
  readonly node: number;
}

export interface NumaNodeFacts {
  readonly id: number;
  readonly cpus: readonly number[];
  readonly memory: { readonly totalKiB: number; readonly freeKiB: number };
  /** SLIT distance from this node to each online node, keyed by node id (10 = local). */
  readonly distances: Readonly<Record<number, number>>;
  /** This node's share of each hugepage pool. */
  readonly hugepages: readonly HugepagePool[];
}

export interface HugepagePool {
  readonly sizeKiB: number;
  /** nr_hugepages: pages allocated to the pool. */
  readonly total: number;
  /** free_hugepages: pages nobody has mapped yet. */
  readonly free: number;
}

export interface HugepageFacts {
  /** `Hugepagesize:` from /proc/meminfo; null when the kernel has no hugetlb support. */
  readonly defaultSizeKiB: number | null;
  /** System-wide pools from /sys/kernel/mm/hugepages, by size ascending. */
  readonly pools: readonly HugepagePool[];
  /** hugetlbfs mounts from /proc/mounts, in mount order. */
  readonly mounts: readonly HugetlbfsMount[];
}

export interface HugetlbfsMount {
  readonly path: string;
  /** From the `pagesize=` mount option, else the default hugepage size. */
  readonly pageSizeKiB: number;
}

export interface PciFacts {
  /** Devices by address ascending. */
  readonly devices: readonly PciDeviceFacts[];
  /** /sys/kernel/iommu_groups has groups: the IOMMU is on and VFIO passthrough is possible. */
  readonly iommuEnabled: boolean;
  /** Groups by id ascending; members by address. */
  readonly iommuGroups: readonly { readonly id: number; readonly devices: readonly string[] }[];
  /**
   * PCI drivers registered with the kernel (/sys/bus/pci/drivers), sorted: tells whether
   * vfio-pci is loaded. Optional: absent in snapshots made before it was read.
   */
  readonly drivers?: readonly string[];
}

export interface PciDeviceFacts {
  readonly address: string;
  readonly vendor: string;
  readonly device: string;
  readonly class: string;
  /** Name of the bound driver (`vfio-pci`, `nvidia`), null when unbound. */
  readonly driver: string | null;
  /** driver_override content; null when empty or absent. */
  readonly driverOverride: string | null;
  /** numa_node; null when the kernel says -1 (no affinity) or has no such file. */
  readonly numaNode: number | null;
  readonly iommuGroup: number | null;
  /** From the config space header type: only endpoints can be assigned to a guest. */
  readonly headerType: 'endpoint' | 'bridge' | 'cardbus' | 'unknown';
  /** Present on SR-IOV physical functions. */
  readonly sriov: { readonly totalVfs: number; readonly numVfs: number; readonly virtfns: readonly string[] } | null;
  /** The PF's address when this device is an SR-IOV virtual function. */
  readonly physfn: string | null;
  /** mdev types this device can create (mdev_supported_types). */
  readonly mdevTypes: readonly MdevTypeFacts[];
  /** reset_method content (e.g. ['flr', 'bus']); [] when absent or empty. */
  readonly resetMethods: readonly string[];
  /** A `reset` file exists: the kernel knows some way to reset the function. */
  readonly resettable: boolean;
}

export interface MdevTypeFacts {
  readonly id: string;
  readonly name: string | null;
  readonly availableInstances: number | null;
  readonly deviceApi: string | null;
}

export interface KvmFacts {
  readonly path: '/dev/kvm';
  readonly exists: boolean;
  /** /dev/kvm could be opened read-write by the connecting user. */
  readonly usable: boolean;
}

export interface QemuBinaryFacts {
  /** Absolute path on the host, e.g. /usr/bin/qemu-system-x86_64. */
  readonly path: string;
  /** Guest architecture from the name (`qemu-system-x86_64` → `x86_64`; `qemu-kvm` → kernel machine). */
  readonly arch: string;
  /** A name suffix after the arch, e.g. `microvm` for qemu-system-x86_64-microvm; null for the main build. */
  readonly variant: string | null;
  /** Parsed from `--version`; null when the binary did not run or printed something else. */
  readonly version: { readonly major: number; readonly minor: number; readonly micro: number } | null;
  /** First line of `--version` output (or of the error). */
  readonly versionText: string;
  /**
   * QEMU capabilities from a QMP probe; absent until a CapsProbe (provider/qemu/caps*) fills it.
   * The probe owns the shape: replace this alias with its model type when it lands.
   */
  readonly caps?: QemuCaps;
}

/** Placeholder for the QMP capabilities model owned by provider/qemu/caps*. */
export type QemuCaps = Readonly<Record<string, unknown>>;

export interface CgroupFacts {
  /** v1 only, v2 only (unified at /sys/fs/cgroup), hybrid (both), or none mounted. */
  readonly mode: 'v1' | 'v2' | 'hybrid' | 'none';
  /** v1 hierarchies: each controller with its mount point. Named hierarchies (name=systemd) are listed with controller `name=...`. */
  readonly v1: readonly { readonly controller: string; readonly mountPoint: string }[];
  /**
   * The cgroup2 mount and the controllers its top offers (cgroup.controllers). `nested`: the
   * top is not the hierarchy root (a container's cgroup namespace; it has a cgroup.type file),
   * so the "no internal processes" rule applies to it.
   */
  readonly v2: { readonly mountPoint: string; readonly controllers: readonly string[]; readonly nested?: true } | null;
  /** Where cpuset pinning can be done: the hierarchy carrying cpuset (a controller is on at most one). */
  readonly cpuset: { readonly version: 1 | 2; readonly mountPoint: string } | null;
}
