/**
 * SR-IOV virtual functions as a declared host resource: `ensureVfs` sets a PF's sriov_numvfs to
 * the declared count (only from 0: the kernel changes a non-zero count only through 0, which
 * would destroy VFs in use) and waits for the virtfnN links; `restoreVfs` sets it back once no
 * VF of the PF is bound to vfio-pci any more (a VF in use by any guest keeps them all).
 */
import { HostResourceError } from '../../../planner/host-issue';
import type { HostContext } from '../host-context';
import { devicePath, driverOf, vfsOf } from './pci-sysfs';

/** status.json `sriov` entry. */
export interface SriovRecord {
  readonly pf: string;
  /** sriov_numvfs before. */
  readonly previousNumVfs: number;
  readonly numVfs: number;
  /** virtform changed the count (and sets it back when no VF is in use). */
  readonly changedByVirtform: boolean;
  /** VF addresses, by index. */
  readonly vfs: readonly string[];
}

const fail = (path: string, problem: string, detail: string, fix: string) =>
  new HostResourceError([{ severity: 'error', code: 'SRIOV_FAILED', path, problem, detail, fix }]);

async function readInt(ctx: HostContext, p: string): Promise<number> {
  return Number((await ctx.fs.read(p)).toString('utf8').trim());
}

export async function ensureVfs(ctx: HostContext, pf: string, numVfs: number, t: { timeoutMs?: number; pollMs?: number } = {}): Promise<SriovRecord> {
  const host = ctx.hostLabel;
  const dev = devicePath(pf);
  const path = `/host/sriov[@pf='${pf}']`;
  if (!(await ctx.fs.exists(dev))) throw fail(path, `host ${host}: Device ${pf} not found: could not access ${dev}`, 'it is declared as an SR-IOV physical function', `check the address with lspci -D on ${host}`);
  if (!(await ctx.fs.exists(`${dev}/sriov_totalvfs`))) throw fail(path, `host ${host}: ${pf} is not an SR-IOV physical function (no sriov_totalvfs)`, '', 'declare VFs on the physical function');
  const total = await readInt(ctx, `${dev}/sriov_totalvfs`);
  const cur = await readInt(ctx, `${dev}/sriov_numvfs`);
  if (numVfs > total) throw fail(path, `host ${host}: ${pf} supports ${total} VFs (sriov_totalvfs), ${numVfs} declared`, '', `declare at most ${total}`);
  if (cur === numVfs) return { pf, previousNumVfs: cur, numVfs, changedByVirtform: false, vfs: await vfsOf(ctx.fs, pf) };
  if (cur !== 0) {
    throw fail(path, `host ${host}: ${pf} has ${cur} VFs, ${numVfs} declared`, 'the kernel changes a non-zero VF count only through 0, which removes every existing VF', `declare ${cur}, or write 0 to ${dev}/sriov_numvfs once no VF is in use`);
  }
  try {
    await ctx.fs.write(`${dev}/sriov_numvfs`, `${numVfs}`);
  } catch (e) {
    throw fail(path, `host ${host}: creating ${numVfs} VFs on ${pf} failed`, (e as Error).message, 'check the kernel log (dmesg); some PFs need their interface up or firmware support (SR-IOV enabled in the BIOS)');
  }
  const deadline = Date.now() + (t.timeoutMs ?? 5000);
  let vfs = await vfsOf(ctx.fs, pf);
  while (vfs.length < numVfs && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, t.pollMs ?? 50));
    vfs = await vfsOf(ctx.fs, pf);
  }
  if (vfs.length < numVfs) {
    await ctx.fs.write(`${dev}/sriov_numvfs`, '0').catch(() => undefined);
    throw fail(path, `host ${host}: ${pf} shows ${vfs.length} of ${numVfs} VFs after writing sriov_numvfs`, 'the VF count was set back to 0', 'check the kernel log (dmesg)');
  }
  return { pf, previousNumVfs: 0, numVfs, changedByVirtform: true, vfs };
}

/**
 * Sets the VF count back when virtform changed it and no VF is on vfio-pci (in use by a guest).
 * Returns a note when it kept them, else null.
 */
export async function restoreVfs(ctx: HostContext, rec: SriovRecord): Promise<string | null> {
  if (!rec.changedByVirtform) return null;
  const dev = devicePath(rec.pf);
  if (!(await ctx.fs.exists(dev))) return null;
  const vfs = await vfsOf(ctx.fs, rec.pf);
  const used: string[] = [];
  for (const vf of vfs) if ((await driverOf(ctx.fs, vf)) === 'vfio-pci') used.push(vf);
  if (used.length) return `host ${ctx.hostLabel}: kept the ${vfs.length} VFs of ${rec.pf}: ${used.join(', ')} ${used.length === 1 ? 'is' : 'are'} still on vfio-pci`;
  try {
    await ctx.fs.write(`${dev}/sriov_numvfs`, `${rec.previousNumVfs}`);
  } catch (e) {
    throw new HostResourceError([
      { severity: 'error', code: 'SRIOV_FAILED', path: `/host/sriov[@pf='${rec.pf}']`, problem: `host ${ctx.hostLabel}: setting ${rec.pf} back to ${rec.previousNumVfs} VFs failed`, detail: (e as Error).message, fix: `write ${rec.previousNumVfs} to ${dev}/sriov_numvfs by hand` },
    ]);
  }
  return null;
}
