/**
 * Per-device defaults of libvirt's QEMU driver (what it fills in for each device as it is
 * parsed, before any device is added or addressed): disk driver and format, NIC model, SCSI and
 * USB controller models, serial target type and model, video model, host device backend, TPM
 * model and version, panic model, shared memory model and size, filesystem access mode.
 */
import type { Domain } from '../../../model/domain/domain';
import type { Controller } from '../../../model/domain/devices/controller';
import type { Disk } from '../../../model/domain/devices/disk';
import type { BackingStore, Encryption, StorageSource } from '../../../model/domain/devices/storage-source';
import type { QemuCaps } from '../caps';
import { hasFlag } from '../caps';
import { isX86 } from './machine';

/** The NIC QEMU guests get without `<model>`: the first of rtl8139, e1000, virtio this QEMU has. */
export function defaultNetModel(def: Domain, caps: QemuCaps): string | undefined {
  const arch = def.os.type.arch ?? '';
  if (arch.startsWith('s390')) return 'virtio';
  if (hasFlag(caps, 'rtl8139')) return 'rtl8139';
  if (hasFlag(caps, 'e1000')) return 'e1000';
  if (hasFlag(caps, 'virtio-net')) return 'virtio';
  return 'rtl8139';
}

/** SCSI controllers default to LSI Logic where QEMU has it, else virtio-scsi. */
export function defaultScsiModel(caps: QemuCaps): Controller['model'] {
  if (hasFlag(caps, 'lsi')) return 'lsilogic';
  if (hasFlag(caps, 'virtio-scsi-pci')) return 'virtio-scsi';
  return undefined;
}

export function applyControllerDefaults(def: Domain, c: Controller, caps: QemuCaps): void {
  switch (c.type) {
    case 'scsi':
      if (c.model === undefined || c.model === 'auto') {
        const m = defaultScsiModel(caps);
        if (m) c.model = m;
      }
      break;
    case 'usb':
      if (c.model === undefined && isX86(def) && hasFlag(caps, 'piix3-usb-uhci')) c.model = 'piix3-uhci';
      break;
  }
}

function encryptionEngine(enc: Encryption | undefined): void {
  if (enc && enc.engine === undefined) enc.engine = 'qemu';
}

function sourceChainDefaults(src: StorageSource | undefined, backing: BackingStore | undefined): void {
  encryptionEngine(src?.encryption);
  let b = backing;
  while (b) {
    encryptionEngine(b.source?.encryption);
    b = b.backingStore;
  }
}

/** Disks use QEMU's block layer (`<driver name='qemu'>`) and raw format unless told otherwise. */
export function applyDiskDefaults(disk: Disk): void {
  const driver = (disk.driver ??= {});
  driver.name ??= 'qemu';
  if (driver.type === undefined && disk.type !== 'volume') driver.type = 'raw';
  if (disk.mirror && disk.mirror.format === undefined && !disk.mirror.formatElement) disk.mirror.format = 'raw';
  encryptionEngine(disk.encryption);
  sourceChainDefaults(disk.source, disk.backingStore);
}

/** The per-device pass over every device list (qemuDomainDeviceDefPostParse). */
export function applyDeviceDefaults(def: Domain, caps: QemuCaps): void {
  const d = def.devices;
  if (!d) return;
  const x86 = isX86(def);
  for (const disk of d.disks ?? []) applyDiskDefaults(disk);
  for (const c of d.controllers ?? []) applyControllerDefaults(def, c, caps);
  for (const net of d.interfaces ?? []) {
    if (net.model === undefined && net.type !== 'hostdev') {
      const m = net.type === 'vdpa' ? 'virtio' : defaultNetModel(def, caps);
      if (m) net.model = { type: m };
    }
  }
  for (const s of d.serials ?? []) {
    const t = (s.target ??= {});
    if (t.type === undefined && x86) t.type = 'isa-serial';
    if (t.model === undefined) {
      const m = SERIAL_TARGET_MODEL[t.type ?? ''];
      if (m) t.model = { name: m };
    }
  }
  for (const v of d.videos ?? []) {
    const m = (v.model ??= { type: x86 ? 'cirrus' : 'virtio' });
    if (m.type === 'qxl' && m.vgamem === undefined) m.vgamem = 16384;
  }
  for (const h of d.hostdevs ?? []) {
    if ((h.mode ?? 'subsystem') === 'subsystem' && h.type === 'pci') {
      const drv = (h.driver ??= {});
      drv.name ??= 'vfio';
    }
  }
  for (const t of d.tpms ?? []) {
    if (t.model === undefined) t.model = 'tpm-tis';
    const b = t.backend;
    if (b?.type === 'emulator' && b.version === undefined) b.version = t.model === 'tpm-crb' || t.model === 'tpm-spapr' ? '2.0' : '1.2';
  }
  for (const p of d.panics ?? []) if (p.model === undefined && x86) p.model = 'isa';
  for (const fs of d.filesystems ?? []) {
    if (fs.driver?.type !== 'virtiofs' && (fs.type ?? 'mount') === 'mount' && fs.accessmode === undefined) fs.accessmode = 'passthrough';
  }
  if (d.vsock) d.vsock.model ??= 'virtio';
}

const SERIAL_TARGET_MODEL: Readonly<Record<string, 'isa-serial' | 'usb-serial' | 'pci-serial' | 'spapr-vty' | 'sclpconsole' | 'isa-debugcon'>> = {
  'isa-serial': 'isa-serial',
  'usb-serial': 'usb-serial',
  'pci-serial': 'pci-serial',
  'spapr-vio-serial': 'spapr-vty',
  'sclp-serial': 'sclpconsole',
  'isa-debug': 'isa-debugcon',
};
