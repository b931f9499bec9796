/**
 * The lifecycle when things go wrong, with real QEMU on this machine: QEMU refusing to start
 * (its stderr verbatim), a failure after spawn (QEMU killed, nothing left), a launch that died
 * half-way (QEMU left in prelaunch), a QEMU killed behind virtform's back, a monitor held by
 * another client, a second launch of a running domain, and unpinned threads reset to all CPUs
 * when QEMU was started on fewer.
 */
import { startingStatusRecord } from '../../../support/status-record-fixture';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { main, type CliIo } from '../../../../cli/main';
import type { HostFacts } from '../../../../model/host-facts';
import { planPins, type PinPlan } from '../../../../planner/pin-plan';
import {
  destroyDomain,
  detachedLaunchCommand,
  DomainError,
  formatStatusRecord,
  launchArgv,
  launchDomain,
  reconnectDomain,
  type DomainHost,
  type DomainStatusRecord,
} from '../../../../provider/executor/domain';
import { discoverHost } from '../../../../provider/host/host-discovery';
import { LocalTransport } from '../../../../provider/host/local-transport';
import type { Transport } from '../../../../provider/host/transport';
import { buildTestGuest, testGuestSkipReason, type TestGuest } from '../../../support/guest';
import { missingBinaryReason, QEMU_IMG, QEMU_X86_64 } from '../../../support/qemu';
import { hasBinary } from '../../../support/skip';
import { makeTestDomain, pidsWithUuid, procThreads } from './test-domain';

const skip =
  missingBinaryReason(QEMU_X86_64) ??
  missingBinaryReason(QEMU_IMG) ??
  testGuestSkipReason() ??
  (fs.readFileSync('/sys/devices/system/cpu/online', 'utf8').trim() === '0-1' ? undefined : 'expects exactly host CPUs 0-1 online') ??
  (hasBinary('taskset') ? undefined : 'needs taskset (util-linux)');
const d = skip === undefined ? describe : (name: string, fn: () => void) => describe.skip(`${name} [skipped: ${skip}]`, fn);
const CPUSET_V1 = '/sys/fs/cgroup/cpuset';

function capture(): CliIo & { text(): string; errText(): string } {
  let out = '';
  let err = '';
  return { out: (s) => void (out += s), err: (s) => void (err += s), exitCode: 0, text: () => out, errText: () => err };
}

/** The local transport, but QEMU is started under `taskset -c 0`, as by a launcher confined to CPU 0. */
function confinedTransport(uri: string): Transport {
  const inner = new LocalTransport(uri);
  return {
    uri: inner.uri,
    hostLabel: inner.hostLabel,
    // The launch command is `sh -c SCRIPT ... QEMU ARGS`: QEMU inherits the script's affinity.
    exec: (argv, opts) => inner.exec(argv.includes(QEMU_X86_64) ? ['taskset', '-c', '0', ...argv] : argv, opts),
    spawn: (argv, opts) => inner.spawn(argv, opts),
    connectUnix: (p) => inner.connectUnix(p),
    readFile: (p) => inner.readFile(p),
    readFiles: (p) => inner.readFiles(p),
    writeFile: (p, data, mode) => inner.writeFile(p, data, mode),
    close: () => inner.close(),
  };
}

