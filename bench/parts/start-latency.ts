/**
 * Part 2, start and destroy latency of the oracle's domains.
 *
 * start: from the call until it returns with the guest's CPUs running (QEMU started, `cont`
 * sent); after the clock stops the bench checks QMP `query-status` is `running` (not timed:
 * the two sides would reach the monitor in different ways).
 *
 *   libvirt          `virsh -c URI create FILE` (transient domain: define + start); checked with
 *                    `virsh qemu-monitor-command NAME query-status`; `virsh destroy NAME`
 *   virtform         in-process, the production path of `virtform apply`: parseDomainXml →
 *                    QemuLaunchBuilder.build → launchDomain (QMP handshake, pinning, `cont`);
 *                    checked over virtform's QMP client; destroyDomain
 *   virtform CLI     `node bin/virtform.js apply -c qemu:///embed?root=FRESH --xml FILE
 *                    --auto-approve` on a fresh state root (state store, host lock, host
 *                    discovery, plan, define, launch); destroyed with destroyDomain, not timed
 *                    (`virtform destroy` shuts a guest with ACPI down gracefully, like
 *                    `virsh shutdown`, which is not what `virsh destroy` does)
 *
 * One QEMU runs at a time: each variant starts, checks and destroys before the next begins.
 * Hugepage-backed domains are left out (the bench does not change the machine's hugepage pool).
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseDomainXml } from '../../model/domain/domain';
import type { HostFacts } from '../../model/host-facts';
import { planPins } from '../../planner/pin-plan';
import { destroyDomain, domainRunPaths, launchDomain, launchDomainHost, listRunDirNames, QemuLaunchBuilder, type DomainHost } from '../../provider/executor/domain';
import { discoverHost } from '../../provider/host/host-discovery';
import { LocalTransport } from '../../provider/host/local-transport';
import type { Transport } from '../../provider/host/transport';
import { QmpClient } from '../../provider/qemu/qmp';
import { VIRSH, type Libvirtd } from '../../test/support/libvirtd';
import type { BenchContext } from '../bench-context';
import type { BenchDomain } from '../bench-domains';
import { interleaved, newPart, skippedPart, warmUp, type PartResult, type Variant } from '../part-result';
import { nowMs, runTimedOk } from '../timed-process';

const ID = 'start-latency';
const TITLE = 'Start (define → running) and destroy latency, per domain';

/** QMP `query-status` of the QEMU behind `socket`. */
async function qmpStatus(t: Transport, socket: string): Promise<string> {
  const q = await QmpClient.connect(await t.connectUnix(socket), { label: `QMP ${socket}` });
  try {
    return ((await q.execute('query-status')) as { status: string }).status;
  } finally {
    await q.close().catch(() => q.destroy());
  }
}

/** Kills QEMU processes whose command line names `dir` (only this run's: the folder is its own). */
export function killQemusUnder(dir: string): number {
  let n = 0;
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    let cmd: string;
    try {
      cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (cmd.includes('qemu-system') && cmd.includes(dir)) {
      try {
        process.kill(Number(pid), 'SIGKILL');
        n++;
      } catch {
        /* gone */
      }
    }
  }
  return n;
}

