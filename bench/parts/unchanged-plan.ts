/**
 * Part 4, planning a stack that is already applied (APPROXIMATE comparison: libvirt has no plan).
 *
 * examples/hello (a network with dnsmasq, a dir pool, a qcow2 volume, a cloud-init seed volume,
 * one domain: 5 resources; the pool's folder moved under the run's folder) is applied once to
 * an embedded state root under /tmp, inside a private network namespace (its bridge, tap and
 * dnsmasq stay out of the machine's networking). Then, each round:
 *
 *   virtform CLI     `node bin/virtform.js plan -c qemu:///embed?root=DIR --xml STACK`, which must
 *                    print "No changes": reads the 5 definitions, the host facts, the live state
 *                    (QEMU status, bridge, dnsmasq, pool folder, volume files), and diffs
 *   libvirt          the nearest thing libvirt offers, reading back the same 5 objects from its
 *                    daemon: `virsh -c URI "dumpxml hello ; net-dumpxml hello ; pool-dumpxml hello
 *                    ; vol-dumpxml --pool hello hello.qcow2 ; vol-dumpxml --pool hello cidata.iso"`
 *                    (one virsh process). The libvirt objects are defined, the pool started (its
 *                    folder under the run's folder); the network and domain are not started,
 *                    since libvirtd would put their bridge and dnsmasq in the machine's own
 *                    network namespace.
 *
 * Both commands run under `ip netns exec NS`, which adds the same few milliseconds to each.
 */
import * as fs from 'fs';
import * as path from 'path';
import { copyHelloStack } from '../../test/support/hello-stack';
import { VIRSH, type Libvirtd } from '../../test/support/libvirtd';
import { netnsSkipReason, startNetnsHost } from '../../test/support/netns';
import type { BenchContext } from '../bench-context';
import { interleaved, newPart, skippedPart, warmUp, type PartResult, type Variant } from '../part-result';
import { runTimedOk } from '../timed-process';
import { killQemusUnder } from './start-latency';

const ID = 'unchanged-plan';
const TITLE = 'Plan of an unchanged stack (examples/hello, 5 resources) — APPROXIMATION: libvirt has no plan, its row reads the same 5 objects back';

const NO_CHANGES = "No changes. Host localhost matches the desired state of stack 'hello'.";

/** Defines the libvirt counterparts of the stack's 5 resources in the private libvirtd. */
async function defineInLibvirt(lv: Libvirtd, stack: string, poolDir: string, work: string): Promise<void> {
  const poolXml = path.join(work, 'lv-pool.xml');
  fs.writeFileSync(poolXml, `<pool type='dir'>\n  <name>hello</name>\n  <target>\n    <path>${poolDir}</path>\n  </target>\n</pool>\n`);
  fs.mkdirSync(poolDir, { recursive: true, mode: 0o755 });
  await lv.virsh(['net-define', path.join(stack, 'networks', 'hello.xml')]);
  await lv.virsh(['pool-define', poolXml]);
  await lv.virsh(['pool-start', 'hello']);
  await lv.virsh(['vol-create', 'hello', path.join(stack, 'volumes', 'hello', 'hello.qcow2.xml')]);
  await lv.virsh(['vol-create-as', 'hello', 'cidata.iso', '1M', '--format', 'raw']);
  await lv.virsh(['define', path.join(stack, 'domains', 'hello.xml')]);
}

export async function unchangedPlanPart(ctx: BenchContext): Promise<PartResult> {
  const skip = ctx.libvirtSkip ?? netnsSkipReason();
  if (skip) return skippedPart(ID, TITLE, skip);
  const hello = path.join(ctx.repo, 'examples', 'hello');
  if (!fs.existsSync(hello)) return skippedPart(ID, TITLE, `no ${hello}`);
  const lv = await ctx.libvirtd();
  const variants: Variant[] = [
    { id: 'libvirt', side: 'libvirt', label: 'virsh dumpxml + net-dumpxml + pool-dumpxml + 2× vol-dumpxml (one virsh process)' },
    { id: 'virtform-cli', side: 'virtform', label: 'virtform plan --xml examples/hello (CLI process, "No changes")' },
  ];
  const part = newPart(ID, TITLE, 'libvirt', variants, [
    'An approximation, not like for like: virtform plan reads its stored definitions AND the live host (QEMU status over the run dir, bridge, dnsmasq, pool folder, volume files, host facts) and diffs them against the stack; virsh only returns 5 XML documents the daemon holds in memory.',
    "libvirt's network and domain are defined but not running (see the part's header); virtform's are running.",
    'Both commands run under `ip netns exec`, which costs both the same.',
  ]);

  const ns = await startNetnsHost('bench');
  ctx.cleanup.push(`delete network namespace ${ns.name}`, () => ns.stop());
  const root = path.join(ns.dir, 'root');
  const uri = `qemu:///embed?root=${root}`;
  const stack = copyHelloStack(path.join(ns.dir, 'hello'), path.join(ns.dir, 'hello-pool'), hello);
  const inNs = (argv: readonly string[]): string[] => ['ip', 'netns', 'exec', ns.name, ...argv];
  ctx.cleanup.push(`kill QEMUs left under ${ns.dir}`, () => void killQemusUnder(ns.dir));
  ctx.cleanup.push('virtform destroy examples/hello', async () => {
    await runTimedOk(inNs([...ctx.virtformCli, 'destroy', '-c', uri, '--stack', 'hello', '--auto-approve']), { env: ctx.env });
  });
  ctx.log(`${ID}: applying examples/hello in network namespace ${ns.name}`);
  await runTimedOk(inNs([...ctx.virtformCli, 'apply', '-c', uri, '--xml', stack, '--auto-approve']), { env: ctx.env });
  await defineInLibvirt(lv, stack, path.join(ctx.work, 'lv-hello-pool'), ctx.work);

  const dumps = ['dumpxml hello', 'net-dumpxml hello', 'pool-dumpxml hello', 'vol-dumpxml --pool hello hello.qcow2', 'vol-dumpxml --pool hello cidata.iso'].join(' ; ');
  const run = async (v: Variant): Promise<number> => {
    if (v.id === 'libvirt') {
      const r = await runTimedOk(inNs([VIRSH, '-c', lv.uri, dumps]));
      const docs = (r.stdout.match(/^<(domain|network|pool|volume)\b/gm) ?? []).length;
      if (docs !== 5) throw new Error(`virsh returned ${docs} documents, not 5: ${r.stdout.slice(0, 500)}`);
      return r.ms;
    }
    const r = await runTimedOk(inNs([...ctx.virtformCli, 'plan', '-c', uri, '--xml', stack]), { env: ctx.env });
    if (r.stdout.trim() !== NO_CHANGES) throw new Error(`the plan of the applied stack is not empty:\n${r.stdout.slice(0, 2000)}`);
    return r.ms;
  };
  const kept = await warmUp(part, ['examples/hello'], (c) => c, async (_c, v) => void (await run(v)));
  ctx.log(`${ID}: ${ctx.iterations * 2} rounds`);
  await interleaved(part, kept, (c) => c, ctx.iterations * 2, async (_c, v) => ({ plan: await run(v) }), () => undefined);
  return part;
}
