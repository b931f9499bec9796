/**
 * cpuset pinning on a pure cgroup v2 host, against the cgroup2 kernel simulator
 * (test/support/fake-cgroup2.ts) under a host-root prefix: the production layout's steps, the
 * exact files and contents the kernel then shows, the order of operations, subtree_control in
 * every ancestor, removal bottom-up, and every refusal ending in affinity-only pinning with a
 * note naming the host, the file, the value, the kernel's reason and the fix.
 */
import * as fs from 'fs';
import * as path from 'path';
import {
  cpusetLayout,
  judgePlacement,
  placeInCpuset,
  removeCpusetCgroup,
  type CpusetPlacementInput,
} from '../../../../provider/executor/domain';
import { FakeCgroup2 } from '../../../support/fake-cgroup2';

const UUID = 'c7a5fdbd-edaf-9455-926a-d65c16db1809';
const MNT = '/sys/fs/cgroup';
const DOM = `${MNT}/virtform/${UUID}`;
/** QEMU pid 4242: main thread, vCPU 0 and 1, I/O thread 1, an RCU thread. */
const QEMU = { pid: 4242, tids: [4242, 4243, 4244, 4245, 4246] };
const SITE = { version: 2, mountPoint: MNT, nested: false } as const;
const INPUT: CpusetPlacementInput = {
  site: SITE,
  uuid: UUID,
  pid: 4242,
  emulator: [0, 1],
  mems: null,
  threads: [
    { child: 'vcpu0', tid: 4243, cpus: [2], role: 'vcpu 0' },
    { child: 'vcpu1', tid: 4244, cpus: [3], role: 'vcpu 1' },
    { child: 'iothread1', tid: 4245, cpus: [1], role: 'I/O thread 1' },
  ],
};

let fake: FakeCgroup2;
beforeEach(() => {
  fake = FakeCgroup2.create();
  fake.addProcess(QEMU.pid, QEMU.tids);
});
afterEach(() => fake.remove());

/** A file of the fake tree as the kernel shows it (read with fs, not through virtform). */
const read = (p: string): string => fs.readFileSync(fake.real(p), 'utf8');
const ls = (p: string): string[] => fs.readdirSync(fake.real(p)).sort();

