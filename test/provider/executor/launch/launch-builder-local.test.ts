/**
 * The real launch path on this machine, once over the local transport (qemu:///embed) and once
 * through a real OpenSSH server on 127.0.0.1 (qemu+ssh://...&root=DIR): QemuLaunchBuilder turns a
 * domain definition into the LaunchSpec parts and the lifecycle runs it.
 *
 * - the test guest (2 vCPUs in 2 NUMA cells, every thread kind pinned, a virtio disk on a qcow2
 *   volume of a dir pool with I/O limits, a user-mode virtio NIC, a pty serial): QEMU under its
 *   seccomp sandbox, pins in /proc, the limits QEMU applied (query-block), the guest's report on
 *   `virtform console`; destroy leaves nothing;
 * - `<on_reboot>destroy</on_reboot>`: `set-action` before `cont` makes a reset a shutdown, which
 *   a domain without it does not do;
 * - `<link state='down'/>`: `set_link` before `cont`, seen in the NIC's own status register;
 * - autoport VNC with a password: a port nobody listens on (one is held by the test), the
 *   password only over QMP (never in argv, status.json or qemu.log);
 * - hugepages (root, local only): the memory on the host's 2 MiB hugetlbfs, the pool grown for it and given
 *   back at destroy.
 * (Networks with taps are in launch-builder-network.test.ts: they need a network namespace.)
 */
import { execFileSync } from 'child_process';
import { randomUUID } from 'crypto';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { main } from '../../../../cli/main';
import { parseDomainXml } from '../../../../model/domain';
import type { HostFacts } from '../../../../model/host-facts';
import { orderHugetlbfsMounts } from '../../../../model/hugetlbfs-mount-choice';
import { parsePoolXml } from '../../../../model/pool';
import { parseVolumeXml } from '../../../../model/volume';
import { planPins } from '../../../../planner/pin-plan';
import {
  destroyDomain,
  domainRunPaths,
  launchDomain,
  launchDomainHost,
  launchDomainId,
  QemuLaunchBuilder,
  reconnectDomain,
  resumeDomain,
  type DomainHost,
  type DomainStatusRecord,
} from '../../../../provider/executor/domain';
import { HostLock, StateStore } from '../../../../provider/executor/state';
import { DirPoolStorage } from '../../../../provider/executor/storage';
import { discoverHost } from '../../../../provider/host/host-discovery';
import { LocalTransport } from '../../../../provider/host/local-transport';
import { openTransport } from '../../../../provider/host/open-transport';
import type { Transport } from '../../../../provider/host/transport';
import { buildTestGuest, parseGuestReport, testGuestSkipReason, type TestGuest } from '../../../support/guest';
import { missingBinaryReason, QEMU_IMG, QEMU_X86_64 } from '../../../support/qemu';
import { describeIf, isRoot, missing } from '../../../support/skip';
import { SSHD, startSshd, type TestSshd } from '../../../support/sshd';
import { capture, CELL_MIB, consoleUntil, guestDomainXml, pidsWithUuid, procStatus, procThreads, until } from './launch-guest';

const MiB = 1024 * 1024;
const skip =
  missingBinaryReason(QEMU_X86_64) ??
  missingBinaryReason(QEMU_IMG) ??
  (fs.readFileSync('/sys/devices/system/cpu/online', 'utf8').trim().startsWith('0-') ? undefined : 'needs host CPUs 0 and 1 online') ??
  testGuestSkipReason() ??
  null;

/** A domain with nothing to boot (SeaBIOS waits): for what needs QEMU running, not a guest. */
const bareXml = (name: string, uuid: string, extra = '', devices = '') => `<domain type='qemu'>
  <name>${name}</name>
  <uuid>${uuid}</uuid>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  ${extra}
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>${devices}</devices>
</domain>`;

const sshdSkip = missing({ binaries: [SSHD, 'ssh-keygen'] });