export async function startLatencyPart(ctx: BenchContext, domains: readonly BenchDomain[]): Promise<PartResult> {
  if (ctx.libvirtSkip) return skippedPart(ID, TITLE, ctx.libvirtSkip);
  const lv: Libvirtd = await ctx.libvirtd();
  const variants: Variant[] = [
    { id: 'libvirt', side: 'libvirt', label: 'virsh create / virsh destroy' },
    { id: 'virtform', side: 'virtform', label: 'virtform QemuLaunchBuilder + launchDomain / destroyDomain, in-process' },
    { id: 'virtform-cli', side: 'virtform', label: 'virtform apply --xml FILE --auto-approve (CLI process, fresh state root)' },
  ];
  const part = newPart(ID, TITLE, 'libvirt', variants, [
    'start stops the clock when the call returns with the guest running (after `cont`); QMP query-status = running is checked afterwards on each side, untimed.',
    'virsh create makes a transient domain (define + start); virtform in-process has no define step (no state store) and no process start-up; the CLI row does everything `virtform apply` does on a fresh state root (store, lock, host discovery, plan, define, launch) plus node start-up.',
    'destroy: virsh destroy vs destroyDomain (both stop QEMU at once and clean up). The CLI row has no destroy sample: `virtform destroy` shuts a guest down over ACPI (like virsh shutdown).',
    'Domains without a bootable disk: the guest sits in its firmware; "running" means the vCPUs run, not that an OS booted.',
  ]);

  const root = path.join(ctx.work, 'vf-start');
  fs.mkdirSync(root, { recursive: true });
  const transport = new LocalTransport(`qemu:///embed?root=${root}`);
  ctx.cleanup.push('close the local transport', () => transport.close());
  ctx.cleanup.push(`kill QEMUs left under ${ctx.work}`, () => void killQemusUnder(ctx.work));
  const h: DomainHost = launchDomainHost(transport, path.join(root, 'run'));
  // destroyDomain also removes the domain's cpuset cgroup, which killing QEMU would leave.
  ctx.cleanup.push('destroy virtform domains left running', async () => {
    for (const n of await listRunDirNames(h)) await destroyDomain(h, n).catch(() => undefined);
  });
  const facts: HostFacts = await discoverHost(transport);
  const builder = new QemuLaunchBuilder({ transport, stateDir: root });
  let cliRoots = 0;

  const libvirtStart = async (d: BenchDomain): Promise<number> => {
    const ms = (await runTimedOk([VIRSH, '-c', lv.uri, 'create', d.file])).ms;
    const [reply] = await lv.qmp(d.name, [{ execute: 'query-status' }]);
    const status = (reply.return as { status?: string } | undefined)?.status;
    if (status !== 'running') throw new Error(`libvirt started ${d.name}, and QMP query-status says ${JSON.stringify(reply)}`);
    return ms;
  };
  const libvirtDestroy = async (d: BenchDomain): Promise<number> => (await runTimedOk([VIRSH, '-c', lv.uri, 'destroy', d.name])).ms;

  const vfStart = async (d: BenchDomain): Promise<number> => {
    const t0 = nowMs();
    const def = parseDomainXml(fs.readFileSync(d.file, 'utf8'), d.file);
    const paths = domainRunPaths(h.runDir, def.name);
    const parts = await builder.build(def, { paths, facts, hostLabel: transport.hostLabel });
    await launchDomain(h, { ...parts, name: def.name, uuid: def.uuid!, pins: planPins(def, facts, transport.hostLabel) });
    const ms = nowMs() - t0;
    const status = await qmpStatus(transport, paths.qmpSocket);
    if (status !== 'running') throw new Error(`virtform started ${d.name}, and QMP query-status says ${status}`);
    return ms;
  };
  const vfDestroy = async (d: BenchDomain): Promise<number> => {
    const t0 = nowMs();
    await destroyDomain(h, d.name);
    return nowMs() - t0;
  };

  const cliStart = async (d: BenchDomain): Promise<number> => {
    const cliRoot = path.join(ctx.work, `vf-cli-${cliRoots++}`);
    const t = new LocalTransport(`qemu:///embed?root=${cliRoot}`);
    const ch = launchDomainHost(t, path.join(cliRoot, 'run'));
    try {
      const r = await runTimedOk([...ctx.virtformCli, 'apply', '-c', `qemu:///embed?root=${cliRoot}`, '--xml', d.file, '--auto-approve'], { env: ctx.env });
      const status = await qmpStatus(t, domainRunPaths(ch.runDir, d.name).qmpSocket);
      if (status !== 'running') throw new Error(`virtform apply started ${d.name}, and QMP query-status says ${status}`);
      return r.ms;
    } finally {
      if (fs.existsSync(domainRunPaths(ch.runDir, d.name).dir)) await destroyDomain(ch, d.name);
      await t.close();
      fs.rmSync(cliRoot, { recursive: true, force: true });
    }
  };

  /** One start (and destroy) of `d` with `v`; a failure destroys what it started before rethrowing. */
  const once = async (d: BenchDomain, v: Variant): Promise<Record<string, number>> => {
    if (v.id === 'virtform-cli') return { start: await cliStart(d) };
    const start = v.id === 'libvirt' ? libvirtStart : vfStart;
    const destroy = v.id === 'libvirt' ? libvirtDestroy : vfDestroy;
    let startMs: number;
    try {
      startMs = await start(d);
    } catch (e) {
      await destroy(d).catch(() => undefined);
      throw e;
    }
    return { start: startMs, destroy: await destroy(d) };
  };

  const runnable = domains.filter((d) => {
    if (!d.needsHugepages) return true;
    part.excluded.push({ case: d.id, reason: 'needs 2 MiB hugepages: the bench does not reserve pages in the machine\'s pool' });
    return false;
  });
  const kept = await warmUp(part, runnable, (d) => d.id, async (d, v) => void (await once(d, v)));
  ctx.log(`${ID}: ${kept.length} of ${domains.length} domains start on every side; ${ctx.iterations} rounds`);
  await interleaved(part, kept, (d) => d.id, ctx.iterations, once, ctx.log);
  return part;
}
