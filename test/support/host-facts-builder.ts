/**
 * Made-up HostFacts for pure planner tests: only what a test names is set, the rest is a
 * plausible empty host. Tests that need facts read from a tree use the fake sysfs instead.
 */
import type { HostFacts, HugetlbfsMount, PciDeviceFacts } from '../../model/host-facts';

export interface NodeSpec {
  readonly id: number;
  /** MemFree of the node, KiB. Default 8 GiB. */
  readonly memFreeKiB?: number;
  /** [sizeKiB, nr_hugepages, free_hugepages]. */
  readonly pools?: readonly (readonly [number, number, number])[];
  readonly cpus?: readonly number[];
}

export interface FactsSpec {
  readonly hostname?: string;
  readonly nodes?: readonly NodeSpec[];
  readonly mounts?: readonly HugetlbfsMount[];
  readonly defaultSizeKiB?: number | null;
  readonly pci?: readonly Partial<PciDeviceFacts>[];
  readonly iommuEnabled?: boolean;
  readonly pciDrivers?: readonly string[];
}

export function pciDevice(p: Partial<PciDeviceFacts> & { address: string }): PciDeviceFacts {
  return {
    vendor: '8086',
    device: '0000',
    class: '020000',
    driver: null,
    driverOverride: null,
    numaNode: null,
    iommuGroup: null,
    headerType: 'endpoint',
    sriov: null,
    physfn: null,
    mdevTypes: [],
    resetMethods: ['flr'],
    resettable: true,
    ...p,
  };
}

export function makeFacts(spec: FactsSpec = {}): HostFacts {
  const nodes = (spec.nodes ?? [{ id: 0 }]).map((n) => ({
    id: n.id,
    cpus: n.cpus ?? [n.id * 2, n.id * 2 + 1],
    memory: { totalKiB: 16 * 1024 * 1024, freeKiB: n.memFreeKiB ?? 8 * 1024 * 1024 },
    distances: {},
    hugepages: (n.pools ?? []).map(([sizeKiB, total, free]) => ({ sizeKiB, total, free })),
  }));
  const sizes = [...new Set(nodes.flatMap((n) => n.hugepages.map((p) => p.sizeKiB)))].sort((a, b) => a - b);
  const devices = (spec.pci ?? []).map((p) => pciDevice(p as Partial<PciDeviceFacts> & { address: string }));
  const groups = new Map<number, string[]>();
  for (const d of devices) if (d.iommuGroup !== null) groups.set(d.iommuGroup, [...(groups.get(d.iommuGroup) ?? []), d.address].sort());
  return {
    takenAt: '2026-01-01T00:00:00Z',
    hostname: spec.hostname ?? 'h1',
    kernel: { release: '6.1.0-test', machine: 'x86_64' },
    cpus: {
      online: nodes.flatMap((n) => n.cpus),
      isolated: [],
      topology: nodes.flatMap((n) => n.cpus.map((c) => ({ id: c, socket: n.id, die: 0, core: c, siblings: [c], node: n.id }))),
    },
    numa: { nodes },
    memory: { totalKiB: 32 * 1024 * 1024, freeKiB: 16 * 1024 * 1024, availableKiB: null },
    hugepages: {
      defaultSizeKiB: spec.defaultSizeKiB === undefined ? 2048 : spec.defaultSizeKiB,
      pools: sizes.map((s) => ({
        sizeKiB: s,
        total: nodes.reduce((t, n) => t + (n.hugepages.find((p) => p.sizeKiB === s)?.total ?? 0), 0),
        free: nodes.reduce((t, n) => t + (n.hugepages.find((p) => p.sizeKiB === s)?.free ?? 0), 0),
      })),
      mounts: spec.mounts ?? [{ path: '/dev/hugepages', pageSizeKiB: 2048 }],
    },
    pci: {
      devices,
      iommuEnabled: spec.iommuEnabled ?? groups.size > 0,
      iommuGroups: [...groups].sort((a, b) => a[0] - b[0]).map(([id, devs]) => ({ id, devices: devs })),
      ...(spec.pciDrivers ? { drivers: spec.pciDrivers } : {}),
    },
    kvm: { path: '/dev/kvm', exists: true, usable: true },
    qemu: { binaries: [] },
    cgroups: { mode: 'v2', v1: [], v2: { mountPoint: '/sys/fs/cgroup', controllers: ['cpuset'] }, cpuset: { version: 2, mountPoint: '/sys/fs/cgroup' } },
  };
}
