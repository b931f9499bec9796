/**
 * Everything the argv builder needs besides the domain: it never reads the host or the clock
 * itself, so one golden test drives it with any host's facts (the conformance runner feeds it
 * libvirt's fake test host; the executor feeds it the real host's facts).
 */
import type { QemuCaps } from '../caps';
import type { Sysinfo } from '../../../model/domain/sysinfo';
import type { ArgvSecrets } from './secret-object';
import type { ArgvStoragePools } from './storage/pool-volume';
import type { BackingStore } from '../../../model/domain/devices/storage-source';

/** A hugetlbfs mount usable for guest memory. */
export interface HugetlbfsMount {
  readonly path: string;
  /** Page size in KiB (2048 for 2 MiB pages). */
  readonly pageSizeKiB: number;
  /** The mount of the system's default huge page size (libvirt uses it when no size is given). */
  readonly isDefault: boolean;
}

/** The host facts the command line depends on. */
export interface ArgvHost {
  /** Host NUMA node ids that exist (numatune/hugepage nodesets are checked against them). */
  readonly numaNodes: readonly number[];
  readonly hugetlbfs: readonly HugetlbfsMount[];
  /** The system page size in KiB (4 on x86_64); a "hugepage" of this size means none. */
  readonly systemPageSizeKiB: number;
  /** Host CPU model facts for host-model/host-passthrough where needed. */
  readonly hostCpuModel?: string;
  /** The host's SMBIOS data (dmidecode), for `<smbios mode='host'>`. */
  readonly smbios?: Sysinfo;
  /**
   * The message for a NUMA node the host lacks (libvirt: `NUMA node N is unavailable`); the
   * conformance harness substitutes libvirt's test mock text.
   */
  readonly unavailableNodeMessage?: (node: number) => string;
  /**
   * The host's DRM render node (`/dev/dri/renderD128`) that OpenGL displays (SPICE gl,
   * egl-headless, D-Bus) use when the domain names none; libvirt's test harness mocks
   * `/dev/dri/foo`.
   */
  readonly drmRenderNode?: string;
  /**
   * The guest CID the host picked for `<vsock><cid auto='yes'/>` (the first one free on the
   * host); libvirt's test harness mocks 42.
   */
  readonly vsockCid?: number;
  /**
   * The TPM versions the host's swtpm can emulate (from `swtpm_setup --print-capabilities`);
   * undefined when unknown (not checked). libvirt's test harness picks them per case.
   */
  readonly swtpmVersions?: readonly ('1.2' | '2.0')[];
  /**
   * The SCSI generic node (`/dev/sg3`) of the LUN `bus:target:unit` behind host adapter
   * `adapter` (`scsi_host0`), for `<hostdev type='scsi'>`; libvirt's test harness mocks `/dev/sg0`.
   */
  readonly scsiGenericDevice?: (adapter: string, bus: number, target: number, unit: number) => string | undefined;
  /**
   * The file descriptor of an opened `/dev/vhost-scsi` QEMU inherits for a vhost-scsi hostdev
   * (`vhostfd`); libvirt's test harness mocks 3.
   */
  readonly vhostScsiFd?: number;
  /**
   * Whether a host block device is a CD-ROM drive (QEMU then uses `host_cdrom`, which follows
   * media changes); libvirt's test harness treats only `/dev/cdrom` as one. Absent: none is.
   */
  readonly isCdrom?: (path: string) => boolean;
  /**
   * The host bus and device number of the USB device with this vendor and product id (4 hex
   * digits each), for `<hostdev type='usb'>` that names the device by ids; undefined when no
   * such device is plugged in.
   */
  readonly findUsbDevice?: (vendor: number, product: number) => { readonly bus: number; readonly device: number } | undefined;
}

/** Where per-domain files live on the host. libvirt's test harness uses /tmp/lib/domain--1-NAME. */
export interface ArgvPaths {
  /** Per-domain private dir: master key, monitor socket, HOME for QEMU. */
  readonly domainLibDir: string;
  /** Channel sockets dir (`<channel type='unix'>` without a path). */
  readonly channelTargetDir: string;
  /** Dir for hugepage backing files: `<mount>/<hugepageSubdir>/<id>-<name>` (libvirt: libvirt/qemu). */
  readonly hugepageSubdir: string;
  /** memory-backend-file path prefix for non-hugepage file-backed memory (`memoryBacking source type='file'`). */
  readonly memoryBackingDir: string;
  /** NVRAM store dir (firmware variables), libvirt: /var/lib/libvirt/qemu/nvram. */
  readonly nvramDir: string;
  /** Per-domain swtpm / vhost-user / misc runtime dir. */
  readonly runDir: string;
  /**
   * The control socket of the domain's emulated TPM (swtpm); default
   * `<runDir>/<id>-<name>-swtpm.sock`. libvirt's test harness mocks `/dev/test`.
   */
  readonly swtpmSocket?: string;
}

/** How QEMU's monitor is connected. libvirt passes an fd; virtform (over SSH) uses a socket path. */
export type MonitorSpec =
  | { readonly kind: 'fd'; readonly fd: number }
  | { readonly kind: 'socket'; readonly path: string };

export interface ArgvContext {
  readonly caps: QemuCaps;
  readonly host: ArgvHost;
  readonly paths: ArgvPaths;
  readonly monitor: MonitorSpec;
  /**
   * Variables QEMU inherits from the launching process, when set there (libvirt passes PATH,
   * USER and LOGNAME through; its test harness has PATH=/bin, USER=test, LOGNAME=test).
   */
  readonly launchEnv: Readonly<{ PATH?: string; USER?: string; LOGNAME?: string }>;
  /**
   * Current time, seconds since the epoch: only `<clock offset='variable'>` needs it (the RTC
   * starts at now + adjustment). Without it such a clock is rejected.
   */
  readonly nowEpochSeconds?: number;
  /** Domain id; libvirt's tests use -1. Appears in hugepage file names. */
  readonly domainId: number;
  /**
   * Placeholder fd numbers for things libvirt passes as fds (tap, vhost, chardev sockets in
   * tests: 1729, add-fd sets...). The executor passes paths instead where it can.
   */
  readonly fdPassing: 'test-fds' | 'none';
  /** Environment overrides in effect (libvirt test harness: env.QEMU_AUDIO_DRV...). */
  readonly hostEnv?: Readonly<Record<string, string>>;
  /**
   * File descriptors the launcher passes to QEMU, grouped by the name a domain refers to them
   * with (`<source fdgroup='NAME'>`), in passing order.
   */
  readonly fdGroups?: Readonly<Record<string, readonly number[]>>;
  /** qemu.conf-style settings in effect (libvirt test harness: cfg.vncAllowHostAudio...); lists for list settings (hugetlbfsMount). */
  readonly config?: Readonly<Record<string, string | boolean | number | readonly string[]>>;
  /**
   * Master key, IVs and libvirt secret values for the secrets passed to QEMU (disk auth and
   * encryption, TLS key passwords...); see ./secret-object.ts. Without it, a domain that needs a
   * secret cannot be built.
   */
  readonly secrets?: ArgvSecrets;
  /** Storage pools and their volumes, for `<disk type='volume'>` (see ./storage/pool-volume.ts). */
  readonly storagePools?: ArgvStoragePools;
  /**
   * The `<backingStore>` layers the launcher read from the disks' image files (provider/executor/
   * storage/disk-chain.ts) rather than found in the XML: libvirt numbers their `-blockdev` nodes
   * after all others (./storage/storage-ids.ts). Absent: every layer came from the XML.
   */
  readonly detectedBackingStores?: ReadonlySet<BackingStore>;
}