describe('the v2 layout', () => {
  it('is these steps, in this order (subtree_control from the root down, children threaded before threads move)', () => {
    const l = cpusetLayout(INPUT);
    expect(l.path).toBe(DOM);
    expect(l.steps).toEqual([
      { op: 'write', path: `${MNT}/cgroup.subtree_control`, value: '+cpuset' },
      { op: 'ensure', path: `${MNT}/virtform` },
      { op: 'write', path: `${MNT}/virtform/cgroup.subtree_control`, value: '+cpuset' },
      { op: 'write', path: `${MNT}/cgroup.procs`, value: '4242', optional: true, ifExists: DOM },
      { op: 'rmtree', path: DOM },
      { op: 'mkdir', path: DOM },
      { op: 'write', path: `${DOM}/cpuset.cpus`, value: '0-3' },
      { op: 'write', path: `${DOM}/cgroup.subtree_control`, value: '+cpuset' },
      { op: 'mkdir', path: `${DOM}/emulator` },
      { op: 'write', path: `${DOM}/emulator/cgroup.type`, value: 'threaded' },
      { op: 'write', path: `${DOM}/emulator/cpuset.cpus`, value: '0-1' },
      { op: 'mkdir', path: `${DOM}/vcpu0` },
      { op: 'write', path: `${DOM}/vcpu0/cgroup.type`, value: 'threaded' },
      { op: 'write', path: `${DOM}/vcpu0/cpuset.cpus`, value: '2' },
      { op: 'mkdir', path: `${DOM}/vcpu1` },
      { op: 'write', path: `${DOM}/vcpu1/cgroup.type`, value: 'threaded' },
      { op: 'write', path: `${DOM}/vcpu1/cpuset.cpus`, value: '3' },
      { op: 'mkdir', path: `${DOM}/iothread1` },
      { op: 'write', path: `${DOM}/iothread1/cgroup.type`, value: 'threaded' },
      { op: 'write', path: `${DOM}/iothread1/cpuset.cpus`, value: '1' },
      { op: 'write', path: `${DOM}/emulator/cgroup.procs`, value: '4242' },
      { op: 'write', path: `${DOM}/vcpu0/cgroup.threads`, value: '4243' },
      { op: 'write', path: `${DOM}/vcpu1/cgroup.threads`, value: '4244' },
      { op: 'write', path: `${DOM}/iothread1/cgroup.threads`, value: '4245' },
      { op: 'read', path: `${MNT}/virtform/cpuset.cpus.effective` },
      { op: 'read', path: `${DOM}/cpuset.cpus.effective` },
      { op: 'read', path: `${DOM}/emulator/cpuset.cpus.effective` },
      { op: 'read', path: `${DOM}/vcpu0/cpuset.cpus.effective` },
      { op: 'read', path: `${DOM}/vcpu1/cpuset.cpus.effective` },
      { op: 'read', path: `${DOM}/iothread1/cpuset.cpus.effective` },
    ]);
    expect(l.undo).toEqual([
      { op: 'write', path: `${MNT}/cgroup.procs`, value: '4242', ifExists: DOM },
      { op: 'rmtree', path: DOM },
    ]);
  });

  it('with planned memory nodes, writes cpuset.mems in the domain and each child and reads cpuset.mems.effective back', () => {
    const l = cpusetLayout({ ...INPUT, mems: [1] });
    const mems = l.steps.filter((s) => s.path.endsWith('cpuset.mems') || s.path.endsWith('mems.effective'));
    expect(mems).toEqual([
      { op: 'write', path: `${DOM}/cpuset.mems`, value: '1' },
      { op: 'write', path: `${DOM}/emulator/cpuset.mems`, value: '1' },
      { op: 'write', path: `${DOM}/vcpu0/cpuset.mems`, value: '1' },
      { op: 'write', path: `${DOM}/vcpu1/cpuset.mems`, value: '1' },
      { op: 'write', path: `${DOM}/iothread1/cpuset.mems`, value: '1' },
      { op: 'read', path: `${MNT}/virtform/cpuset.mems.effective` },
      { op: 'read', path: `${DOM}/cpuset.mems.effective` },
      { op: 'read', path: `${DOM}/emulator/cpuset.mems.effective` },
      { op: 'read', path: `${DOM}/vcpu0/cpuset.mems.effective` },
      { op: 'read', path: `${DOM}/vcpu1/cpuset.mems.effective` },
      { op: 'read', path: `${DOM}/iothread1/cpuset.mems.effective` },
    ]);
  });

  it('on a nested top, first checks that it holds no process', () => {
    expect(cpusetLayout({ ...INPUT, site: { ...SITE, nested: true } }).steps[0]).toEqual({ op: 'empty', path: `${MNT}/cgroup.procs` });
  });
});

