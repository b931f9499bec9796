/**
 * Device aliases: the QEMU ids libvirt gives devices when a domain starts (`virtio-disk0`,
 * `ide0-0-0`, `net0`, `pci.1`, `usb`, `serial0`...). The argv builder uses them as `-device id=`
 * values and as bus names; live XML prints them as `<alias name='...'/>`.
 *
 * Where they live: in each device's model alias slot (`dev.alias.name`), like libvirt's live
 * definition. They are assigned only when preparing a launch (prepare.ts with `launch: true`),
 * never at define time, so inactive XML never carries them; user aliases (`ua-` prefix) are kept.
 */
import type { Domain } from '../../../model/domain/domain';
import type { Controller } from '../../../model/domain/devices/controller';
import type { Disk } from '../../../model/domain/devices/disk';
import { memoryDevices } from './device-list';
import { diskNameToIndex } from './implicit-devices';
import { isI440fx, isQ35 } from './machine';

interface Aliased {
  alias?: { name: string };
}

function set(dev: Aliased, name: string): void {
  if (dev.alias?.name === undefined) dev.alias = { name };
}

/** The N of an alias `PREFIXN`, or -1. */
function aliasIndex(dev: Aliased, prefix: string): number {
  const name = dev.alias?.name;
  if (!name?.startsWith(prefix)) return -1;
  const rest = name.slice(prefix.length);
  return /^\d+$/.test(rest) ? Number(rest) : -1;
}

/** `PREFIXN` with N one past the highest such alias among `peers`. */
function nextAlias(peers: readonly Aliased[], prefix: string): string {
  let idx = 0;
  for (const p of peers) {
    const n = aliasIndex(p, prefix);
    if (n >= idx) idx = n + 1;
  }
  return `${prefix}${idx}`;
}

export function diskAlias(def: Domain, disk: Disk): string {
  const bus = disk.target?.bus ?? 'ide';
  const a = disk.address;
  if (a?.type === 'drive') {
    if (bus === 'scsi') {
      const ctrl = def.devices?.controllers?.find((c) => c.type === 'scsi' && c.index === (a.controller ?? 0));
      if (ctrl?.model === 'lsilogic') return `scsi${a.controller ?? 0}-${a.bus ?? 0}-${a.unit ?? 0}`;
      return `scsi${a.controller ?? 0}-${a.bus ?? 0}-${a.target ?? 0}-${a.unit ?? 0}`;
    }
    return `${bus}${a.controller ?? 0}-${a.bus ?? 0}-${a.unit ?? 0}`;
  }
  return `${bus}-disk${diskNameToIndex(disk.target?.dev ?? '') ?? 0}`;
}

export function controllerAlias(def: Domain, c: Controller): string {
  const type = c.type ?? 'ide';
  const idx = c.index ?? 0;
  if (type === 'pci') return c.model === 'pcie-root' ? `pcie.${idx}` : `pci.${idx}`;
  if (type === 'ide' && idx === 0 && isI440fx(def)) return 'ide';
  if (type === 'sata' && idx === 0 && isQ35(def)) return 'ide';
  if (type === 'usb' && idx === 0) return 'usb';
  return `${type}${idx}`;
}

const MEMORY_PREFIX: Readonly<Record<string, string>> = {
  dimm: 'dimm',
  nvdimm: 'nvdimm',
  'virtio-pmem': 'virtiopmem',
  'virtio-mem': 'virtiomem',
  'sgx-epc': 'epc',
};

/** Gives every device without one its libvirt alias, in libvirt's order (in place). */
export function assignAliases(def: Domain): Domain {
  const d = def.devices;
  if (!d) return def;
  for (const disk of d.disks ?? []) set(disk, diskAlias(def, disk));
  const hostdevPeers = (): Aliased[] => [...(d.hostdevs ?? []), ...(d.interfaces ?? []).filter((n) => n.type === 'hostdev')];
  for (const net of d.interfaces ?? []) {
    if (net.alias) continue;
    set(net, net.type === 'hostdev' ? nextAlias(hostdevPeers(), 'hostdev') : nextAlias(d.interfaces ?? [], 'net'));
  }
  for (const fs of d.filesystems ?? []) set(fs, nextAlias(d.filesystems ?? [], 'fs'));
  (d.sounds ?? []).forEach((s, i) => set(s, `sound${i}`));
  for (const h of d.hostdevs ?? []) set(h, nextAlias(hostdevPeers(), 'hostdev'));
  (d.redirdevs ?? []).forEach((r, i) => set(r, `redir${i}`));
  (d.videos ?? []).forEach((v, i) => set(v, `video${i}`));
  for (const c of d.controllers ?? []) set(c, controllerAlias(def, c));
  (d.inputs ?? []).forEach((x, i) => set(x, `input${i}`));
  (d.parallels ?? []).forEach((x, i) => set(x, `parallel${i}`));
  (d.serials ?? []).forEach((x, i) => set(x, `serial${i}`));
  (d.channels ?? []).forEach((x, i) => set(x, `channel${i}`));
  (d.consoles ?? []).forEach((x, i) => set(x, `console${i}`));
  (d.hubs ?? []).forEach((x, i) => set(x, `hub${i}`));
  (d.shmems ?? []).forEach((x, i) => set(x, `shmem${i}`));
  (d.smartcards ?? []).forEach((x, i) => set(x, `smartcard${i}`));
  if (d.watchdog) set(d.watchdog, 'watchdog0');
  if (d.memballoon && d.memballoon.model !== 'none') set(d.memballoon, 'balloon0');
  for (const r of d.rngs ?? []) set(r, nextAlias(d.rngs ?? [], 'rng'));
  (d.tpms ?? []).forEach((x, i) => set(x, `tpm${i}`));
  const mems = memoryDevices(def);
  for (const m of mems) {
    // DIMM-like devices are named after their slot; the others count up.
    const prefix = MEMORY_PREFIX[m.model] ?? 'dimm';
    const slot = m.address?.type === 'dimm' ? m.address.slot : undefined;
    set(m, slot !== undefined ? `${prefix}${slot}` : nextAlias(mems, prefix));
  }
  if (d.vsock) set(d.vsock, 'vsock0');
  if (d.iommu) set(d.iommu, 'iommu0');
  return def;
}
