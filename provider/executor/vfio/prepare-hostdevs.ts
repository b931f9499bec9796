/**
 * Prepares a host's devices for one domain before its QEMU starts, and gives them back after
 * QEMU exited. Talks to the host through HostFs only (plus `modprobe vfio-pci` through
 * HostCommands when the driver is not loaded), so the kernel simulator in the tests runs the
 * production code path.
 *
 * prepareHostdevs, in order; any failure undoes everything done so far (reverse order) and
 * throws HostResourceError:
 * 1. SR-IOV declarations: set sriov_numvfs, wait for the VFs (sriov.ts);
 * 2. mediated devices: use or create each (mdev.ts), after checking no other domain holds it;
 * 3. read the live PCI state of the domain's devices and their IOMMU groups and run the
 *    planner's checkHostdevDemand on it: device exists, endpoint, IOMMU on, not held by another
 *    domain (ledger), group viable (or peers detached with detachGroupPeers), unmanaged ones
 *    already on vfio-pci. Errors are the plan's messages;
 * 4. make sure vfio-pci is registered (modprobe when HostCommands are given);
 * 5. bind group peers (waiver) and then the domain's managed devices to vfio-pci, recording
 *    each original driver (vfio-bind.ts). A device that times out is given back to its driver
 *    before the error, and every device bound earlier is given back too.
 *
 * releaseHostdevs gives back only what virtform did, in reverse: devices to their original
 * drivers, mdevs removed, VF counts restored (unless a VF is still in use). It carries on past
 * failures and throws them together, so a retry finds less to do.
 */
import type { HostdevDemand } from '../../../planner/hostdev-demand';
import { checkHostdevDemand, type MdevDeclaration, type SriovDeclaration } from '../../../planner/hostdev-check';
import { HostdevLedger } from '../../../planner/hostdev-ledger';
import { HostResourceError, type HostIssue } from '../../../planner/host-issue';
import type { HostContext } from '../host-context';
import { ensureMdev, removeMdev, type MdevRecord } from './mdev';
import { PCI_DRIVERS, readPciFacts } from './pci-sysfs';
import { ensureVfs, restoreVfs, type SriovRecord } from './sriov';
import { bindToVfio, unbindFromVfio, type BindTiming, type VfioDeviceRecord } from './vfio-bind';

export interface HostdevRequest extends BindTiming {
  readonly domain: string;
  /** hostdevDemand(domain). */
  readonly demand: Pick<HostdevDemand, 'pci' | 'mdevs'>;
  /** Other domains' devices (HostdevLedger.fromStatus over the host's status records). */
  readonly ledger?: HostdevLedger;
  /** Waiver: bind the other members of an IOMMU group to vfio-pci (unassigned) so the group is viable. */
  readonly detachGroupPeers?: boolean;
  readonly sriov?: readonly SriovDeclaration[];
  readonly mdevs?: readonly MdevDeclaration[];
}

/** What status.json records for the domain's devices (`vfio`, `mdevs`, `sriov`). */
export interface HostdevPreparation {
  /** Group peers first, then the domain's devices, in the order they were bound. */
  readonly vfio: readonly VfioDeviceRecord[];
  readonly mdevs: readonly MdevRecord[];
  readonly sriov: readonly SriovRecord[];
}

