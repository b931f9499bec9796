/**
 * The domain lifecycle end to end with real components, once on this machine (qemu:///embed)
 * and once through a real OpenSSH server on 127.0.0.1 (qemu+ssh://, direct-streamlocal for QMP
 * and the console): a TCG guest with 2 vCPUs in 2 guest NUMA cells, an I/O thread serving its
 * virtio disk, a virtio NIC and a serial console on a unix socket.
 *
 * Pins are checked from /proc read here with fs (not through virtform), the guest's view from
 * its own report on the serial console, and the CLI verbs by their exact output.
 */
import { startingStatusRecord } from '../../../support/status-record-fixture';
import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { PassThrough } from 'stream';
import { main, type CliIo } from '../../../../cli/main';
import type { HostFacts } from '../../../../model/host-facts';
import { planPins, PinPlanError, type PinPlan } from '../../../../planner/pin-plan';
import {
  destroyDomain,
  DomainError,
  launchDomain,
  openDomainHost,
  reconnectDomain,
  resumeDomain,
  shutdownDomain,
  type DomainHost,
  type DomainStatusRecord,
} from '../../../../provider/executor/domain';
import { discoverHost } from '../../../../provider/host/host-discovery';
import { sshConnectionCount } from '../../../../provider/host/ssh-transport';
import { buildTestGuest, parseGuestReport, REPORT_END, testGuestSkipReason, type TestGuest } from '../../../support/guest';
import { missingBinaryReason, QEMU_IMG, QEMU_X86_64 } from '../../../support/qemu';
import { hasBinary } from '../../../support/skip';
import { startSshd, type TestSshd } from '../../../support/sshd';
import { CELL_MIB, DISK_BYTES, makeTestDomain, pidsWithUuid, procThreads, type TestDomain } from './test-domain';

const twoCpus = (() => {
  try {
    return /^0-1$|^0-\d+$/.test(fs.readFileSync('/sys/devices/system/cpu/online', 'utf8').trim()) ? undefined : 'needs host CPUs 0 and 1 online';
  } catch {
    return 'cannot read /sys/devices/system/cpu/online';
  }
})();
const skip =
  missingBinaryReason(QEMU_X86_64) ??
  missingBinaryReason(QEMU_IMG) ??
  testGuestSkipReason() ??
  twoCpus ??
  (hasBinary('taskset') ? undefined : 'needs taskset (util-linux)') ??
  (fs.existsSync('/usr/sbin/sshd') ? undefined : 'needs /usr/sbin/sshd (openssh-server)');
const d = skip === undefined ? describe : (name: string, fn: () => void) => describe.skip(`${name} [skipped: ${skip}]`, fn);

const PINS = "<vcpupin vcpu='0' cpuset='0'/><vcpupin vcpu='1' cpuset='1'/><emulatorpin cpuset='1'/><iothreadpin iothread='1' cpuset='0'/>";
/** v1 cpuset placement is expected where the hierarchy exists and we may write it (root). */
const CPUSET_V1 = '/sys/fs/cgroup/cpuset';
const expectCgroup = fs.existsSync(`${CPUSET_V1}/cpuset.cpus`) && process.getuid?.() === 0;

function capture(stdin?: NodeJS.ReadableStream): CliIo & { text(): string; errText(): string } {
  let out = '';
  let err = '';
  return {
    out: (s: string) => void (out += s),
    err: (s: string) => void (err += s),
    ...(stdin ? { stdin } : {}),
    exitCode: 0,
    text: () => out,
    errText: () => err,
  };
}

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function readRecord(dom: TestDomain): DomainStatusRecord {
  return JSON.parse(fs.readFileSync(dom.paths.statusFile, 'utf8')) as DomainStatusRecord;
}

