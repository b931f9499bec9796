/**
 * How the launcher detaches QEMU (launch-spec.ts detachedLaunchCommand): like libvirt, from the outside, never
 * with QEMU's own -daemonize. A command line with libvirt's seccomp sandbox (spawn=deny) and a
 * preallocation thread context starts and answers; under -daemonize QEMU 7.2 dies of SIGSYS on
 * the first (checked below, so the reason stays known) and, without the sandbox, waits forever
 * in the preallocation on the second (its thread stays behind in the parent of the fork).
 * QEMU ends up in its own session, in `/`, with stdin from /dev/null and its output in qemu.log.
 */
import { spawnSync } from 'child_process';
import { randomUUID } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseDomainXml } from '../../../../model/domain';
import type { HostFacts } from '../../../../model/host-facts';
import { planPins } from '../../../../planner/pin-plan';
import { destroyDomain, launchDomain, type DomainHost } from '../../../../provider/executor/domain';
import { discoverHost } from '../../../../provider/host/host-discovery';
import { LocalTransport } from '../../../../provider/host/local-transport';
import { missingBinaryReason, QEMU_X86_64 } from '../../../support/qemu';
import { describeIf } from '../../../support/skip';

const SANDBOX = 'on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny';

/** A small TCG guest with libvirt's sandbox and 64 MiB preallocated on host node 0 through a thread context. */
function argv(name: string, uuid: string): string[] {
  return [
    QEMU_X86_64,
    '-name', `guest=${name},debug-threads=on`,
    '-uuid', uuid,
    '-machine', 'pc,memory-backend=pc.ram',
    '-accel', 'tcg',
    '-m', '64',
    '-object', '{"qom-type":"thread-context","id":"tc-pc.ram","node-affinity":[0]}',
    '-object', '{"qom-type":"memory-backend-ram","id":"pc.ram","prealloc":true,"size":67108864,"host-nodes":[0],"policy":"bind","prealloc-context":"tc-pc.ram"}',
    '-nodefaults', '-no-user-config', '-display', 'none',
    '-sandbox', SANDBOX,
  ];
}

function statusField(pid: number, field: string): string {
  return new RegExp(`^${field}:\\s*(.*)$`, 'm').exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? '';
}

/** Session id (stat field 6). */
function sessionOf(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[3]);
}

/**
 * What the code under test leaves for node's event loop to wait for: the handles (child
 * processes, pipes, sockets) that were not there at the start, and the timers it started
 * (through this test's global setTimeout/setInterval) that have neither fired nor been
 * cleared. Handles are compared after two turns of the loop, so that those already closed have
 * been let go (close callbacks run after the check phase).
 */
function watchEventLoop() {
  const handles = () => (process as unknown as { _getActiveHandles(): object[] })._getActiveHandles();
  const startHandles = new Set(handles());
  const timers = new Map<unknown, string>();
  const real = { setTimeout: global.setTimeout, setInterval: global.setInterval, clearTimeout: global.clearTimeout, clearInterval: global.clearInterval };
  const track = (kind: 'setTimeout' | 'setInterval') =>
    ((fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) => {
      const where = (new Error().stack ?? '').split('\n')[2]?.trim() ?? '';
      const t = (real[kind] as (f: () => void, ms?: number) => NodeJS.Timeout)(() => {
        if (kind === 'setTimeout') timers.delete(t);
        fn(...args);
      }, ms);
      timers.set(t, `${kind}(${ms} ms) ${where}`);
      return t;
    }) as unknown as typeof setTimeout;
  global.setTimeout = track('setTimeout');
  global.setInterval = track('setInterval') as unknown as typeof setInterval;
  global.clearTimeout = ((t: NodeJS.Timeout) => (timers.delete(t), real.clearTimeout(t))) as typeof clearTimeout;
  global.clearInterval = ((t: NodeJS.Timeout) => (timers.delete(t), real.clearInterval(t))) as typeof clearInterval;
  return {
    async left(): Promise<string[]> {
      for (let i = 0; i < 2; i++) await new Promise((r) => setImmediate(r));
      const fresh = handles().filter((x) => !startHandles.has(x)).map((x) => x.constructor.name);
      return [...fresh, ...timers.values()];
    },
    stop(): void {
      Object.assign(global, real);
    },
  };
}

