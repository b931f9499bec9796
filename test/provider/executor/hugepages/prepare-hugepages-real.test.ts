/**
 * Hugepages on this machine's real kernel, with a real QEMU (TCG): prepareHugepages grows the
 * 2 MiB pool of node 0 (growPools), finds or mounts hugetlbfs, QEMU maps its RAM from it with
 * prealloc=on, and /proc shows exactly the pages taken; after QEMU exits and
 * releaseHugepages runs, the pool is back where it was. A shortfall fails before QEMU starts.
 *
 * Needs root (sysfs pool writes, mount). The pool is machine-wide: a test running elsewhere at
 * the same moment that changes the 2 MiB pool could disturb the free-page counts asserted here
 * (the per-process /proc/PID/smaps numbers are exact regardless).
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseDomainXml } from '../../../../model/domain/domain';
import { hugepageDemand } from '../../../../planner/hugepage-demand';
import { HostResourceError } from '../../../../planner/host-issue';
import { transportHostContext } from '../../../../provider/executor/host-context';
import { prepareHugepages, releaseHugepages, type HugepagePreparation } from '../../../../provider/executor/hugepages/prepare-hugepages';
import { discoverHost } from '../../../../provider/host/host-discovery';
import { LocalTransport } from '../../../../provider/host/local-transport';
import { missingBinaryReason, processAlive, QEMU_X86_64, startQemu, waitForExit } from '../../../support/qemu';
import { describeIf, isRoot, itIf } from '../../../support/skip';

const NODE0_NR = '/sys/devices/system/node/node0/hugepages/hugepages-2048kB/nr_hugepages';
const NODE0_FREE = '/sys/devices/system/node/node0/hugepages/hugepages-2048kB/free_hugepages';
const reason = !isRoot
  ? 'needs root (hugepage pool writes and hugetlbfs mounts)'
  : !fs.existsSync(NODE0_NR)
    ? 'this kernel has no node0 2 MiB hugepage pool'
    : (missingBinaryReason(QEMU_X86_64) ?? null);

const num = (p: string) => Number(fs.readFileSync(p, 'utf8').trim());
const hugetlbfsMounts = () =>
  fs
    .readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .map((l) => l.split(' '))
    .filter((f) => f[2] === 'hugetlbfs')
    .map((f) => ({ path: f[1], opts: f[3] }));
const has2M = () => hugetlbfsMounts().some((m) => /pagesize=2M/.test(m.opts) || !/pagesize=/.test(m.opts));

/** A 64 MiB guest whose memory is bound to host node 0 and backed by 2 MiB pages. */
const domain = (name: string) =>
  parseDomainXml(`<domain type='qemu'>
  <name>${name}</name>
  <memory unit='MiB'>64</memory>
  <memoryBacking><hugepages><page size='2048' unit='KiB'/></hugepages></memoryBacking>
  <vcpu>1</vcpu>
  <numatune><memory mode='strict' nodeset='0'/></numatune>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
</domain>`);

/** PIDs whose command line contains `marker`. */
function processesWith(marker: string): number[] {
  const out: number[] = [];
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      if (fs.readFileSync(`/proc/${e}/cmdline`, 'utf8').includes(marker)) out.push(Number(e));
    } catch {
      /* gone */
    }
  }
  return out;
}

/** The QEMU args for a guest whose RAM is a memory-backend-file on `memDir` with prealloc, bound to node 0. */
const qemuArgs = (name: string, memDir: string) => [
  '-name', `guest=${name}`,
  '-machine', 'pc,accel=tcg',
  '-m', '64',
  '-object', `memory-backend-file,id=ram-node0,size=64M,mem-path=${memDir},prealloc=on,host-nodes=0,policy=bind`,
  '-numa', 'node,nodeid=0,memdev=ram-node0',
  '-nodefaults', '-display', 'none', '-S',
];

