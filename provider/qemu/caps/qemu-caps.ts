/**
 * What one QEMU binary can do: the input the argv builder branches on.
 *
 * A QemuCaps comes from one of three loaders (libvirt's caps XML in the conformance corpus, a QMP
 * probe of a real binary, or the probe cache) and is plain data: no methods, no I/O, so a golden
 * test can hand any caps to the pure argv builder.
 *
 * Flags are libvirt's capability names, kept as strings (`machine-hpet`, `virtio-blk-pci.scsi`,
 * `device.json+hotplug`, ...). The argv builder branches on exactly these, so caps loaded from
 * libvirt's XML and caps probed from a binary are interchangeable. See ./flag-rules.ts for how a
 * probe derives each flag it knows.
 */

/** One `-machine` board type, as query-machines reports it for one accelerator. */
export interface MachineType {
  /** Canonical versioned name: `pc-i440fx-7.2`, `pc-q35-7.2`, `microvm`. */
  readonly name: string;
  /** The short name that resolves to this machine, e.g. `pc` or `q35`. */
  readonly alias?: string;
  /** True for the machine QEMU uses without `-machine` (at most one per accelerator). */
  readonly isDefault: boolean;
  /** Upper bound on vCPUs (`cpu-max`). */
  readonly maxCpus: number;
  readonly hotplugCpus: boolean;
  /** QEMU warns when this machine is used and may drop it in a later release. */
  readonly deprecated: boolean;
  /** QOM type of the default CPU model, e.g. `qemu64-x86_64-cpu`. */
  readonly defaultCpuType?: string;
  /** Id of the RAM memory backend QEMU creates by default (`pc.ram`): `-machine memory-backend=` must match it. */
  readonly defaultRamId?: string;
  /** True when the machine accepts `-numa node,mem=` (legacy, without memdev). */
  readonly numaMemSupported: boolean;
}

/** A CPU model for `-cpu`, with its usability under one accelerator on this host. */
export interface CpuModel {
  readonly name: string;
  /** QOM type implementing the model, e.g. `Skylake-Client-v4-x86_64-cpu`. */
  readonly typename?: string;
  /** `no` when the host/accelerator lacks some features; `unknown` when QEMU did not say. */
  readonly usable: 'yes' | 'no' | 'unknown';
  /** The features that make the model unusable here (libvirt calls them blockers). Empty when usable. */
  readonly unavailableFeatures: readonly string[];
  readonly deprecated: boolean;
  /** For unversioned names, the versioned model they stand for (`Westmere` → `Westmere-v1`). */
  readonly aliasOf?: string;
}

/** What an accelerator offers: libvirt probes each accelerator separately, and so do we. */
export interface AccelCaps {
  readonly machines: readonly MachineType[];
  readonly cpuModels: readonly CpuModel[];
}

/** One property of a device or object type (device-list-properties / qom-list-properties). */
export interface TypeProperty {
  readonly name: string;
  /** QEMU's property type name: `bool`, `uint32`, `str`, `link<iothread>`, ... */
  readonly type: string;
  readonly description?: string;
  /** Present only when QEMU reports one; large integers may have lost precision in JSON. */
  readonly defaultValue?: unknown;
}

export type Accel = 'kvm' | 'tcg';

