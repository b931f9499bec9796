/**
 * Moving one PCI function to vfio-pci and back, through sysfs only (HostFs):
 *
 *   detach:   driver_override ← "vfio-pci"; ADDR/driver/unbind ← ADDR (when bound), and check
 *             ADDR/driver is gone; /sys/bus/pci/drivers_probe ← ADDR; wait until ADDR/driver is
 *             vfio-pci and /dev/vfio/GROUP exists.
 *   reattach: driver_override ← "\n" (clears it); ADDR/driver/unbind ← ADDR;
 *             drivers_probe ← ADDR (only when it had a driver); wait until it is back.
 *
 * driver_override makes the next probe pick vfio-pci whatever the device ids are, and only for
 * this one device (unlike vfio-pci's new_id, which claims every device with the same ids).
 * A detach that times out or is refused puts the device back on its original driver before
 * throwing, and the error says where the device ended up.
 */
import { HostResourceError, type HostIssue } from '../../../planner/host-issue';
import type { HostContext } from '../host-context';
import { devicePath, driverOf } from './pci-sysfs';

/** status.json `vfio` entry. */
export interface VfioDeviceRecord {
  /** `0000:01:00.0`. */
  readonly address: string;
  /** The driver it had before virtform bound it to vfio-pci; null when it had none. */
  readonly originalDriver: string | null;
  /** virtform rebound it, and gives it back to originalDriver after QEMU exits. */
  readonly reboundByVirtform: boolean;
  readonly group: number | null;
  /** `assigned`: passed to the guest; `group-peer`: moved off its host driver only so the group is viable. */
  readonly role: 'assigned' | 'group-peer';
}