/** A raw QMP conversation over a plain unix socket, as an outside tool would have it. */
async function outsideQmp(socketPath: string, command: string): Promise<string[]> {
  const sock = net.createConnection(socketPath);
  const lines: string[] = [];
  let buf = '';
  const next = (): Promise<string> =>
    until(
      'a QMP line',
      () => {
        const nl = buf.indexOf('\n');
        if (nl < 0) return undefined;
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        return line;
      },
      10000,
    );
  sock.on('data', (b: Buffer) => (buf += b.toString('utf8')));
  try {
    lines.push(await next());
    sock.write('{"execute":"qmp_capabilities"}\r\n');
    lines.push(await next());
    sock.write(command + '\r\n');
    lines.push(await next());
  } finally {
    sock.destroy();
  }
  return lines;
}

for (const mode of ['local', 'ssh'] as const) {
  d(`domain lifecycle over ${mode === 'local' ? 'the local transport' : 'SSH (real sshd)'}`, () => {
    let sshd: TestSshd | undefined;
    let root: string;
    let uri: string;
    let h: DomainHost;
    let facts: HostFacts;
    let guest: TestGuest;
    let dom: TestDomain;
    let pins: PinPlan;
    let pid: number;

    beforeAll(async () => {
      guest = await buildTestGuest();
      root = fs.mkdtempSync(path.join(os.tmpdir(), `vf-exec-${mode}-`));
      if (mode === 'ssh') {
        sshd = await startSshd();
        uri = sshd.uri(`root=${root}`);
      } else {
        uri = `qemu:///embed?root=${root}`;
      }
      h = await openDomainHost(uri);
      facts = await discoverHost(h.transport);
      dom = makeTestDomain(h.runDir, root, guest, { name: `vf-${mode}` });
      pins = planPins(makeTestDomain(h.runDir, root, guest, { name: `vf-${mode}`, cputune: PINS }).domain, facts, h.transport.hostLabel);
    }, 120000);

    afterAll(async () => {
      for (const p of dom ? pidsWithUuid(dom.uuid) : []) process.kill(p, 'SIGKILL');
      await h?.transport.close();
      await sshd?.stop();
      if (root) fs.rmSync(root, { recursive: true, force: true });
    });

    it('rejects a pin to a CPU the host lacks before QEMU is started', async () => {
      const label = h.transport.hostLabel;
      const bad = makeTestDomain(h.runDir, root, guest, { name: `vf-${mode}-bad`, cputune: "<vcpupin vcpu='1' cpuset='7'/>" });
      expect(() => planPins(bad.domain, facts, label)).toThrow(
        new PinPlanError(label, bad.name, [
          {
            path: "/domain/cputune/vcpupin[@vcpu='1']/@cpuset",
            problem: `vcpu 1 is pinned to cpuset '7', but host ${label} has no online CPU 7 (it lacks that CPU or it is offline; online CPUs: 0-1)`,
            fix: 'pin vcpu 1 to CPUs within 0-1, or bring CPU 7 online on the host',
          },
        ]),
      );
      // A plan made elsewhere (stale, or for another host) is checked again right before spawning.
      const stale: PinPlan = { ...pins, vcpus: [pins.vcpus[0], { index: 1, cpus: [7], source: 'vcpupin' }] };
      const err = await launchDomain(h, { name: bad.name, uuid: bad.uuid, argv: bad.argv, pins: stale, consoleSocket: bad.paths.consoleSocket }).catch((e: Error) => e);
      expect(err).toBeInstanceOf(DomainError);
      expect((err as DomainError).code).toBe('PREFLIGHT');
      expect((err as Error).message).toBe(
        `${label}: domain '${bad.name}': launch: check pins against online CPUs: /domain/cputune/vcpupin[@vcpu='1']/@cpuset: ` +
          `vcpu 1 is planned on CPUs 7, but host ${label} has no online CPU 7 now (online CPUs: 0-1) ` +
          `(fix: bring CPU 7 online, or re-plan so vcpu 1 uses CPUs within 0-1). Nothing was started.`,
      );
      expect(pidsWithUuid(bad.uuid)).toEqual([]);
      expect(fs.existsSync(bad.paths.dir)).toBe(false);
    });

    it('launches paused and pins every thread as planned, as /proc shows it', async () => {
      const t0 = Date.now();
      const r = await launchDomain(h, { name: dom.name, uuid: dom.uuid, argv: dom.argv, pins, consoleSocket: dom.paths.consoleSocket, paused: true });
      const ms = Date.now() - t0;
      pid = r.record.pid!;
      expect(pidsWithUuid(dom.uuid)).toEqual([pid]);
      expect(fs.readFileSync(dom.paths.pidFile, 'utf8').trim()).toBe(String(pid));

      const threads = procThreads(pid);
      const byComm = (comm: string) => [...threads].filter(([, x]) => x.comm === comm).map(([tid, x]) => ({ tid, cpus: x.cpus }));
      const [vcpu0] = byComm('CPU 0/TCG');
      const [vcpu1] = byComm('CPU 1/TCG');
      const [io1] = byComm('IO iothread1');
      expect([vcpu0.cpus, vcpu1.cpus, io1.cpus]).toEqual(['0', '1', '0']);
      expect(threads.get(pid)).toEqual({ comm: 'qemu-system-x86', cpus: '1' });
      // Every other thread (call_rcu, workers, the monitor I/O thread) is an emulator thread.
      const others = [...threads].filter(([tid]) => ![vcpu0.tid, vcpu1.tid, io1.tid].includes(tid));
      expect(others.length).toBeGreaterThan(1);
      for (const [tid, x] of others) expect({ tid, comm: x.comm, cpus: x.cpus }).toEqual({ tid, comm: x.comm, cpus: '1' });

      const rec = readRecord(dom);
      expect(rec).toEqual(r.record);
      expect(rec.phase).toBe('started');
      expect(rec.startedPaused).toBe(true);
      expect(rec.threads!.vcpus).toEqual([
        { index: 0, threadId: vcpu0.tid },
        { index: 1, threadId: vcpu1.tid },
      ]);
      expect(rec.threads!.iothreads).toEqual([{ id: 1, qomId: 'iothread1', threadId: io1.tid }]);
      expect(rec.pins).toEqual({ vcpus: [{ index: 0, cpus: '0' }, { index: 1, cpus: '1' }], emulator: '1', iothreads: [{ id: 1, cpus: '0' }], mems: null });

      if (expectCgroup) {
        const cg = `${CPUSET_V1}/virtform/${dom.uuid}`;
        expect(rec.cgroup).toEqual({ kind: 'cpuset-v1', path: cg });
        const read = (f: string) => fs.readFileSync(`${cg}/${f}`, 'utf8').trim();
        expect([read('vcpu0/cpuset.cpus'), read('vcpu0/tasks')]).toEqual(['0', String(vcpu0.tid)]);
        expect([read('vcpu1/cpuset.cpus'), read('vcpu1/tasks')]).toEqual(['1', String(vcpu1.tid)]);
        expect([read('iothread1/cpuset.cpus'), read('iothread1/tasks')]).toEqual(['0', String(io1.tid)]);
        expect(read('emulator/cpuset.cpus')).toBe('1');
        expect(read('emulator/tasks').split('\n').map(Number).sort((a, b) => a - b)).toEqual(others.map(([tid]) => tid).sort((a, b) => a - b));
        expect(read('cpuset.cpus')).toBe('0-1');
        // What virtform read back before accepting the placement.
        expect(['vcpu0', 'vcpu1', 'iothread1', 'emulator'].map((c) => read(`${c}/cpuset.effective_cpus`))).toEqual(['0', '1', '0', '1']);
      } else {
        expect(rec.cgroup!.kind).toBe('none');
      }
      console.log(`launch over ${mode}: ${ms} ms (${JSON.stringify(r.timings)})`);
    }, 60000);

    it('status --json prints exactly name, state, pid, qmpSocket and each vCPU with its live affinity', async () => {
      const io = capture();
      expect(await main(['status', '--json', '-c', uri], io)).toBe(0);
      const rec = readRecord(dom);
      expect(JSON.parse(io.text())).toEqual({
        domains: [
          {
            name: dom.name,
            state: 'paused',
            pid,
            qmpSocket: dom.paths.qmpSocket,
            vcpus: [
              { index: 0, threadId: rec.threads!.vcpus[0].threadId, affinity: '0' },
              { index: 1, threadId: rec.threads!.vcpus[1].threadId, affinity: '1' },
            ],
          },
        ],
      });
      expect(io.errText()).toBe('');
      const table = capture();
      expect(await main(['status', '-c', uri], table)).toBe(0);
      expect(table.text().split('\n')[1]).toMatch(new RegExp(`^${dom.name}\\s+paused\\s+${pid}\\s+0:\\d+@0 1:\\d+@1\\s+${dom.paths.qmpSocket}$`));
    });

    it('leaves the QMP socket free for an outside client between commands', async () => {
      const [greeting, caps, reply] = await outsideQmp(dom.paths.qmpSocket, '{"execute":"query-status","id":"outside"}');
      expect(JSON.parse(greeting).QMP.version.qemu.major).toBe(7);
      expect(caps).toBe('{"return": {}}');
      expect(reply).toBe('{"return": {"status": "prelaunch", "singlestep": false, "running": false}, "id": "outside"}');
    });

    it('qemu-monitor-command prints the reply as virsh does, error replies included', async () => {
      const io = capture();
      expect(await main(['qemu-monitor-command', '-c', uri, dom.name, '{"execute":"query-name"}'], io)).toBe(0);
      expect(io.text()).toBe(`{"return":{"name":"${dom.name}"},"id":"virtform-2"}\n`);
      const bad = capture();
      expect(await main(['qemu-monitor-command', '-c', uri, dom.name, '{"execute":"no-such-command","id":7}'], bad)).toBe(0);
      expect(bad.text()).toBe('{"id":7,"error":{"class":"CommandNotFound","desc":"The command no-such-command has not been found"}}\n');
      const missing = capture();
      expect(await main(['qemu-monitor-command', '-c', uri, 'nosuch', '{"execute":"query-name"}'], missing)).toBe(1);
      expect(missing.errText()).toBe(`Error: ${h.transport.hostLabel}: domain 'nosuch' is not running (no ${h.runDir}/nosuch)\n`);
    });

    it('reconnects from a fresh transport: same pid and threads, monitor released afterwards', async () => {
      // Over SSH, cut every live connection first: the reconnect must work from a new one, as a later command would.
      if (sshd) {
        sshd.killConnections();
        await until('the pooled SSH connection to drop', () => (sshConnectionCount() === 0 ? true : undefined), 10000);
      }
      const fresh = await openDomainHost(uri);
      try {
        const rt = await reconnectDomain(fresh, dom.name);
        const rec = readRecord(dom);
        expect({ state: rt.state, reason: rt.reason, pid: rt.pid, vcpus: rt.vcpus, threadsFrom: rt.threadsFrom }).toEqual({
          state: 'paused',
          reason: 'prelaunch',
          pid,
          vcpus: rec.threads!.vcpus,
          threadsFrom: 'qmp',
        });
        expect(rt.iothreads).toEqual([{ id: 'iothread1', threadId: rec.threads!.iothreads[0].threadId }]);
      } finally {
        await fresh.transport.close();
      }
      const [, , reply] = await outsideQmp(dom.paths.qmpSocket, '{"execute":"query-status"}');
      expect(JSON.parse(reply).return.status).toBe('prelaunch');
    });

    it('resumes; the console shows the guest: 2 CPUs, nodes 0-1, memory per node, the disk, the MAC', async () => {
      const stdin = new PassThrough();
      const io = capture(stdin);
      const t0 = Date.now();
      const exit = main(['console', dom.name, '-c', uri], io);
      await until('the console to connect', () => (io.errText().includes('Escape character is ^]') ? true : undefined), 20000);
      await resumeDomain(h, dom.name);
      await until('the guest report on the console', () => (io.text().includes(REPORT_END) ? true : undefined), 120000);
      const bootMs = Date.now() - t0;
      stdin.write(Buffer.from([0x1d]));
      expect(await exit).toBe(0);
      expect(io.errText()).toBe(`Connected to domain '${dom.name}'\nEscape character is ^] (Ctrl + ])\n\n`);

      const report = parseGuestReport(io.text());
      expect(report.errors).toEqual([]);
      expect(report.cpusOnline).toBe('0-1');
      expect(report.nodesOnline).toBe('0-1');
      expect(report.nodes.map((n) => [n.id, n.cpulist])).toEqual([
        [0, '0'],
        [1, '1'],
      ]);
      for (const n of report.nodes) {
        expect(n.memTotalKiB).toBeLessThanOrEqual(CELL_MIB * 1024);
        expect(n.memTotalKiB).toBeGreaterThan(CELL_MIB * 1024 * 0.7);
      }
      expect(report.nodes[0].memTotalKiB + report.nodes[1].memTotalKiB).toBe(report.memTotalKiB);
      expect(report.blockDevices).toEqual([{ name: 'vda', sizeBytes: DISK_BYTES }]);
      expect(report.netInterfaces).toEqual([
        { name: 'eth0', mac: dom.mac },
        { name: 'lo', mac: '00:00:00:00:00:00' },
      ]);
      // Pins survive the boot: the vCPU threads still run where they were put.
      const rec = readRecord(dom);
      const live = procThreads(pid);
      expect(rec.threads!.vcpus.map((v) => live.get(v.threadId)?.cpus)).toEqual(['0', '1']);
      console.log(`console over ${mode}: resume → guest report ${bootMs} ms`);
    }, 150000);

    it('after the guest powers itself off, status stops the kept QEMU and shows the domain shut off, keeping status.json for post-mortem', async () => {
      const view = await until(
        'the domain to be shut off',
        async () => {
          const io = capture();
          await main(['status', '--json', '-c', uri], io);
          const v = (JSON.parse(io.text()) as { domains: { state: string }[] }).domains[0];
          return v.state === 'shutoff' ? v : undefined;
        },
        60000,
      );
      expect(view).toEqual({ name: dom.name, state: 'shutoff', pid: null, qmpSocket: dom.paths.qmpSocket, vcpus: [] });
      expect(pidsWithUuid(dom.uuid)).toEqual([]);
      const rec = readRecord(dom);
      expect(rec.phase).toBe('exited');
      expect(rec.exit!.reason).toBe('the guest powered off');
      expect(fs.readdirSync(dom.paths.dir).filter((f) => f !== 'qemu.log')).toEqual(['status.json']);
      if (expectCgroup) expect(fs.existsSync(`${CPUSET_V1}/virtform/${dom.uuid}`)).toBe(false);
      const table = capture();
      await main(['status', '-c', uri], table);
      expect(table.text()).toContain('\n  reason: the guest powered off\n');
    }, 70000);

    it('destroy removes the post-mortem record', async () => {
      expect(await destroyDomain(h, dom.name)).toEqual({ how: 'already-off', ms: expect.any(Number) });
      expect(fs.existsSync(dom.paths.dir)).toBe(false);
      const io = capture();
      expect(await main(['status', '--json', '-c', uri], io)).toBe(0);
      expect(JSON.parse(io.text())).toEqual({ domains: [] });
    });

    it('shutdown: system_powerdown, the guest powers off, QEMU (kept by -no-shutdown) is told to quit, the run dir is removed', async () => {
      const s = makeTestDomain(h.runDir, root, guest, { name: `vf-${mode}-sd` });
      const r = await launchDomain(h, { name: s.name, uuid: s.uuid, argv: s.argv, pins, consoleSocket: s.paths.consoleSocket });
      expect(r.record.startedPaused).toBe(false);
      const result = await shutdownDomain(h, s.name, { timeoutMs: 60000 });
      expect(result.how).toBe('guest');
      expect(pidsWithUuid(s.uuid)).toEqual([]);
      expect(fs.existsSync(s.paths.dir)).toBe(false);
      if (expectCgroup) expect(fs.existsSync(`${CPUSET_V1}/virtform/${s.uuid}`)).toBe(false);
      console.log(`shutdown over ${mode}: ${result.ms} ms`);
    }, 90000);

    it('shutdown of a guest that ignores the power button ends with SIGTERM after the timeout', async () => {
      const s = makeTestDomain(h.runDir, root, guest, { name: `vf-${mode}-nb`, boot: 'none' });
      await launchDomain(h, { name: s.name, uuid: s.uuid, argv: s.argv, pins, consoleSocket: s.paths.consoleSocket });
      const result = await shutdownDomain(h, s.name, { timeoutMs: 1500 });
      expect(result.how).toBe('sigterm');
      expect(result.ms).toBeGreaterThanOrEqual(1500);
      expect(pidsWithUuid(s.uuid)).toEqual([]);
      expect(fs.existsSync(s.paths.dir)).toBe(false);
    }, 60000);

    it('destroy: SIGTERM ends a running QEMU, cgroup and run dir are removed', async () => {
      const s = makeTestDomain(h.runDir, root, guest, { name: `vf-${mode}-d` });
      const r = await launchDomain(h, { name: s.name, uuid: s.uuid, argv: s.argv, pins, consoleSocket: s.paths.consoleSocket, paused: true });
      expect(pidsWithUuid(s.uuid)).toEqual([r.record.pid]);
      const result = await destroyDomain(h, s.name);
      expect(result.how).toBe('sigterm');
      expect(pidsWithUuid(s.uuid)).toEqual([]);
      expect(fs.existsSync(s.paths.dir)).toBe(false);
      if (expectCgroup) expect(fs.existsSync(`${CPUSET_V1}/virtform/${s.uuid}`)).toBe(false);
      const err = await destroyDomain(h, s.name).catch((e: Error) => e);
      expect((err as DomainError).code).toBe('NOT_RUNNING');
    }, 60000);

    it('does not adopt a status.json whose pid now belongs to an unrelated live process', async () => {
      const sleeper: ChildProcess = spawn('sleep', ['300'], { stdio: 'ignore' });
      try {
        const s = makeTestDomain(h.runDir, root, guest, { name: `vf-${mode}-reuse` });
        fs.mkdirSync(s.paths.dir, { recursive: true });
        const rec: DomainStatusRecord = startingStatusRecord(s.name, s.uuid, { phase: 'started', pid: sleeper.pid!, qmpSocket: s.paths.qmpSocket });
        fs.writeFileSync(s.paths.statusFile, JSON.stringify(rec));
        fs.writeFileSync(s.paths.pidFile, `${sleeper.pid}\n`);
        const io = capture();
        expect(await main(['status', '--json', '-c', uri], io)).toBe(0);
        expect(JSON.parse(io.text())).toEqual({ domains: [{ name: s.name, state: 'shutoff', pid: null, qmpSocket: s.paths.qmpSocket, vcpus: [] }] });
        expect(readRecord(s).exit!.reason).toBe(
          `pid ${sleeper.pid} is now another process ('sleep 300'), whose command line does not carry -uuid ${s.uuid}; the stale pidfile was not adopted`,
        );
        expect(fs.existsSync(s.paths.pidFile)).toBe(false);
        expect(await destroyDomain(h, s.name)).toEqual({ how: 'already-off', ms: expect.any(Number) });
        expect(sleeper.exitCode).toBeNull();
        expect(sleeper.signalCode).toBeNull();
        expect(fs.existsSync(s.paths.dir)).toBe(false);
      } finally {
        sleeper.kill('SIGKILL');
      }
    });
  });
}