for (const mode of ['local', 'ssh'] as const) describeIf(skip ?? (mode === 'ssh' ? sshdSkip : null))(`the launch builder over ${mode === 'local' ? 'the local transport' : 'SSH (real sshd on 127.0.0.1)'}`, () => {
  let sshd: TestSshd | undefined;
  let root: string;
  let uri: string;
  let t: Transport;
  let h: DomainHost;
  let facts: HostFacts;
  let guest: TestGuest;
  let lock: HostLock;
  let builder: QemuLaunchBuilder;
  let capsDir: string;
  const uuids: string[] = [];

  beforeAll(async () => {
    guest = await buildTestGuest();
    root = fs.mkdtempSync(path.join(os.tmpdir(), `vf-lb${mode[0]}-`));
    if (mode === 'ssh') {
      sshd = await startSshd();
      uri = sshd.uri(`root=${root}`);
    } else {
      uri = `qemu:///embed?root=${root}`;
    }
    t = await openTransport(uri, { sshConfigFile: null, agentSocket: null });
    h = launchDomainHost(t, `${root}/run`);
    facts = await discoverHost(t);
    const store = new StateStore(t, root);
    await store.init();
    lock = await HostLock.acquire(t, root, { command: 'launch-builder test' });
    const poolXml = `<pool type='dir'><name>images</name><target><path>${root}/images</path></target></pool>`;
    const pool = await DirPoolStorage.build({ store, lock, stack: 'lb' }, parsePoolXml(poolXml), poolXml);
    await pool.createVolume(parseVolumeXml(`<volume><name>vda.qcow2</name><capacity unit='MiB'>64</capacity><allocation>0</allocation><target><format type='qcow2'/></target></volume>`));
    capsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vf-caps-'));
    builder = new QemuLaunchBuilder({ transport: t, stateDir: root, store, capsCacheDir: capsDir });
  }, 120000);

  afterAll(async () => {
    for (const u of uuids) for (const p of pidsWithUuid(u)) process.kill(p, 'SIGKILL');
    await lock?.release();
    await t?.close();
    await sshd?.stop();
    if (root) fs.rmSync(root, { recursive: true, force: true });
    if (capsDir) fs.rmSync(capsDir, { recursive: true, force: true });
  });

  /** Builds `xml` and launches it; returns the parts, the record and the pid. */
  async function launch(xml: string, opts: { paused?: boolean } = {}) {
    const domain = parseDomainXml(xml, 'test.xml');
    uuids.push(domain.uuid!);
    const paths = domainRunPaths(`${root}/run`, domain.name);
    const parts = await builder.build(domain, { paths, facts, hostLabel: t.hostLabel });
    const r = await launchDomain(h, { ...parts, name: domain.name, uuid: domain.uuid!, pins: planPins(domain, facts, t.hostLabel), ...(opts.paused ? { paused: true } : {}) });
    return { parts, record: r.record, pid: r.record.pid!, paths, timings: r.timings };
  }

  async function qmp(name: string, command: object): Promise<Record<string, unknown>> {
    const io = capture();
    expect(await main(['qemu-monitor-command', '-c', uri, name, JSON.stringify(command)], io)).toBe(0);
    return JSON.parse(io.text()) as Record<string, unknown>;
  }

  it('the test guest: sandboxed QEMU, pins in /proc, disk limits applied before cont, the guest report on the console; destroy leaves nothing', async () => {
    const name = `lb${mode[0]}-guest`;
    const uuid = randomUUID();
    const mac = '52:54:00:4c:01:07';
    const xml = guestDomainXml({
      name,
      uuid,
      guest,
      devices: `
        <disk type='volume' device='disk'>
          <driver name='qemu' type='qcow2' iothread='1'/>
          <source pool='images' volume='vda.qcow2'/>
          <target dev='vda' bus='virtio'/>
          <iotune><total_bytes_sec>10485760</total_bytes_sec><read_iops_sec>400</read_iops_sec></iotune>
        </disk>
        <interface type='user'><mac address='${mac}'/><model type='virtio'/></interface>`,
    });
    const { parts, pid, paths, timings } = await launch(xml, { paused: true });
    console.log(`${mode} launch: ${JSON.stringify(timings)}`);
    // The default balloon's target (the whole memory), then the disk limits.
    expect(parts.beforeCont).toEqual([
      { execute: 'balloon', arguments: { value: 2 * CELL_MIB * MiB } },
      {
        execute: 'block_set_io_throttle',
        arguments: { id: 'virtio-disk0/virtio-backend', bps: 10485760, bps_rd: 0, bps_wr: 0, iops: 0, iops_rd: 400, iops_wr: 0, bps_max: 0, bps_rd_max: 0, bps_wr_max: 0, iops_max: 0, iops_rd_max: 0, iops_wr_max: 0, iops_size: 0 },
      },
    ]);
    expect(procStatus(pid, 'Seccomp')).toBe('2');
    const threads = procThreads(pid);
    const cpusOf = (comm: string) => threads.filter((x) => x.comm === comm).map((x) => x.cpus);
    expect([cpusOf('CPU 0/TCG'), cpusOf('CPU 1/TCG'), cpusOf('IO iothread1')]).toEqual([['0'], ['1'], ['0']]);
    for (const x of threads.filter((y) => !['CPU 0/TCG', 'CPU 1/TCG', 'IO iothread1'].includes(y.comm))) expect({ comm: x.comm, cpus: x.cpus }).toEqual({ comm: x.comm, cpus: '1' });

    // QEMU took the limits over QMP while paused.
    const block = (await qmp(name, { execute: 'query-block' })).return as { device: string; qdev: string; inserted?: { bps: number; iops_rd: number; file: string } }[];
    const disk = block.find((b) => b.qdev === '/machine/peripheral/virtio-disk0/virtio-backend')!;
    expect([disk.inserted!.bps, disk.inserted!.iops_rd, disk.inserted!.file]).toEqual([10485760, 400, `${root}/images/vda.qcow2`]);

    const t0 = Date.now();
    const log = await consoleUntil(uri, name, () => resumeDomain(h, name));
    console.log(`${mode}: resume → guest report ${Date.now() - t0} ms`);
    const report = parseGuestReport(log);
    expect(report.errors).toEqual([]);
    expect([report.cpusOnline, report.nodesOnline, report.nodes.map((n) => n.cpulist).join(' ')]).toEqual(['0-1', '0-1', '0 1']);
    for (const n of report.nodes) expect(n.memTotalKiB).toBeGreaterThan(CELL_MIB * 1024 * 0.7);
    expect(report.blockDevices).toEqual([{ name: 'vda', sizeBytes: 64 * MiB }]);
    expect(report.netInterfaces).toEqual([
      { name: 'eth0', mac },
      { name: 'lo', mac: '00:00:00:00:00:00' },
    ]);

    await destroyDomain(h, name);
    expect(pidsWithUuid(uuid)).toEqual([]);
    expect(fs.existsSync(paths.dir)).toBe(false);
  }, 180000);

  it('on_reboot=destroy: set-action before cont turns a reset into a shutdown (status then reaps it); a domain without it just resets', async () => {
    const off = await launch(bareXml('lbl-reboot-off', randomUUID(), '<on_reboot>destroy</on_reboot>'));
    const keep = await launch(bareXml('lbl-reboot-keep', randomUUID()));
    // Both set the default balloon's target (the whole 64 MiB); the reboot action comes after it.
    expect(off.parts.beforeCont).toEqual([
      { execute: 'balloon', arguments: { value: 64 * MiB } },
      { execute: 'set-action', arguments: { reboot: 'shutdown' } },
    ]);
    expect(keep.parts.beforeCont).toEqual([{ execute: 'balloon', arguments: { value: 64 * MiB } }]);
    // QEMU 7.2 has set-action, so the builder does not fall back to -no-reboot.
    expect(off.parts.argv).not.toContain('-no-reboot');

    for (const d of ['lbl-reboot-off', 'lbl-reboot-keep']) expect(await qmp(d, { execute: 'system_reset' })).toEqual({ return: {}, id: 'virtform-2' });
    const status = async (d: string) => ((await qmp(d, { execute: 'query-status' })).return as { status: string }).status;
    expect(await until('the reset to become a shutdown', async () => ((await status('lbl-reboot-off')) === 'shutdown' ? 'shutdown' : undefined), 10000)).toBe('shutdown');
    expect(await status('lbl-reboot-keep')).toBe('running');

    // on_poweroff is destroy (the default): the next command that looks stops QEMU and keeps the record.
    const rt = await reconnectDomain(h, 'lbl-reboot-off');
    expect([rt.state, rt.reason]).toEqual(['shutoff', 'the guest powered off']);
    expect(pidsWithUuid(off.record.uuid)).toEqual([]);
    await destroyDomain(h, 'lbl-reboot-off');
    await destroyDomain(h, 'lbl-reboot-keep');
    expect(pidsWithUuid(keep.record.uuid)).toEqual([]);
  }, 60000);

  it("<link state='down'/>: set_link before cont takes that NIC's link down, as the guest's device sees it (the e1000 STATUS register's link-up bit)", async () => {
    const name = `lb${mode[0]}-link`;
    const nic = (n: number, link: string) => `<interface type='user'><mac address='52:54:00:4c:03:0${n}'/><model type='e1000'/>${link}</interface>`;
    const { parts } = await launch(bareXml(name, randomUUID(), '', nic(1, "<link state='down'/>") + nic(2, "<link state='up'/>")));
    expect(parts.beforeCont).toEqual([
      { execute: 'set_link', arguments: { name: 'net0', up: false } },
      { execute: 'balloon', arguments: { value: 64 * MiB } },
    ]);
    // SeaBIOS maps the NICs' register BARs; STATUS is at offset 8, bit 1 is LU (link up).
    type PciDevice = { qdev_id: string; regions: { type: string; address: number }[] };
    const bars = await until(
      'the firmware to map the NICs',
      async () => {
        const buses = (await qmp(name, { execute: 'query-pci' })).return as { devices: PciDevice[] }[];
        const bar = (id: string) => buses.flatMap((b) => b.devices).find((d) => d.qdev_id === id)?.regions.find((r) => r.type === 'memory')?.address;
        const b = [bar('net0'), bar('net1')];
        return b.every((a) => a !== undefined && a > 0 && a < 2 ** 32) ? (b as number[]) : undefined;
      },
      20000,
    );
    const status = async (bar: number) => {
      const out = (await qmp(name, { execute: 'human-monitor-command', arguments: { 'command-line': `xp /1wx ${bar + 8}` } })).return as string;
      return Number(/: (0x[0-9a-f]+)/.exec(out)![1]);
    };
    expect([(await status(bars[0])) & 2, (await status(bars[1])) & 2]).toEqual([0, 2]);
    await destroyDomain(h, name);
  }, 60000);

  it('UEFI by autoselection from the host firmware descriptors: the variable store is copied from the template on first start only', async () => {
    const name = 'lbl-efi';
    const xml = `<domain type='qemu'>
  <name>${name}</name>
  <uuid>${randomUUID()}</uuid>
  <memory unit='MiB'>128</memory>
  <vcpu>1</vcpu>
  <os firmware='efi'><type arch='x86_64' machine='q35'>hvm</type></os>
  <features><acpi/></features>
</domain>`;
    const first = await launch(xml);
    const store = `${root}/nvram/${name}_VARS.fd`;
    // The first descriptor that fits a q35 guest: secure boot with enrolled keys (it needs SMM).
    expect(first.parts.hostSteps!.map((s) => s.name)).toEqual(['write the private files', 'create the UEFI variable store']);
    const blockdevs = first.parts.argv.filter((_, i) => first.parts.argv[i - 1] === '-blockdev').map((x) => JSON.parse(x) as { filename?: string });
    expect(blockdevs.map((b) => b.filename).filter(Boolean)).toEqual(['/usr/share/OVMF/OVMF_CODE_4M.ms.fd', store]);
    expect(first.parts.argv[first.parts.argv.indexOf('-machine') + 1]).toBe('pc-q35-7.2,usb=off,smm=on,dump-guest-core=off,memory-backend=pc.ram,pflash0=libvirt-pflash0-format,pflash1=libvirt-pflash1-format');
    expect(fs.readFileSync(store).equals(fs.readFileSync('/usr/share/OVMF/OVMF_VARS_4M.ms.fd'))).toBe(true);
    expect(fs.statSync(store).mode & 0o777).toBe(0o600);
    expect(fs.statSync(`${root}/nvram`).mode & 0o777).toBe(0o700);
    expect(((await qmp(name, { execute: 'query-status' })).return as { status: string }).status).toBe('running');
    await destroyDomain(h, name);

    // The guest's variables are its own from now on: a second start keeps the file.
    fs.writeFileSync(store, Buffer.concat([Buffer.from('guest-owned'), fs.readFileSync(store).subarray(11)]));
    const ino = fs.statSync(store).ino;
    await launch(xml);
    expect([fs.statSync(store).ino, fs.readFileSync(store).subarray(0, 11).toString()]).toEqual([ino, 'guest-owned']);
    await destroyDomain(h, name);
    expect(fs.existsSync(store)).toBe(true);
  }, 60000);

  it('autoport VNC: the first port from 5900 nobody listens on, the password set over QMP and nowhere else', async () => {
    // Hold the first free port from 5900, so that the choice must skip it.
    const bindable = (port: number) =>
      new Promise<net.Server | undefined>((resolve) => {
        const s = net.createServer();
        s.once('error', () => resolve(undefined));
        s.listen(port, '0.0.0.0', () => resolve(s));
      });
    let held: net.Server | undefined;
    let heldPort = 5900;
    for (; !held; heldPort++) held = await bindable(heldPort);
    heldPort--;
    let expected = heldPort + 1;
    for (;; expected++) {
      const s = await bindable(expected);
      if (s) {
        await new Promise((r) => s.close(r));
        break;
      }
    }
    const secret = 'Pw-7fA9,x';
    try {
      const { parts, record, pid, paths } = await launch(bareXml('lbl-vnc', randomUUID(), '', `<graphics type='vnc' autoport='yes' passwd='${secret}'/>`));
      expect(parts.displays).toEqual([{ type: 'vnc', address: '127.0.0.1', port: expected, autoport: true }]);
      expect(parts.argv[parts.argv.indexOf('-vnc') + 1]).toBe(`127.0.0.1:${expected - 5900},password=on,audiodev=audio1`);
      expect(parts.beforeCont).toEqual([
        { execute: 'set_password', arguments: { protocol: 'vnc', password: secret } },
        { execute: 'balloon', arguments: { value: 64 * MiB } },
      ]);
      expect(record.displays).toEqual(parts.displays);

      const vnc = (await qmp('lbl-vnc', { execute: 'query-vnc' })).return as { enabled: boolean; host: string; service: string; auth: string };
      expect(vnc).toMatchObject({ enabled: true, host: '127.0.0.1', service: String(expected), auth: 'vnc' });
      // An RFB client is offered VNC authentication (type 2) only.
      const sock = net.createConnection(expected, '127.0.0.1');
      let got = Buffer.alloc(0);
      sock.on('data', (b: Buffer) => (got = Buffer.concat([got, b])));
      await until('the RFB greeting', () => (got.length >= 12 ? true : undefined), 10000);
      expect(got.toString('latin1')).toBe('RFB 003.008\n');
      sock.write('RFB 003.008\n');
      await until('the security types', () => (got.length >= 14 ? true : undefined), 10000);
      expect([...got.subarray(12, 14)]).toEqual([1, 2]);
      sock.destroy();

      // The secret is on no command line, in no record and in no log.
      expect(parts.argv.join(' ')).not.toContain(secret);
      expect(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8')).not.toContain(secret);
      expect(fs.readFileSync(paths.statusFile, 'utf8')).not.toContain(secret);
      expect(fs.readFileSync(paths.logFile, 'utf8')).not.toContain(secret);
      await destroyDomain(h, 'lbl-vnc');
    } finally {
      await new Promise((r) => held!.close(r));
    }
  }, 60000);
});

const NR = '/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages';
const FREE = '/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages';
const RESV = '/sys/kernel/mm/hugepages/hugepages-2048kB/resv_hugepages';
const hugeSkip = skip ?? (!isRoot ? 'needs root (hugepage pool writes and hugetlbfs mounts)' : !fs.existsSync(NR) ? 'this kernel has no 2 MiB hugepage pool' : null);
const num = (p: string) => Number(fs.readFileSync(p, 'utf8').trim());

describeIf(hugeSkip)('the launch builder with hugepages (root)', () => {
  let root: string;
  let t: LocalTransport;
  let h: DomainHost;
  const uuid = randomUUID();
  const nrAtStart = hugeSkip === null ? num(NR) : 0;

  beforeAll(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'vf-lbh-'));
    t = new LocalTransport(`qemu:///embed?root=${root}`);
    h = launchDomainHost(t, `${root}/run`);
  });
  afterAll(async () => {
    // After a failed assertion: destroy runs the release hook (pool, mem-path folder); then make sure.
    await destroyDomain(h, 'lbl-huge').catch(() => undefined);
    for (const p of pidsWithUuid(uuid)) process.kill(p, 'SIGKILL');
    for (const line of fs.readFileSync('/proc/mounts', 'utf8').split('\n')) {
      const m = line.split(' ')[1];
      if (m?.startsWith(root)) execFileSync('umount', [m]);
    }
    fs.rmSync(root, { recursive: true, force: true });
    if (hugeSkip === null) fs.writeFileSync(NR, `${nrAtStart}\n`);
  });

  it('2 guest cells on 2 MiB pages: the pool grown by the shortfall, QEMU maps them, destroy gives them back and shrinks the pool', async () => {
    const facts = await discoverHost(t);
    const builder = new QemuLaunchBuilder({ transport: t, stateDir: root, policy: { growHugepagePools: true, mountHugetlbfs: true } });
    // 16 pages more than the pool can give (free pages less those other processes reserved but have
    // not touched yet; rounded up to an even count: two equal cells), so the pool must grow.
    const freeBefore = num(FREE);
    const available = freeBefore - num(RESV);
    const pages = 2 * Math.ceil((available + 16) / 2);
    const cellMiB = pages; // pages / 2 cells × 2 MiB
    const xml = `<domain type='qemu'>
  <name>lbl-huge</name>
  <uuid>${uuid}</uuid>
  <memory unit='MiB'>${2 * cellMiB}</memory>
  <memoryBacking><hugepages><page size='2048' unit='KiB'/></hugepages></memoryBacking>
  <vcpu>2</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <cpu><numa><cell id='0' cpus='0' memory='${cellMiB}' unit='MiB'/><cell id='1' cpus='1' memory='${cellMiB}' unit='MiB'/></numa></cpu>
</domain>`;
    const domain = parseDomainXml(xml, 'huge.xml');
    const paths = domainRunPaths(`${root}/run`, 'lbl-huge');
    const nrBefore = num(NR);
    const grow = pages - available;
    const parts = await builder.build(domain, { paths, facts, hostLabel: t.hostLabel });
    expect(parts.hostSteps!.map((s) => s.name)).toEqual(['write the private files', 'prepare hugepages']);
    const r = await launchDomain(h, { ...parts, name: 'lbl-huge', uuid, pins: planPins(domain, facts, t.hostLabel) });
    const rec = r.record;
    const existing = orderHugetlbfsMounts(facts.hugepages.mounts).find((m) => m.pageSizeKiB === 2048)?.path;
    const mount = existing ?? `${root}/run/.hugetlbfs/hugepages-2048kB`;
    const memDir = `${mount}/virtform/${launchDomainId(uuid)}-lbl-huge`;
    expect(rec.hugepages).toEqual([
      { sizeKiB: 2048, node: null, nodes: null, pages, grownBy: grow, grown: [{ node: 0, pages: grow }], mount, mountedByVirtform: existing === undefined, memDir },
    ]);
    expect(num(NR)).toBe(nrBefore + grow);
    // Both cells' RAM are files under memDir, preallocated: every page taken from the pool.
    const smaps = fs.readFileSync(`/proc/${rec.pid}/smaps`, 'utf8');
    const hugetlb = [...smaps.matchAll(/\nPrivate_Hugetlb:\s+(\d+) kB/g)].reduce((a, m) => a + Number(m[1]), 0);
    expect(hugetlb).toBe(pages * 2048);
    expect(num(FREE)).toBe(freeBefore + grow - pages);

    await destroyDomain(h, 'lbl-huge');
    expect(pidsWithUuid(uuid)).toEqual([]);
    await until('the pages to come back', () => (num(FREE) === freeBefore ? true : undefined), 10000);
    expect([num(NR), num(FREE)]).toEqual([nrBefore, freeBefore]);
    expect(fs.existsSync(memDir)).toBe(false);
    expect(fs.existsSync(paths.dir)).toBe(false);
  }, 60000);

  it('a host step that fails gives back what the earlier steps took: hugepages taken, then the tap step fails on a missing bridge', async () => {
    const facts = await discoverHost(t);
    const builder = new QemuLaunchBuilder({ transport: t, stateDir: root, policy: { growHugepagePools: true, mountHugetlbfs: true } });
    const name = 'lbl-huge-fail';
    const failUuid = randomUUID();
    const domain = parseDomainXml(
      `<domain type='qemu'><name>${name}</name><uuid>${failUuid}</uuid><memory unit='MiB'>64</memory>
  <memoryBacking><hugepages><page size='2048' unit='KiB'/></hugepages></memoryBacking><vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices><interface type='bridge'><source bridge='vfnobr0'/><mac address='52:54:00:4c:02:01'/><model type='virtio'/></interface></devices></domain>`,
      'fail.xml',
    );
    const paths = domainRunPaths(`${root}/run`, name);
    const nrBefore = num(NR);
    const freeBefore = num(FREE);
    const parts = await builder.build(domain, { paths, facts, hostLabel: t.hostLabel });
    expect(parts.hostSteps!.map((s) => s.name)).toEqual(['write the private files', 'prepare hugepages', 'create taps']);
    const err = await launchDomain(h, { ...parts, name, uuid: failUuid, pins: planPins(domain, facts, t.hostLabel) }).catch((e: Error) => e);
    expect((err as Error).message).toBe(
      `localhost: domain '${name}': launch: create taps: localhost: domain '${name}' interface 0 connects to host bridge vfnobr0, but bridge vfnobr0 does not exist. ` +
        'Create the bridge on the host or fix the interface source. QEMU was not started.',
    );
    expect(pidsWithUuid(failUuid)).toEqual([]);
    expect(fs.existsSync(paths.dir)).toBe(false);
    expect([num(NR), num(FREE)]).toEqual([nrBefore, freeBefore]);
    const mount = orderHugetlbfsMounts(facts.hugepages.mounts).find((m) => m.pageSizeKiB === 2048)?.path ?? `${root}/run/.hugetlbfs/hugepages-2048kB`;
    expect(fs.existsSync(`${mount}/virtform/${launchDomainId(failUuid)}-${name}`)).toBe(false);
  }, 60000);
});
