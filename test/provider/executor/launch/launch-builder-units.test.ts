/**
 * The parts of the launch path that need no guest: HostFacts → ArgvHost, the console socket
 * substitution, display ports and passwords, firmware descriptors read through a Transport, the
 * builder's host steps for a VFIO device and a network that is not running, against the fake
 * sysfs (this machine has no IOMMU) and the real argv pipeline with this machine's QEMU caps; and
 * the builder's start-time QMP commands and the disk backing chains it reads from real qcow2
 * overlays (qemu-img), for a file disk and a volume disk of a dir pool.
 */
import { startingStatusRecord } from '../../../support/status-record-fixture';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseDomainXml } from '../../../../model/domain';
import type { Domain } from '../../../../model/domain/domain';
import {
  assignDisplayPorts,
  attachConsoleSocket,
  domainResourceReleaseHook,
  domainRunPaths,
  graphicsPasswordCommands,
  hugetlbfsMountRoot,
  launchDomainHost,
  launchDomainId,
  listeningTcpPorts,
  QemuLaunchBuilder,
  readHostFirmwareDescriptors,
  recordedDisplayPorts,
  takeFreePort,
  type DomainStatusRecord,
} from '../../../../provider/executor/domain';
import { discoverHost } from '../../../../provider/host/host-discovery';
import { LocalTransport } from '../../../../provider/host/local-transport';
import { argvHostFromFacts } from '../../../../provider/qemu/argv-host-from-facts';
import { chooseFirmwareDescriptorFiles, loadFirmwareDescriptors } from '../../../../provider/qemu/defaults/firmware-descriptor';
import { FakeHostCommands } from '../../../support/fake-host-commands';
import { STANDARD_FAKE_HOST } from '../../../support/fake-host-tree';
import { FakeSysfs } from '../../../support/fake-sysfs';
import { makeFacts } from '../../../support/host-facts-builder';
import { missingBinaryReason, QEMU_IMG, QEMU_X86_64 } from '../../../support/qemu';
import { describeIf } from '../../../support/skip';

const dom = (devices: string, extra = '', uuid = '<uuid>11111111-2222-4333-8444-555555555555</uuid>') =>
  parseDomainXml(`<domain type='qemu'><name>d1</name>${uuid}<memory unit='MiB'>512</memory>${extra}<os><type arch='x86_64' machine='pc'>hvm</type></os><devices>${devices}</devices></domain>`);

describe('argvHostFromFacts', () => {
  it('maps node ids, hugetlbfs mounts (default size marked) and planned mounts, with the system page size', () => {
    const facts = makeFacts({
      nodes: [{ id: 0 }, { id: 1 }],
      mounts: [
        { path: '/dev/hugepages', pageSizeKiB: 2048 },
        { path: '/mnt/huge1g', pageSizeKiB: 1048576 },
      ],
      defaultSizeKiB: 2048,
    });
    expect(argvHostFromFacts(facts, { systemPageSizeKiB: 4, plannedMounts: [{ path: '/run/virtform/.hugetlbfs/hugepages-16384kB', pageSizeKiB: 16384 }] })).toEqual({
      numaNodes: [0, 1],
      hugetlbfs: [
        { path: '/dev/hugepages', pageSizeKiB: 2048, isDefault: true },
        { path: '/mnt/huge1g', pageSizeKiB: 1048576, isDefault: false },
        { path: '/run/virtform/.hugetlbfs/hugepages-16384kB', pageSizeKiB: 16384, isDefault: false },
      ],
      systemPageSizeKiB: 4,
    });
    expect(argvHostFromFacts(makeFacts({ mounts: [], defaultSizeKiB: null }), { systemPageSizeKiB: 64 })).toEqual({ numaNodes: [0], hugetlbfs: [], systemPageSizeKiB: 64 });
  });
});

