/**
 * A fake host tree (sysfs, procfs, /dev/vfio) for a host-root prefix, written by us: the
 * layout follows what the Linux kernel exposes (device directories under /sys/devices with
 * /sys/bus/pci/devices links, driver links both ways, IOMMU groups, SR-IOV and mdev
 * attributes, per-node hugepage pools), the contents are made up.
 *
 * `buildFakeHost(root, spec)` writes the tree; test/support/fake-sysfs.ts makes it behave like
 * the kernel when attributes are written.
 */
import * as fs from 'fs';
import * as path from 'path';

export interface FakeSriov {
  readonly totalVfs: number;
  /** PCI device id of the VFs. */
  readonly vfDevice: string;
  /** Driver the kernel binds new VFs to (sriov_drivers_autoprobe=1). */
  readonly vfDriver: string | null;
  /** First VF Offset and VF Stride (routing-id arithmetic, as in the SR-IOV capability). */
  readonly offset: number;
  readonly stride: number;
  /** IOMMU group of VF 0; VF i gets firstGroup + i. */
  readonly firstGroup: number;
}

export interface FakeMdevType {
  readonly id: string;
  readonly name: string;
  readonly available: number;
  readonly deviceApi: string;
}

export interface FakePciDevice {
  readonly address: string;
  readonly vendor: string;
  readonly device: string;
  readonly class: string;
  readonly numaNode: number;
  readonly group: number | null;
  /** Config-space header type byte: 0x00 endpoint, 0x80 multi-function endpoint, 0x01 bridge. */
  readonly header: number;
  /** Driver bound now. */
  readonly driver: string | null;
  /** Driver drivers_probe binds without an override; defaults to `driver`. */
  readonly nativeDriver?: string | null;
  /** Address of the bridge the device sits behind (its directory nests under the bridge's). */
  readonly parent?: string;
  readonly sriov?: FakeSriov;
  readonly mdevTypes?: readonly FakeMdevType[];
  readonly resetMethods?: readonly string[];
}

export interface FakeNode {
  readonly id: number;
  readonly cpus: string;
  readonly memFreeKiB: number;
  /** [sizeKiB, nr_hugepages, free_hugepages]. */
  readonly pools: readonly (readonly [number, number, number])[];
}

export interface FakeHostSpec {
  readonly hostname: string;
  readonly nodes: readonly FakeNode[];
  /** hugetlbfs mounts: [mount point, pagesize option or null for the default size]. */
  readonly hugetlbfs: readonly (readonly [string, string | null])[];
  readonly defaultHugepageKiB: number;
  readonly pci: readonly FakePciDevice[];
  /** Registered PCI drivers (directories under /sys/bus/pci/drivers). */
  readonly drivers: readonly string[];
  /** False: no /sys/kernel/iommu_groups entries (IOMMU off). */
  readonly iommu: boolean;
}

/**
 * The standard fake host:
 * - 2 NUMA nodes (CPUs 0-1 / 2-3), 2 MiB pools 64/64 free on node 0 and 32/16 free on node 1,
 *   1 GiB pools 2/2 and 0/0; hugetlbfs at /dev/hugepages (2M) and /dev/hugepages1G.
 * - 0000:00:01.0 PCIe root port (bridge, pcieport, group 1) with, behind it, a GPU 0000:01:00.0
 *   (nouveau) and its HDMI audio 0000:01:00.1 (snd_hda_intel), both in IOMMU group 13, node 0.
 * - 0000:00:02.0 integrated GPU (i915, group 0) offering mdev type i915-GVTg_V5_4 (2 left).
 * - 0000:03:00.0 SR-IOV NIC PF (igb, group 20, node 1), 7 VFs possible, none created; VF i is
 *   0000:03:10.0, :10.4, :11.0, ... (offset 128, stride 4), driver igbvf, group 40 + i.
 * - 0000:04:00.0 NVMe (nvme, group 21, node 1) and 0000:05:00.0 NIC (e1000e, group 22, node 0).
 * - 0000:06:00.0 a device already on vfio-pci (group 23), 0000:07:00.0 unbound (group 24).
 */