const skip = missingBinaryReason(QEMU_X86_64) ?? (fs.existsSync('/sys/devices/system/node/node0') ? null : 'needs host NUMA node 0 in sysfs');

describeIf(skip ?? null)('launching QEMU detached (no -daemonize)', () => {
  let root = '';
  let h: DomainHost;
  let facts: HostFacts;

  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'vf-detach-'));
    h = { transport: new LocalTransport(`qemu:///embed?root=${root}`), runDir: path.join(root, 'run') };
    facts = await discoverHost(h.transport);
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it("starts a command line with libvirt's sandbox and a preallocation thread context, in its own session", async () => {
    const name = 'vf-detached';
    const uuid = randomUUID();
    const domain = parseDomainXml(`<domain type='qemu'><name>${name}</name><uuid>${uuid}</uuid><memory unit='MiB'>64</memory><vcpu>1</vcpu><os><type>hvm</type></os></domain>`);
    const r = await launchDomain(h, { name, uuid, argv: argv(name, uuid), pins: planPins(domain, facts, 'localhost'), paused: true });
    try {
      const pid = r.record.pid!;
      expect(r.record.phase).toBe('started');
      expect(sessionOf(pid)).toBe(pid);
      expect(Number(statusField(pid, 'PPid'))).not.toBe(process.pid);
      expect(fs.readlinkSync(`/proc/${pid}/cwd`)).toBe('/');
      expect(fs.readlinkSync(`/proc/${pid}/fd/0`)).toBe('/dev/null');
      expect([fs.readlinkSync(`/proc/${pid}/fd/1`), fs.readlinkSync(`/proc/${pid}/fd/2`)]).toEqual([r.paths.logFile, r.paths.logFile]);
      expect(statusField(pid, 'Seccomp')).toBe('2');
      expect(fs.readdirSync(r.paths.dir).sort()).toEqual(['pid', 'qemu.log', 'qmp.sock', 'status.json']);
    } finally {
      await destroyDomain(h, name);
    }
  });

  it('leaves no timer, socket or child behind once it has returned (a CLI process can exit at once)', async () => {
    const name = 'vf-detached-handles';
    const uuid = randomUUID();
    const domain = parseDomainXml(`<domain type='qemu'><name>${name}</name><uuid>${uuid}</uuid><memory unit='MiB'>64</memory><vcpu>1</vcpu><os><type>hvm</type></os></domain>`);
    const loop = watchEventLoop();
    let running = false;
    try {
      const r = await launchDomain(h, { name, uuid, argv: argv(name, uuid), pins: planPins(domain, facts, 'localhost'), paused: true });
      running = true;
      expect(r.record.phase).toBe('started');
      // What launchDomain started (the detach script and its pipes, its grace timers, the QMP
      // socket) is closed by the time it returns: nothing left for the event loop to wait for.
      expect(await loop.left()).toEqual([]);
      running = false;
      await destroyDomain(h, name);
      expect(await loop.left()).toEqual([]);
    } finally {
      loop.stop();
      if (running) await destroyDomain(h, name);
    }
  });

  it('(why) the same command line under -daemonize dies of SIGSYS: the sandbox forbids the fork', () => {
    const dir = fs.mkdtempSync(path.join(root, 'd-'));
    const a = argv('vf-daemonize', randomUUID());
    const res = spawnSync(a[0], [...a.slice(1), '-daemonize', '-pidfile', path.join(dir, 'pid')], { timeout: 20_000 });
    expect(res.signal).toBe('SIGSYS');
  });
});
