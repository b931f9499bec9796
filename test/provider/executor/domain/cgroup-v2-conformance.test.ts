/**
 * The cgroup2 kernel simulator against the real kernel: the same steps run through the
 * production sh interpreter on this machine's real cgroup2 mount and through the simulator,
 * and both must answer alike (errno text, cgroup.type, threads, populated). This machine's
 * cgroup2 (hybrid: /sys/fs/cgroup/unified) offers no cpuset, so the cpuset parts of the v2
 * layout are left out here; what is checked is what they rest on: threaded subtrees, moving a
 * process by cgroup.procs and threads by cgroup.threads, "domain invalid", removal, and the
 * kernel's refusals.
 *
 * Needs root and a writable cgroup2 mount whose top is the hierarchy root. Touches real
 * cgroups: run under the machine lock (`flock /tmp/vf-machine.lock npx jest ...`).
 */
import { spawn, type ChildProcess } from 'child_process';
import { randomUUID } from 'crypto';
import * as fs from 'fs';
import { cpusetLayout, ShellCgroupRunner, type CgroupRunner, type CgroupStep } from '../../../../provider/executor/domain';
import { detectCgroupLayout } from '../../../../provider/host/cgroup-layout';
import { LocalTransport } from '../../../../provider/host/local-transport';
import { FakeCgroup2 } from '../../../support/fake-cgroup2';
import { describeIf, isRoot } from '../../../support/skip';

const readOr = (p: string): string | null => {
  try {
    return fs.readFileSync(p, 'utf8');
  } catch {
    return null;
  }
};
const layout = detectCgroupLayout(readOr('/proc/self/mountinfo') ?? '', (m) => ({ controllers: readOr(`${m}/cgroup.controllers`), hasType: fs.existsSync(`${m}/cgroup.type`) }));
const MNT = layout.v2?.mountPoint ?? '';
const skip = !isRoot
  ? 'needs root'
  : !layout.v2
    ? 'no cgroup2 mount'
    : layout.v2.nested
      ? `the cgroup2 mount ${MNT} shows a nested cgroup`
      : null;

/** A process with several threads (node with a worker), as QEMU has. */
async function threadedProcess(): Promise<{ child: ChildProcess; pid: number; tids: number[] }> {
  const child = spawn(process.execPath, ['-e', "new (require('worker_threads').Worker)('setInterval(() => {}, 1e9)', { eval: true }); setInterval(() => {}, 1e9)"], { stdio: 'ignore' });
  const pid = child.pid!;
  let last = '';
  for (let i = 0; i < 100; i++) {
    await new Promise((r) => setTimeout(r, 50));
    const now = fs.readdirSync(`/proc/${pid}/task`).sort().join(' ');
    if (now === last && now.split(' ').length >= 3) break;
    last = now;
  }
  return { child, pid, tids: fs.readdirSync(`/proc/${pid}/task`).map(Number).sort((a, b) => a - b) };
}

async function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise((r) => child.once('exit', r));
}