export const STANDARD_FAKE_HOST: FakeHostSpec = {
  hostname: 'fakehost',
  nodes: [
    { id: 0, cpus: '0-1', memFreeKiB: 4 * 1024 * 1024, pools: [[2048, 64, 64], [1048576, 2, 2]] },
    { id: 1, cpus: '2-3', memFreeKiB: 4 * 1024 * 1024, pools: [[2048, 32, 16], [1048576, 0, 0]] },
  ],
  hugetlbfs: [
    ['/dev/hugepages', null],
    ['/dev/hugepages1G', '1024M'],
  ],
  defaultHugepageKiB: 2048,
  iommu: true,
  drivers: ['e1000e', 'i915', 'igb', 'igbvf', 'nouveau', 'nvme', 'pcieport', 'snd_hda_intel', 'vfio-pci'],
  pci: [
    { address: '0000:00:01.0', vendor: '0x8086', device: '0x1901', class: '0x060400', numaNode: 0, group: 1, header: 0x01, driver: 'pcieport' },
    { address: '0000:00:02.0', vendor: '0x8086', device: '0x3e92', class: '0x030000', numaNode: 0, group: 0, header: 0x00, driver: 'i915', mdevTypes: [{ id: 'i915-GVTg_V5_4', name: 'GVTg_V5_4', available: 2, deviceApi: 'vfio-pci' }] },
    { address: '0000:01:00.0', vendor: '0x10de', device: '0x1b80', class: '0x030000', numaNode: 0, group: 13, header: 0x80, driver: 'nouveau', parent: '0000:00:01.0', resetMethods: ['bus'] },
    { address: '0000:01:00.1', vendor: '0x10de', device: '0x10f0', class: '0x040300', numaNode: 0, group: 13, header: 0x80, driver: 'snd_hda_intel', parent: '0000:00:01.0' },
    {
      address: '0000:03:00.0', vendor: '0x8086', device: '0x1521', class: '0x020000', numaNode: 1, group: 20, header: 0x80, driver: 'igb',
      sriov: { totalVfs: 7, vfDevice: '0x1520', vfDriver: 'igbvf', offset: 128, stride: 4, firstGroup: 40 },
    },
    { address: '0000:04:00.0', vendor: '0x144d', device: '0xa808', class: '0x010802', numaNode: 1, group: 21, header: 0x00, driver: 'nvme' },
    { address: '0000:05:00.0', vendor: '0x8086', device: '0x10d3', class: '0x020000', numaNode: 0, group: 22, header: 0x00, driver: 'e1000e' },
    { address: '0000:06:00.0', vendor: '0x1af4', device: '0x1041', class: '0x020000', numaNode: 0, group: 23, header: 0x00, driver: 'vfio-pci', nativeDriver: null },
    { address: '0000:07:00.0', vendor: '0x1b36', device: '0x0010', class: '0x010802', numaNode: 0, group: 24, header: 0x00, driver: null },
  ],
};

/** Host path of a PCI device's directory under /sys/devices. */
export function deviceDir(spec: FakeHostSpec, address: string): string {
  const d = spec.pci.find((x) => x.address === address);
  const chain = d?.parent ? `${deviceDir(spec, d.parent)}/${address}` : `/sys/devices/pci${address.slice(0, 7)}/${address}`;
  return chain;
}

/** A symlink target from host path `from` (the link) to host path `to`, relative as sysfs stores them. */
export function relLink(from: string, to: string): string {
  return path.posix.relative(path.posix.dirname(from), to);
}

export class TreeWriter {
  constructor(readonly root: string) {}
  real(p: string): string {
    return path.join(this.root, p);
  }
  file(p: string, content: string | Buffer): void {
    fs.mkdirSync(path.dirname(this.real(p)), { recursive: true });
    fs.writeFileSync(this.real(p), content);
  }
  dir(p: string): void {
    fs.mkdirSync(this.real(p), { recursive: true });
  }
  link(p: string, to: string): void {
    fs.mkdirSync(path.dirname(this.real(p)), { recursive: true });
    fs.rmSync(this.real(p), { force: true });
    fs.symlinkSync(relLink(p, to), this.real(p));
  }
}

