/**
 * The defaults libvirt's generic parser gives character devices, whatever the hypervisor:
 *  - a device without `type` is a `pty`;
 *  - a tcp device always has a `<protocol>` (raw);
 *  - serial, parallel and console ports without a number get the next free one of their kind
 *    (highest used + 1);
 *  - a console without a target type is a serial console;
 *  - for HVM guests, the first console and serial[0] are tied together (see console.ts).
 * QEMU-specific choices (serial target type and model, virtio-serial addresses, generated
 * socket paths, aliases) belong to provider/qemu.
 *
 * Works in place so parsed objects keep their source positions; applying it twice changes nothing.
 */
import type { ChrBacked } from './chardev';
import type { Serial } from './serial';
import type { Parallel } from './parallel';
import type { Console } from './console';
import type { Channel } from './channel';
import { applyConsoleCompat } from './console';

/** The character device lists of `<devices>`. */
export interface ChrDeviceLists {
  serials?: Serial[];
  parallels?: Parallel[];
  consoles?: Console[];
  channels?: Channel[];
}

function sourceDefaults(dev: ChrBacked): void {
  dev.type ??= 'pty';
  if (dev.type === 'tcp') dev.protocol ??= { type: 'raw' };
  if (dev.protocol && dev.type === 'tcp') dev.protocol.type ??= 'raw';
}

function numberPorts(list: Array<{ target?: { port?: number } }>): void {
  let max = -1;
  for (const d of list) if (d.target?.port !== undefined) max = Math.max(max, d.target.port);
  for (const d of list) {
    if (d.target?.port === undefined) {
      max += 1;
      d.target = { ...(d.target ?? {}), port: max };
    }
  }
}

/**
 * Applies the defaults to the lists (in place). `osType` is the domain's `<os><type>`; the
 * console/serial tie only exists for `hvm`.
 */
export function applyChrDefaults(devices: ChrDeviceLists, osType?: string): void {
  for (const list of [devices.serials, devices.parallels, devices.consoles, devices.channels]) {
    for (const d of list ?? []) sourceDefaults(d);
  }
  for (const c of devices.consoles ?? []) {
    if (c.target?.type === undefined) c.target = { type: 'serial', ...(c.target ?? {}) };
  }
  if (devices.serials) numberPorts(devices.serials);
  if (devices.parallels) numberPorts(devices.parallels);
  if (devices.consoles) numberPorts(devices.consoles);
  if (devices.consoles?.length || devices.serials?.length) {
    const r = applyConsoleCompat(devices.consoles ?? [], devices.serials ?? [], osType === 'hvm');
    if (r.consoles.length) devices.consoles = r.consoles;
    if (r.serials.length) devices.serials = r.serials;
  }
}
