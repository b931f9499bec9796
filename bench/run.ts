/**
 * `npm run bench [-- OPTIONS]`: virtform and libvirt 9.0 side by side on this machine (see
 * bench/README.md). Builds nothing itself: `npm run bench` runs `npm run build` first and then
 * this file from dist/.
 *
 * Options:
 *   --iterations N      rounds per case (default 5; host discovery takes 4×N samples, plan 2×N)
 *   --only a,b          parts to run: command-line, host-discovery, start-latency, unchanged-plan
 *   --corpus DIR        the conformance corpus (default ../shared/libvirt-9.0-tests beside the repo, if present)
 *   --no-corpus         oracle domains only
 *   --corpus-sample N   corpus argv inputs to sample (default 24)
 *   --out DIR           where RESULTS.md and results.json go (default bench/ when every part ran;
 *                       a folder under /tmp otherwise, so a partial run never replaces the record)
 *   --domains a,b       only domain XMLs whose id (oracle/q35-minimal.xml...) contains one of these
 *   --no-subreaper      run libvirtd as the oracle test does, without the prompt subreaper (its
 *                       exited QEMUs then wait for PID 1 to reap them; see test/support/libvirtd.ts)
 *
 * Needs root, QEMU and libvirt (libvirt-daemon-system, libvirt-clients); a part that cannot run
 * is skipped with the reason. Everything started (libvirtd, QEMUs, a network namespace, temporary
 * folders) is given back at the end of each part, on failure and on SIGINT/SIGTERM.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { makeBenchContext, findRepo, type BenchContext } from './bench-context';
import { corpusDomains, oracleDomains, type BenchDomain } from './bench-domains';
import { describeMachine, measureOrphanReapMs } from './machine-description';
import { skippedPart, type PartResult } from './part-result';
import { commandLinePart } from './parts/command-line';
import { hostDiscoveryPart } from './parts/host-discovery';
import { startLatencyPart } from './parts/start-latency';
import { unchangedPlanPart } from './parts/unchanged-plan';
import { buildReport, renderMarkdown, renderText } from './results-report';
import { nowMs } from './timed-process';

const PARTS = ['command-line', 'host-discovery', 'start-latency', 'unchanged-plan'] as const;
type PartId = (typeof PARTS)[number];

interface Options {
  iterations: number;
  only: PartId[];
  corpus: string | null;
  corpusSample: number;
  out: string | null;
  subreaper: boolean;
  domains: string[] | null;
}

function parseArgs(argv: readonly string[], repo: string): Options {
  const defaultCorpus = path.resolve(repo, '..', 'shared', 'libvirt-9.0-tests');
  const o: Options = { iterations: 5, only: [...PARTS], corpus: fs.existsSync(defaultCorpus) ? defaultCorpus : null, corpusSample: 24, out: null, subreaper: true, domains: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    const count = (v: string): number => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new Error(`${a} needs a whole number ≥ 1, not '${v}'`);
      return n;
    };
    if (a === '--iterations') o.iterations = count(value());
    else if (a === '--only') {
      const want = value().split(',').map((s) => s.trim());
      const bad = want.filter((w) => !(PARTS as readonly string[]).includes(w));
      if (bad.length) throw new Error(`unknown part(s) ${bad.join(', ')}; the parts are ${PARTS.join(', ')}`);
      o.only = want as PartId[];
    } else if (a === '--corpus') {
      o.corpus = path.resolve(value());
      if (!fs.existsSync(o.corpus)) throw new Error(`--corpus ${o.corpus} does not exist`);
    } else if (a === '--no-corpus') o.corpus = null;
    else if (a === '--corpus-sample') o.corpusSample = count(value());
    else if (a === '--out') o.out = path.resolve(value());
    else if (a === '--no-subreaper') o.subreaper = false;
    else if (a === '--domains') o.domains = value().split(',').map((x) => x.trim()).filter(Boolean);
    else throw new Error(`unknown option '${a}' (see the header of bench/run.ts)`);
  }
  return o;
}

async function runPart(ctx: BenchContext, id: PartId, fn: () => Promise<PartResult>): Promise<{ part: PartResult; failed: boolean }> {
  const mark = ctx.cleanup.mark();
  const t0 = nowMs();
  ctx.log(`${id}: starting`);
  try {
    const part = await fn();
    part.wallMs = nowMs() - t0;
    ctx.log(`${id}: ${part.skipped ? `skipped (${part.skipped})` : `done in ${(part.wallMs / 1000).toFixed(1)} s`}`);
    return { part, failed: false };
  } catch (e) {
    ctx.log(`${id}: FAILED: ${(e as Error).stack ?? (e as Error).message}`);
    return { part: skippedPart(id, id, `FAILED: ${(e as Error).message.split('\n')[0]}`), failed: true };
  } finally {
    await ctx.cleanup.unwindTo(mark);
  }
}

async function main(): Promise<number> {
  const repo = findRepo(__dirname);
  const opts = parseArgs(process.argv.slice(2), repo);
  const ctx = makeBenchContext({ iterations: opts.iterations, corpusDir: opts.corpus, corpusSample: opts.corpusSample, subreaper: opts.subreaper });
  const t0 = nowMs();
  try {
    let libvirtVersion = `(not run: ${ctx.libvirtSkip})`;
    if (!ctx.libvirtSkip) {
      const lv = await ctx.libvirtd();
      libvirtVersion = (await lv.virsh(['version'])).trim().split('\n').map((l) => l.trim()).filter(Boolean).join('; ');
    }
    const pick = (d: BenchDomain): boolean => opts.domains === null || opts.domains.some((x) => d.id.includes(x));
    const oracle = oracleDomains(repo, ctx.work).filter(pick);
    const corpus = corpusDomains(ctx.corpusDir, ctx.work, ctx.corpusSample).filter(pick);
    ctx.log(`domains: ${oracle.length} oracle, ${corpus.length} corpus (${ctx.corpusDir ?? 'no corpus'})`);
    const results: { part: PartResult; failed: boolean }[] = [];
    for (const id of opts.only) {
      switch (id) {
        case 'command-line':
          results.push(await runPart(ctx, id, () => commandLinePart(ctx, [...oracle, ...corpus])));
          break;
        case 'host-discovery':
          results.push(await runPart(ctx, id, () => hostDiscoveryPart(ctx)));
          break;
        case 'start-latency':
          results.push(await runPart(ctx, id, () => startLatencyPart(ctx, oracle)));
          break;
        case 'unchanged-plan':
          results.push(await runPart(ctx, id, () => unchangedPlanPart(ctx)));
          break;
      }
    }
    const machine = describeMachine(libvirtVersion, ctx.libvirtSkip ? '(libvirtd not run)' : ctx.subreaper, await measureOrphanReapMs());
    const report = buildReport(machine, opts.iterations, (nowMs() - t0) / 1000, results.map((r) => r.part));
    process.stdout.write(renderText(report));
    const complete = opts.only.length === PARTS.length && opts.domains === null && results.every((r) => !r.failed && !r.part.skipped);
    const out = opts.out ?? (complete ? path.join(repo, 'bench') : fs.mkdtempSync(path.join(os.tmpdir(), 'vf-bench-results-')));
    if (!opts.out && !complete) ctx.log(`not every part ran: the results go to ${out}, not bench/ (pass --out DIR to choose)`);
    fs.mkdirSync(out, { recursive: true });
    fs.writeFileSync(path.join(out, 'RESULTS.md'), renderMarkdown(report));
    fs.writeFileSync(path.join(out, 'results.json'), JSON.stringify(report, null, 2) + '\n');
    ctx.log(`wrote ${path.join(out, 'RESULTS.md')} and results.json`);
    return results.some((r) => r.failed) ? 1 : 0;
  } finally {
    await ctx.cleanup.runAll();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`bench: ${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = 1;
  },
);
