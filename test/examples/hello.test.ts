/**
 * examples/hello end to end: the whole stack (dir pool, qcow2 volume, cloud-init seed, isolated
 * network, domain with pinned vCPUs and a serial console) applied to a host reached over the real
 * sshd, in a private network namespace so that its bridge, nftables rules and dnsmasq touch
 * nothing of this machine's networking:
 * apply → status shows it running with its pins → re-plan has no changes (exit 0 with
 * --detailed-exitcode) → a new balloon target is set live → a second apply is refused while
 * another command holds the lock → destroy leaves no QEMU, bridge, tap, dnsmasq, nftables table,
 * volume or pool directory, and what virtform does not own survives.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { cliRunner } from '../support/run-cli';
import { HostLock } from '../../provider/executor/state/host-lock';
import { copyHelloStack, setHelloCurrentMemory, storedUuid } from '../support/hello-stack';
import { netnsSkipReason, startNetnsHost, type NetnsHost } from '../support/netns';
import { missingBinaryReason, QEMU_X86_64 } from '../support/qemu';
import { describeIf } from '../support/skip';
import { testApplySession } from '../support/test-apply-session';
import { pidsWithUuid } from '../provider/executor/domain/test-domain';

const INTRUDER = `<domain type='qemu'>\n  <name>intruder</name>\n  <memory unit='MiB'>64</memory>\n  <os><type arch='x86_64' machine='pc'>hvm</type></os>\n</domain>\n`;

/** The process exists and is not a zombie (this container's PID 1 may reap daemons late). */
function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !'ZX'.includes(stat.slice(stat.lastIndexOf(')') + 2)[0]);
  } catch {
    return false;
  }
}

interface Link {
  ifname: string;
  ifalias?: string;
  master?: string;
  linkinfo?: { info_kind?: string };
}