describe('placement on the simulated kernel', () => {
  it('builds the threaded subtree: exact operations, files and contents', async () => {
    const out = await placeInCpuset(fake, INPUT);
    expect(out).toEqual({ placement: { kind: 'cpuset-v2', path: DOM } });
    expect(fake.ops).toEqual([
      `write ${MNT}/cgroup.subtree_control "+cpuset"`,
      `mkdir ${MNT}/virtform`,
      `write ${MNT}/virtform/cgroup.subtree_control "+cpuset"`,
      `mkdir ${DOM}`,
      `write ${DOM}/cpuset.cpus "0-3"`,
      `write ${DOM}/cgroup.subtree_control "+cpuset"`,
      `mkdir ${DOM}/emulator`,
      `write ${DOM}/emulator/cgroup.type "threaded"`,
      `write ${DOM}/emulator/cpuset.cpus "0-1"`,
      `mkdir ${DOM}/vcpu0`,
      `write ${DOM}/vcpu0/cgroup.type "threaded"`,
      `write ${DOM}/vcpu0/cpuset.cpus "2"`,
      `mkdir ${DOM}/vcpu1`,
      `write ${DOM}/vcpu1/cgroup.type "threaded"`,
      `write ${DOM}/vcpu1/cpuset.cpus "3"`,
      `mkdir ${DOM}/iothread1`,
      `write ${DOM}/iothread1/cgroup.type "threaded"`,
      `write ${DOM}/iothread1/cpuset.cpus "1"`,
      `write ${DOM}/emulator/cgroup.procs "4242"`,
      `write ${DOM}/vcpu0/cgroup.threads "4243"`,
      `write ${DOM}/vcpu1/cgroup.threads "4244"`,
      `write ${DOM}/iothread1/cgroup.threads "4245"`,
      `read ${MNT}/virtform/cpuset.cpus.effective`,
      `read ${DOM}/cpuset.cpus.effective`,
      `read ${DOM}/emulator/cpuset.cpus.effective`,
      `read ${DOM}/vcpu0/cpuset.cpus.effective`,
      `read ${DOM}/vcpu1/cpuset.cpus.effective`,
      `read ${DOM}/iothread1/cpuset.cpus.effective`,
    ]);

    expect(read(`${MNT}/virtform/cgroup.type`)).toBe('domain\n');
    expect(read(`${MNT}/virtform/cgroup.subtree_control`)).toBe('cpuset\n');
    expect(read(`${MNT}/virtform/cgroup.procs`)).toBe('');
    expect(read(`${DOM}/cgroup.type`)).toBe('domain threaded\n');
    expect(read(`${DOM}/cgroup.controllers`)).toBe('cpuset\n');
    expect(read(`${DOM}/cgroup.subtree_control`)).toBe('cpuset\n');
    expect(read(`${DOM}/cgroup.procs`)).toBe('4242\n');
    expect(read(`${DOM}/cgroup.threads`)).toBe('');
    expect(read(`${DOM}/cgroup.events`)).toBe('populated 1\nfrozen 0\n');
    expect([read(`${DOM}/cpuset.cpus`), read(`${DOM}/cpuset.cpus.effective`), read(`${DOM}/cpuset.mems`), read(`${DOM}/cpuset.mems.effective`)]).toEqual(['0-3\n', '0-3\n', '\n', '0-1\n']);
    const child = (c: string) => ['cgroup.type', 'cpuset.cpus', 'cpuset.cpus.effective', 'cgroup.threads'].map((f) => read(`${DOM}/${c}/${f}`));
    expect(child('emulator')).toEqual(['threaded\n', '0-1\n', '0-1\n', '4242\n4246\n']);
    expect(child('vcpu0')).toEqual(['threaded\n', '2\n', '2\n', '4243\n']);
    expect(child('vcpu1')).toEqual(['threaded\n', '3\n', '3\n', '4244\n']);
    expect(child('iothread1')).toEqual(['threaded\n', '1\n', '1\n', '4245\n']);
    expect(ls(DOM)).toEqual([
      'cgroup.controllers', 'cgroup.events', 'cgroup.freeze', 'cgroup.kill', 'cgroup.max.depth', 'cgroup.max.descendants', 'cgroup.procs',
      'cgroup.stat', 'cgroup.subtree_control', 'cgroup.threads', 'cgroup.type', 'cpu.stat', 'cpuset.cpus', 'cpuset.cpus.effective',
      'cpuset.cpus.partition', 'cpuset.mems', 'cpuset.mems.effective', 'emulator', 'iothread1', 'vcpu0', 'vcpu1',
    ]);
  });

  it('enables cpuset at the root first when the host did not (a root with processes may: it is exempt)', async () => {
    fake.remove();
    fake = FakeCgroup2.create({ subtreeControl: [] });
    fake.addProcess(QEMU.pid, QEMU.tids);
    expect(read(`${MNT}/cgroup.subtree_control`)).toBe('');
    expect((await placeInCpuset(fake, INPUT)).placement).toEqual({ kind: 'cpuset-v2', path: DOM });
    expect(read(`${MNT}/cgroup.subtree_control`)).toBe('cpuset\n');
    expect(read(`${MNT}/virtform/cgroup.controllers`)).toBe('cpuset\n');
  });

  it('puts the planned nodes in cpuset.mems and checks cpuset.mems.effective', async () => {
    expect(await placeInCpuset(fake, { ...INPUT, mems: [1] })).toEqual({ placement: { kind: 'cpuset-v2', path: DOM } });
    expect(['', '/emulator', '/vcpu0'].map((c) => [read(`${DOM}${c}/cpuset.mems`), read(`${DOM}${c}/cpuset.mems.effective`)])).toEqual([
      ['1\n', '1\n'],
      ['1\n', '1\n'],
      ['1\n', '1\n'],
    ]);
  });

  it('re-places a running domain (a re-pin): the process leaves the old tree, which is rebuilt', async () => {
    await placeInCpuset(fake, INPUT);
    fake.ops.length = 0;
    const moved = { ...INPUT, threads: INPUT.threads.map((t) => (t.child === 'vcpu1' ? { ...t, cpus: [2] } : t)) };
    expect((await placeInCpuset(fake, moved)).placement).toEqual({ kind: 'cpuset-v2', path: DOM });
    expect(fake.ops.slice(2, 10)).toEqual([
      `write ${MNT}/cgroup.procs "4242"`,
      `rmdir ${DOM}/emulator`,
      `rmdir ${DOM}/iothread1`,
      `rmdir ${DOM}/vcpu0`,
      `rmdir ${DOM}/vcpu1`,
      `rmdir ${DOM}`,
      `mkdir ${DOM}`,
      `write ${DOM}/cpuset.cpus "0-2"`,
    ]);
    expect(read(`${DOM}/vcpu1/cpuset.cpus.effective`)).toBe('2\n');
    expect(read(`${DOM}/vcpu1/cgroup.threads`)).toBe('4244\n');
  });

  it('is removed bottom-up with rmdir once QEMU exited; virtform/ stays', async () => {
    const { placement } = await placeInCpuset(fake, INPUT);
    await expect(removeCpusetCgroup(fake, placement)).rejects.toThrow(
      `fakehost: cannot remove the cpuset cgroup ${DOM}: removing ${DOM}: Device or resource busy (a thread is still in it; it is retried by the next destroy or status)`,
    );
    expect(fake.ops.slice(-1)).toEqual([`rmdir ${DOM}/emulator -> Device or resource busy`]);
    fake.exitProcess(QEMU.pid);
    fake.ops.length = 0;
    await removeCpusetCgroup(fake, placement);
    expect(fake.ops).toEqual([`rmdir ${DOM}/emulator`, `rmdir ${DOM}/iothread1`, `rmdir ${DOM}/vcpu0`, `rmdir ${DOM}/vcpu1`, `rmdir ${DOM}`]);
    expect(fs.existsSync(fake.real(DOM))).toBe(false);
    expect(ls(`${MNT}/virtform`)).not.toContain(UUID);
    // Removing what is gone is no error.
    await removeCpusetCgroup(fake, placement);
  });
});