export interface QemuCaps {
  /** Path of the binary on its host, e.g. `/usr/bin/qemu-system-x86_64`. */
  readonly emulator: string;
  /** Target architecture (`query-target`): `x86_64`. */
  readonly arch: string;
  /** major*1_000_000 + minor*1_000 + micro, as libvirt counts: 7.2.22 → 7002022. */
  readonly version: number;
  /** `7.2.22`. */
  readonly versionString: string;
  /** Distribution package string, e.g. `Debian 1:7.2+dfsg-7+deb12u18+b3`; may be empty. */
  readonly package: string;
  /** KVM works for this binary on this host (query-kvm `present` and `enabled` under -accel kvm). */
  readonly kvmAvailable: boolean;
  /** libvirt capability flag names. */
  readonly flags: ReadonlySet<string>;
  /** Every QOM type name the binary has (devices, objects, machines, CPUs, accelerators). */
  readonly qomTypes: ReadonlySet<string>;
  /** Properties of the devices in {@link DEVICE_PROPERTY_TYPES} that exist in this binary. */
  readonly deviceProps: Readonly<Record<string, readonly TypeProperty[]>>;
  /** Properties of the object types in {@link OBJECT_PROPERTY_TYPES} that exist in this binary. */
  readonly objectProps: Readonly<Record<string, readonly TypeProperty[]>>;
  /** Machines and CPU models per accelerator; `kvm` is absent when KVM is not available. */
  readonly accel: { readonly kvm?: AccelCaps; readonly tcg?: AccelCaps };
}

/**
 * The devices whose properties a probe records: the ones the argv builder and the flag rules look
 * at. The list is fixed so that probes are comparable and cheap (one QMP call per device).
 */
export const DEVICE_PROPERTY_TYPES: readonly string[] = [
  'virtio-blk-pci',
  'virtio-net-pci',
  'virtio-scsi-pci',
  'virtio-balloon-pci',
  'virtio-iommu-pci',
  'virtio-mem-pci',
  'virtio-gpu-pci',
  'vhost-user-fs-device',
  'vfio-pci',
  'scsi-hd',
  'ide-hd',
  'PIIX4_PM',
  'ICH9-LPC',
  'kvm-pit',
  'usb-redir',
  'usb-storage',
  'usb-host',
  'VGA',
  'vmware-svga',
  'qxl',
  'intel-iommu',
  'mch',
  'nvdimm',
  'pcie-root-port',
];

/**
 * The non-device QOM types whose properties a probe records: memory backends, the max CPU, and
 * `none-machine` (its properties are the ones every machine type has).
 */
export const OBJECT_PROPERTY_TYPES: readonly string[] = ['memory-backend-file', 'memory-backend-memfd', 'max-x86_64-cpu', 'none-machine'];

export function hasFlag(caps: QemuCaps, flag: string): boolean {
  return caps.flags.has(flag);
}

/** `7002022` → `7.2.22`. */
export function versionString(version: number): string {
  return `${Math.floor(version / 1_000_000)}.${Math.floor(version / 1_000) % 1_000}.${version % 1_000}`;
}

/** `{major: 7, minor: 2, micro: 22}` → 7002022. */
export function versionNumber(v: { readonly major: number; readonly minor: number; readonly micro: number }): number {
  return v.major * 1_000_000 + v.minor * 1_000 + v.micro;
}

/** The accelerator's caps; TCG data stands in when KVM was not probed. */
export function accelCaps(caps: QemuCaps, accel: Accel): AccelCaps | undefined {
  return caps.accel[accel];
}

/** The machine QEMU picks without `-machine` under `accel`. */
export function defaultMachine(caps: QemuCaps, accel: Accel): MachineType | undefined {
  return caps.accel[accel]?.machines.find((m) => m.isDefault);
}

/** Finds a machine by canonical name or alias (`pc` → `pc-i440fx-7.2`). */
export function findMachine(caps: QemuCaps, accel: Accel, name: string): MachineType | undefined {
  const machines = caps.accel[accel]?.machines ?? [];
  return machines.find((m) => m.name === name) ?? machines.find((m) => m.alias === name);
}

export function findCpuModel(caps: QemuCaps, accel: Accel, name: string): CpuModel | undefined {
  return caps.accel[accel]?.cpuModels.find((c) => c.name === name);
}

/** True when `type` (a device or object) has a property `prop` in the recorded property lists. */
export function hasTypeProperty(caps: QemuCaps, type: string, prop: string): boolean {
  const props = caps.deviceProps[type] ?? caps.objectProps[type];
  return props !== undefined && props.some((p) => p.name === prop);
}
