/**
 * `<runDir>/NAME/status.json`: what virtform knows about a domain's QEMU, so that any later
 * command (no daemon stays alive) can reconnect, report and clean up. Written early (before
 * QEMU is spawned, phase `starting`), completed before `cont`, and marked `started` once launch
 * finished; a QEMU found gone later leaves the record behind as `exited` for post-mortem.
 *
 * Invariants:
 * - JSON, one object, `format` = STATUS_FORMAT_VERSION. A reader refuses other versions rather
 *   than guessing (the error names the file and the fix).
 * - No secrets: argv is not stored (it can carry secret objects); only the binary path.
 * - CPU lists are in the kernel's list syntax (`0-3,8`), as /proc prints Cpus_allowed_list.
 * - `vfio`, `hugepages`, `mdevs`, `sriov` and `taps` are filled by the steps that prepare those
 *   resources (LaunchSpec fields or host steps); the lifecycle only stores them and hands them to
 *   the release hooks after exit. Their entries are the records of provider/executor/hugepages,
 *   vfio and network (the fields below are what the lifecycle and the ledgers read; the rest is
 *   kept as written).
 */
import type { MdevRecord } from '../vfio/mdev';
import type { SriovRecord } from '../vfio/sriov';

export const STATUS_FORMAT_VERSION = 1;

/**
 * - `starting`: launch has not finished; QEMU may be paused in prelaunch (never got `cont`).
 * - `started`:  launch finished (pinned, verified, `cont` sent unless started paused).
 * - `exited`:   QEMU is gone and was not stopped by virtform (crash, guest poweroff, killed
 *               outside virtform, or a half-started launch that was killed): kept for post-mortem.
 */
export type DomainPhase = 'starting' | 'started' | 'exited';

export interface ThreadRecord {
  /** QEMU's main thread and every other thread that is neither a vCPU nor an I/O thread, at launch. */
  readonly emulator: readonly number[];
  readonly vcpus: readonly { readonly index: number; readonly threadId: number }[];
  /** `qomId` is QEMU's object id (`iothread1`); `id` the domain's I/O thread id. */
  readonly iothreads: readonly { readonly id: number; readonly qomId: string; readonly threadId: number }[];
}

/** The CPU sets applied and read back, in kernel list syntax. */
export interface PinRecord {
  readonly vcpus: readonly { readonly index: number; readonly cpus: string }[];
  readonly emulator: string;
  readonly iothreads: readonly { readonly id: number; readonly cpus: string }[];
  /** Host NUMA nodes in cpuset.mems, or null when memory placement was left to QEMU's policy. */
  readonly mems: string | null;
}

/**
 * Where the domain's threads were put in a cpuset cgroup (the domain's directory, with
 * emulator/vcpuN/iothreadN below it: provider/executor/domain/cpuset-layout.ts), or why not.
 * `leftover`: a failed placement whose undo failed too; removed with the domain.
 */
export type CgroupPlacement =
  | { readonly kind: 'cpuset-v1'; readonly path: string }
  | { readonly kind: 'cpuset-v2'; readonly path: string }
  | { readonly kind: 'none'; readonly note: string; readonly leftover?: string };

/** A PCI device passed through with VFIO (filled by the VFIO step). */
export interface VfioDeviceRecord {
  /** `0000:01:00.0`. */
  readonly address: string;
  /** The driver it was bound to before virtform bound it to vfio-pci; null when it had none. */
  readonly originalDriver: string | null;
  /** True when virtform rebound it (and must give it back after QEMU exits). */
  readonly reboundByVirtform: boolean;
  /** IOMMU group (VFIO step records). */
  readonly group?: number | null;
  /** `assigned` to the guest, or a `group-peer` only moved off its host driver (VFIO step records). */
  readonly role?: 'assigned' | 'group-peer';
}

/** Hugepages taken for the domain's memory (filled by the hugepage step). */
export interface HugepageRecord {
  readonly sizeKiB: number;
  /** Host NUMA node, or null for the system-wide pool. */
  readonly node: number | null;
  readonly pages: number;
  /** Pages virtform added to the pool for this domain (to give back after exit). */
  readonly grownBy: number;
  /** The rest of provider/executor/hugepages' HugepageRecord, when that step made the entry. */
  readonly nodes?: readonly number[] | null;
  readonly grown?: readonly { readonly node: number | null; readonly pages: number }[];
  readonly mount?: string | null;
  readonly mountedByVirtform?: boolean;
  readonly memDir?: string | null;
}

/** A tap device made for one of the domain's interfaces (provider/executor/network prepareInterfaceTap). */
export interface TapRecord {
  /** Index of the interface in `<devices>` (the tap's name derives from it and the domain name). */
  readonly index: number;
  readonly ifname: string;
  readonly bridge: string;
  /** False when an existing tap of this domain and interface was reused. */
  readonly created: boolean;
}

/** A VNC or SPICE listener QEMU was started with (ports picked at launch for autoport displays). */
export interface DisplayRecord {
  readonly type: 'vnc' | 'spice';
  /** Listen address, or the unix socket path when `port` is null. */
  readonly address: string;
  readonly port: number | null;
  readonly tlsPort?: number;
  readonly websocket?: number;
  /** Picked by virtform because the domain asked for autoport. */
  readonly autoport: boolean;
}

/** What host steps take for a domain; each list is appended to status.json's list of that name. */
export interface HeldResources {
  readonly vfio?: readonly VfioDeviceRecord[];
  readonly hugepages?: readonly HugepageRecord[];
  readonly mdevs?: readonly MdevRecord[];
  readonly sriov?: readonly SriovRecord[];
  readonly taps?: readonly TapRecord[];
}