export interface BindTiming {
  /** How long to wait for the kernel to bind (default 2000 ms). */
  readonly timeoutMs?: number;
  /** Poll interval (default 50 ms). */
  readonly pollMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function bindIssue(path: string, problem: string, detail: string, fix: string, code: HostIssue['code'] = 'VFIO_BIND_FAILED'): HostResourceError {
  return new HostResourceError([{ severity: 'error', code, path, problem, detail, fix }]);
}

/** Polls until `ok()` or the timeout; returns whether it became true. */
async function waitFor(ok: () => Promise<boolean>, t: BindTiming): Promise<boolean> {
  const deadline = Date.now() + (t.timeoutMs ?? 2000);
  for (;;) {
    if (await ok()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(t.pollMs ?? 50);
  }
}

/**
 * Gives `address` back to `original` (or leaves it unbound when original is null). Returns the
 * driver it ended on. Does nothing when it is already there with no override left.
 */
async function giveBack(ctx: HostContext, address: string, original: string | null, t: BindTiming): Promise<string | null> {
  const dev = devicePath(address);
  await ctx.fs.write(`${dev}/driver_override`, '\n');
  const now = await driverOf(ctx.fs, address);
  if (now === original) return now;
  if (now !== null) {
    await ctx.fs.write(`${dev}/driver/unbind`, address);
    await waitFor(async () => (await driverOf(ctx.fs, address)) === null, t);
  }
  if (original === null) return driverOf(ctx.fs, address);
  await ctx.fs.write('/sys/bus/pci/drivers_probe', address);
  await waitFor(async () => (await driverOf(ctx.fs, address)) === original, t);
  return driverOf(ctx.fs, address);
}

/**
 * Binds `address` to vfio-pci (see the file comment). `path` names the domain element for
 * errors. Already on vfio-pci: nothing is written, reboundByVirtform is false.
 */
export async function bindToVfio(
  ctx: HostContext,
  address: string,
  opts: { readonly group: number | null; readonly role: VfioDeviceRecord['role']; readonly path: string } & BindTiming,
): Promise<VfioDeviceRecord> {
  const host = ctx.hostLabel;
  const dev = devicePath(address);
  const original = await driverOf(ctx.fs, address);
  const vfioNode = opts.group === null ? null : `/dev/vfio/${opts.group}`;
  const bound = async () => (await driverOf(ctx.fs, address)) === 'vfio-pci' && (vfioNode === null || (await ctx.fs.exists(vfioNode)));
  if (original === 'vfio-pci') {
    if (!(await waitFor(bound, opts))) {
      throw bindIssue(opts.path, `host ${host}: ${address} is bound to vfio-pci but ${vfioNode} does not exist`, 'the VFIO group device is missing, so QEMU could not open it', 'check the kernel log for vfio errors; unbind and rebind the device');
    }
    return { address, originalDriver: 'vfio-pci', reboundByVirtform: false, group: opts.group, role: opts.role };
  }
  const restoreAndThrow = async (problem: string, detail: string, fix: string): Promise<never> => {
    let where: string;
    try {
      const ended = await giveBack(ctx, address, original, opts);
      where = ended === original ? (original ? `it was given back to ${original}` : 'it was left unbound, as it was') : `giving it back to ${original ?? 'no driver'} failed: it is now ${ended ? `on ${ended}` : 'unbound'}`;
    } catch (e) {
      where = `giving it back to ${original ?? 'no driver'} failed: ${(e as Error).message}`;
    }
    throw bindIssue(opts.path, problem, `${detail}; ${where}`, fix);
  };

  await ctx.fs.write(`${dev}/driver_override`, 'vfio-pci');
  if (original !== null) {
    try {
      await ctx.fs.write(`${dev}/driver/unbind`, address);
    } catch (e) {
      return restoreAndThrow(
        `host ${host}: could not unbind ${address} from ${original}`,
        (e as Error).message,
        `stop whatever uses the device on the host (a mounted disk, an up network interface, a display), then apply again`,
      );
    }
    // The kernel unbinds before the write returns; checking costs one read and catches a driver that did not let go.
    if (!(await waitFor(async () => (await driverOf(ctx.fs, address)) === null, opts))) {
      return restoreAndThrow(
        `host ${host}: ${address} is still bound to ${await driverOf(ctx.fs, address)} ${opts.timeoutMs ?? 2000} ms after unbinding it from ${original}`,
        'the driver did not release the device',
        'stop whatever uses the device on the host, then apply again',
      );
    }
  }
  try {
    await ctx.fs.write('/sys/bus/pci/drivers_probe', address);
  } catch (e) {
    return restoreAndThrow(`host ${host}: probing ${address} for vfio-pci failed`, (e as Error).message, 'check the kernel log (dmesg) for vfio-pci errors');
  }
  if (!(await waitFor(bound, opts))) {
    const now = await driverOf(ctx.fs, address);
    const node = vfioNode && !(await ctx.fs.exists(vfioNode)) ? `, ${vfioNode} missing` : '';
    return restoreAndThrow(
      `host ${host}: ${address} did not bind to vfio-pci within ${opts.timeoutMs ?? 2000} ms`,
      `its driver is ${now ?? 'none'}${node}`,
      'check the kernel log (dmesg) for vfio-pci probe errors and that the IOMMU is enabled, then apply again',
    );
  }
  return { address, originalDriver: original, reboundByVirtform: true, group: opts.group, role: opts.role };
}

/**
 * Gives a device virtform bound back to its original driver. Safe to repeat: a device already
 * back (or gone, as a removed VF) is left alone. Throws HostResourceError when it cannot.
 */
export async function unbindFromVfio(ctx: HostContext, rec: VfioDeviceRecord, t: BindTiming = {}): Promise<void> {
  if (!rec.reboundByVirtform) return;
  if (!(await ctx.fs.exists(devicePath(rec.address)))) return;
  const ended = await giveBack(ctx, rec.address, rec.originalDriver, t);
  if (ended !== rec.originalDriver) {
    throw bindIssue(
      '/domain/devices/hostdev',
      `host ${ctx.hostLabel}: ${rec.address} did not go back to ${rec.originalDriver ?? 'no driver'} within ${t.timeoutMs ?? 2000} ms`,
      `it is ${ended ? `on ${ended}` : 'unbound'}`,
      rec.originalDriver ? `bind it by hand: echo ${rec.address} > /sys/bus/pci/drivers/${rec.originalDriver}/bind` : `unbind it by hand: echo ${rec.address} > /sys/bus/pci/devices/${rec.address}/driver/unbind`,
      'VFIO_RELEASE_FAILED',
    );
  }
}