describe('argvHostFromFacts: which hugetlbfs mount', () => {
  const facts = makeFacts({
    mounts: [
      { path: '/tmp/stray', pageSizeKiB: 2048 },
      { path: '/mnt/huge1g', pageSizeKiB: 1048576 },
      { path: '/dev/hugepages', pageSizeKiB: 2048 },
      { path: '/dev/hugepages1G', pageSizeKiB: 1048576 },
    ],
    defaultSizeKiB: 2048,
  });
  it('prefers /dev/hugepages and /dev/hugepagesSIZE over mounts listed before them in /proc/mounts', () => {
    expect(argvHostFromFacts(facts, { systemPageSizeKiB: 4 }).hugetlbfs).toEqual([
      { path: '/dev/hugepages', pageSizeKiB: 2048, isDefault: true },
      { path: '/dev/hugepages1G', pageSizeKiB: 1048576, isDefault: false },
      { path: '/tmp/stray', pageSizeKiB: 2048, isDefault: true },
      { path: '/mnt/huge1g', pageSizeKiB: 1048576, isDefault: false },
    ]);
  });
  it('uses only the configured mounts (hugetlbfsMount), in their order', () => {
    expect(argvHostFromFacts(facts, { systemPageSizeKiB: 4, hugetlbfsMount: ['/mnt/huge1g', '/tmp/stray'] }).hugetlbfs).toEqual([
      { path: '/mnt/huge1g', pageSizeKiB: 1048576, isDefault: false },
      { path: '/tmp/stray', pageSizeKiB: 2048, isDefault: true },
    ]);
  });
});

describe('attachConsoleSocket', () => {
  const S = '/run/virtform/d1/console.sock';
  it('turns the first pty serial, and the console that aliases it, into a socket QEMU listens on', () => {
    const d = dom(`<serial type='pty'><target port='0'/></serial><console type='pty'><target type='serial' port='0'/></console>`);
    expect(attachConsoleSocket(d, S)).toEqual({ device: 'serial0' });
    expect(d.devices!.serials![0]).toMatchObject({ type: 'unix', sources: [{ mode: 'bind', path: S }] });
    expect(d.devices!.consoles![0]).toMatchObject({ type: 'unix', sources: [{ mode: 'bind', path: S }] });
  });
  it('takes a pty virtio console when no serial is a pty, and leaves other backends alone', () => {
    const d = dom(`<serial type='file'><source path='/var/log/d1.log'/><target port='0'/></serial><console type='pty'><target type='virtio' port='0'/></console>`);
    expect(attachConsoleSocket(d, S)).toEqual({ device: 'console0' });
    expect(d.devices!.serials![0].type).toBe('file');
    expect(d.devices!.consoles![0]).toMatchObject({ type: 'unix', sources: [{ mode: 'bind', path: S }] });
    expect(attachConsoleSocket(dom(`<serial type='tcp'><source mode='bind' host='127.0.0.1' service='4555'/></serial>`), S)).toBeUndefined();
    expect(attachConsoleSocket(dom(''), S)).toBeUndefined();
  });
});