export interface DomainStatusRecord {
  readonly format: typeof STATUS_FORMAT_VERSION;
  readonly name: string;
  readonly uuid: string;
  /** Hash of what was launched (LaunchSpec.specHash or sha256 of argv, env, pins, console). */
  readonly specHash: string;
  readonly phase: DomainPhase;
  /** QEMU's pid once known. */
  readonly pid: number | null;
  /** /proc/PID/stat field 22 (clock ticks after boot). With the UUID, it tells our QEMU from a process that reused the pid. */
  readonly pidStartTime: number | null;
  /** QEMU binary (argv[0]). */
  readonly binary: string;
  readonly qmpSocket: string;
  readonly consoleSocket: string | null;
  /** ISO 8601, the launching virtform's clock. */
  readonly startedAt: string;
  /** Launched with LaunchSpec.paused (no `cont`): prelaunch is then a finished state. */
  readonly startedPaused: boolean;
  /** `<on_poweroff>` / `<on_crash>` as far as the lifecycle acts on them (LaunchSpec.lifecycle). */
  readonly lifecycle: { readonly onPoweroff: 'destroy' | 'preserve'; readonly onCrash: 'destroy' | 'preserve' };
  readonly threads: ThreadRecord | null;
  readonly pins: PinRecord | null;
  readonly cgroup: CgroupPlacement | null;
  readonly vfio: readonly VfioDeviceRecord[];
  readonly hugepages: readonly HugepageRecord[];
  /** Mediated devices used (created by virtform when `createdByVirtform`). */
  readonly mdevs: readonly MdevRecord[];
  /** SR-IOV VF counts virtform set for the domain's devices. */
  readonly sriov: readonly SriovRecord[];
  readonly taps: readonly TapRecord[];
  readonly displays: readonly DisplayRecord[];
  /** Set with phase `exited`. */
  readonly exit?: { readonly at: string; readonly reason: string };
}

/** Parses status.json text. Throws an Error naming `where` and the fix on anything unexpected. */
export function parseStatusRecord(text: string, where: string): DomainStatusRecord {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new Error(`${where} is not JSON (${(e as Error).message}); remove the file if no QEMU runs for this domain`);
  }
  const r = v as Partial<DomainStatusRecord> | null;
  if (!r || typeof r !== 'object' || Array.isArray(r)) throw new Error(`${where} does not hold a JSON object`);
  if (r.format !== STATUS_FORMAT_VERSION) {
    throw new Error(
      `${where} has format ${JSON.stringify(r.format)}, this virtform reads format ${STATUS_FORMAT_VERSION}; ` +
        'use the virtform version that launched the domain, or stop the domain with it first',
    );
  }
  const need = (k: keyof DomainStatusRecord, type: string): void => {
    if (typeof r[k] !== type) throw new Error(`${where}: field '${k}' must be a ${type}, got ${JSON.stringify(r[k])}`);
  };
  need('name', 'string');
  need('uuid', 'string');
  need('specHash', 'string');
  need('qmpSocket', 'string');
  need('binary', 'string');
  need('startedAt', 'string');
  if (!['starting', 'started', 'exited'].includes(r.phase as string)) throw new Error(`${where}: field 'phase' is ${JSON.stringify(r.phase)}`);
  if (r.pid !== null && !(Number.isInteger(r.pid) && (r.pid as number) > 0)) throw new Error(`${where}: field 'pid' must be a positive integer or null`);
  return {
    ...(r as DomainStatusRecord),
    lifecycle: r.lifecycle ?? { onPoweroff: 'destroy', onCrash: 'destroy' },
    vfio: r.vfio ?? [],
    hugepages: r.hugepages ?? [],
    mdevs: r.mdevs ?? [],
    sriov: r.sriov ?? [],
    taps: r.taps ?? [],
    displays: r.displays ?? [],
  };
}

/** Whether the record holds anything a release hook must give back. */
export function heldResourceNames(r: Pick<DomainStatusRecord, keyof HeldResources>): string[] {
  return [
    ...(r.vfio.length ? [`VFIO devices ${r.vfio.map((v) => v.address).join(', ')}`] : []),
    ...(r.hugepages.length ? ['hugepages'] : []),
    ...(r.mdevs.length ? [`mediated devices ${r.mdevs.map((m) => m.uuid).join(', ')}`] : []),
    ...(r.sriov.some((s) => s.changedByVirtform) ? [`SR-IOV VFs of ${r.sriov.filter((s) => s.changedByVirtform).map((s) => s.pf).join(', ')}`] : []),
    ...(r.taps.length ? [`taps ${r.taps.map((t) => t.ifname).join(', ')}`] : []),
  ];
}

/** `record` with `held` appended to its resource lists. */
export function withHeld(record: DomainStatusRecord, held: HeldResources): DomainStatusRecord {
  return {
    ...record,
    vfio: [...record.vfio, ...(held.vfio ?? [])],
    hugepages: [...record.hugepages, ...(held.hugepages ?? [])],
    mdevs: [...record.mdevs, ...(held.mdevs ?? [])],
    sriov: [...record.sriov, ...(held.sriov ?? [])],
    taps: [...record.taps, ...(held.taps ?? [])],
  };
}

export function formatStatusRecord(r: DomainStatusRecord): string {
  return JSON.stringify(r, null, 2) + '\n';
}
