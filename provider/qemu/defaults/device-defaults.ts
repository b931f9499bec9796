/**
 * Per-device defaults of libvirt's QEMU driver (what it fills in for each device as it is
 * parsed, before any device is added or addressed): disk driver and format, NIC model, SCSI and
 * USB controller models, serial target type and model, video model, host device backend, TPM
 * model and version, panic model, shared memory model and size, filesystem access mode.
 */
import type { Domain } from '../../../model/domain/domain';
import type { Controller } from '../../../model/domain/devices/controller';
import type { Disk } from '../../../model/domain/devices/disk';
import type { Graphics } from '../../../model/domain/devices/graphics';
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

/** The video adapter of an x86 guest without a model: Cirrus, or VGA where QEMU lacks Cirrus. */
export function defaultVideoType(def: Domain, caps: QemuCaps): 'cirrus' | 'vga' | 'virtio' {
  if (!isX86(def)) return 'virtio';
  return hasFlag(caps, 'VGA') && !hasFlag(caps, 'cirrus-vga') ? 'vga' : 'cirrus';
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
      if (c.model === undefined) {
        // s390 guests have no USB unless an address says otherwise; elsewhere PIIX3 UHCI, or the
        // first of OHCI / NEC XHCI this QEMU has.
        if ((def.os.type.arch ?? '').startsWith('s390')) {
          if (!c.address) c.model = 'none';
        } else if (hasFlag(caps, 'piix3-usb-uhci')) c.model = 'piix3-uhci';
        else if (hasFlag(caps, 'pci-ohci')) c.model = 'pci-ohci';
        else if (hasFlag(caps, 'nec-usb-xhci')) c.model = 'nec-xhci';
      }
      break;
  }
}

function encryptionEngine(enc: Encryption | undefined): void {
  if (enc && enc.engine === undefined) enc.engine = 'qemu';
}

/** The TCP port of each network storage protocol when a host gives none (none for rbd and nfs). */
const DEFAULT_PORT: Readonly<Record<string, number>> = {
  http: 80,
  https: 443,
  ftp: 21,
  ftps: 990,
  tftp: 69,
  sheepdog: 7000,
  nbd: 10809,
  ssh: 22,
  iscsi: 3260,
  gluster: 24007,
  vxhs: 9999,
};

function sourceDefaults(src: StorageSource | undefined): void {
  if (!src) return;
  encryptionEngine(src.encryption);
  const port = DEFAULT_PORT[src.protocol ?? ''];
  if (port) for (const h of src.hosts ?? []) if ((h.transport ?? 'tcp') === 'tcp' && !h.port) h.port = port;
}

function sourceChainDefaults(src: StorageSource | undefined, backing: BackingStore | undefined): void {
  sourceDefaults(src);
  let b = backing;
  while (b) {
    sourceDefaults(b.source);
    b = b.backingStore;
  }
}

/** Disks use QEMU's block layer (`<driver name='qemu'>`) and raw format unless told otherwise. */
export function applyDiskDefaults(disk: Disk): void {
  // An empty CD-ROM or floppy written as a network or pool volume disk without a source is an
  // empty file disk.
  const removable = disk.device === 'cdrom' || disk.device === 'floppy';
  if (removable && disk.type === 'network' && !disk.source?.protocol) disk.type = 'file';
  if (removable && disk.type === 'volume' && disk.source?.pool === undefined && disk.source?.volume === undefined) disk.type = 'file';
  // vhost-user disks live outside QEMU's block layer: they cannot be snapshotted.
  if (disk.type === 'vhostuser') disk.snapshot ??= 'no';
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
    const m = (v.model ??= { type: defaultVideoType(def, caps) });
    if (m.type === 'qxl') {
      m.ram ??= 65536;
      m.vgamem ??= 16384;
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
  applyShmemDefaults(def);
  for (const g of d.graphics ?? []) applyGraphicsListenDefault(g);
  for (const list of [d.serials, d.parallels, d.consoles, d.channels]) for (const chr of list ?? []) applyUnixSourceDefault(chr);
}

/**
 * A UNIX socket character device without a path gets one generated when the domain starts
 * (and listens on it); until then its `<source>` says nothing and is not kept.
 */
export function applyUnixSourceDefault(chr: { type?: string; sources?: { mode?: string; path?: string }[] }): void {
  if (chr.type !== 'unix' || !chr.sources) return;
  const bare = (s: object) => Object.entries(s).every(([k, v]) => k === 'mode' || v === undefined);
  const kept = chr.sources.filter((s) => s.path !== undefined || !bare(s));
  if (kept.length !== chr.sources.length) {
    if (kept.length) chr.sources = kept as typeof chr.sources;
    else delete chr.sources;
  }
}

/**
 * A VNC or SPICE display without any listen listens on an address (the host default); SPICE
 * without any port at all does not listen (`<listen type='none'/>`). libvirt applies this
 * whatever the hypervisor; it is repeated here, idempotently, for models that do not yet.
 */
export function applyGraphicsListenDefault(g: Graphics): void {
  if (g.type !== 'vnc' && g.type !== 'spice') return;
  if (g.listens?.length || g.listen !== undefined || g.socket !== undefined) return;
  const spiceWithoutPorts = g.type === 'spice' && !g.port && !g.tlsPort && g.autoport !== 'yes';
  g.listens = [{ type: spiceWithoutPorts ? 'none' : 'address' }];
  // Ports only mean something for a display that listens on an address.
  if (spiceWithoutPorts) delete g.autoport;
}

/** ICH9 UHCI companions serve ports 0-1, 2-3 and 4-5 of their EHCI master unless told otherwise. */
export function applyUsbCompanionDefaults(def: Domain): void {
  for (const c of def.devices?.controllers ?? []) {
    if (c.type !== 'usb' || c.master) continue;
    const port = c.model === 'ich9-uhci1' ? 0 : c.model === 'ich9-uhci2' ? 2 : c.model === 'ich9-uhci3' ? 4 : undefined;
    if (port !== undefined) c.master = { startport: port };
  }
}

/**
 * Shared memory: the plain model (and the original ivshmem) default to 4 MiB; a doorbell device
 * with a server uses ioeventfd unless told otherwise.
 */
export function applyShmemDefaults(def: Domain): void {
  for (const sh of def.devices?.shmems ?? []) {
    const model = (sh.model ??= { type: 'ivshmem' }).type;
    if (model !== 'ivshmem-doorbell') sh.size ??= 4;
    if (model === 'ivshmem-doorbell' && sh.server) {
      const msi = (sh.msi ??= {});
      msi.ioeventfd ??= 'on';
    }
  }
}

/** A `<loader>` path without a type is a ROM image (SeaBIOS-style firmware). */
export function applyLoaderDefaults(def: Domain): void {
  const loader = def.os.loader;
  if (loader && loader.path !== undefined && loader.type === undefined) loader.type = 'rom';
}

const SERIAL_TARGET_MODEL: Readonly<Record<string, 'isa-serial' | 'usb-serial' | 'pci-serial' | 'spapr-vty' | 'sclpconsole' | 'isa-debugcon'>> = {
  'isa-serial': 'isa-serial',
  'usb-serial': 'usb-serial',
  'pci-serial': 'pci-serial',
  'spapr-vio-serial': 'spapr-vty',
  'sclp-serial': 'sclpconsole',
  'isa-debug': 'isa-debugcon',
};