describeIf(skip)(`the cgroup2 simulator answers as this machine's cgroup2 (${MNT || 'none'})`, () => {
  const real = new ShellCgroupRunner(new LocalTransport('qemu:///embed'));
  let fake: FakeCgroup2;
  let proc: Awaited<ReturnType<typeof threadedProcess>>;
  let other: ChildProcess;
  const base = `${MNT}/vf-conformance-${process.pid}`;
  const uuid = randomUUID();
  const dom = `${MNT}/virtform/${uuid}`;
  const virtformExisted = fs.existsSync(`${MNT}/virtform`);

  beforeAll(async () => {
    proc = await threadedProcess();
    other = spawn('sleep', ['600'], { stdio: 'ignore' });
    const list = (f: string) => (readOr(`${MNT}/${f}`) ?? '').trim().split(/\s+/).filter(Boolean);
    fake = FakeCgroup2.create({
      hostname: 'localhost',
      mountPoint: MNT,
      controllers: list('cgroup.controllers'),
      subtreeControl: list('cgroup.subtree_control'),
      processes: [],
      realProc: true,
    });
  });

  afterAll(async () => {
    // Everything back to the root, then the test's cgroups removed bottom-up.
    for (const c of [proc?.child, other]) {
      if (c?.pid) await real.run([{ op: 'write', path: `${MNT}/cgroup.procs`, value: String(c.pid), optional: true }], []);
      c?.kill('SIGKILL');
      if (c) await exited(c);
    }
    await real.run([{ op: 'rmtree', path: base, optional: true }, { op: 'rmtree', path: dom, optional: true }], []);
    if (!virtformExisted) await real.run([{ op: 'rmtree', path: `${MNT}/virtform`, optional: true }], []);
    fake?.remove();
  });

  /** Runs each step alone on both; the outcome of each: 'ok', the read value, or the errno text. */
  const both = async (steps: readonly CgroupStep[]): Promise<{ real: string[]; fake: string[] }> => {
    const one = async (r: CgroupRunner, s: CgroupStep): Promise<string> => {
      const out = await r.run([s], []);
      return out.failed ? out.failed.message : s.op === 'read' ? `= ${out.reads.get(s.path)}` : 'ok';
    };
    const a: string[] = [];
    const b: string[] = [];
    for (const s of steps) {
      a.push(`${s.op} ${s.path.slice(MNT.length)}: ${await one(real, s)}`);
      b.push(`${s.op} ${s.path.slice(MNT.length)}: ${await one(fake, s)}`);
    }
    return { real: a, fake: b };
  };

  const state = (root: (p: string) => string, dirs: string[]): Record<string, string> => {
    const out: Record<string, string> = {};
    for (const d of dirs) {
      for (const f of ['cgroup.type', 'cgroup.threads', 'cgroup.events', 'cgroup.subtree_control', 'cgroup.controllers']) {
        const text = readOr(root(`${d}/${f}`));
        out[`${d.slice(MNT.length)}/${f}`] = f === 'cgroup.threads' && text !== null ? text.split('\n').filter(Boolean).sort().join(' ') : (text ?? '(none)');
      }
    }
    return out;
  };

  it('the v2 layout without its cpuset steps: the same tree, threads in the same places, the same removal', async () => {
    const l = cpusetLayout({
      site: { version: 2, mountPoint: MNT, nested: false },
      uuid,
      pid: proc.pid,
      emulator: [0],
      mems: null,
      threads: [
        { child: 'vcpu0', tid: proc.tids[1], cpus: [0], role: 'vcpu 0' },
        { child: 'vcpu1', tid: proc.tids[2], cpus: [0], role: 'vcpu 1' },
      ],
    });
    const noCpuset = (s: CgroupStep) => !(s.op === 'write' && s.value === '+cpuset') && !s.path.includes('/cpuset.');
    const steps = l.steps.filter(noCpuset);
    expect(steps.map((s) => s.op)).toEqual(['ensure', 'write', 'rmtree', 'mkdir', 'mkdir', 'write', 'mkdir', 'write', 'mkdir', 'write', 'write', 'write', 'write']);
    const r = await real.run(steps, l.undo);
    const f = await fake.run(steps, l.undo);
    expect(r).toEqual({ reads: new Map() });
    expect(f).toEqual(r);
    const dirs = [dom, `${dom}/emulator`, `${dom}/vcpu0`, `${dom}/vcpu1`];
    const seen = state((p) => p, dirs);
    expect(state((p) => fake.real(p), dirs)).toEqual(seen);
    expect([seen[`/virtform/${uuid}/cgroup.type`], seen[`/virtform/${uuid}/vcpu0/cgroup.threads`], seen[`/virtform/${uuid}/cgroup.events`]]).toEqual([
      'domain threaded\n',
      String(proc.tids[1]),
      'populated 1\nfrozen 0\n',
    ]);
    expect(readOr(`${dom}/cgroup.procs`)).toBe(`${proc.pid}\n`);

    // A vCPU's thread may not leave for a cgroup of another resource domain.
    expect(await both([{ op: 'write', path: `${MNT}/cgroup.threads`, value: String(proc.tids[1]) }])).toEqual({
      real: ['write /cgroup.threads: Operation not supported'],
      fake: ['write /cgroup.threads: Operation not supported'],
    });
    // A domain with a process is not empty; once the process is gone, removal goes through on both.
    expect(await both([{ op: 'empty', path: `${dom}/cgroup.procs` }])).toEqual({
      real: [`empty /virtform/${uuid}/cgroup.procs: not empty: ${proc.pid}`],
      fake: [`empty /virtform/${uuid}/cgroup.procs: not empty: ${proc.pid}`],
    });
    proc.child.kill('SIGKILL');
    await exited(proc.child);
    const rr = await real.run([{ op: 'rmtree', path: dom }], []);
    const fr = await fake.run([{ op: 'rmtree', path: dom }], []);
    expect([rr, fr]).toEqual([{ reads: new Map() }, { reads: new Map() }]);
    expect([fs.existsSync(dom), fs.existsSync(fake.real(dom))]).toEqual([false, false]);
  }, 30000);

  it('refuses the same writes with the same errno', async () => {
    const gone = spawn('true');
    await exited(gone);
    const out = await both([
      { op: 'mkdir', path: base },
      { op: 'mkdir', path: base },
      { op: 'mkdir', path: `${base}/no/such` },
      { op: 'mkdir', path: `${base}/d` },
      { op: 'mkdir', path: `${base}/d/t` },
      { op: 'write', path: `${base}/d/t/cgroup.type`, value: 'threaded' },
      { op: 'mkdir', path: `${base}/d/x` },
      { op: 'read', path: `${base}/d/cgroup.type` },
      { op: 'read', path: `${base}/d/t/cgroup.type` },
      { op: 'read', path: `${base}/d/x/cgroup.type` },
      { op: 'write', path: `${base}/d/x/cgroup.type`, value: 'domain' },
      { op: 'write', path: `${base}/d/cgroup.subtree_control`, value: '+bogus' },
      { op: 'write', path: `${base}/d/cgroup.subtree_control`, value: '+hugetlb' },
      { op: 'write', path: `${base}/d/cpuset.cpus`, value: '0' },
      { op: 'write', path: `${base}/d/cgroup.events`, value: '1' },
      { op: 'write', path: `${base}/d/x/cgroup.procs`, value: String(other.pid) },
      { op: 'write', path: `${base}/d/x/cgroup.threads`, value: String(other.pid) },
      { op: 'write', path: `${base}/d/t/cgroup.threads`, value: String(other.pid) },
      { op: 'write', path: `${base}/d/t/cgroup.procs`, value: 'abc' },
      { op: 'write', path: `${base}/d/t/cgroup.procs`, value: String(gone.pid) },
      { op: 'write', path: `${base}/d/t/cgroup.procs`, value: String(other.pid) },
      { op: 'read', path: `${base}/d/t/cgroup.procs` },
      { op: 'read', path: `${base}/d/cgroup.procs` },
      { op: 'read', path: `${base}/d/cgroup.events` },
      { op: 'rmtree', path: `${base}/d/t` },
      { op: 'write', path: `${base}/d/x/cgroup.type`, value: 'threaded' },
      { op: 'read', path: `${base}/d/x/cgroup.type` },
      { op: 'write', path: `${base}/d/x/cgroup.threads`, value: String(other.pid) },
      { op: 'read', path: `${base}/d/x/cgroup.threads` },
      { op: 'write', path: `${MNT}/cgroup.procs`, value: String(other.pid) },
      { op: 'rmtree', path: base },
    ]);
    expect(out.fake).toEqual(out.real);
    expect(out.real).toEqual([
      `mkdir ${base.slice(MNT.length)}: ok`,
      `mkdir ${base.slice(MNT.length)}: File exists`,
      `mkdir ${base.slice(MNT.length)}/no/such: No such file or directory`,
      `mkdir ${base.slice(MNT.length)}/d: ok`,
      `mkdir ${base.slice(MNT.length)}/d/t: ok`,
      `write ${base.slice(MNT.length)}/d/t/cgroup.type: ok`,
      `mkdir ${base.slice(MNT.length)}/d/x: ok`,
      `read ${base.slice(MNT.length)}/d/cgroup.type: = domain threaded`,
      `read ${base.slice(MNT.length)}/d/t/cgroup.type: = threaded`,
      `read ${base.slice(MNT.length)}/d/x/cgroup.type: = domain invalid`,
      `write ${base.slice(MNT.length)}/d/x/cgroup.type: Invalid argument`,
      `write ${base.slice(MNT.length)}/d/cgroup.subtree_control: Invalid argument`,
      `write ${base.slice(MNT.length)}/d/cgroup.subtree_control: No such file or directory`,
      `write ${base.slice(MNT.length)}/d/cpuset.cpus: Permission denied`,
      `write ${base.slice(MNT.length)}/d/cgroup.events: Invalid argument`,
      `write ${base.slice(MNT.length)}/d/x/cgroup.procs: Operation not supported`,
      `write ${base.slice(MNT.length)}/d/x/cgroup.threads: Operation not supported`,
      `write ${base.slice(MNT.length)}/d/t/cgroup.threads: Operation not supported`,
      `write ${base.slice(MNT.length)}/d/t/cgroup.procs: Invalid argument`,
      `write ${base.slice(MNT.length)}/d/t/cgroup.procs: No such process`,
      `write ${base.slice(MNT.length)}/d/t/cgroup.procs: ok`,
      `read ${base.slice(MNT.length)}/d/t/cgroup.procs: Operation not supported`,
      `read ${base.slice(MNT.length)}/d/cgroup.procs: = ${other.pid}`,
      `read ${base.slice(MNT.length)}/d/cgroup.events: = populated 1`,
      `rmtree ${base.slice(MNT.length)}/d/t: Device or resource busy`,
      `write ${base.slice(MNT.length)}/d/x/cgroup.type: ok`,
      `read ${base.slice(MNT.length)}/d/x/cgroup.type: = threaded`,
      `write ${base.slice(MNT.length)}/d/x/cgroup.threads: ok`,
      `read ${base.slice(MNT.length)}/d/x/cgroup.threads: = ${other.pid}`,
      `write /cgroup.procs: ok`,
      `rmtree ${base.slice(MNT.length)}: ok`,
    ]);
  }, 60000);
});
