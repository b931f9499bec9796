/**
 * prepareHugepages / releaseHugepages on the fake two-node host (fake-sysfs kernel simulator):
 * exact sysfs writes, records, growth verification and rollback. The real-kernel test is
 * prepare-hugepages-real.test.ts.
 */
import * as fs from 'fs';
import type { HugepageNeed } from '../../../../planner/hugepage-demand';
import { HugepageLedger } from '../../../../planner/hugepage-ledger';
import { HostResourceError } from '../../../../planner/host-issue';
import type { HostContext } from '../../../../provider/executor/host-context';
import { prepareHugepages, releaseHugepages } from '../../../../provider/executor/hugepages/prepare-hugepages';
import { readHugepageState } from '../../../../provider/executor/hugepages/hugepage-state';
import { STANDARD_FAKE_HOST } from '../../../support/fake-host-tree';
import { FakeHostCommands } from '../../../support/fake-host-commands';
import { FakeSysfs } from '../../../support/fake-sysfs';

const N1 = '/sys/devices/system/node/node1/hugepages/hugepages-2048kB/nr_hugepages';

const need = (pages: number, nodes: number[] | null, cell = 0): HugepageNeed => ({
  cell,
  sizeKiB: 2048,
  pages,
  nodes,
  binding: nodes ? `<memory mode='strict' nodeset='${nodes.join(',')}'/>` : 'no <numatune> binding (the kernel may use any node)',
  path: '/domain/memory',
});