d('domain lifecycle failures (local, real QEMU)', () => {
  let root: string;
  let uri: string;
  let h: DomainHost;
  let facts: HostFacts;
  let guest: TestGuest;
  const uuids: string[] = [];

  beforeAll(async () => {
    guest = await buildTestGuest();
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'vf-exec-fail-'));
    uri = `qemu:///embed?root=${root}`;
    h = { transport: new LocalTransport(uri), runDir: path.join(root, 'run') };
    facts = await discoverHost(h.transport);
  });

  afterAll(() => {
    for (const u of uuids) for (const p of pidsWithUuid(u)) process.kill(p, 'SIGKILL');
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  const testDomain = (name: string, cputune = '', opts: { boot?: 'guest' | 'none' } = {}) => {
    const t = makeTestDomain(h.runDir, root, guest, { name, cputune, boot: opts.boot ?? 'none' });
    uuids.push(t.uuid);
    return { ...t, pins: planPins(t.domain, facts, 'localhost') };
  };

  it("surfaces QEMU's stderr verbatim when it refuses to start, and leaves nothing behind", async () => {
    const t = testDomain('vf-nostart');
    const argv = [
      QEMU_X86_64, '-machine', 'pc', '-m', '64', '-nodefaults', '-display', 'none',
      '-object', '{"qom-type":"memory-backend-file","id":"ram","size":67108864,"mem-path":"/nonexistent/vf-ram"}',
      '-machine', 'memory-backend=ram',
    ];
    const onePins: PinPlan = { ...t.pins, vcpus: [t.pins.vcpus[0]], iothreads: [] };
    const err = await launchDomain(h, { name: t.name, uuid: t.uuid, argv, pins: onePins }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(DomainError);
    expect((err as DomainError).code).toBe('SPAWN');
    expect((err as Error).message).toBe(
      `localhost: domain 'vf-nostart': launch: start QEMU: ${QEMU_X86_64} exited with status 1: ` +
        "qemu-system-x86_64: can't open backing store /nonexistent/vf-ram for guest RAM: No such file or directory",
    );
    expect(pidsWithUuid(t.uuid)).toEqual([]);
    expect(fs.existsSync(t.paths.dir)).toBe(false);
  });

  it('kills QEMU and removes run dir and cgroup when a step after spawn fails (here a QMP command before cont)', async () => {
    const t = testDomain('vf-abort');
    const err = await launchDomain(h, {
      name: t.name,
      uuid: t.uuid,
      argv: t.argv,
      pins: t.pins,
      consoleSocket: t.paths.consoleSocket,
      beforeCont: [{ execute: 'no-such-command' }],
    }).catch((e: Error) => e);
    expect((err as DomainError).code).toBe('MONITOR');
    expect((err as Error).message).toBe(
      "localhost: domain 'vf-abort': launch: QMP no-such-command: QMP command 'no-such-command' failed: CommandNotFound: The command no-such-command has not been found",
    );
    expect(pidsWithUuid(t.uuid)).toEqual([]);
    expect(fs.existsSync(t.paths.dir)).toBe(false);
    expect(fs.existsSync(`${CPUSET_V1}/virtform/${t.uuid}`)).toBe(false);
  });

  it('refuses a second launch of a running domain', async () => {
    const t = testDomain('vf-twice');
    const spec = { name: t.name, uuid: t.uuid, argv: t.argv, pins: t.pins, consoleSocket: t.paths.consoleSocket, paused: true };
    const first = await launchDomain(h, spec);
    const err = await launchDomain(h, spec).catch((e: Error) => e);
    expect((err as Error).message).toBe(
      `localhost: domain 'vf-twice': launch: check for a running QEMU: QEMU pid ${first.record.pid} already runs this domain (${t.paths.dir}). Stop it first (shutdown or destroy).`,
    );
    expect(pidsWithUuid(t.uuid)).toEqual([first.record.pid]);
    expect((await destroyDomain(h, t.name)).how).toBe('sigterm');
  });

  it('resets unpinned threads to every host CPU when QEMU was started on fewer, with affinity alone (no cgroup)', async () => {
    const t = testDomain('vf-reset', "<vcpupin vcpu='0' cpuset='1'/>");
    const confined: DomainHost = { transport: confinedTransport(uri), runDir: h.runDir };
    const r = await launchDomain(confined, { name: t.name, uuid: t.uuid, argv: t.argv, pins: t.pins, consoleSocket: t.paths.consoleSocket, paused: true }, { cpuset: null });
    try {
      expect(r.record.cgroup).toEqual({ kind: 'none', note: 'no cpuset cgroup controller is mounted on this host: pinned by thread affinity only' });
      const threads = procThreads(r.record.pid!);
      const cpusOf = (comm: string) => [...threads.values()].find((x) => x.comm === comm)?.cpus;
      expect([cpusOf('CPU 0/TCG'), cpusOf('CPU 1/TCG'), cpusOf('IO iothread1'), threads.get(r.record.pid!)?.cpus]).toEqual(['1', '0-1', '0-1', '0-1']);
      for (const x of threads.values()) expect(x.cpus).not.toBe('0');
    } finally {
      await destroyDomain(h, t.name);
    }
  });

  it("kills a QEMU a dead launch left paused in prelaunch (\"wasn't fully started\"), but not while a launch may still be running", async () => {
    const t = testDomain('vf-half');
    fs.mkdirSync(t.paths.dir, { recursive: true });
    const early: DomainStatusRecord = startingStatusRecord(t.name, t.uuid, { qmpSocket: t.paths.qmpSocket, consoleSocket: t.paths.consoleSocket });
    fs.writeFileSync(t.paths.statusFile, formatStatusRecord(early));
    // virtform "dies" right after starting QEMU: the host script gives up waiting for its go-ahead,
    // QEMU stays in prelaunch and the pid is only in the pidfile.
    const argv = launchArgv({ name: t.name, uuid: t.uuid, argv: t.argv, pins: t.pins }, t.paths);
    const cmd = detachedLaunchCommand(argv, t.paths, { timeoutMs: 1000 });
    expect(execFileSync(cmd[0], cmd.slice(1), { encoding: 'utf8' })).toMatch(/^listening\ntimeout \d+\n$/);
    await waitFor(() => fs.existsSync(t.paths.pidFile) && fs.readFileSync(t.paths.pidFile, 'utf8').trim() !== '');
    const pid = Number(fs.readFileSync(t.paths.pidFile, 'utf8'));
    expect(pidsWithUuid(t.uuid)).toEqual([pid]);

    const young = await reconnectDomain(h, t.name);
    expect([young.state, young.pid]).toEqual(['starting', pid]);
    expect(young.reason).toMatch(/^a launch is under way or was interrupted \(QEMU in prelaunch for \d+ s\)$/);
    expect(pidsWithUuid(t.uuid)).toEqual([pid]);

    const old = await reconnectDomain(h, t.name, { startGraceMs: 0 });
    expect({ state: old.state, pid: old.pid, reason: old.reason }).toEqual({
      state: 'shutoff',
      pid: null,
      reason: "QEMU wasn't fully started (the launch never finished and it stayed paused in prelaunch); killed",
    });
    expect(pidsWithUuid(t.uuid)).toEqual([]);
    const rec = JSON.parse(fs.readFileSync(t.paths.statusFile, 'utf8')) as DomainStatusRecord;
    expect([rec.phase, rec.exit?.reason]).toEqual(['exited', old.reason]);
    await destroyDomain(h, t.name);
  });

  it("keeps QEMU after the guest powered off when on_poweroff is 'preserve' (state shutdown), until destroy", async () => {
    const t = testDomain('vf-keep', '', { boot: 'guest' });
    const r = await launchDomain(h, {
      name: t.name,
      uuid: t.uuid,
      argv: t.argv,
      pins: t.pins,
      consoleSocket: t.paths.consoleSocket,
      lifecycle: { onPoweroff: 'preserve' },
    });
    expect(r.record.lifecycle).toEqual({ onPoweroff: 'preserve', onCrash: 'destroy' });
    const deadline = Date.now() + 120000;
    let rt = await reconnectDomain(h, t.name);
    while (rt.state === 'running' && Date.now() < deadline) {
      await new Promise((res) => setTimeout(res, 500));
      rt = await reconnectDomain(h, t.name);
    }
    expect({ state: rt.state, reason: rt.reason, pid: rt.pid }).toEqual({ state: 'shutdown', reason: 'shutdown', pid: r.record.pid });
    expect(pidsWithUuid(t.uuid)).toEqual([r.record.pid]);
    expect((await destroyDomain(h, t.name)).how).toBe('sigterm');
    expect(pidsWithUuid(t.uuid)).toEqual([]);
  }, 150000);

  it('status reports a domain whose status.json is unreadable without hiding the others', async () => {
    const dir = path.join(h.runDir, 'vf-corrupt');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'status.json'), '{"format": 99}');
    try {
      const io = capture();
      expect(await main(['status', '--json', '-c', uri], io)).toBe(0);
      expect(JSON.parse(io.text()).domains).toEqual([{ name: 'vf-corrupt', state: 'unknown', pid: null, qmpSocket: `${dir}/qmp.sock`, vcpus: [] }]);
      expect(io.errText()).toBe(
        `warning: localhost: domain 'vf-corrupt': reconnect: read status.json: localhost:${dir}/status.json has format 99, this virtform reads format 1; ` +
          `use the virtform version that launched the domain, or stop the domain with it first. Remove ${dir} once no QEMU of this domain runs\n`,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('records a QEMU killed outside virtform as shut off, with the reason', async () => {
    const t = testDomain('vf-killed');
    const r = await launchDomain(h, { name: t.name, uuid: t.uuid, argv: t.argv, pins: t.pins, consoleSocket: t.paths.consoleSocket });
    process.kill(r.record.pid!, 'SIGKILL');
    const io = capture();
    await waitGone(t.uuid);
    expect(await main(['status', '-c', uri], io)).toBe(0);
    expect(io.text()).toBe(
      'NAME       STATE    PID  VCPUS (index:thread@cpus)  QMP SOCKET\n' +
        `vf-killed  shutoff  -    -                          ${t.paths.qmpSocket}\n` +
        `  reason: QEMU pid ${r.record.pid} has exited (guest poweroff, crash, or killed outside virtform)\n`,
    );
    expect(fs.existsSync(`${CPUSET_V1}/virtform/${t.uuid}`)).toBe(false);
    // QEMU's output log stays for post-mortem beside the record.
    expect(fs.readdirSync(t.paths.dir).sort()).toEqual(['qemu.log', 'status.json']);
    await destroyDomain(h, t.name);
  });

  it('reports a domain whose monitor another client holds as unknown (threads from status.json), and destroy still works', async () => {
    const t = testDomain('vf-busy', "<vcpupin vcpu='0' cpuset='0'/><vcpupin vcpu='1' cpuset='1'/>");
    const r = await launchDomain(h, { name: t.name, uuid: t.uuid, argv: t.argv, pins: t.pins, consoleSocket: t.paths.consoleSocket, paused: true });
    const holder = net.createConnection(t.paths.qmpSocket);
    let got = '';
    holder.on('data', (b: Buffer) => (got += b.toString()));
    try {
      await waitFor(() => got.includes('"QMP"'));
      const io = capture();
      expect(await main(['status', '--json', '-c', uri], io)).toBe(0);
      expect(JSON.parse(io.text())).toEqual({
        domains: [
          {
            name: t.name,
            state: 'unknown',
            pid: r.record.pid,
            qmpSocket: t.paths.qmpSocket,
            vcpus: r.record.threads!.vcpus.map((v, i) => ({ ...v, affinity: String(i) })),
          },
        ],
      });
      const busy = capture();
      expect(await main(['qemu-monitor-command', '--timeout', '2', '-c', uri, t.name, '{"execute":"query-status"}'], busy)).toBe(1);
      expect(busy.errText()).toMatch(/sent no QMP greeting within 2000 ms; another client may hold the monitor \(QMP serves one client at a time\)/);
      expect((await destroyDomain(h, t.name)).how).toBe('sigterm');
      expect(pidsWithUuid(t.uuid)).toEqual([]);
    } finally {
      holder.destroy();
    }
  }, 60000);
});

async function waitFor(cond: () => boolean, timeoutMs = 10000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function waitGone(uuid: string): Promise<void> {
  await waitFor(() => pidsWithUuid(uuid).length === 0);
}