export async function prepareHostdevs(ctx: HostContext, req: HostdevRequest): Promise<HostdevPreparation> {
  const host = ctx.hostLabel;
  const vfio: VfioDeviceRecord[] = [];
  const mdevs: MdevRecord[] = [];
  const sriov: SriovRecord[] = [];
  const others = (req.ledger ?? new HostdevLedger()).without(req.domain);
  const timing: BindTiming = { timeoutMs: req.timeoutMs, pollMs: req.pollMs };
  try {
    // 1. VFs.
    for (const s of req.sriov ?? []) sriov.push(await ensureVfs(ctx, s.pf, s.numVfs, timing));

    // 2. Mediated devices.
    const declared = new Map((req.mdevs ?? []).map((m) => [m.uuid.toLowerCase(), m]));
    for (const m of req.demand.mdevs) {
      const owner = others.ownerOfMdev(m.uuid);
      if (owner) {
        throw new HostResourceError([{ severity: 'error', code: 'PCI_IN_USE', path: m.path, problem: `host ${host}: mediated device ${m.uuid} is in use by domain '${owner}'`, detail: '', fix: `stop domain '${owner}', or give this domain another mdev UUID` }]);
      }
      mdevs.push(await ensureMdev(ctx, m.uuid, declared.get(m.uuid), { path: m.path, ...timing }));
    }

    // 3. Live checks with the planner's rules and messages.
    if (req.demand.pci.length === 0) return { vfio, mdevs, sriov };
    const pci = await readPciFacts(ctx.fs, req.demand.pci.map((p) => p.address));
    const check = checkHostdevDemand({ domain: req.domain, pci: req.demand.pci, mdevs: [] }, pci, others, { hostLabel: host, detachGroupPeers: req.detachGroupPeers });
    const errors = check.issues.filter((i) => i.severity === 'error');
    if (errors.length) throw new HostResourceError(errors);

    // 4. vfio-pci registered?
    if (!(await ctx.fs.exists(`${PCI_DRIVERS}/vfio-pci`))) {
      let why = 'no host commands were given to load it';
      if (ctx.commands) {
        try {
          await ctx.commands.modprobe('vfio-pci');
          why = '';
        } catch (e) {
          why = (e as Error).message;
        }
      }
      if (!(await ctx.fs.exists(`${PCI_DRIVERS}/vfio-pci`))) {
        const first = req.demand.pci[0];
        throw new HostResourceError([
          {
            severity: 'error',
            code: 'VFIO_DRIVER_NOT_LOADED',
            path: first.path,
            problem: `host ${host}: the vfio-pci driver is not loaded (${PCI_DRIVERS}/vfio-pci is missing)`,
            detail: why || 'modprobe vfio-pci succeeded but the driver did not register',
            fix: 'install the kernel modules package with vfio-pci, or load it: modprobe vfio-pci',
          },
        ]);
      }
    }

    // 5. Bind, in the planner's order (peers before the device they unblock).
    const pathOf = new Map(req.demand.pci.map((p) => [p.address, p.path]));
    for (const step of check.steps) {
      if (step.kind !== 'bind-vfio' && step.kind !== 'keep-vfio') continue;
      const role = step.kind === 'bind-vfio' ? step.role : 'assigned';
      vfio.push(await bindToVfio(ctx, step.address, { group: step.group, role, path: pathOf.get(step.address) ?? '/domain/devices/hostdev', ...timing }));
    }
    return { vfio, mdevs, sriov };
  } catch (e) {
    await undo(ctx, { vfio, mdevs, sriov }, timing).catch(() => undefined);
    throw e;
  }
}

async function undo(ctx: HostContext, p: HostdevPreparation, t: BindTiming): Promise<{ issues: HostIssue[]; notes: string[] }> {
  const issues: HostIssue[] = [];
  const notes: string[] = [];
  const keep = (e: unknown) => {
    if (e instanceof HostResourceError) issues.push(...e.issues);
    else issues.push({ severity: 'error', code: 'VFIO_RELEASE_FAILED', path: '/domain/devices', problem: `host ${ctx.hostLabel}: ${(e as Error).message}`, detail: '', fix: 'run the release again (destroy)' });
  };
  for (const r of [...p.vfio].reverse()) await unbindFromVfio(ctx, r, t).catch(keep);
  for (const m of [...p.mdevs].reverse()) await removeMdev(ctx, m).catch(keep);
  for (const s of [...p.sriov].reverse()) {
    try {
      const note = await restoreVfs(ctx, s);
      if (note) notes.push(note);
    } catch (e) {
      keep(e);
    }
  }
  return { issues, notes };
}

/**
 * Gives back what prepareHostdevs did for a domain whose QEMU has exited. Returns notes on what
 * was deliberately kept (VFs still in use); throws HostResourceError listing what failed.
 */
export async function releaseHostdevs(ctx: HostContext, prepared: HostdevPreparation, t: BindTiming = {}): Promise<{ notes: string[] }> {
  const { issues, notes } = await undo(ctx, prepared, t);
  if (issues.length) throw new HostResourceError(issues);
  return { notes };
}
