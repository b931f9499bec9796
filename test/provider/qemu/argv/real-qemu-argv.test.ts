/**
 * The command line the argv builder makes from a probed QEMU's caps starts that real QEMU: it
 * accepts every option, and what it reports over QMP is what the domain asked for (name, UUID,
 * vCPUs on their NUMA node, memory backend, I/O thread). Skips without qemu-system-x86_64.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parseDomainXml } from '../../../../model/domain/domain';
import { probeQemuCaps } from '../../../../provider/qemu/caps';
import { prepareDomain } from '../../../../provider/qemu/prepare';
import { buildQemuCommandLine } from '../../../../provider/qemu/argv/build';
import { localProbeHost, readLocalArgvHost } from '../../../../provider/qemu/local-argv-host';
import { QmpClient } from '../../../../provider/qemu/qmp';
import { QEMU_X86_64, connectUnix, describeUnless, makeRunDir, missingBinaryReason, processAlive, waitForExit } from '../../../support/qemu';

/** Polls for `file` to exist. */
async function waitForFile(file: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (fs.existsSync(file)) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}

const XML = `<domain type='qemu'>
  <name>smoke</name>
  <uuid>6ba7b810-9dad-11d1-80b4-00c04fd430c8</uuid>
  <memory unit='MiB'>256</memory>
  <vcpu>2</vcpu>
  <iothreads>1</iothreads>
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
  <features><acpi/><smm state='on'/></features>
  <cpu><topology sockets='1' dies='1' cores='2' threads='1'/><numa><cell id='0' cpus='0-1' memory='256' unit='MiB'/></numa></cpu>
  <clock offset='utc'><timer name='rtc' tickpolicy='catchup'/><timer name='pit' tickpolicy='delay'/><timer name='hpet' present='no'/></clock>
  <pm><suspend-to-mem enabled='no'/><suspend-to-disk enabled='no'/></pm>
  <devices><emulator>${QEMU_X86_64}</emulator></devices>
</domain>`;

describeUnless(missingBinaryReason(QEMU_X86_64))('argv builder with a real QEMU', () => {
  it('starts QEMU frozen with the domain as asked', async () => {
    const dir = makeRunDir('argv');
    let pid = 0;
    try {
      const caps = await probeQemuCaps(localProbeHost(), QEMU_X86_64);
      const def = parseDomainXml(XML, 'smoke.xml');
      const ctx = {
        caps,
        host: readLocalArgvHost(),
        paths: {
          domainLibDir: path.join(dir, 'lib'),
          channelTargetDir: path.join(dir, 'channels'),
          hugepageSubdir: 'virtform',
          memoryBackingDir: path.join(dir, 'ram'),
          nvramDir: path.join(dir, 'nvram'),
          runDir: dir,
        },
        monitor: { kind: 'socket' as const, path: path.join(dir, 'qmp.sock') },
        launchEnv: { PATH: '/usr/bin:/bin' },
        domainId: -1,
        fdPassing: 'none' as const,
      };
      prepareDomain(def, caps, { hostArch: 'x86_64', launch: true, validateWith: ctx });
      const cmd = buildQemuCommandLine(def, ctx);
      fs.mkdirSync(ctx.paths.domainLibDir);
      fs.writeFileSync(path.join(ctx.paths.domainLibDir, 'master-key.aes'), Buffer.alloc(32, 7), { mode: 0o600 });
      // Not -daemonize: the seccomp sandbox (spawn=deny) forbids the fork it does, as libvirt knows.
      let stderr = '';
      const child = spawn(cmd.binary, cmd.args, { env: Object.fromEntries(cmd.env), stdio: ['ignore', 'ignore', 'pipe'] });
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      pid = child.pid ?? 0;
      const up = await waitForFile(ctx.monitor.path, 10_000);
      expect({ up, stderr }).toEqual({ up: true, stderr: '' });

      const qmp = await QmpClient.connect(await connectUnix(ctx.monitor.path));
      try {
        expect(await qmp.execute('query-status')).toEqual({ status: 'prelaunch', singlestep: false, running: false });
        expect(await qmp.execute('query-name')).toEqual({ name: 'smoke' });
        expect(await qmp.execute('query-uuid')).toEqual({ UUID: '6ba7b810-9dad-11d1-80b4-00c04fd430c8' });
        const cpus = (await qmp.execute<{ 'cpu-index': number; props: Record<string, number> }[]>('query-cpus-fast')).map((c) => [c['cpu-index'], c.props]);
        expect(cpus).toEqual([
          [0, { 'core-id': 0, 'thread-id': 0, 'node-id': 0, 'socket-id': 0 }],
          [1, { 'core-id': 1, 'thread-id': 0, 'node-id': 0, 'socket-id': 0 }],
        ]);
        const memdev = (await qmp.execute<{ id: string; size: number }[]>('query-memdev')).map((m) => [m.id, m.size]);
        expect(memdev).toEqual([['ram-node0', 268435456]]);
        expect((await qmp.execute<{ id: string }[]>('query-iothreads')).map((t) => t.id)).toEqual(['iothread1']);
        await qmp.execute('quit');
      } finally {
        qmp.destroy();
      }
      expect(await waitForExit(pid, 10_000)).toBe(true);
    } finally {
      if (pid && processAlive(pid)) process.kill(pid, 'SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