describe('display ports', () => {
  const tcp = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:170C 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0000000000000000 100 0 0 10 0
   1: 0100007F:D431 0100007F:170C 01 00000000:00000000 00:00000000 00000000     0        0 2 1 0000000000000000 20 4 30 10 -1
   2: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 3 1 0000000000000000 100 0 0 10 0
`;
  const tcp6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000000000000:170D 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4 1 0000000000000000 100 0 0 10 0
`;
  it('reads listening ports from /proc/net/tcp and tcp6 (connected sockets do not count)', () => {
    expect([...listeningTcpPorts(tcp, tcp6)].sort((a, b) => a - b)).toEqual([22, 5900, 5901]);
  });
  it('gives autoport displays the first free ports and records every VNC/SPICE listener', () => {
    const d = dom(`
      <graphics type='vnc' autoport='yes' websocket='-1'/>
      <graphics type='spice' autoport='yes' listen='0.0.0.0'/>
      <graphics type='vnc' port='5999' autoport='no'><listen type='address' address='192.0.2.1'/></graphics>
      <graphics type='vnc'><listen type='socket' socket='/run/d1-vnc.sock'/></graphics>`);
    const used = listeningTcpPorts(tcp, tcp6);
    used.add(5903);
    expect(assignDisplayPorts(d, used)).toEqual([
      { type: 'vnc', address: '127.0.0.1', port: 5902, websocket: 5700, autoport: true },
      { type: 'spice', address: '0.0.0.0', port: 5904, autoport: true },
      { type: 'vnc', address: '192.0.2.1', port: 5999, autoport: false },
      { type: 'vnc', address: '/run/d1-vnc.sock', port: null, autoport: false },
    ]);
    const g = d.devices!.graphics!;
    expect(g.map((x) => [x.autoport, x.port])).toEqual([
      ['no', 5902],
      ['no', 5904],
      ['no', 5999],
      [undefined, undefined],
    ]);
    expect([...used].sort((a, b) => a - b)).toEqual([22, 5700, 5900, 5901, 5902, 5903, 5904]);
    expect(recordedDisplayPorts([{ displays: [{ type: 'spice', address: 'a', port: 5910, tlsPort: 5911, autoport: true }] }, {}])).toEqual([5910, 5911]);
    expect(() => takeFreePort(new Set([65535]), 65535, 'VNC display of domain d1')).toThrow('no free TCP port from 65535 to 65535 for the VNC display of domain d1');
  });
  it('passwords go to QMP only: set_password per VNC display with one and per SPICE display, expire_password for passwdValidTo', () => {
    const d = dom(`
      <graphics type='vnc' autoport='yes' passwd='v1,x' passwdValidTo='2030-01-01T00:00:00'/>
      <graphics type='spice' autoport='yes'/>
      <graphics type='spice' autoport='yes' passwd='s2' connected='disconnect'/>
      <graphics type='vnc' port='5905'/>`);
    expect(graphicsPasswordCommands(d)).toEqual([
      { execute: 'set_password', arguments: { protocol: 'vnc', password: 'v1,x' } },
      { execute: 'expire_password', arguments: { protocol: 'vnc', time: '1893456000' } },
      { execute: 'set_password', arguments: { protocol: 'spice', password: '', connected: 'keep' } },
      { execute: 'set_password', arguments: { protocol: 'spice', password: 's2', connected: 'disconnect' } },
    ]);
  });
});

describe('firmware descriptors of a host', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vf-fw-'));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const desc = (exe: string) => JSON.stringify({ 'interface-types': ['uefi'], mapping: { device: 'flash', executable: { filename: exe, format: 'raw' }, 'nvram-template': { filename: `${exe}.vars`, format: 'raw' } }, targets: [{ architecture: 'x86_64', machines: ['pc-q35-*'] }], features: [] });

  it('applies the override rules: first folder wins per name, an empty file hides, winners in name order', async () => {
    expect(chooseFirmwareDescriptorFiles([{ dir: '/etc/qemu/firmware', names: ['50-b.json', 'x.txt'] }, { dir: '/usr/share/qemu/firmware', names: ['60-c.json', '50-b.json', '10-a.json'] }])).toEqual([
      '/usr/share/qemu/firmware/10-a.json',
      '/etc/qemu/firmware/50-b.json',
      '/usr/share/qemu/firmware/60-c.json',
    ]);
    const etc = path.join(tmp, 'etc');
    const usr = path.join(tmp, 'usr');
    fs.mkdirSync(etc);
    fs.mkdirSync(usr);
    fs.writeFileSync(path.join(usr, '10-a.json'), desc('/fw/a'));
    fs.writeFileSync(path.join(usr, '20-b.json'), desc('/fw/b'));
    fs.writeFileSync(path.join(etc, '20-b.json'), '');
    fs.writeFileSync(path.join(etc, '30-c.json'), desc('/fw/c'));
    const t = new LocalTransport('qemu:///system');
    const got = await readHostFirmwareDescriptors(t, [etc, path.join(tmp, 'missing'), usr]);
    expect(got.map((d) => (d.mapping.device === 'flash' ? d.mapping.executable.filename : ''))).toEqual(['/fw/a', '/fw/c']);
    expect(got.map((d) => d.path)).toEqual([`localhost:${usr}/10-a.json`, `localhost:${etc}/30-c.json`]);
    // The same choice as the loader of this machine.
    expect(loadFirmwareDescriptors([etc, usr]).map((d) => d.path)).toEqual([`${usr}/10-a.json`, `${etc}/30-c.json`]);
  });
});

