/**
 * The cgroup step interpreter: its stdin encoding, its records, and the real sh script run over
 * the local transport against a plain directory under a host-root prefix (order, stop at the
 * first failure, undo, optional and conditional steps, the errno text of a failure). What a
 * cgroup file system adds (EBUSY, threaded mode) is covered by cgroup-v2-conformance.test.ts
 * on this machine's real cgroup2, and by the real cgroup v1 in lifecycle.test.ts.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cgroupStepsInput, parseCgroupRecords, ShellCgroupRunner, type CgroupStep } from '../../../../provider/executor/domain';
import { LocalTransport } from '../../../../provider/host/local-transport';

describe('cgroupStepsInput', () => {
  it('is one tab-separated line per step, every field prefixed with ":", then `undo` and the undo steps', () => {
    const steps: CgroupStep[] = [
      { op: 'mkdir', path: '/cg/a' },
      { op: 'write', path: '/cg/a/cpuset.cpus', value: '0-3,8' },
      { op: 'write', path: '/cg/cgroup.procs', value: '42', optional: true, ifExists: '/cg/a' },
      { op: 'copy', path: '/cg/a/cpuset.mems', from: '/cg/cpuset.mems' },
    ];
    expect(cgroupStepsInput(steps, [{ op: 'rmtree', path: '/cg/a' }])).toBe(
      'mkdir\t:\t:\t:/cg/a\t:\n' +
        'write\t:\t:\t:/cg/a/cpuset.cpus\t:0-3,8\n' +
        'write\t:o\t:/cg/a\t:/cg/cgroup.procs\t:42\n' +
        'copy\t:\t:\t:/cg/a/cpuset.mems\t:/cg/cpuset.mems\n' +
        'undo\n' +
        'rmtree\t:o\t:\t:/cg/a\t:\n',
    );
  });

  it('refuses tabs, newlines, relative paths and ..', () => {
    expect(() => cgroupStepsInput([{ op: 'write', path: '/a', value: '1\n2' }], [])).toThrow('cgroup step write "/a": a path or value holds a tab or newline');
    expect(() => cgroupStepsInput([{ op: 'mkdir', path: 'a/b' }], [])).toThrow("cgroup step mkdir: 'a/b' is not an absolute host path without '..'");
    expect(() => cgroupStepsInput([{ op: 'copy', path: '/a', from: '/b/../c' }], [])).toThrow("cgroup step copy: '/b/../c' is not an absolute host path without '..'");
  });
});

describe('parseCgroupRecords', () => {
  const steps: CgroupStep[] = [
    { op: 'mkdir', path: '/cg/a' },
    { op: 'write', path: '/cg/a/x', value: '1' },
    { op: 'empty', path: '/cg/cgroup.procs' },
  ];
  const undo: CgroupStep[] = [{ op: 'rmtree', path: '/cg/a' }];
  it('reduces what the tools print to the errno text, picking the C records out of other output', () => {
    expect(parseCgroupRecords('P\t1\nC\tread\t/cg/a/x\t0-1\nC\tfail\t1\tcat: write error: Operation not supported\nC\tundo-fail\t0\trmdir: failed to remove \'/cg/a\': Device or resource busy\nC\tdone\nT\t1\t0\tx\n', steps, undo)).toEqual({
      reads: new Map([['/cg/a/x', '0-1']]),
      failed: { index: 1, step: steps[1], message: 'Operation not supported' },
      undoFailed: [{ step: undo[0], message: 'Device or resource busy' }],
      done: true,
    });
  });
  it("keeps an `empty` step's list, and words dash's ENOENT as strerror does", () => {
    expect(parseCgroupRecords('C\tfail\t2\tnot empty: 1 812\n', steps, undo).failed).toEqual({ index: 2, step: steps[2], message: 'not empty: 1 812' });
    expect(parseCgroupRecords('C\tfail\t1\tsh: 1: cannot create /cg/a/x: Directory nonexistent\n', steps, undo).failed!.message).toBe('No such file or directory');
    expect(parseCgroupRecords('C\tfail\t0\tmkdir: cannot create directory ‘/cg/a’: File exists\n', steps, undo)).toEqual({
      reads: new Map(),
      failed: { index: 0, step: steps[0], message: 'File exists' },
      done: false,
    });
  });
});

describe('ShellCgroupRunner (the sh interpreter) on a plain directory', () => {
  let root: string;
  let runner: ShellCgroupRunner;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'vf-cgsteps-'));
    runner = new ShellCgroupRunner(new LocalTransport('qemu:///embed'), { hostRoot: root });
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));
  const at = (p: string) => path.join(root, p);

  it('runs every step in order under the host root: ensure, mkdir, write, copy, read, empty; optional and conditional steps', async () => {
    fs.mkdirSync(at('/cg'));
    fs.writeFileSync(at('/cg/procs'), '');
    const r = await runner.run(
      [
        { op: 'ensure', path: '/cg/base' },
        { op: 'ensure', path: '/cg/base' },
        { op: 'mkdir', path: '/cg/base/dom' },
        { op: 'write', path: '/cg/base/dom/cpuset.cpus', value: '0-3,8' },
        { op: 'copy', path: '/cg/base/dom/cpuset.mems', from: '/cg/base/dom/cpuset.cpus' },
        { op: 'write', path: '/nowhere/x', value: '1', optional: true },
        { op: 'write', path: '/cg/skipped', value: '1', ifExists: '/cg/missing' },
        { op: 'empty', path: '/cg/procs' },
        { op: 'read', path: '/cg/base/dom/cpuset.mems' },
      ],
      [{ op: 'rmtree', path: '/cg/base' }],
    );
    expect(r).toEqual({ reads: new Map([['/cg/base/dom/cpuset.mems', '0-3,8']]) });
    expect(fs.readFileSync(at('/cg/base/dom/cpuset.cpus'), 'utf8')).toBe('0-3,8\n');
    expect(fs.readFileSync(at('/cg/base/dom/cpuset.mems'), 'utf8')).toBe('0-3,8\n');
    expect(fs.existsSync(at('/cg/skipped'))).toBe(false);
    expect(fs.existsSync(at('/nowhere'))).toBe(false);
  });

  it('stops at the first failure with the errno text, then runs the undo steps and reports those that fail', async () => {
    fs.mkdirSync(at('/cg'));
    const r = await runner.run(
      [
        { op: 'mkdir', path: '/cg/a' },
        { op: 'mkdir', path: '/cg/a/b' },
        { op: 'mkdir', path: '/cg/a' },
        { op: 'write', path: '/cg/never', value: '1' },
      ],
      [
        { op: 'rmtree', path: '/cg/a' },
        { op: 'write', path: '/cg/nodir/f', value: '1' },
        { op: 'write', path: '/cg/undone', value: 'yes' },
      ],
    );
    expect(r).toEqual({
      reads: new Map(),
      failed: { index: 2, step: { op: 'mkdir', path: '/cg/a' }, message: 'File exists' },
      undoFailed: [{ step: { op: 'write', path: '/cg/nodir/f', value: '1' }, message: 'No such file or directory' }],
    });
    expect(fs.readdirSync(at('/cg')).sort()).toEqual(['undone']);
  });

  it("reports an `empty` step's list and a read of a missing file", async () => {
    fs.mkdirSync(at('/cg'));
    fs.writeFileSync(at('/cg/procs'), '1\n812\n');
    const notEmpty = await runner.run([{ op: 'empty', path: '/cg/procs' }], []);
    expect(notEmpty.failed).toEqual({ index: 0, step: { op: 'empty', path: '/cg/procs' }, message: 'not empty: 1 812' });
    const missing = await runner.run([{ op: 'read', path: '/cg/nope' }], []);
    expect(missing.failed).toEqual({ index: 0, step: { op: 'read', path: '/cg/nope' }, message: 'No such file or directory' });
  });

  it('rmtree removes directories bottom-up, a missing one is success, and a non-empty plain directory fails at once (only EBUSY is waited for)', async () => {
    fs.mkdirSync(at('/cg/d/c1/g'), { recursive: true });
    fs.mkdirSync(at('/cg/d/c2'));
    expect(await runner.run([{ op: 'rmtree', path: '/cg/d' }, { op: 'rmtree', path: '/cg/d' }], [])).toEqual({ reads: new Map() });
    expect(fs.readdirSync(at('/cg'))).toEqual([]);
    fs.mkdirSync(at('/cg/e'));
    fs.writeFileSync(at('/cg/e/file'), '');
    const t0 = Date.now();
    const r = await runner.run([{ op: 'rmtree', path: '/cg/e' }], []);
    expect(r.failed!.message).toBe('Directory not empty');
    expect(Date.now() - t0).toBeLessThan(2000);
  });
});
