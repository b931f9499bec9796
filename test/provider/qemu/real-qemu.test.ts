/**
 * Smoke test of the environment the executor builds on: a real QEMU under TCG (domain type
 * `qemu`), started paused and daemonized, driven over QMP, booting the Debian cloud kernel with
 * a busybox initramfs that reports what the guest sees.
 *
 * Asserted from three independent sides: QMP (query-cpus-fast), the host kernel (/proc/PID/task),
 * and the guest kernel (its serial report).
 */
import { execFileSync } from 'child_process';
import { randomUUID } from 'crypto';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { QmpClient, QmpEvent } from '../../../provider/qemu/qmp';
import { buildTestGuest, parseGuestReport, REPORT_END, testGuestSkipReason } from '../../support/guest';
import {
  connectUnix,
  describeUnless,
  makeRunDir,
  missingBinaryReason,
  QEMU_IMG,
  QEMU_X86_64,
  RunningQemu,
  startQemu,
  waitForExit,
} from '../../support/qemu';

const skip = missingBinaryReason(QEMU_X86_64) ?? missingBinaryReason(QEMU_IMG) ?? testGuestSkipReason();

const MiB = 1024 * 1024;
const CELL_BYTES = 256 * MiB;
const DISK_BYTES = 64 * MiB;
const MAC = '52:54:00:7a:11:01';
const NAME = 'vf-smoke';

interface CpuFast {
  'cpu-index': number;
  'thread-id': number;
  'qom-path': string;
  target: string;
  props: { 'node-id'?: number; 'socket-id'?: number; 'core-id'?: number; 'thread-id'?: number };
}