/** 64 bytes of config space with the ids and the header type byte (offset 0x0e). */
export function configSpace(vendor: string, device: string, header: number): Buffer {
  const b = Buffer.alloc(64);
  b.writeUInt16LE(parseInt(vendor, 16), 0);
  b.writeUInt16LE(parseInt(device, 16), 2);
  b[0x0e] = header;
  return b;
}

/** Writes one PCI function's directory and its bus/group links (no driver link). */
export function writePciFunction(
  w: TreeWriter,
  dir: string,
  d: { address: string; vendor: string; device: string; class: string; numaNode: number; group: number | null; header: number; resetMethods?: readonly string[] },
): void {
  w.file(`${dir}/vendor`, `${d.vendor}\n`);
  w.file(`${dir}/device`, `${d.device}\n`);
  w.file(`${dir}/class`, `${d.class}\n`);
  w.file(`${dir}/numa_node`, `${d.numaNode}\n`);
  w.file(`${dir}/driver_override`, '(null)\n');
  w.file(`${dir}/config`, configSpace(d.vendor, d.device, d.header));
  const resets = d.resetMethods ?? ((d.header & 0x7f) === 0 ? ['flr'] : []);
  if (resets.length) {
    w.file(`${dir}/reset_method`, `${resets.join(' ')}\n`);
    w.file(`${dir}/reset`, '');
  }
  if ((d.header & 0x7f) === 1) w.dir(`${dir}/pci_bus/${d.address.slice(0, 5)}:${(parseInt(d.address.slice(5, 7), 16) + 1).toString(16).padStart(2, '0')}`);
  w.link(`/sys/bus/pci/devices/${d.address}`, dir);
  if (d.group !== null) {
    w.link(`${dir}/iommu_group`, `/sys/kernel/iommu_groups/${d.group}`);
    w.file(`/sys/kernel/iommu_groups/${d.group}/type`, 'DMA\n');
    w.link(`/sys/kernel/iommu_groups/${d.group}/devices/${d.address}`, dir);
  }
}