describe('prepareHugepages on the fake two-node host', () => {
  let f: FakeSysfs;
  let cmds: FakeHostCommands;
  let ctx: HostContext;
  beforeEach(() => {
    f = FakeSysfs.create();
    cmds = new FakeHostCommands(f.root);
    ctx = { hostLabel: 'fakehost', fs: f, commands: cmds };
  });
  afterEach(() => f.remove());

  it('fits on the bound node: no pool writes, a mem-path directory, a record; release removes the directory', async () => {
    const p = await prepareHugepages(ctx, { domain: 'web', demand: { needs: [need(32, [0])], mountSizesKiB: [2048] }, memDir: 'virtform/1-web' });
    expect(p).toEqual({
      records: [{ sizeKiB: 2048, node: 0, nodes: [0], pages: 32, grownBy: 0, grown: [], mount: '/dev/hugepages', mountedByVirtform: false, memDir: '/dev/hugepages/virtform/1-web' }],
      mounts: [{ sizeKiB: 2048, path: '/dev/hugepages', mountedByVirtform: false }],
    });
    expect(f.ops).toEqual([]);
    expect(cmds.calls).toEqual(['mkdir -p -m 0700 /dev/hugepages/virtform/1-web']);
    expect(fs.statSync(`${f.root}/dev/hugepages/virtform/1-web`).mode & 0o777).toBe(0o700);
    await releaseHugepages(ctx, p.records);
    expect(cmds.calls.slice(1)).toEqual(['rmdir /dev/hugepages/virtform/1-web', 'rmdir /dev/hugepages/virtform']);
    expect(fs.existsSync(`${f.root}/dev/hugepages/virtform`)).toBe(false);
    expect(f.ops).toEqual([]);
  });

  it('takes the mount the command line was built for (mounts), not the first of its size in /proc/mounts; fails naming it when it is gone', async () => {
    await cmds.mountHugetlbfs('/tmp/stray', 2048); // listed after /dev/hugepages
    const demand = { needs: [need(8, [0])], mountSizesKiB: [2048] };
    const p = await prepareHugepages(ctx, { domain: 'web', demand, mounts: new Map([[2048, '/tmp/stray']]), memDir: 'virtform/1-web' });
    expect(p.mounts).toEqual([{ sizeKiB: 2048, path: '/tmp/stray', mountedByVirtform: false }]);
    expect(p.records.map((r) => [r.mount, r.memDir])).toEqual([['/tmp/stray', '/tmp/stray/virtform/1-web']]);
    await releaseHugepages(ctx, p.records);
    const err = await prepareHugepages(ctx, { domain: 'web', demand, mounts: new Map([[2048, '/mnt/gone']]), memDir: 'virtform/1-web' }).catch((e) => e);
    expect(err).toBeInstanceOf(HostResourceError);
    expect(err.message).toBe(
      'error: host fakehost: the command line puts 2048 KiB pages on /mnt/gone, which is not a hugetlbfs mount of that size now; ' +
        'hugetlbfs is mounted on /dev/hugepages (2048 KiB), /dev/hugepages1G (1048576 KiB), /tmp/stray (2048 KiB) (/domain/memoryBacking/hugepages) ' +
        '(fix: mount it again (mount -t hugetlbfs -o pagesize=2048k hugetlbfs /mnt/gone), or run the command again to use the mounts there are now)',
    );
  });

  it('a shortfall without growPools fails before anything is touched, with the node and the numbers', async () => {
    const err = await prepareHugepages(ctx, { domain: 'web', demand: { needs: [need(32, [1])], mountSizesKiB: [2048] }, memDir: 'virtform/1-web' }).catch((e) => e);
    expect(err).toBeInstanceOf(HostResourceError);
    expect(err.message).toBe(
      "error: host fakehost node1: need 32 × 2048 KiB pages, 16 free; guest memory needs 32 (<memory mode='strict' nodeset='1'/>) (/domain/memory) " +
        "(fix: node0 has 64 free 2048 KiB pages: bind the memory there with <numatune><memory mode='strict' nodeset='0'/></numatune>, or grow node1's pool: echo 48 > /sys/devices/system/node/node1/hugepages/hugepages-2048kB/nr_hugepages (virtform does it on apply when the host allows growPools))",
    );
    expect(f.ops).toEqual([]);
    expect(cmds.calls).toEqual([]);
  });

  it('growPools grows only the short node, verifies it, records it; release shrinks exactly that after QEMU gave the pages back', async () => {
    const p = await prepareHugepages(ctx, { domain: 'web', demand: { needs: [need(32, [1])], mountSizesKiB: [2048] }, growPools: true });
    expect(f.ops).toEqual([`write ${N1} "48\\n"`]);
    expect(f.kernel.pool(1, 2048)).toEqual({ nr: 48, free: 32, surplus: 0 });
    expect(p.records).toEqual([{ sizeKiB: 2048, node: 1, nodes: [1], pages: 32, grownBy: 16, grown: [{ node: 1, pages: 16 }], mount: '/dev/hugepages', mountedByVirtform: false, memDir: null }]);
    f.kernel.touchHugepages(1, 2048, 32); // QEMU preallocates
    f.kernel.touchHugepages(1, 2048, -32); // QEMU exits
    expect(await releaseHugepages(ctx, p.records)).toEqual({ notes: [] });
    expect(f.ops).toEqual([`write ${N1} "48\\n"`, `write ${N1} "32\\n"`]);
    expect(f.kernel.pool(1, 2048)).toEqual({ nr: 32, free: 16, surplus: 0 });
  });

  it('pages still in use at release become surplus: a note, and the pool shrinks once they are freed', async () => {
    const p = await prepareHugepages(ctx, { domain: 'web', demand: { needs: [need(32, [1])], mountSizesKiB: [2048] }, growPools: true });
    f.kernel.touchHugepages(1, 2048, 32); // QEMU's last threads still hold the pages
    expect(await releaseHugepages(ctx, p.records)).toEqual({
      notes: ["host fakehost: 16 of the 16 2048 KiB pages virtform added to node1's pool are still in use; the kernel gives them back when they are freed (surplus_hugepages 16)"],
    });
    expect(f.kernel.pool(1, 2048)).toEqual({ nr: 48, free: 0, surplus: 16 });
    f.kernel.touchHugepages(1, 2048, -32); // now gone
    expect(f.kernel.pool(1, 2048)).toEqual({ nr: 32, free: 16, surplus: 0 });
  });

  it('when the kernel grows the pool less than asked, everything grown is shrunk back and the error says what was asked and reached', async () => {
    f.failures.growLimit.set('1:2048', 5);
    const err = await prepareHugepages(ctx, { domain: 'web', demand: { needs: [need(32, [1])], mountSizesKiB: [2048] }, growPools: true }).catch((e) => e);
    expect(err).toBeInstanceOf(HostResourceError);
    expect(err.issues.map((i: { problem: string }) => i.problem)).toEqual(['host fakehost node1: need 32 × 2048 KiB pages, 21 free']);
    expect(err.issues[0].detail).toBe(
      "guest memory needs 32 (<memory mode='strict' nodeset='1'/>); virtform asked the kernel to grow node1's 2048 KiB pool by 16 (nr_hugepages 32 → 48), it reached 37: node1 lacked free contiguous memory; the pools were shrunk back",
    );
    expect(err.issues[0].fix).toMatch(/^free memory on node1 \(drop caches/);
    expect(f.ops).toEqual([`write ${N1} "48\\n"`, `write ${N1} "32\\n"`]);
    expect(f.kernel.pool(1, 2048)).toEqual({ nr: 32, free: 16, surplus: 0 });
  });

  it("counts other domains' untouched pages and the kernel's reserved pages", async () => {
    const ledger = HugepageLedger.fromStatus([{ domain: 'db', phase: 'starting', hugepages: [{ sizeKiB: 2048, node: 0, pages: 10 }] }]);
    const err = await prepareHugepages(ctx, { domain: 'web', demand: { needs: [need(60, [0])], mountSizesKiB: [2048] }, ledger }).catch((e) => e);
    expect(err.issues.map((i: { problem: string; detail: string }) => [i.problem, i.detail])).toEqual([
      ['host fakehost node0: need 60 × 2048 KiB pages, 54 free', "guest memory needs 60 (<memory mode='strict' nodeset='0'/>); the kernel has 64 free, 10 of them held: 10 by domain 'db', which has not started yet"],
    ]);
    fs.writeFileSync(`${f.root}/sys/kernel/mm/hugepages/hugepages-2048kB/resv_hugepages`, '8\n');
    const err2 = await prepareHugepages(ctx, { domain: 'web', demand: { needs: [need(75, null)], mountSizesKiB: [2048] } }).catch((e) => e);
    expect(err2.issues.map((i: { problem: string; detail: string }) => [i.problem, i.detail])).toEqual([
      [
        'host fakehost nodes 0-1: need 75 × 2048 KiB pages, 72 free',
        'guest memory needs 75 (no <numatune> binding (the kernel may use any node)); the kernel has 80 free, 8 of them held: 8 reserved by running processes that have not touched them yet (resv_hugepages)',
      ],
    ]);
  });

  it('unbound memory grows the pool of the node with the most free memory', async () => {
    const p = await prepareHugepages(ctx, { domain: 'web', demand: { needs: [need(100, null)], mountSizesKiB: [] }, growPools: true });
    expect(f.ops).toEqual(['write /sys/devices/system/node/node0/hugepages/hugepages-2048kB/nr_hugepages "84\\n"']);
    expect(p.records).toEqual([{ sizeKiB: 2048, node: null, nodes: null, pages: 100, grownBy: 20, grown: [{ node: 0, pages: 20 }], mount: null, mountedByVirtform: false, memDir: null }]);
  });
});

describe('prepareHugepages without a hugetlbfs mount', () => {
  const spec = { ...STANDARD_FAKE_HOST, hugetlbfs: [] };
  let f: FakeSysfs;
  let cmds: FakeHostCommands;
  let ctx: HostContext;
  beforeEach(() => {
    f = FakeSysfs.create(spec);
    cmds = new FakeHostCommands(f.root);
    ctx = { hostLabel: 'fakehost', fs: f, commands: cmds };
  });
  afterEach(() => f.remove());

  it('mounts one under the run dir when allowed, verifies it in /proc/mounts; release unmounts it once empty', async () => {
    const p = await prepareHugepages(ctx, { domain: 'web', demand: { needs: [need(8, [0])], mountSizesKiB: [2048] }, mountMissingUnder: '/run/virtform', memDir: 'web' });
    expect(cmds.calls).toEqual([
      'mkdir -p -m 0755 /run/virtform/hugepages-2048kB',
      'mount -t hugetlbfs -o pagesize=2048k hugetlbfs /run/virtform/hugepages-2048kB',
      'mkdir -p -m 0700 /run/virtform/hugepages-2048kB/web',
    ]);
    expect(p.mounts).toEqual([{ sizeKiB: 2048, path: '/run/virtform/hugepages-2048kB', mountedByVirtform: true }]);
    expect((await readHugepageState(f)).mounts).toEqual([{ path: '/run/virtform/hugepages-2048kB', pageSizeKiB: 2048 }]);
    await releaseHugepages(ctx, p.records);
    expect(cmds.calls.slice(3)).toEqual(['rmdir /run/virtform/hugepages-2048kB/web', 'umount /run/virtform/hugepages-2048kB', 'rmdir /run/virtform/hugepages-2048kB']);
    expect((await readHugepageState(f)).mounts).toEqual([]);
  });

  it('fails without permission to mount, and undoes pool growth already done', async () => {
    const err = await prepareHugepages(ctx, { domain: 'web', demand: { needs: [need(32, [1])], mountSizesKiB: [2048] }, growPools: true }).catch((e) => e);
    expect(err.message).toBe(
      'error: host fakehost: no hugetlbfs mount for 2048 KiB pages; no hugetlbfs is mounted at all (/domain/memoryBacking/hugepages) (fix: mount one (mount -t hugetlbfs -o pagesize=2048k hugetlbfs DIR), or let virtform mount one under its run dir (mountMissing))',
    );
    expect(f.ops).toEqual([`write ${N1} "48\\n"`, `write ${N1} "32\\n"`]);
  });
});
