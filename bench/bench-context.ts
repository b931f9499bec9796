/**
 * What every benchmark part shares: the repository, a private work folder under /tmp (the
 * virtform state roots, the caps cache, disk images; removed at the end), the cleanup stack,
 * the iteration count, how to run the virtform CLI as its own process, and the private
 * libvirtd (started on first use, stopped by the cleanup stack).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Libvirtd, libvirtdSkipReason, subreaperSkipReason } from '../test/support/libvirtd';
import { CleanupStack } from './cleanup-stack';

export interface BenchContext {
  readonly repo: string;
  /** Private folder of this run (short path: unix sockets of the state roots live under it). */
  readonly work: string;
  readonly iterations: number;
  readonly cleanup: CleanupStack;
  /** `node <repo>/bin/virtform.js`: the built CLI (dist/), as a user runs it. */
  readonly virtformCli: readonly string[];
  /** Environment for the CLI: the run's caps cache (XDG_CACHE_HOME), the rest inherited. */
  readonly env: NodeJS.ProcessEnv;
  /** The conformance corpus (libvirt-9.0-tests), when present: argv cases are sampled from it. */
  readonly corpusDir: string | null;
  readonly corpusSample: number;
  /** The private libvirtd; throws the skip reason when it cannot run here. */
  libvirtd(): Promise<Libvirtd>;
  /** Why libvirt cannot run here, or null. */
  readonly libvirtSkip: string | null;
  /** `yes`, or why libvirtd runs without the prompt subreaper (test/support/libvirtd.ts). */
  readonly subreaper: string;
  log(text: string): void;
}

/** The repository root: the nearest folder above `from` whose package.json names virtform. */
export function findRepo(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg) && (JSON.parse(fs.readFileSync(pkg, 'utf8')) as { name?: string }).name === 'virtform') return dir;
    if (path.dirname(dir) === dir) throw new Error(`no virtform package.json above ${from}`);
  }
}

export function makeBenchContext(opts: { iterations: number; corpusDir: string | null; corpusSample: number; subreaper: boolean }): BenchContext {
  const repo = findRepo(__dirname);
  const cleanup = new CleanupStack();
  cleanup.onSignals();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'vf-bench-'));
  fs.chmodSync(work, 0o755);
  cleanup.push(`remove ${work}`, () => fs.rmSync(work, { recursive: true, force: true }));
  // Both the in-process calls and the CLI read the probed QEMU caps from here (never the user's cache).
  const cacheHome = path.join(work, 'cache');
  fs.mkdirSync(cacheHome);
  process.env.XDG_CACHE_HOME = cacheHome;
  const env = { ...process.env, XDG_CACHE_HOME: cacheHome };
  const bin = path.join(repo, 'bin', 'virtform.js');
  if (!fs.existsSync(path.join(repo, 'dist', 'cli', 'main.js'))) throw new Error(`virtform is not built (no ${repo}/dist/cli/main.js): run npm run build, or npm run bench, which builds first`);
  let libvirtd: Promise<Libvirtd> | undefined;
  const libvirtSkip = libvirtdSkipReason();
  const reaperSkip = opts.subreaper ? subreaperSkipReason() : 'turned off (--no-subreaper)';
  return {
    repo,
    work,
    iterations: opts.iterations,
    cleanup,
    virtformCli: [process.execPath, bin],
    env,
    corpusDir: opts.corpusDir,
    corpusSample: opts.corpusSample,
    libvirtSkip,
    subreaper: reaperSkip === null ? 'yes' : `no: ${reaperSkip}`,
    libvirtd() {
      if (libvirtSkip) return Promise.reject(new Error(libvirtSkip));
      libvirtd ??= Libvirtd.start({ subreaper: reaperSkip === null }).then((d) => {
        cleanup.push('stop the private libvirtd', () => d.stop());
        process.stderr.write(`bench: private libvirtd ${d.pid} answers on ${d.uri} after ${d.startMs} ms\n`);
        return d;
      });
      return libvirtd;
    },
    log: (text) => void process.stderr.write(`bench: ${text}\n`),
  };
}
