/**
 * Mediated devices (vGPU slices and the like): `ensureMdev` uses /sys/bus/mdev/devices/UUID
 * when it exists; otherwise, with a declaration (parent device and type), checks the type
 * exists on the parent and has available_instances left, writes the UUID to
 * ADDR/mdev_supported_types/TYPE/create and waits for the device. `removeMdev` writes 1 to
 * /sys/bus/mdev/devices/UUID/remove for devices virtform created.
 */
import { HostResourceError, type HostIssue } from '../../../planner/host-issue';
import type { MdevDeclaration } from '../../../planner/hostdev-check';
import type { HostContext } from '../host-context';
import { devicePath } from './pci-sysfs';

export const MDEV_DEVICES = '/sys/bus/mdev/devices';

/** status.json `mdevs` entry. */
export interface MdevRecord {
  readonly uuid: string;
  /** Parent PCI device and type, when known (declared or created). */
  readonly parent: string | null;
  readonly type: string | null;
  /** virtform created it (and removes it after QEMU exits). */
  readonly createdByVirtform: boolean;
}

const fail = (code: HostIssue['code'], path: string, problem: string, detail: string, fix: string) =>
  new HostResourceError([{ severity: 'error', code, path, problem, detail, fix }]);

export async function ensureMdev(
  ctx: HostContext,
  uuid: string,
  decl: MdevDeclaration | undefined,
  opts: { readonly path: string; readonly timeoutMs?: number; readonly pollMs?: number },
): Promise<MdevRecord> {
  const host = ctx.hostLabel;
  const u = uuid.toLowerCase();
  const dev = `${MDEV_DEVICES}/${u}`;
  if (await ctx.fs.exists(dev)) return { uuid: u, parent: decl?.parent ?? null, type: decl?.type ?? null, createdByVirtform: false };
  if (!decl) {
    throw fail('MDEV_MISSING', opts.path, `host ${host}: Device mdev ${u} not found: could not access ${dev}`, 'the mediated device does not exist and nothing declares how to create it', 'create it on the host, or declare its parent device and type so virtform creates it');
  }
  const parentDir = devicePath(decl.parent);
  if (!(await ctx.fs.exists(parentDir))) throw fail('MDEV_PARENT_MISSING', opts.path, `host ${host}: Device ${decl.parent} not found: could not access ${parentDir}`, `it is declared as the parent of mediated device ${u}`, `check the address with lspci -D on ${host}`);
  const typesDir = `${parentDir}/mdev_supported_types`;
  const types = (await ctx.fs.exists(typesDir)) ? await ctx.fs.readdir(typesDir) : [];
  if (!types.includes(decl.type)) {
    throw fail('MDEV_TYPE_MISSING', opts.path, `host ${host}: ${decl.parent} offers no mediated device type '${decl.type}'`, types.length ? `its types: ${types.join(', ')}` : `${typesDir} is empty or missing`, types.length ? `declare one of: ${types.join(', ')}` : 'load the vendor driver that supports mediated devices');
  }
  const avail = Number((await ctx.fs.read(`${typesDir}/${decl.type}/available_instances`)).toString('utf8').trim());
  if (!(avail > 0)) {
    throw fail('MDEV_NO_INSTANCES', opts.path, `host ${host}: ${decl.parent} has 0 instances of mdev type '${decl.type}' left (available_instances)`, 'other mediated devices use the rest', 'remove unused mediated devices on the parent, or pick a smaller type');
  }
  try {
    await ctx.fs.write(`${typesDir}/${decl.type}/create`, u);
  } catch (e) {
    throw fail('MDEV_FAILED', opts.path, `host ${host}: creating mediated device ${u} of type '${decl.type}' on ${decl.parent} failed`, (e as Error).message, 'check the kernel log (dmesg) for the vendor driver\'s message');
  }
  const deadline = Date.now() + (opts.timeoutMs ?? 2000);
  while (!(await ctx.fs.exists(dev))) {
    if (Date.now() >= deadline) throw fail('MDEV_FAILED', opts.path, `host ${host}: mediated device ${u} did not appear at ${dev} within ${opts.timeoutMs ?? 2000} ms`, '', 'check the kernel log (dmesg)');
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 50));
  }
  return { uuid: u, parent: decl.parent, type: decl.type, createdByVirtform: true };
}

/** Removes a mediated device virtform created. Safe to repeat. */
export async function removeMdev(ctx: HostContext, rec: MdevRecord): Promise<void> {
  if (!rec.createdByVirtform) return;
  const dev = `${MDEV_DEVICES}/${rec.uuid}`;
  if (!(await ctx.fs.exists(dev))) return;
  try {
    await ctx.fs.write(`${dev}/remove`, '1');
  } catch (e) {
    throw fail('MDEV_FAILED', '/domain/devices/hostdev', `host ${ctx.hostLabel}: removing mediated device ${rec.uuid} failed`, (e as Error).message, `make sure no QEMU uses it, then write 1 to ${dev}/remove`);
  }
}