describe('launch ids and paths', () => {
  it('derives the per-domain path id from the UUID and mounts hugetlbfs under a dot folder of the run dir', () => {
    expect(launchDomainId('c7a5fdbd-edaf-9455-926a-d65c16db1809')).toBe(0xc7a5fd + 1);
    expect(launchDomainId('00000000-0000-4000-8000-000000000000')).toBe(1);
    expect(hugetlbfsMountRoot('/run/virtform/')).toBe('/run/virtform/.hugetlbfs');
  });
});

describeIf(missingBinaryReason(QEMU_X86_64) ?? null)('the builder with this machine QEMU caps', () => {
  let root: string;
  let t: LocalTransport;
  let capsDir: string;
  beforeAll(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'vf-lbu-'));
    capsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vf-caps-'));
    t = new LocalTransport(`qemu:///embed?root=${root}`);
  });
  afterAll(() => {
    fs.rmSync(root, { recursive: true, force: true });
    fs.rmSync(capsDir, { recursive: true, force: true });
  });
  const record = (name: string, over: Partial<DomainStatusRecord>): DomainStatusRecord =>
    startingStatusRecord(name, '11111111-2222-4333-8444-555555555555', { startedAt: '', ...over });

  it('a PCI hostdev: memlock for QEMU (guest RAM + 1 GiB), the VFIO step binds it on the (fake) host, the release hook gives it back', async () => {
    const fake = FakeSysfs.create();
    try {
      const hostContext = { hostLabel: 'fakehost', fs: fake };
      const builder = new QemuLaunchBuilder({ transport: t, stateDir: root, capsCacheDir: capsDir, hostContext });
      const domain: Domain = dom(`<hostdev mode='subsystem' type='pci' managed='yes'><source><address domain='0x0000' bus='0x04' slot='0x00' function='0x0'/></source></hostdev>`);
      const paths = domainRunPaths(`${root}/run`, 'd1');
      const parts = await builder.build(domain, { paths, facts: await discoverHost(t), hostLabel: 'localhost' });
      expect(parts.rlimits).toEqual({ memlockBytes: (512 * 1024 + 1024 * 1024) * 1024 });
      expect(parts.argv.filter((_, i) => parts.argv[i - 1] === '-device').map((x) => JSON.parse(x)).find((x) => x.driver === 'vfio-pci')).toEqual({
        driver: 'vfio-pci',
        host: '0000:04:00.0',
        id: 'hostdev0',
        bus: 'pci.0',
        addr: '0x2',
      });
      const step = parts.hostSteps!.find((s) => s.name === 'prepare host devices')!;
      const h = launchDomainHost(t, `${root}/run`, { hostContext });
      const held = await step.run({ host: h, paths, record: record('d1', {}) });
      expect(held).toEqual({ vfio: [{ address: '0000:04:00.0', originalDriver: 'nvme', reboundByVirtform: true, group: 21, role: 'assigned' }], mdevs: [], sriov: [] });
      expect(fake.kernel.driverOf('0000:04:00.0')).toBe('vfio-pci');
      await domainResourceReleaseHook({ hostContext })(h, record('d1', held!));
      expect(fake.kernel.driverOf('0000:04:00.0')).toBe('nvme');
    } finally {
      fake.remove();
    }
  }, 60000);

  it('hugepages with two 2 MiB mounts, a stray one first in /proc/mounts: the argv and the hugepage step use /dev/hugepages, or the configured hugetlbfsMount', async () => {
    const fake = FakeSysfs.create({ ...STANDARD_FAKE_HOST, hugetlbfs: [['/tmp/stray', '2M'], ...STANDARD_FAKE_HOST.hugetlbfs] });
    try {
      const hostContext = { hostLabel: 'fakehost', fs: fake, commands: new FakeHostCommands(fake.root) };
      const real = await discoverHost(t);
      const facts = { ...real, hugepages: { ...real.hugepages, mounts: [{ path: '/tmp/stray', pageSizeKiB: 2048 }, { path: '/dev/hugepages', pageSizeKiB: 2048 }] } };
      // 64 MiB: 32 pages, which the fake host's pools have free.
      const domain = parseDomainXml(
        `<domain type='qemu'><name>d1</name><uuid>11111111-2222-4333-8444-555555555555</uuid><memory unit='MiB'>64</memory>
  <memoryBacking><hugepages><page size='2048' unit='KiB'/></hugepages></memoryBacking><os><type arch='x86_64' machine='pc'>hvm</type></os></domain>`,
      );
      const paths = domainRunPaths(`${root}/run`, 'd1');
      const memDir = `virtform/${launchDomainId('11111111-2222-4333-8444-555555555555')}-d1`;
      const h = launchDomainHost(t, `${root}/run`, { hostContext });
      const launchWith = async (qemuConfig?: Record<string, string | string[]>) => {
        const builder = new QemuLaunchBuilder({ transport: t, stateDir: root, capsCacheDir: capsDir, hostContext, ...(qemuConfig ? { qemuConfig } : {}) });
        const parts = await builder.build(domain, { paths, facts, hostLabel: 'localhost' });
        const ram = parts.argv.filter((_, i) => parts.argv[i - 1] === '-object').map((x) => JSON.parse(x)).find((o) => o.id === 'pc.ram');
        const held = await parts.hostSteps!.find((s) => s.name === 'prepare hugepages')!.run({ host: h, paths, record: record('d1', {}) });
        await domainResourceReleaseHook({ hostContext })(h, record('d1', held!));
        return { memPath: ram['mem-path'], stepMount: held!.hugepages![0].mount };
      };
      expect(await launchWith()).toEqual({ memPath: `/dev/hugepages/${memDir}`, stepMount: '/dev/hugepages' });
      expect(await launchWith({ hugetlbfsMount: '/tmp/stray' })).toEqual({ memPath: `/tmp/stray/${memDir}`, stepMount: '/tmp/stray' });
      await expect(launchWith({ hugetlbfsMount: ['/mnt/none', '/dev/hugepages'] })).rejects.toThrow(
        "localhost: domain 'd1': the qemuConfig setting hugetlbfsMount names /mnt/none, which is not a hugetlbfs mount on the host " +
          '(hugetlbfs is mounted on /tmp/stray (2048 KiB), /dev/hugepages (2048 KiB)); mount hugetlbfs there or remove it from the setting',
      );
    } finally {
      fake.remove();
    }
  }, 60000);

  it('names the domain, the interface and the fix when a network is not defined, the interface type cannot be launched, or the UUID is missing', async () => {
    const builder = new QemuLaunchBuilder({ transport: t, stateDir: root, capsCacheDir: capsDir, store: { get: async (ref) => ({ ref, xml: null, owner: null }) } });
    const facts = await discoverHost(t);
    const paths = domainRunPaths(`${root}/run`, 'd1');
    await expect(builder.build(dom(`<interface type='network'><source network='nope'/></interface>`), { paths, facts, hostLabel: 'localhost' })).rejects.toThrow(
      "localhost: domain 'd1': cannot connect its interfaces: the interface at /domain/devices/interface[1] uses network 'nope', which is not defined on the host; define and start it first",
    );
    await expect(builder.build(dom(`<interface type='direct'><source dev='eth0' mode='vepa'/></interface>`), { paths, facts, hostLabel: 'localhost' })).rejects.toThrow(
      "localhost: domain 'd1': cannot connect its interfaces: the interface at /domain/devices/interface[1] is type 'direct' (macvtap), which virtform cannot launch yet; use type 'network' or 'bridge'",
    );
    await expect(builder.build(dom('', '', ''), { paths, facts, hostLabel: 'localhost' })).rejects.toThrow(
      "localhost: domain 'd1': the definition has no <uuid>; launch a stored definition (the UUID identifies its QEMU process later)",
    );
    const bare = await builder.build(dom(`<serial type='file'><source path='/tmp/d1.log'/></serial>`, '<memoryBacking><locked/></memoryBacking>'), { paths, facts, hostLabel: 'localhost' });
    expect(bare.consoleSocket).toBeUndefined();
    // <locked/> makes QEMU mlock the guest's RAM: no limit (no hard_limit given).
    expect(bare.rlimits).toEqual({ memlockBytes: 'unlimited' });
    expect(bare.lifecycle).toEqual({ onPoweroff: 'destroy', onCrash: 'destroy' });
  }, 60000);
});

