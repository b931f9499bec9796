/**
 * Part 3, host discovery: what each tool tells about the machine (NUMA, CPUs, memory,
 * hugepages, KVM, QEMU binaries...).
 *
 *   libvirt          `virsh -c URI "capabilities ; nodeinfo"` (one virsh process, one
 *                    connection, two RPCs) — the baseline
 *   libvirt + domcaps   the same plus `domcapabilities` (what QEMU and the machine type can do;
 *                    virtform's host facts do not hold that, so it is shown, not used as baseline)
 *   virtform         discoverHost() in-process over the local transport
 *   virtform CLI     `node bin/virtform.js hosts --json -c qemu:///embed?root=DIR`
 */
import * as path from 'path';
import { discoverHost } from '../../provider/host/host-discovery';
import { LocalTransport } from '../../provider/host/local-transport';
import { VIRSH } from '../../test/support/libvirtd';
import type { BenchContext } from '../bench-context';
import { interleaved, newPart, skippedPart, warmUp, type PartResult, type Variant } from '../part-result';
import { nowMs, runTimedOk } from '../timed-process';

const ID = 'host-discovery';
const TITLE = 'Host discovery (what the machine offers), per call';

/** Host discovery is quick: this many samples per iteration asked for. */
export const HOST_ROUNDS_PER_ITERATION = 4;

export async function hostDiscoveryPart(ctx: BenchContext): Promise<PartResult> {
  if (ctx.libvirtSkip) return skippedPart(ID, TITLE, ctx.libvirtSkip);
  const lv = await ctx.libvirtd();
  const uri = `qemu:///embed?root=${path.join(ctx.work, 'vf-hosts')}`;
  const variants: Variant[] = [
    { id: 'libvirt', side: 'libvirt', label: 'virsh "capabilities ; nodeinfo"' },
    { id: 'libvirt-domcaps', side: 'libvirt', label: 'virsh "capabilities ; nodeinfo ; domcapabilities"' },
    { id: 'virtform', side: 'virtform', label: 'virtform discoverHost() in-process' },
    { id: 'virtform-cli', side: 'virtform', label: 'virtform hosts --json (CLI process)' },
  ];
  const part = newPart(ID, TITLE, 'libvirt', variants, [
    'libvirt answers from its daemon (a virsh process + RPCs); virtform reads sysfs/procfs and runs `qemu-system-* --version` itself on every call, since it has no daemon to remember anything.',
    'The facts differ in detail: libvirt\'s capabilities have the CPU model and features, secure-guest and per-guest-arch data; virtform\'s have hugetlbfs mounts, PCI/IOMMU devices and the cgroup layout. Both cover NUMA nodes, CPUs, memory and hugepage pools.',
    'The fair pairs are process vs process (virsh vs the CLI row); the in-process row shows the work without node start-up.',
  ]);
  const transport = new LocalTransport(uri);
  ctx.cleanup.push('close the local transport', () => transport.close());
  const run = async (v: Variant): Promise<number> => {
    switch (v.id) {
      case 'libvirt':
        return (await runTimedOk([VIRSH, '-c', lv.uri, 'capabilities ; nodeinfo'])).ms;
      case 'libvirt-domcaps':
        return (await runTimedOk([VIRSH, '-c', lv.uri, 'capabilities ; nodeinfo ; domcapabilities'])).ms;
      case 'virtform': {
        const t0 = nowMs();
        const facts = await discoverHost(transport);
        const ms = nowMs() - t0;
        if (facts.numa.nodes.length === 0) throw new Error('discoverHost found no NUMA node');
        return ms;
      }
      default:
        return (await runTimedOk([...ctx.virtformCli, 'hosts', '--json', '-c', uri], { env: ctx.env })).ms;
    }
  };
  const kept = await warmUp(part, ['host'], (c) => c, async (_c, v) => void (await run(v)));
  const rounds = ctx.iterations * HOST_ROUNDS_PER_ITERATION;
  ctx.log(`${ID}: ${rounds} rounds`);
  await interleaved(part, kept, (c) => c, rounds, async (_c, v) => ({ call: await run(v) }), () => undefined);
  return part;
}
