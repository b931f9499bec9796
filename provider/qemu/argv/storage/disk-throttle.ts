/**
 * Disk I/O limits (`<iotune>`). With `-blockdev`, QEMU takes them over QMP, not on the command
 * line: once the process is up (still paused), libvirt sends one `block_set_io_throttle` per
 * disk that has limits, naming the guest device by its QOM id. This builds those commands so
 * the executor can send them after starting QEMU, before `cont`.
 *
 *   {"execute":"block_set_io_throttle","arguments":{"id":"virtio-disk0/virtio-backend",
 *    "bps":5000,"bps_rd":0,"bps_wr":0,"iops":6000,...,"group":"libvirt_iotune_group1"}}
 *
 * Rates are bytes or operations per second; 0 means unlimited. `*_max_length` are seconds.
 */
import type { Domain } from '../../../../model/domain/domain';
import type { Disk, IoTune } from '../../../../model/domain/devices/disk';
import { isEmptyDisk } from '../sections/disks';

export interface QmpCommand {
  readonly execute: string;
  readonly arguments: Record<string, unknown>;
}

/** QMP argument name → `<iotune>` field, in the order QEMU documents them. */
const FIELDS: readonly (readonly [string, keyof IoTune])[] = [
  ['bps', 'totalBytesSec'],
  ['bps_rd', 'readBytesSec'],
  ['bps_wr', 'writeBytesSec'],
  ['iops', 'totalIopsSec'],
  ['iops_rd', 'readIopsSec'],
  ['iops_wr', 'writeIopsSec'],
  ['bps_max', 'totalBytesSecMax'],
  ['bps_rd_max', 'readBytesSecMax'],
  ['bps_wr_max', 'writeBytesSecMax'],
  ['iops_max', 'totalIopsSecMax'],
  ['iops_rd_max', 'readIopsSecMax'],
  ['iops_wr_max', 'writeIopsSecMax'],
  ['iops_size', 'sizeIopsSec'],
];

const LENGTHS: readonly (readonly [string, keyof IoTune])[] = [
  ['bps_max_length', 'totalBytesSecMaxLength'],
  ['bps_rd_max_length', 'readBytesSecMaxLength'],
  ['bps_wr_max_length', 'writeBytesSecMaxLength'],
  ['iops_max_length', 'totalIopsSecMaxLength'],
  ['iops_rd_max_length', 'readIopsSecMaxLength'],
  ['iops_wr_max_length', 'writeIopsSecMaxLength'],
];

/** True when `<iotune>` sets any limit. */
export function hasIoLimits(t: IoTune | undefined): boolean {
  return !!t && [...FIELDS, ...LENGTHS].some(([, k]) => typeof t[k] === 'number' && (t[k] as number) > 0);
}

/** The QOM id QEMU knows a disk's block backend by: virtio disks name their backend child. */
export function diskQomId(disk: Disk): string {
  const alias = disk.alias?.name ?? '';
  return disk.target?.bus === 'virtio' ? `${alias}/virtio-backend` : alias;
}

/**
 * One `block_set_io_throttle` per disk with limits, in domain order. A drive without a medium (an
 * empty CD-ROM) is left out, as libvirt does at start: QEMU refuses limits on a device with no
 * medium ("has no medium"), which would fail the whole launch.
 */
export function diskThrottleCommands(def: Domain): QmpCommand[] {
  const out: QmpCommand[] = [];
  for (const disk of def.devices?.disks ?? []) {
    const t = disk.iotune;
    if (!t || !hasIoLimits(t) || disk.type === 'vhostuser' || isEmptyDisk(disk)) continue;
    const args: Record<string, unknown> = { id: diskQomId(disk) };
    for (const [name, key] of FIELDS) args[name] = (t[key] as number | undefined) ?? 0;
    if (t.groupName !== undefined) args.group = t.groupName;
    for (const [name, key] of LENGTHS) if (typeof t[key] === 'number') args[name] = t[key];
    out.push({ execute: 'block_set_io_throttle', arguments: args });
  }
  return out;
}