describeIf(netnsSkipReason() ?? missingBinaryReason(QEMU_X86_64) ?? null)('examples/hello over SSH, in a private network namespace', () => {
  jest.setTimeout(180000);
  let ns: NetnsHost;
  let root: string;
  let poolDir: string;
  let stack: string;
  let uri: string;
  const applySession = testApplySession({ shutdownTimeoutMs: 1000 });

  const run = cliRunner(applySession);
  const links = (): Link[] => JSON.parse(ns.run(['ip', '-j', '-d', 'link', 'show'])) as Link[];
  const dnsmasqPid = (): number | null => {
    const f = path.join(root, 'run', 'dnsmasq', 'hello.pid');
    return fs.existsSync(f) ? Number(fs.readFileSync(f, 'utf8').trim()) : null;
  };

  beforeAll(async () => {
    ns = await startNetnsHost('hello');
    root = path.join(ns.dir, 'root');
    poolDir = path.join(ns.dir, 'hello-pool');
    stack = copyHelloStack(path.join(ns.dir, 'hello'), poolDir);
    uri = `${ns.uri()}&root=${root}`;
    // What virtform does not own: a domain definition without an ownership record, a note in the
    // state directory, and a bridge of someone else's.
    fs.mkdirSync(path.join(root, 'domains'), { recursive: true, mode: 0o700 });
    fs.writeFileSync(path.join(root, 'domains', 'intruder.xml'), INTRUDER);
    fs.writeFileSync(path.join(root, 'NOTES.txt'), 'not virtform\'s\n');
    ns.run(['ip', 'link', 'add', 'vfother', 'type', 'bridge']);
  });

  afterAll(async () => {
    if (ns) {
      await run('destroy', '-c', uri, '--stack', 'hello', '--auto-approve').catch(() => undefined);
      await ns.stop();
    }
  });

  it('applies the whole stack: pool, volumes, network and a running domain', async () => {
    const a = await run('apply', '-c', uri, '--xml', stack, '--auto-approve');
    expect(a.err).toBe('');
    expect(a.code).toBe(0);
    expect(a.out).toContain('Apply complete! Resources: 5 added, 0 changed, 0 destroyed.\n');
    // Dependencies first: the pool before its volumes, the volumes and the network before the domain.
    const done = [...a.out.matchAll(/^(\S+): Creation complete/gm)].map((m) => m[1]);
    expect(done.indexOf('pool.hello')).toBeLessThan(done.indexOf('volume.hello/hello.qcow2'));
    expect(done[done.length - 1]).toBe('domain.hello');
    expect(fs.readdirSync(poolDir).sort()).toEqual([expect.stringMatching(/^cidata-[0-9a-f]{16}\.iso$/), 'hello.qcow2']);
    const bridge = links().find((l) => l.ifalias === 'virtform:network:hello');
    expect(bridge?.linkinfo?.info_kind).toBe('bridge');
    expect(dnsmasqPid()).not.toBeNull();
    expect(ns.run(['nft', 'list', 'table', 'inet', 'virtform'])).toContain(`chain nw-${bridge!.ifname}-fwd`);
    // The domain's NIC is a tap on the network's bridge.
    expect(links().filter((l) => l.master === bridge!.ifname).map((l) => [l.linkinfo?.info_kind, l.ifalias])).toEqual([['tun', 'virtform:tap:hello:0']]);
    expect(pidsWithUuid(storedUuid(root, 'hello'))).toHaveLength(1);
  });

  it('shows the domain running with its vCPUs pinned', async () => {
    const s = await run('status', '-c', uri, '--json');
    expect([s.code, s.err]).toEqual([0, '']);
    const view = (JSON.parse(s.out) as { domains: { name: string; state: string; vcpus: { index: number; affinity: string }[] }[] }).domains;
    expect(view.map((d) => [d.name, d.state, d.vcpus.map((v) => `${v.index}@${v.affinity}`)])).toEqual([['hello', 'running', ['0@0', '1@1']]]);
  });

  it('re-plans with no changes', async () => {
    const p = await run('plan', '-c', uri, '--xml', stack, '--detailed-exitcode');
    expect(p).toEqual({ code: 0, out: expect.stringMatching(/^No changes\. Host 127\.0\.0\.1 matches the desired state of stack 'hello'\.\n$/), err: '' });
  });

  it('sets a new balloon target live, without restarting QEMU', async () => {
    const [pid] = pidsWithUuid(storedUuid(root, 'hello'));
    setHelloCurrentMemory(stack, 192);
    const p = await run('plan', '-c', uri, '--xml', stack, '--detailed-exitcode');
    expect(p.code).toBe(2);
    expect(p.out).toContain('      ~ /domain/currentMemory = "262144" -> "196608" # balloon target, set live\n');
    const a = await run('apply', '-c', uri, '--xml', stack, '--auto-approve');
    expect([a.code, a.err]).toEqual([0, '']);
    expect(a.out).toContain('domain.hello: setting the balloon target to 196608 KiB\n');
    expect(a.out).toContain('Apply complete! Resources: 0 added, 1 changed, 0 destroyed.\n');
    expect(pidsWithUuid(storedUuid(root, 'hello'))).toEqual([pid]);
    expect((await run('plan', '-c', uri, '--xml', stack, '--detailed-exitcode')).code).toBe(0);
  });

  it("adds a DHCP host live: dnsmasq reloads its hosts file and keeps running", async () => {
    const pid = dnsmasqPid()!;
    const file = path.join(stack, 'networks', 'hello.xml');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace("</dhcp>", "  <host mac='52:54:00:00:00:01' name='db' ip='10.213.47.10'/>\n    </dhcp>"));
    const p = await run('plan', '-c', uri, '--xml', stack, '--detailed-exitcode');
    expect(p.code).toBe(2);
    expect(p.out).toContain('  # network.hello will be updated in-place\n');
    expect(p.out).toContain('# DHCP host entry updated live\n');
    expect(p.out).toContain('\nPlan: 0 to add, 1 to change, 0 to destroy.\n');
    const a = await run('apply', '-c', uri, '--xml', stack, '--auto-approve');
    expect([a.code, a.err]).toEqual([0, '']);
    expect(a.out).toContain('network.hello: updating the DHCP hosts (dnsmasq reloads them)\n');
    expect(dnsmasqPid()).toBe(pid);
    expect(fs.readFileSync(path.join(root, 'run', 'dnsmasq', 'hello.hostsfile'), 'utf8')).toBe('52:54:00:00:00:01,10.213.47.10,db\n');
    expect((await run('plan', '-c', uri, '--xml', stack, '--detailed-exitcode')).code).toBe(0);
  });

  it('gives the domain a new seed when its cloud-init files change, and deletes the old one after the restart', async () => {
    const seeds = (): string[] => fs.readdirSync(poolDir).filter((f) => f.startsWith('cidata-'));
    const [old] = seeds();
    const [pid] = pidsWithUuid(storedUuid(root, 'hello'));
    fs.appendFileSync(path.join(stack, 'cloud-init', 'hello', 'user-data'), 'timezone: UTC\n');
    const a = await run('apply', '-c', uri, '--xml', stack, '--auto-approve');
    expect([a.code, a.err]).toEqual([0, '']);
    const [fresh] = seeds().filter((f) => f !== old);
    expect(fresh).toMatch(/^cidata-[0-9a-f]{16}\.iso$/);
    expect(a.out).toContain(`  # volume.hello/${fresh} will be created\n`);
    expect(a.out).toContain(`      ~ /domain/devices/disk[target/@dev='hdc']/source/@volume = "${old}" -> "${fresh}" # needs a restart of the domain\n`);
    expect(a.out).toContain(`  # volume.hello/${old} will be destroyed\n`);
    const done = [...a.out.matchAll(/^(\S+): (Creation|Modifications|Destruction) complete/gm)].map((m) => m[1]);
    expect(done).toEqual([`volume.hello/${fresh}`, 'domain.hello', `volume.hello/${old}`]);
    expect(a.out).toContain('Apply complete! Resources: 1 added, 1 changed, 1 destroyed.\n');
    expect(seeds()).toEqual([fresh]);
    expect(pidsWithUuid(storedUuid(root, 'hello'))).not.toEqual([pid]);
    expect((await run('plan', '-c', uri, '--xml', stack, '--detailed-exitcode')).code).toBe(0);
  });

  it('restarts a network that runs an older definition, and the domain on it, which gets its tap back', async () => {
    const applied = path.join(root, 'run', 'applied', 'networks', 'hello.json');
    const rec = JSON.parse(fs.readFileSync(applied, 'utf8')) as { definitionHash: string };
    fs.writeFileSync(applied, JSON.stringify({ ...rec, definitionHash: `sha256:${'0'.repeat(64)}` }));
    const oldDnsmasq = dnsmasqPid();
    const [pid] = pidsWithUuid(storedUuid(root, 'hello'));
    const a = await run('apply', '-c', uri, '--xml', stack, '--auto-approve');
    expect([a.code, a.err]).toEqual([0, '']);
    expect(a.out).toContain('  # network.hello will be updated in-place and restarted\n  ~ network "hello" {\n      ~ runtime.definition = "older definition" -> "current definition" # the network runs an older definition: apply restarts it\n    }\n');
    expect(a.out).toContain('  # domain.hello will be updated in-place and restarted\n  ~ domain "hello" {\n      ~ dependency[network.hello] # network.hello restarts: the domain restarts to reconnect its interfaces\n    }\n');
    const done = [...a.out.matchAll(/^(\S+): Modifications complete/gm)].map((m) => m[1]);
    expect(done).toEqual(['network.hello', 'domain.hello']);
    expect(dnsmasqPid()).not.toBe(oldDnsmasq);
    expect(pidsWithUuid(storedUuid(root, 'hello'))).not.toEqual([pid]);
    const bridge = links().find((l) => l.ifalias === 'virtform:network:hello')!;
    expect(links().filter((l) => l.master === bridge.ifname).map((l) => l.ifalias)).toEqual(['virtform:tap:hello:0']);
    expect((await run('plan', '-c', uri, '--xml', stack, '--detailed-exitcode')).code).toBe(0);
  });

  it('refuses a second apply while another command holds the host lock, naming the holder', async () => {
    const t = await ns.transport();
    const lock = await HostLock.acquire(t, root, { command: 'virtform apply --xml hello', stack: 'hello', actor: { user: 'bob', clientHost: 'ws-7' } });
    try {
      const a = await run('apply', '-c', uri, '--xml', stack, '--auto-approve');
      expect(a.code).toBe(1);
      expect(a.err).toMatch(
        new RegExp(
          `^Error: 127\\.0\\.0\\.1: the host is locked by another virtform command: 'virtform apply --xml hello' run by bob@ws-7 \\(client pid ${process.pid}, stack 'hello'\\) since [0-9T:.-]+Z; host process ${lock.holder.hostPid} holds ${root}/lock\\.`,
        ),
      );
    } finally {
      await lock.release();
    }
  });

  it("destroys everything the stack made, and nothing it does not own", async () => {
    const uuid = storedUuid(root, 'hello');
    const pid = dnsmasqPid()!;
    const d = await run('destroy', '-c', uri, '--xml', stack, '--auto-approve');
    expect([d.code, d.err]).toEqual([0, '']);
    expect(d.out).toContain('Destroy complete! Resources: 5 destroyed.\n');
    expect(pidsWithUuid(uuid)).toEqual([]);
    expect(alive(pid)).toBe(false);
    expect(links().filter((l) => l.linkinfo?.info_kind === 'bridge' || l.linkinfo?.info_kind === 'tun').map((l) => l.ifname)).toEqual(['vfother']);
    expect(() => execFileSync('ip', ['netns', 'exec', ns.name, 'nft', 'list', 'table', 'inet', 'virtform'], { stdio: 'pipe' })).toThrow();
    expect(fs.existsSync(poolDir)).toBe(false);
    expect(fs.readdirSync(path.join(root, 'domains'))).toEqual(['intruder.xml']);
    expect(fs.readFileSync(path.join(root, 'domains', 'intruder.xml'), 'utf8')).toBe(INTRUDER);
    expect(fs.readFileSync(path.join(root, 'NOTES.txt'), 'utf8')).toBe("not virtform's\n");
    for (const dir of ['networks', 'pools']) expect(fs.readdirSync(path.join(root, dir))).toEqual([]);
    expect(fs.readdirSync(path.join(root, 'volumes', 'hello'))).toEqual([]);
    expect(fs.readdirSync(path.join(root, 'run')).filter((n) => !['dnsmasq', 'networks', 'applied'].includes(n))).toEqual([]);
    expect((await run('plan', '-c', uri, '--xml', stack, '--detailed-exitcode')).code).toBe(2);
  });
});
