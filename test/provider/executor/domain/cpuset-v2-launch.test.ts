/**
 * A real QEMU launched, pinned and destroyed by the production lifecycle on a simulated cgroup
 * v2 host: the domain host's cgroup runner is the cgroup2 kernel simulator
 * (test/support/fake-cgroup2.ts), which knows QEMU's real threads from /proc. Affinity is real
 * (taskset) and read back from /proc here; the cgroup tree is read from the simulator's files.
 * Starts QEMU: run under the machine lock.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { HostFacts } from '../../../../model/host-facts';
import { planPins } from '../../../../planner/pin-plan';
import { destroyDomain, launchDomain, type DomainHost, type DomainStatusRecord } from '../../../../provider/executor/domain';
import { discoverHost } from '../../../../provider/host/host-discovery';
import { LocalTransport } from '../../../../provider/host/local-transport';
import { FakeCgroup2 } from '../../../support/fake-cgroup2';
import { missingBinaryReason, QEMU_IMG, QEMU_X86_64 } from '../../../support/qemu';
import { describeIf, hasBinary } from '../../../support/skip';
import { makeTestDomain, pidsWithUuid, procThreads } from './test-domain';

const skip =
  missingBinaryReason(QEMU_X86_64) ??
  missingBinaryReason(QEMU_IMG) ??
  (fs.readFileSync('/sys/devices/system/cpu/online', 'utf8').trim() === '0-1' ? undefined : 'expects exactly host CPUs 0-1 online') ??
  (hasBinary('taskset') ? undefined : 'needs taskset (util-linux)') ??
  null;

const MNT = '/sys/fs/cgroup';
const V2 = { version: 2, mountPoint: MNT, nested: false } as const;
const PINS = "<vcpupin vcpu='0' cpuset='0'/><vcpupin vcpu='1' cpuset='1'/><emulatorpin cpuset='1'/><iothreadpin iothread='1' cpuset='0'/>";

describeIf(skip)('launch and destroy on a simulated cgroup v2 host (real QEMU)', () => {
  let root: string;
  let fake: FakeCgroup2;
  let h: DomainHost;
  let facts: HostFacts;
  const uuids: string[] = [];

  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'vf-cg2-launch-'));
    const transport = new LocalTransport(`qemu:///embed?root=${root}`);
    facts = await discoverHost(transport);
  });
  beforeEach(() => {
    fake = FakeCgroup2.create({ hostname: 'localhost', cpus: '0-1', mems: '0', processes: [], realProc: true });
    h = { transport: new LocalTransport(`qemu:///embed?root=${root}`), runDir: path.join(root, 'run'), cgroups: fake };
  });
  afterEach(() => fake.remove());
  afterAll(() => {
    for (const u of uuids) for (const p of pidsWithUuid(u)) process.kill(p, 'SIGKILL');
    fs.rmSync(root, { recursive: true, force: true });
  });

  const domain = (name: string) => {
    const t = makeTestDomain(h.runDir, root, undefined, { name, cputune: PINS, boot: 'none' });
    uuids.push(t.uuid);
    return { ...t, pins: planPins(t.domain, facts, 'localhost') };
  };
  const read = (p: string) => fs.readFileSync(fake.real(p), 'utf8');

  it('places every thread in its threaded child, records cpuset-v2, and destroy removes the tree bottom-up', async () => {
    const t = domain('vf-cg2');
    const r = await launchDomain(h, { name: t.name, uuid: t.uuid, argv: t.argv, pins: t.pins, paused: true }, { cpuset: V2 });
    const dom = `${MNT}/virtform/${t.uuid}`;
    const pid = r.record.pid!;
    expect(r.record.cgroup).toEqual({ kind: 'cpuset-v2', path: dom });
    expect((JSON.parse(fs.readFileSync(r.paths.statusFile, 'utf8')) as DomainStatusRecord).cgroup).toEqual({ kind: 'cpuset-v2', path: dom });

    const [vcpu0, vcpu1] = r.record.threads!.vcpus.map((v) => v.threadId);
    const io1 = r.record.threads!.iothreads[0].threadId;
    const threads = procThreads(pid);
    expect([threads.get(vcpu0)!.cpus, threads.get(vcpu1)!.cpus, threads.get(io1)!.cpus, threads.get(pid)!.cpus]).toEqual(['0', '1', '0', '1']);
    const ids = (text: string) => text.split('\n').filter(Boolean).map(Number);
    expect(read(`${dom}/cgroup.type`)).toBe('domain threaded\n');
    expect(read(`${dom}/cgroup.procs`)).toBe(`${pid}\n`);
    expect(read(`${dom}/cpuset.cpus.effective`)).toBe('0-1\n');
    expect(['emulator', 'vcpu0', 'vcpu1', 'iothread1'].map((c) => [read(`${dom}/${c}/cgroup.type`), read(`${dom}/${c}/cpuset.cpus.effective`)])).toEqual([
      ['threaded\n', '1\n'],
      ['threaded\n', '0\n'],
      ['threaded\n', '1\n'],
      ['threaded\n', '0\n'],
    ]);
    expect([ids(read(`${dom}/vcpu0/cgroup.threads`)), ids(read(`${dom}/vcpu1/cgroup.threads`)), ids(read(`${dom}/iothread1/cgroup.threads`))]).toEqual([[vcpu0], [vcpu1], [io1]]);
    expect(ids(read(`${dom}/emulator/cgroup.threads`))).toEqual(r.record.threads!.emulator);
    expect(r.record.threads!.emulator).toContain(pid);

    fake.ops.length = 0;
    expect((await destroyDomain(h, t.name)).how).toBe('sigterm');
    expect(pidsWithUuid(t.uuid)).toEqual([]);
    expect(fake.ops).toEqual([`rmdir ${dom}/emulator`, `rmdir ${dom}/iothread1`, `rmdir ${dom}/vcpu0`, `rmdir ${dom}/vcpu1`, `rmdir ${dom}`]);
    expect(fs.existsSync(fake.real(dom))).toBe(false);
    expect(fs.existsSync(r.paths.dir)).toBe(false);
  }, 60000);

  it('a host that refuses the placement: the domain runs pinned by affinity alone, status.json says why', async () => {
    const t = domain('vf-cg2-refused');
    fake.failures.set(`write ${MNT}/virtform/cgroup.subtree_control`, 'Device or resource busy');
    const r = await launchDomain(h, { name: t.name, uuid: t.uuid, argv: t.argv, pins: t.pins, paused: true }, { cpuset: V2 });
    const note =
      `cpuset cgroup v2 placement on localhost failed: writing '+cpuset' to ${MNT}/virtform/cgroup.subtree_control: Device or resource busy ` +
      `(fix: ${MNT}/virtform holds processes, and a non-root cgroup with processes cannot enable controllers for its children (no internal processes): move them into a child cgroup); ` +
      'undone: pinned by thread affinity only';
    expect(r.record.cgroup).toEqual({ kind: 'none', note });
    const threads = procThreads(r.record.pid!);
    expect(r.record.threads!.vcpus.map((v) => threads.get(v.threadId)!.cpus)).toEqual(['0', '1']);
    expect(fs.readdirSync(fake.real(`${MNT}/virtform`)).filter((e) => !e.includes('.'))).toEqual([]);
    await destroyDomain(h, t.name);
  }, 60000);
});