export function buildFakeHost(root: string, spec: FakeHostSpec = STANDARD_FAKE_HOST): void {
  const w = new TreeWriter(root);
  w.file('/proc/sys/kernel/hostname', `${spec.hostname}\n`);
  w.file('/proc/sys/kernel/osrelease', '6.1.0-fake-amd64\n');
  const hugeTotal = spec.nodes.reduce((s, n) => s + (n.pools.find((p) => p[0] === spec.defaultHugepageKiB)?.[1] ?? 0), 0);
  w.file(
    '/proc/meminfo',
    `MemTotal:       16000000 kB\nMemFree:        ${spec.nodes.reduce((s, n) => s + n.memFreeKiB, 0)} kB\nMemAvailable:   9000000 kB\n` +
      `HugePages_Total:    ${hugeTotal}\nHugePages_Free:     0\nHugePages_Rsvd:        0\nHugePages_Surp:        0\nHugepagesize:       ${spec.defaultHugepageKiB} kB\n`,
  );
  w.file(
    '/proc/mounts',
    [
      'sysfs /sys sysfs rw,nosuid,nodev,noexec,relatime 0 0',
      'proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0',
      ...spec.hugetlbfs.map(([m, size]) => `hugetlbfs ${m.replace(/ /g, '\\040')} hugetlbfs rw,relatime${size ? `,pagesize=${size}` : ''} 0 0`),
      '',
    ].join('\n'),
  );
  w.file('/sys/devices/system/cpu/online', `0-${spec.nodes.length * 2 - 1}\n`);
  w.file('/sys/devices/system/node/online', `0-${spec.nodes.length - 1}\n`);
  const sizes = [...new Set(spec.nodes.flatMap((n) => n.pools.map((p) => p[0])))].sort((a, b) => a - b);
  for (const n of spec.nodes) {
    const nd = `/sys/devices/system/node/node${n.id}`;
    w.file(`${nd}/cpulist`, `${n.cpus}\n`);
    w.file(`${nd}/meminfo`, `Node ${n.id} MemTotal:       8000000 kB\nNode ${n.id} MemFree:        ${n.memFreeKiB} kB\n`);
    w.file(`${nd}/distance`, `${spec.nodes.map((o) => (o.id === n.id ? 10 : 21)).join(' ')}\n`);
    for (const [size, nr, free] of n.pools) {
      const pd = `${nd}/hugepages/hugepages-${size}kB`;
      w.file(`${pd}/nr_hugepages`, `${nr}\n`);
      w.file(`${pd}/free_hugepages`, `${free}\n`);
      w.file(`${pd}/surplus_hugepages`, '0\n');
    }
  }
  for (const size of sizes) {
    const gd = `/sys/kernel/mm/hugepages/hugepages-${size}kB`;
    const sum = (i: 1 | 2) => spec.nodes.reduce((s, n) => s + (n.pools.find((p) => p[0] === size)?.[i] ?? 0), 0);
    w.file(`${gd}/nr_hugepages`, `${sum(1)}\n`);
    w.file(`${gd}/free_hugepages`, `${sum(2)}\n`);
    w.file(`${gd}/resv_hugepages`, '0\n');
    w.file(`${gd}/surplus_hugepages`, '0\n');
    w.file(`${gd}/nr_overcommit_hugepages`, '0\n');
  }

  w.file('/sys/bus/pci/drivers_probe', '');
  w.file('/sys/bus/pci/drivers_autoprobe', '1\n');
  w.dir('/sys/bus/mdev/devices');
  w.dir('/sys/kernel/iommu_groups');
  w.dir('/dev/vfio');
  if (spec.iommu) w.file('/dev/vfio/vfio', '');
  for (const drv of spec.drivers) {
    for (const f of ['bind', 'unbind', 'new_id', 'remove_id']) w.file(`/sys/bus/pci/drivers/${drv}/${f}`, '');
  }
  for (const d of spec.pci) {
    const dir = deviceDir(spec, d.address);
    writePciFunction(w, dir, { ...d, group: spec.iommu ? d.group : null });
    if (d.sriov) {
      w.file(`${dir}/sriov_totalvfs`, `${d.sriov.totalVfs}\n`);
      w.file(`${dir}/sriov_numvfs`, '0\n');
      w.file(`${dir}/sriov_drivers_autoprobe`, '1\n');
      w.file(`${dir}/sriov_offset`, `${d.sriov.offset}\n`);
      w.file(`${dir}/sriov_stride`, `${d.sriov.stride}\n`);
      w.file(`${dir}/sriov_vf_device`, `${d.sriov.vfDevice.replace(/^0x/, '')}\n`);
    }
    for (const t of d.mdevTypes ?? []) {
      const td = `${dir}/mdev_supported_types/${t.id}`;
      w.file(`${td}/name`, `${t.name}\n`);
      w.file(`${td}/available_instances`, `${t.available}\n`);
      w.file(`${td}/device_api`, `${t.deviceApi}\n`);
      w.file(`${td}/create`, '');
      w.dir(`${td}/devices`);
    }
    if (d.mdevTypes?.length) w.link(`/sys/class/mdev_bus/${d.address}`, dir);
    if (d.driver && spec.drivers.includes(d.driver)) {
      w.link(`${dir}/driver`, `/sys/bus/pci/drivers/${d.driver}`);
      w.link(`/sys/bus/pci/drivers/${d.driver}/${d.address}`, dir);
      if (d.driver === 'vfio-pci' && d.group !== null && spec.iommu) w.file(`/dev/vfio/${d.group}`, '');
    }
  }
}