describeUnless(skip)('real QEMU smoke test (TCG, 2 vCPUs, 2 NUMA cells, virtio disk and NIC)', () => {
  let vm: RunningQemu;
  let qmp: QmpClient;
  let serial: net.Socket;
  let consoleLog = '';
  let startMs = 0;
  const uuid = randomUUID();

  beforeAll(async () => {
    const guest = await buildTestGuest();
    const dir = makeRunDir('smoke');
    const disk = path.join(dir, 'disk.qcow2');
    execFileSync(QEMU_IMG, ['create', '-q', '-f', 'qcow2', disk, String(DISK_BYTES)]);
    const t0 = Date.now();
    vm = await startQemu(
      [
        '-name', `guest=${NAME},debug-threads=on`,
        '-uuid', uuid,
        '-machine', 'pc',
        '-accel', 'tcg,thread=multi',
        '-cpu', 'qemu64',
        '-m', String((2 * CELL_BYTES) / MiB),
        '-smp', '2,sockets=2,cores=1,threads=1',
        '-object', `{"qom-type":"memory-backend-ram","id":"ram-node0","size":${CELL_BYTES}}`,
        '-numa', 'node,nodeid=0,cpus=0,memdev=ram-node0',
        '-object', `{"qom-type":"memory-backend-ram","id":"ram-node1","size":${CELL_BYTES}}`,
        '-numa', 'node,nodeid=1,cpus=1,memdev=ram-node1',
        '-nodefaults', '-no-user-config', '-display', 'none', '-no-reboot',
        '-kernel', guest.kernel, '-initrd', guest.initrd, '-append', guest.cmdline,
        '-blockdev', JSON.stringify({ driver: 'file', filename: disk, 'node-name': 'disk0-file' }),
        '-blockdev', JSON.stringify({ driver: 'qcow2', file: 'disk0-file', 'node-name': 'disk0' }),
        '-device', 'virtio-blk-pci,drive=disk0,id=virtio-disk0',
        '-netdev', 'user,id=hostnet0',
        '-device', `virtio-net-pci,netdev=hostnet0,id=net0,mac=${MAC},romfile=`,
        '-chardev', `socket,id=charserial0,path=${path.join(dir, 'serial.sock')},server=on,wait=off,logfile=${path.join(dir, 'serial.log')}`,
        '-serial', 'chardev:charserial0',
        '-S',
      ],
      dir,
    );
    startMs = Date.now() - t0;
    serial = await connectUnix(path.join(dir, 'serial.sock'));
    serial.on('data', (d: Buffer) => (consoleLog += d.toString('utf8')));
    qmp = await QmpClient.connect(await connectUnix(vm.qmpSocket), { label: vm.qmpSocket });
  });

  afterAll(async () => {
    serial?.destroy();
    qmp?.destroy();
    await vm?.stop();
  });

  it('is paused before cont, with the domain UUID on its command line (the PID-reuse guard)', async () => {
    expect(await qmp.execute('query-status')).toEqual({ status: 'prelaunch', singlestep: false, running: false });
    const cmdline = fs.readFileSync(`/proc/${vm.pid}/cmdline`, 'utf8').split('\0');
    expect(cmdline).toContain(uuid);
    expect(await qmp.execute('query-name')).toEqual({ name: NAME });
  });

  it('reports 2 vCPU threads that exist in /proc/PID/task and are named "CPU N/TCG"', async () => {
    const cpus = await qmp.execute<CpuFast[]>('query-cpus-fast');
    expect(cpus.map((c) => [c['cpu-index'], c.props['node-id'], c.props['socket-id']])).toEqual([
      [0, 0, 0],
      [1, 1, 1],
    ]);
    const tids = fs.readdirSync(`/proc/${vm.pid}/task`).map(Number);
    for (const c of cpus) {
      expect(tids).toContain(c['thread-id']);
      expect(fs.readFileSync(`/proc/${vm.pid}/task/${c['thread-id']}/comm`, 'utf8')).toBe(`CPU ${c['cpu-index']}/TCG\n`);
    }
    expect(new Set(cpus.map((c) => c['thread-id'])).size).toBe(2);
  });

  it('boots after cont and the guest sees 2 CPUs, nodes 0-1, the memory per node, the disk and the MAC', async () => {
    const shutdown = qmp.waitForEvent('SHUTDOWN', { timeoutMs: 120_000 });
    const t0 = Date.now();
    await qmp.execute('cont');
    const reportMs = await waitForConsole(() => consoleLog.includes(REPORT_END), 120_000).then(() => Date.now() - t0);
    const ev: QmpEvent = await shutdown;
    const exited = await waitForExit(vm.pid, 10_000);
    const totalMs = Date.now() - t0;

    const report = parseGuestReport(consoleLog);
    if (process.env.VF_SHOW_CONSOLE) console.log(consoleLog);
    expect(report.errors).toEqual([]);
    expect(report.kernelRelease).toBe((await buildTestGuest()).kernelRelease);
    expect(report.cpusOnline).toBe('0-1');
    expect(report.cpuCount).toBe(2);
    expect(report.nodesOnline).toBe('0-1');
    expect(report.nodes.map((n) => [n.id, n.cpulist])).toEqual([
      [0, '0'],
      [1, '1'],
    ]);
    // Each cell is 256 MiB = 262144 KiB; the guest kernel keeps some for itself (more on node 0).
    for (const n of report.nodes) {
      expect(n.memTotalKiB).toBeLessThanOrEqual(CELL_BYTES / 1024);
      expect(n.memTotalKiB).toBeGreaterThan((CELL_BYTES / 1024) * 0.7);
    }
    expect(report.nodes[0].memTotalKiB + report.nodes[1].memTotalKiB).toBe(report.memTotalKiB);
    expect(report.blockDevices).toEqual([{ name: 'vda', sizeBytes: DISK_BYTES }]);
    expect(report.netInterfaces).toEqual([
      { name: 'eth0', mac: MAC },
      { name: 'lo', mac: '00:00:00:00:00:00' },
    ]);
    // poweroff -f inside the guest: QEMU reports a guest shutdown and exits (no -no-shutdown).
    expect(ev.data).toEqual({ guest: true, reason: 'guest-shutdown' });
    expect(exited).toBe(true);
    console.log(
      `TCG smoke boot: qemu -daemonize ${startMs} ms; cont → report ${reportMs} ms ` +
        `(guest uptime at report ${report.uptimeSeconds} s); cont → QEMU exited ${totalMs} ms; ` +
        `node MemTotal ${report.nodes.map((n) => `${n.id}:${n.memTotalKiB} KiB`).join(', ')}`,
    );
  });
});

async function waitForConsole(done: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`the guest did not finish its report within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