describe('refusals: affinity only, with a note naming host, file, value, reason and fix', () => {
  const emptyTree = () => {
    expect(fs.existsSync(fake.real(DOM))).toBe(false);
    expect(read(`${MNT}/cgroup.procs`)).toBe('1\n4242\n');
  };

  it('a nested top holding processes (a container): nothing is changed', async () => {
    fake.remove();
    fake = FakeCgroup2.create({ nested: true, subtreeControl: [], processes: [{ pid: 1, tids: [1] }] });
    fake.addProcess(QEMU.pid, QEMU.tids);
    const out = await placeInCpuset(fake, { ...INPUT, site: { ...SITE, nested: true } });
    expect(out).toEqual({
      placement: {
        kind: 'none',
        note:
          `cpuset cgroup v2 placement on fakehost failed: checking that ${MNT}/cgroup.procs lists no process: not empty: 1 4242 ` +
          `(fix: ${MNT} is not the hierarchy root (the cgroup2 mount shows a nested cgroup, as in a container) and holds processes; ` +
          'enabling cpuset for its children would make it a threaded domain, below which no domain cgroup may hold processes. ' +
          `Move the processes of ${MNT} into a child cgroup (as container inits do with init.scope), then launch again); undone: pinned by thread affinity only`,
      },
    });
    expect(fake.ops).toEqual([`read ${MNT}/cgroup.procs`]);
    expect(read(`${MNT}/cgroup.subtree_control`)).toBe('');
    expect(read(`${MNT}/cgroup.type`)).toBe('domain\n');
  });

  it('what the kernel answers when a nested top with processes enables cpuset anyway (why the layout checks first)', async () => {
    fake.remove();
    fake = FakeCgroup2.create({ nested: true, subtreeControl: [] });
    fake.write(`${MNT}/cgroup.subtree_control`, '+cpuset\n');
    expect(read(`${MNT}/cgroup.type`)).toBe('domain threaded\n');
    fake.mkdir(`${MNT}/virtform`);
    expect(read(`${MNT}/virtform/cgroup.type`)).toBe('domain invalid\n');
    expect(() => fake.write(`${MNT}/virtform/cgroup.subtree_control`, '+cpuset\n')).toThrow('Operation not supported');
  });

  it('no root on the host (mkdir refused): the note says so and how to fix it', async () => {
    fake.failures.set(`mkdir ${MNT}/virtform`, 'Permission denied');
    const out = await placeInCpuset(fake, INPUT);
    expect(out.placement).toEqual({
      kind: 'none',
      note:
        `cpuset cgroup v2 placement on fakehost failed: creating ${MNT}/virtform: Permission denied ` +
        `(fix: connect to fakehost as root, or delegate ${MNT}/virtform to virtform's user (chown the directory and its cgroup.procs, cgroup.threads and cgroup.subtree_control)); ` +
        'undone: pinned by thread affinity only',
    });
    emptyTree();
  });

  it('a vCPU thread that exited before it moved: undone bottom-up, the process back at the root', async () => {
    const gone = { ...INPUT, threads: [...INPUT.threads.slice(0, 2), { ...INPUT.threads[2], tid: 9999 }] };
    const out = await placeInCpuset(fake, gone);
    expect(out.placement).toEqual({
      kind: 'none',
      note:
        `cpuset cgroup v2 placement on fakehost failed: writing '9999' to ${DOM}/iothread1/cgroup.threads: No such process ` +
        '(fix: thread 9999 exited before it could be placed); undone: pinned by thread affinity only',
    });
    expect(fake.ops.slice(-7)).toEqual([
      `write ${DOM}/iothread1/cgroup.threads "9999" -> No such process`,
      `write ${MNT}/cgroup.procs "4242"`,
      `rmdir ${DOM}/emulator`,
      `rmdir ${DOM}/iothread1`,
      `rmdir ${DOM}/vcpu0`,
      `rmdir ${DOM}/vcpu1`,
      `rmdir ${DOM}`,
    ]);
    emptyTree();
  });

  it('an existing virtform/ that holds a process itself (no internal processes): EBUSY when it enables cpuset', async () => {
    fake.write(`${MNT}/cgroup.subtree_control`, '-cpuset -cpu -io -memory -pids\n');
    fake.mkdir(`${MNT}/virtform`);
    fake.write(`${MNT}/cgroup.subtree_control`, '+memory\n');
    fake.write(`${MNT}/virtform/cgroup.subtree_control`, '+memory\n');
    fake.mkdir(`${MNT}/virtform/other`);
    fake.addProcess(777, [777], `${MNT}/virtform/other`);
    // A process straight in virtform/ is refused while it enables a controller: move it there before enabling.
    fake.write(`${MNT}/virtform/cgroup.subtree_control`, '-memory\n');
    fake.write(`${MNT}/virtform/cgroup.procs`, '4242\n');
    const out = await placeInCpuset(fake, { ...INPUT });
    expect(out.placement).toEqual({
      kind: 'none',
      note:
        `cpuset cgroup v2 placement on fakehost failed: writing '+cpuset' to ${MNT}/virtform/cgroup.subtree_control: Device or resource busy ` +
        `(fix: ${MNT}/virtform holds processes, and a non-root cgroup with processes cannot enable controllers for its children (no internal processes): move them into a child cgroup); ` +
        'undone: pinned by thread affinity only',
    });
  });

  it('an undo that fails too: the leftover is recorded and removed with the domain', async () => {
    fake.failures.set(`write ${DOM}/vcpu1/cgroup.threads`, 'Operation not supported');
    fake.failures.set(`write ${MNT}/cgroup.procs`, 'Device or resource busy');
    const out = await placeInCpuset(fake, INPUT);
    expect(out.placement).toEqual({
      kind: 'none',
      note:
        `cpuset cgroup v2 placement on fakehost failed: writing '4244' to ${DOM}/vcpu1/cgroup.threads: Operation not supported ` +
        `(fix: ${DOM}/vcpu1 cannot take the thread: its cgroup.type is 'domain invalid', or the thread belongs to another resource domain); ` +
        `undoing it failed too (writing '4242' to ${MNT}/cgroup.procs: Device or resource busy; removing ${DOM}: Device or resource busy): ` +
        `${DOM} is removed with the domain: pinned by thread affinity only`,
      leftover: DOM,
    });
    fake.exitProcess(QEMU.pid);
    await removeCpusetCgroup(fake, out.placement);
    expect(fs.existsSync(fake.real(DOM))).toBe(false);
  });

  it('CPUs the cgroup above does not grant: the placement stands, the read-back mismatch fails the pinning', async () => {
    // An administrator narrowed virtform/ to CPUs 0-1; v2 takes the write of 2 and 3 below it but grants the parent's.
    fake.mkdir(`${MNT}/virtform`);
    fake.write(`${MNT}/virtform/cpuset.cpus`, '0-1\n');
    const out = await placeInCpuset(fake, INPUT);
    expect(out).toEqual({
      placement: { kind: 'cpuset-v2', path: DOM },
      mismatch:
        `fakehost: the domain reads back cpuset.cpus.effective '0-1' in ${DOM}/cpuset.cpus.effective, but the plan is '0-3': ` +
        `the cgroup above grants CPUs '0-1' (${MNT}/virtform/cpuset.cpus.effective), and the kernel keeps a child within its parent. ` +
        `Fix: pin within 0-1, or widen the cpuset of the cgroups above ${DOM}`,
    });
    expect(read(`${DOM}/vcpu0/cpuset.cpus`)).toBe('2\n');
    expect(read(`${DOM}/vcpu0/cpuset.cpus.effective`)).toBe('0-1\n');
  });

  it('judges a read that is missing from the result as a failed read-back', () => {
    const l = cpusetLayout(INPUT);
    expect(judgePlacement('h1', SITE, l, { reads: new Map() })).toEqual({
      placement: { kind: 'cpuset-v2', path: DOM },
      mismatch: `h1: ${DOM}/cpuset.cpus.effective was not read back after placing the domain in the cpuset cgroup`,
    });
  });
});

describe('the simulated kernel itself', () => {
  it('writes the tree under its host root, with a mountinfo naming the cgroup2 mount', () => {
    expect(read('/proc/self/mountinfo')).toBe(
      '24 1 0:22 / / rw,relatime - ext4 /dev/vda1 rw\n30 24 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n',
    );
    expect(ls(MNT)).toEqual([
      'cgroup.controllers', 'cgroup.max.depth', 'cgroup.max.descendants', 'cgroup.procs', 'cgroup.stat', 'cgroup.subtree_control', 'cgroup.threads',
      'cpu.stat', 'cpuset.cpus.effective', 'cpuset.mems.effective',
    ]);
    expect(path.relative(fake.root, fake.real(MNT))).toBe('sys/fs/cgroup');
  });
});