describeIf(missingBinaryReason(QEMU_X86_64) ?? missingBinaryReason(QEMU_IMG) ?? null)('the builder: start-time QMP commands and disk backing chains', () => {
  let root: string;
  let images: string;
  let t: LocalTransport;
  let capsDir: string;
  const poolXml = () => `<pool type='dir'><name>images</name><target><path>${images}</path></target></pool>`;
  const img = (file: string, backing?: string) =>
    execFileSync(QEMU_IMG, ['create', '-q', '-f', 'qcow2', ...(backing ? ['-b', path.join(images, backing), '-F', 'qcow2'] : []), path.join(images, file), '16M']);
  beforeAll(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'vf-lbc-'));
    images = path.join(root, 'images');
    fs.mkdirSync(images);
    capsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vf-caps-'));
    t = new LocalTransport(`qemu:///embed?root=${root}`);
    // vda: top.qcow2 over base.qcow2; vdb: the pool volume vol-top.qcow2 over vol-base.qcow2; vdc: a qcow2 with no backing file.
    img('base.qcow2');
    img('top.qcow2', 'base.qcow2');
    img('vol-base.qcow2');
    img('vol-top.qcow2', 'vol-base.qcow2');
    img('alone.qcow2');
  });
  afterAll(() => {
    fs.rmSync(root, { recursive: true, force: true });
    fs.rmSync(capsDir, { recursive: true, force: true });
  });
  const builder = () =>
    new QemuLaunchBuilder({ transport: t, stateDir: root, capsCacheDir: capsDir, store: { get: async (ref) => ({ ref, xml: ref.kind === 'pool' && ref.name === 'images' ? poolXml() : null, owner: null }) } });
  const xml = (devices: string, extra = '') => `<domain type='qemu'>
  <name>d2</name>
  <uuid>22222222-3333-4444-8555-666666666666</uuid>
  <memory unit='MiB'>512</memory>
  <currentMemory unit='MiB'>384</currentMemory>
  ${extra}
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>${devices}</devices>
</domain>`;
  const blockdevs = (argv: readonly string[]) => argv.filter((_, i) => argv[i - 1] === '-blockdev').map((x) => JSON.parse(x) as Record<string, unknown>);

  it("sends libvirt's start-time commands before cont, in libvirt's order: password, balloon period and target, disk limits, reboot action, thread contexts deleted", async () => {
    const domain = parseDomainXml(
      xml(
        `<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='${images}/alone.qcow2'/><target dev='vda' bus='virtio'/>
           <iotune><total_bytes_sec>1048576</total_bytes_sec><write_iops_sec>50</write_iops_sec></iotune></disk>
         <graphics type='vnc' autoport='yes' passwd='s3cret'/>
         <memballoon model='virtio'><stats period='10'/></memballoon>`,
        `<memoryBacking><allocation mode='immediate'/></memoryBacking>
  <numatune><memory mode='strict' nodeset='0'/></numatune>
  <on_reboot>destroy</on_reboot>`,
      ),
    );
    const facts = await discoverHost(t);
    const parts = await builder().build(domain, { paths: domainRunPaths(`${root}/run`, 'd2'), facts, hostLabel: 'localhost' });
    // QEMU 7.2 has thread-context: guest RAM bound to node 0 is preallocated by a context deleted before cont.
    expect(parts.argv.filter((_, i) => parts.argv[i - 1] === '-object').map((x) => JSON.parse(x)).find((o) => o['qom-type'] === 'thread-context')).toEqual({
      'qom-type': 'thread-context',
      id: 'tc-pc.ram',
      'node-affinity': [0],
    });
    expect(parts.beforeCont).toEqual([
      { execute: 'set_password', arguments: { protocol: 'vnc', password: 's3cret' } },
      { execute: 'qom-set', arguments: { path: '/machine/peripheral/balloon0', property: 'guest-stats-polling-interval', value: 10 } },
      { execute: 'balloon', arguments: { value: 384 * 1024 * 1024 } },
      {
        execute: 'block_set_io_throttle',
        arguments: { id: 'virtio-disk0/virtio-backend', bps: 1048576, bps_rd: 0, bps_wr: 0, iops: 0, iops_rd: 0, iops_wr: 50, bps_max: 0, bps_rd_max: 0, bps_wr_max: 0, iops_max: 0, iops_rd_max: 0, iops_wr_max: 0, iops_size: 0 },
      },
      { execute: 'set-action', arguments: { reboot: 'shutdown' } },
      { execute: 'object-del', arguments: { id: 'tc-pc.ram' } },
    ]);
  }, 60000);

  it('reads the backing chains of a file disk and a pool volume disk from their images: detected layers read-only and numbered last, an image without backing file ends its chain', async () => {
    const domain = parseDomainXml(
      xml(`<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='${images}/top.qcow2'/><target dev='vda' bus='virtio'/></disk>
         <disk type='volume' device='disk'><driver name='qemu' type='qcow2'/><source pool='images' volume='vol-top.qcow2'/><target dev='vdb' bus='virtio'/></disk>
         <disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='${images}/alone.qcow2'/><target dev='vdc' bus='virtio'/></disk>
         <memballoon model='none'/>`),
    );
    const facts = await discoverHost(t);
    const parts = await builder().build(domain, { paths: domainRunPaths(`${root}/run`, 'd2'), facts, hostLabel: 'localhost' });
    const file = (n: number, f: string) => ({ driver: 'file', filename: `${images}/${f}`, 'node-name': `libvirt-${n}-storage`, 'auto-read-only': true, discard: 'unmap' });
    const fmt = (n: number, readOnly: boolean, backing: string | null) => ({ 'node-name': `libvirt-${n}-format`, 'read-only': readOnly, driver: 'qcow2', file: `libvirt-${n}-storage`, backing });
    // The XML names 3 images: vdc 1, vdb 2, vda 3 (last disk first); then the layers read from the images, again last disk first: vdb's 4, vda's 5.
    expect(blockdevs(parts.argv)).toEqual([
      file(5, 'base.qcow2'),
      fmt(5, true, null),
      file(3, 'top.qcow2'),
      fmt(3, false, 'libvirt-5-format'),
      file(4, 'vol-base.qcow2'),
      fmt(4, true, null),
      file(2, 'vol-top.qcow2'),
      fmt(2, false, 'libvirt-4-format'),
      file(1, 'alone.qcow2'),
      fmt(1, false, null),
    ]);
    // No balloon, no limits, no lifecycle action: nothing to send.
    expect(parts.beforeCont).toEqual([]);
  }, 60000);

  it("resolves volume disks through the stored pools as domxml-to-native does: a pool that is not stored is named with its state file; without a store it says so", async () => {
    const domain = parseDomainXml(xml(`<disk type='volume' device='disk'><driver name='qemu' type='qcow2'/><source pool='scratch' volume='v.qcow2'/><target dev='vda' bus='virtio'/></disk>`));
    const facts = await discoverHost(t);
    const paths = domainRunPaths(`${root}/run`, 'd2');
    await expect(builder().build(domain, { paths, facts, hostLabel: 'localhost' })).rejects.toThrow(
      `localhost: domain 'd2': cannot read the storage pools of its volume disks: disk 'vda' (<source pool='scratch' volume='v.qcow2'/>): ` +
        `storage pool 'scratch' is not defined on this host (${root}/pools/scratch.xml) (fix: define the pool, with its volume, in the stack and apply it, or name an existing pool)`,
    );
    const storeless = new QemuLaunchBuilder({ transport: t, stateDir: root, capsCacheDir: capsDir });
    await expect(storeless.build(domain, { paths, facts, hostLabel: 'localhost' })).rejects.toThrow(
      "localhost: domain 'd2': cannot read the storage pools of its volume disks: disk 'vda' uses pool 'scratch', and this command has no access to the host's stored pools",
    );
  }, 60000);

  it('names the domain, the disk and the image when a backing chain cannot be read', async () => {
    const domain = parseDomainXml(xml(`<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='${images}/missing.qcow2'/><target dev='vda' bus='virtio'/></disk>`));
    const facts = await discoverHost(t);
    await expect(builder().build(domain, { paths: domainRunPaths(`${root}/run`, 'd2'), facts, hostLabel: 'localhost' })).rejects.toThrow(
      `localhost: domain 'd2': cannot read the backing chains of its disks: localhost: cannot read the backing chain of disk 'vda' (${images}/missing.qcow2): ` +
        `qemu-img: Could not open '${images}/missing.qcow2': Could not open '${images}/missing.qcow2': No such file or directory. Check that the image exists and is a qcow2 image.`,
    );
  }, 60000);
});
