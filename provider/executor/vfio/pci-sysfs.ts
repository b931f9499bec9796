/**
 * Live PCI state read through HostFs, in the shapes of model/host-facts.ts (PciDeviceFacts,
 * PciFacts), so the executor can hand it to the planner's checks and get the plan's messages.
 * Reads only the devices asked for and the members of their IOMMU groups.
 *
 * sysfs facts used (kernel ABI): /sys/bus/pci/devices/ADDR/{vendor,device,class,numa_node,
 * driver_override,config,reset_method,reset,sriov_totalvfs,sriov_numvfs}, the links driver,
 * iommu_group, physfn, virtfnN, and /sys/kernel/iommu_groups/N/devices/*.
 */
import * as path from 'path';
import type { MdevTypeFacts, PciDeviceFacts, PciFacts } from '../../../model/host-facts';
import type { HostFs } from '../../host/host-fs';

export const PCI_DEVICES = '/sys/bus/pci/devices';
export const PCI_DRIVERS = '/sys/bus/pci/drivers';
export const IOMMU_GROUPS = '/sys/kernel/iommu_groups';

export const devicePath = (address: string) => `${PCI_DEVICES}/${address}`;

/** The header type from config space byte 0x0e (bit 7 is the multi-function flag). */
export function headerTypeOf(config: Buffer | null): PciDeviceFacts['headerType'] {
  if (!config || config.length < 0x0f) return 'unknown';
  return (['endpoint', 'bridge', 'cardbus'] as const)[config[0x0e] & 0x7f] ?? 'unknown';
}

const base = (link: string | null): string | null => (link === null ? null : path.posix.basename(link));

/** The driver a device is bound to now, or null. */
export async function driverOf(fs: HostFs, address: string): Promise<string | null> {
  return base(await fs.readlink(`${devicePath(address)}/driver`));
}

/** The IOMMU group of a device, or null. */
export async function iommuGroupOf(fs: HostFs, address: string): Promise<number | null> {
  const g = base(await fs.readlink(`${devicePath(address)}/iommu_group`));
  return g === null ? null : Number(g);
}

/** Members of an IOMMU group (PCI addresses and mdev UUIDs), sorted. */
export async function groupMembers(fs: HostFs, group: number): Promise<string[]> {
  const dir = `${IOMMU_GROUPS}/${group}/devices`;
  return (await fs.exists(dir)) ? fs.readdir(dir) : [];
}

/** Whether the IOMMU is on: /sys/kernel/iommu_groups has at least one group. */
export async function iommuPresent(fs: HostFs): Promise<boolean> {
  return (await fs.exists(IOMMU_GROUPS)) && (await fs.readdir(IOMMU_GROUPS)).length > 0;
}

/** VF addresses of a PF, by VF index (virtfnN links). */
export async function vfsOf(fs: HostFs, pf: string): Promise<string[]> {
  const entries = (await fs.readdir(devicePath(pf))).map((e) => /^virtfn(\d+)$/.exec(e)).filter((m): m is RegExpExecArray => m !== null);
  entries.sort((a, b) => Number(a[1]) - Number(b[1]));
  const out: string[] = [];
  for (const m of entries) out.push(base(await fs.readlink(`${devicePath(pf)}/${m[0]}`))!);
  return out;
}

/** The PF of a VF (physfn link), or null for a device that is not a VF. */
export async function pfOf(fs: HostFs, vf: string): Promise<string | null> {
  return base(await fs.readlink(`${devicePath(vf)}/physfn`));
}

/** One device's facts, or null when /sys/bus/pci/devices/ADDR does not exist. */
export async function readPciDevice(fs: HostFs, address: string): Promise<PciDeviceFacts | null> {
  const d = devicePath(address);
  if (!(await fs.exists(d))) return null;
  const names = ['vendor', 'device', 'class', 'numa_node', 'driver_override', 'config', 'reset_method', 'sriov_totalvfs', 'sriov_numvfs'];
  const got = await fs.readMany(names.map((n) => `${d}/${n}`));
  const text = (n: string) => got.get(`${d}/${n}`)?.toString('utf8').trim() ?? null;
  const hex = (n: string, w: number) => (text(n) ?? '').replace(/^0x/, '').toLowerCase().padStart(w, '0');
  const int = (n: string) => {
    const t = text(n);
    return t !== null && /^-?\d+$/.test(t) ? Number(t) : null;
  };
  const [driver, group, physfn] = await Promise.all([driverOf(fs, address), iommuGroupOf(fs, address), pfOf(fs, address)]);
  const total = int('sriov_totalvfs');
  const numa = int('numa_node');
  const override = text('driver_override');
  const mdevTypes: MdevTypeFacts[] = [];
  const typesDir = `${d}/mdev_supported_types`;
  if (await fs.exists(typesDir)) {
    for (const id of await fs.readdir(typesDir)) {
      const t = await fs.readMany(['name', 'available_instances', 'device_api'].map((f) => `${typesDir}/${id}/${f}`));
      const tt = (f: string) => t.get(`${typesDir}/${id}/${f}`)?.toString('utf8').trim() ?? null;
      const avail = tt('available_instances');
      mdevTypes.push({ id, name: tt('name'), availableInstances: avail !== null && /^\d+$/.test(avail) ? Number(avail) : null, deviceApi: tt('device_api') });
    }
  }
  return {
    address,
    vendor: hex('vendor', 4),
    device: hex('device', 4),
    class: hex('class', 6),
    driver,
    driverOverride: override && override !== '(null)' ? override : null,
    numaNode: numa === null || numa < 0 ? null : numa,
    iommuGroup: group,
    headerType: headerTypeOf(got.get(`${d}/config`) ?? null),
    sriov: total === null ? null : { totalVfs: total, numVfs: int('sriov_numvfs') ?? 0, virtfns: await vfsOf(fs, address) },
    physfn,
    mdevTypes,
    resetMethods: (text('reset_method') ?? '').split(/\s+/).filter(Boolean),
    // `reset` is write-only (reading it fails), so its presence is what counts.
    resettable: await fs.exists(`${d}/reset`),
  };
}

/**
 * PciFacts for `addresses` and every PCI member of their IOMMU groups (the planner's group
 * checks need them all), plus whether the IOMMU is on and which drivers are registered.
 */
export async function readPciFacts(fs: HostFs, addresses: readonly string[]): Promise<PciFacts> {
  const devices = new Map<string, PciDeviceFacts>();
  const groups = new Map<number, string[]>();
  const queue = [...addresses];
  while (queue.length) {
    const a = queue.shift()!;
    if (devices.has(a)) continue;
    const d = await readPciDevice(fs, a);
    if (!d) continue;
    devices.set(a, d);
    if (d.iommuGroup !== null && !groups.has(d.iommuGroup)) {
      const members = (await groupMembers(fs, d.iommuGroup)).filter((m) => /^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/.test(m));
      groups.set(d.iommuGroup, members);
      queue.push(...members);
    }
  }
  const drivers = (await fs.exists(PCI_DRIVERS)) ? await fs.readdir(PCI_DRIVERS) : [];
  return {
    devices: [...devices.values()].sort((a, b) => (a.address < b.address ? -1 : 1)),
    iommuEnabled: await iommuPresent(fs),
    iommuGroups: [...groups].sort((a, b) => a[0] - b[0]).map(([id, devs]) => ({ id, devices: devs })),
    drivers,
  };
}