describeIf(reason)('hugepages on the real kernel with a real QEMU', () => {
  const local = new LocalTransport('qemu:///system');
  const ctx = transportHostContext(local);
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vf-hp-'));
  let mountedHere: string | null = null;
  const nrAtStart = isRoot && fs.existsSync(NODE0_NR) ? num(NODE0_NR) : 0;

  afterAll(() => {
    if (mountedHere) execFileSync('umount', [mountedHere]);
    // A failed test may leave a mount under the run dir behind.
    for (const m of hugetlbfsMounts()) if (m.path.startsWith(runDir)) execFileSync('umount', [m.path]);
    fs.rmSync(runDir, { recursive: true, force: true });
    if (fs.existsSync(NODE0_NR)) fs.writeFileSync(NODE0_NR, `${nrAtStart}\n`);
  });

  /** prepare → QEMU → /proc checks → stop → release → pool back. */
  async function runGuest(name: string, prep: () => Promise<HugepagePreparation>, expectMountUnder: string) {
    const nrBefore = num(NODE0_NR);
    const freeBefore = num(NODE0_FREE);
    const p = await prep();
    const rec = p.records[0];
    expect(p.records).toHaveLength(1);
    expect(rec).toMatchObject({ sizeKiB: 2048, node: 0, nodes: [0], pages: 32 });
    const expectGrown = Math.max(0, 32 - freeBefore);
    expect(rec.grownBy).toBe(expectGrown);
    expect(num(NODE0_NR)).toBe(nrBefore + expectGrown);
    const freeReady = num(NODE0_FREE);
    expect(freeReady).toBe(freeBefore + expectGrown);
    expect(rec.mount!.startsWith(expectMountUnder)).toBe(true);
    expect(fs.statSync(rec.memDir!).isDirectory()).toBe(true);

    const qemu = await startQemu(qemuArgs(name, rec.memDir!));
    try {
      // Its RAM is a deleted file on the hugetlbfs mount, in 2 MiB pages, all 32 faulted in on node 0.
      const smaps = fs.readFileSync(`/proc/${qemu.pid}/smaps`, 'utf8');
      const block = smaps.split(/\n(?=[0-9a-f]+-[0-9a-f]+ )/).find((b) => b.split('\n')[0].includes(`${rec.memDir}/qemu_back_mem.ram-node0.`));
      expect(block).toBeDefined();
      expect(block).toMatch(/\nSize:\s+65536 kB\n/);
      expect(block).toMatch(/\nKernelPageSize:\s+2048 kB\n/);
      expect(block).toMatch(/\nPrivate_Hugetlb:\s+65536 kB\n/);
      const numa = fs.readFileSync(`/proc/${qemu.pid}/numa_maps`, 'utf8').split('\n').find((l) => l.includes(`file=${rec.memDir}/qemu_back_mem.ram-node0.`));
      expect(numa).toMatch(/ bind:0 /);
      expect(numa).toMatch(/ huge /);
      expect(numa).toMatch(/ N0=32 kernelpagesize_kB=2048$/);
      // Free pages dropped by exactly the guest's 32 pages.
      expect(num(NODE0_FREE)).toBe(freeReady - 32);
    } finally {
      process.kill(qemu.pid, 'SIGTERM');
      expect(await waitForExit(qemu.pid, 10000)).toBe(true);
      await qemu.stop();
    }
    // The pages leave QEMU when its last thread has exited, which can trail the main thread's
    // exit (a zombie leader) by a moment on a loaded machine.
    const deadline = Date.now() + 10000;
    while (num(NODE0_FREE) !== freeReady && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(num(NODE0_FREE)).toBe(freeReady);
    expect(await releaseHugepages(ctx, p.records)).toEqual({ notes: [] });
    expect(num(NODE0_NR)).toBe(nrBefore);
    expect(num(NODE0_FREE)).toBe(freeBefore);
    expect(fs.existsSync(rec.memDir!)).toBe(false);
    return p;
  }

  itIf(reason === null && has2M() ? 'a 2 MiB hugetlbfs is already mounted on this machine, so the mount-under-run-dir path cannot run here' : null)(
    'mounts hugetlbfs under the run dir when none has 2 MiB pages (mountMissing), grows node 0, runs QEMU on it, gives everything back', async () => {
    const name = `vfhp-a-${process.pid}`;
    const demand = hugepageDemand(domain(name), await discoverHost(local));
    const p = await runGuest(name, () => prepareHugepages(ctx, { domain: name, demand, growPools: true, mountMissingUnder: runDir, memDir: `virtform/${name}` }), runDir);
    expect(p.mounts).toEqual([{ sizeKiB: 2048, path: `${runDir}/hugepages-2048kB`, mountedByVirtform: true }]);
    expect(hugetlbfsMounts().some((m) => m.path === `${runDir}/hugepages-2048kB`)).toBe(false);
  }, 60000);

  it('uses the hugetlbfs at /dev/hugepages (mounted by the test if absent) and grows exactly the shortfall', async () => {
    if (!hugetlbfsMounts().some((m) => m.path === '/dev/hugepages')) {
      fs.mkdirSync('/dev/hugepages', { recursive: true });
      execFileSync('mount', ['-t', 'hugetlbfs', '-o', 'pagesize=2M', 'hugetlbfs', '/dev/hugepages']);
      mountedHere = '/dev/hugepages';
    }
    const name = `vfhp-b-${process.pid}`;
    const demand = hugepageDemand(domain(name), await discoverHost(local));
    const p = await runGuest(name, () => prepareHugepages(ctx, { domain: name, demand, growPools: true, memDir: `virtform/${name}` }), '/');
    expect(p.mounts.find((m) => m.sizeKiB === 2048)!.mountedByVirtform).toBe(false);
  }, 60000);

  it('a shortfall fails before QEMU starts: precise error, no QEMU process, pool untouched', async () => {
    const name = `vfhp-c-${process.pid}`;
    const facts = await discoverHost(local);
    const demand = hugepageDemand(domain(name), facts);
    const nrBefore = num(NODE0_NR);
    const freeBefore = num(NODE0_FREE);
    const big = { ...demand, needs: demand.needs.map((n) => ({ ...n, pages: freeBefore + 1000000 })) };
    let qemuStarted = false;
    const err = await prepareHugepages(ctx, { domain: name, demand: big, mountMissingUnder: runDir, memDir: name })
      .then(async (p) => {
        qemuStarted = true;
        return startQemu(qemuArgs(name, p.records[0].memDir!));
      })
      .catch((e) => e);
    expect(err).toBeInstanceOf(HostResourceError);
    expect(err.issues[0].problem).toBe(`host localhost node0: need ${freeBefore + 1000000} × 2048 KiB pages, ${freeBefore} free`);
    expect(qemuStarted).toBe(false);
    expect(processesWith(`guest=${name}`)).toEqual([]);
    expect(num(NODE0_NR)).toBe(nrBefore);
    expect(hugetlbfsMounts().some((m) => m.path.startsWith(runDir))).toBe(false);
  });

  it('for contrast: QEMU itself, started without the check on an empty pool, dies with "unable to map backing store"', async () => {
    const name = `vfhp-d-${process.pid}`;
    const mnt = path.join(runDir, 'contrast');
    fs.mkdirSync(mnt, { recursive: true });
    execFileSync('mount', ['-t', 'hugetlbfs', '-o', 'pagesize=2M', 'hugetlbfs', mnt]);
    const saved = num(NODE0_NR);
    try {
      // Leave fewer free pages than the guest needs (other users' pages stay untouched).
      const free = num(NODE0_FREE);
      if (free >= 32) fs.writeFileSync(NODE0_NR, `${saved - free}\n`);
      const err = await startQemu(qemuArgs(name, mnt)).catch((e) => e);
      expect(String(err.message)).toContain('unable to map backing store for guest RAM: Cannot allocate memory');
      for (const pid of processesWith(`guest=${name}`)) expect(processAlive(pid)).toBe(false);
    } finally {
      execFileSync('umount', [mnt]);
      fs.writeFileSync(NODE0_NR, `${saved}\n`);
    }
  }, 30000);
});
