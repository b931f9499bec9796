/**
 * Part 1, command line generation: a domain XML → the QEMU command line, per call.
 *
 *   libvirt          `virsh -c URI domxml-to-native qemu-argv FILE` (a virsh process; the
 *                    private libvirtd builds the line with the QEMU caps it probed at start)
 *   virtform         domxmlToQemuArgv() in this process (what `virtform domxml-to-native` runs:
 *                    parse, caps from the on-disk cache, prepare, build)
 *   virtform CLI     `node bin/virtform.js domxml-to-native qemu-argv FILE -c URI` (a node
 *                    process: start-up, module loading, caps cache read, then the same)
 */
import * as fs from 'fs';
import * as path from 'path';
import { domxmlToQemuArgv } from '../../cli/commands/domxml-to-native';
import { VIRSH } from '../../test/support/libvirtd';
import type { BenchContext } from '../bench-context';
import type { BenchDomain } from '../bench-domains';
import { interleaved, newPart, skippedPart, warmUp, type PartResult, type Variant } from '../part-result';
import { nowMs, runTimedOk } from '../timed-process';

const ID = 'command-line';
const TITLE = 'Command line generation (domain XML → QEMU argv), per call';

export async function commandLinePart(ctx: BenchContext, domains: readonly BenchDomain[]): Promise<PartResult> {
  if (ctx.libvirtSkip) return skippedPart(ID, TITLE, ctx.libvirtSkip);
  const lv = await ctx.libvirtd();
  const uri = `qemu:///embed?root=${path.join(ctx.work, 'vf-argv')}`;
  const variants: Variant[] = [
    { id: 'libvirt', side: 'libvirt', label: 'virsh domxml-to-native qemu-argv' },
    { id: 'virtform', side: 'virtform', label: 'virtform domxmlToQemuArgv() in-process' },
    { id: 'virtform-cli', side: 'virtform', label: 'virtform domxml-to-native qemu-argv (CLI process)' },
  ];
  const part = newPart(ID, TITLE, 'libvirt', variants, [
    'Same XML files on both sides. libvirt builds in its daemon (caps probed once at daemon start); each call is a virsh process plus one RPC.',
    'virtform in-process has no process start-up; it reads the probed caps from the on-disk cache on every call (as the CLI does).',
    'The CLI row includes starting node and loading virtform (dist/, compiled JavaScript), which dominates its time.',
  ]);
  const run = async (d: BenchDomain, v: Variant): Promise<number> => {
    switch (v.id) {
      case 'libvirt':
        return (await runTimedOk([VIRSH, '-c', lv.uri, 'domxml-to-native', 'qemu-argv', d.file])).ms;
      case 'virtform': {
        const t0 = nowMs();
        const argv = await domxmlToQemuArgv(fs.readFileSync(d.file, 'utf8'), d.file, { connect: uri });
        const ms = nowMs() - t0;
        if (!argv.includes('-name')) throw new Error(`no -name in the command line of ${d.file}`);
        return ms;
      }
      default:
        return (await runTimedOk([...ctx.virtformCli, 'domxml-to-native', 'qemu-argv', d.file, '-c', uri], { env: ctx.env })).ms;
    }
  };
  const kept = await warmUp(part, domains, (d) => d.id, async (d, v) => void (await run(d, v)));
  ctx.log(`${ID}: ${kept.length} of ${domains.length} domain XMLs convert on both sides; ${ctx.iterations} rounds`);
  await interleaved(part, kept, (d) => d.id, ctx.iterations, async (d, v) => ({ call: await run(d, v) }), ctx.log);
  return part;
}
