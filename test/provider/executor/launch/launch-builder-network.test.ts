/**
 * The real launch path end to end, over SSH into a private network namespace (a real sshd whose
 * sessions run there, test/support/netns.ts, so bridges, taps, nftables and dnsmasq never touch
 * this machine's networking): a TCG guest whose definition has 2 vCPUs in 2 NUMA cells with
 * vcpupin/emulatorpin/iothreadpin, a virtio disk on a qcow2 volume of a dir pool (created by
 * DirPoolStorage, resolved through the stored pool), a virtio NIC on an isolated virtform
 * network (started by the network module) and a pty serial, built by QemuLaunchBuilder and
 * launched by the lifecycle. Checked from outside: QEMU's seccomp mode and argv, thread pins in
 * /proc, the tap on the bridge, the guest's own report on `virtform console` (CPUs, nodes,
 * memory per node, disk, MAC) and its DHCP lease; after destroy no QEMU, no tap, no run dir.
 */
import { randomUUID } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseDomainXml } from '../../../../model/domain';
import type { HostFacts } from '../../../../model/host-facts';
import { applyNetworkDefaults, parseNetworkXml } from '../../../../model/network';
import { parsePoolXml } from '../../../../model/pool';
import { parseVolumeXml } from '../../../../model/volume';
import { planPins } from '../../../../planner/pin-plan';
import {
  destroyDomain,
  domainRunPaths,
  launchDomain,
  launchDomainHost,
  QemuLaunchBuilder,
  resumeDomain,
  type DomainHost,
  type DomainStatusRecord,
} from '../../../../provider/executor/domain';
import { startNetwork, stopNetwork, tapName } from '../../../../provider/executor/network';
import { HostLock, StateStore, hashSpec } from '../../../../provider/executor/state';
import { DirPoolStorage } from '../../../../provider/executor/storage';
import { discoverHost } from '../../../../provider/host/host-discovery';
import type { Transport } from '../../../../provider/host/transport';
import { buildTestGuest, DHCP_CMDLINE_KEY, parseGuestDhcp, parseGuestReport, testGuestSkipReason, type TestGuest } from '../../../support/guest';
import { netnsSkipReason, startNetnsHost, type NetnsHost } from '../../../support/netns';
import { missingBinaryReason, QEMU_IMG, QEMU_X86_64 } from '../../../support/qemu';
import { describeIf } from '../../../support/skip';
import { CELL_MIB, consoleUntil, guestDomainXml, pidsWithUuid, procStatus, procThreads } from './launch-guest';

const MiB = 1024 * 1024;
const MAC = '52:54:00:4c:00:32';
const skip =
  missingBinaryReason(QEMU_X86_64) ??
  missingBinaryReason(QEMU_IMG) ??
  netnsSkipReason() ??
  (fs.existsSync('/dev/net/tun') ? undefined : 'needs /dev/net/tun (the tun module) to create tap devices') ??
  (fs.readFileSync('/sys/devices/system/cpu/online', 'utf8').trim().startsWith('0-') ? undefined : 'needs host CPUs 0 and 1 online') ??
  testGuestSkipReason() ??
  null;

describeIf(skip)('the launch builder over SSH into a network namespace: the test guest on an isolated network', () => {
  let ns: NetnsHost;
  let t: Transport;
  let root: string;
  let uri: string;
  let h: DomainHost;
  let facts: HostFacts;
  let guest: TestGuest;
  let lock: HostLock;
  let builder: QemuLaunchBuilder;
  const name = 'lb-guest';
  const uuid = randomUUID();
  let pid: number;
  let capsDir: string;

  beforeAll(async () => {
    guest = await buildTestGuest();
    ns = await startNetnsHost('lb');
    root = ns.dir;
    uri = `${ns.uri()}&root=${root}`;
    t = await ns.transport();
    facts = await discoverHost(t);
    const store = new StateStore(t, root);
    await store.init();
    lock = await HostLock.acquire(t, root, { command: 'launch-builder test' });
    const ctx = { store, lock, stack: 'lb' };
    const pool = await DirPoolStorage.build(ctx, parsePoolXml(`<pool type='dir'><name>images</name><target><path>${root}/images</path></target></pool>`), `<pool type='dir'><name>images</name><target><path>${root}/images</path></target></pool>`);
    await pool.createVolume(parseVolumeXml(`<volume><name>vda.qcow2</name><capacity unit='MiB'>64</capacity><allocation>0</allocation><target><format type='qcow2'/></target></volume>`));
    const netXml = `<network><name>lab</name><bridge name='vflab0'/><ip address='10.78.0.1' prefix='24'><dhcp><range start='10.78.0.100' end='10.78.0.150'/><host mac='${MAC}' name='guest' ip='10.78.0.50'/></dhcp></ip></network>`;
    await store.define({ kind: 'network', name: 'lab' }, { xml: netXml, specHash: hashSpec(netXml) }, ctx);
    await startNetwork({ transport: t, runDir: `${root}/run` }, applyNetworkDefaults(parseNetworkXml(netXml)));
    capsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vf-caps-'));
    builder = new QemuLaunchBuilder({ transport: t, stateDir: root, store, capsCacheDir: capsDir });
    h = launchDomainHost(t, `${root}/run`);
  }, 180000);

  afterAll(async () => {
    for (const p of pidsWithUuid(uuid)) process.kill(p, 'SIGKILL');
    if (t) await stopNetwork({ transport: t, runDir: `${root}/run` }, 'lab').catch(() => undefined);
    await lock?.release();
    await ns?.stop();
    if (capsDir) fs.rmSync(capsDir, { recursive: true, force: true });
  });

  const readRecord = (): DomainStatusRecord => JSON.parse(fs.readFileSync(`${root}/run/${name}/status.json`, 'utf8')) as DomainStatusRecord;

  it('builds the command line from the definition and launches it paused, pinned, with the tap on the bridge', async () => {
    const xml = guestDomainXml({
      name,
      uuid,
      guest,
      cmdlineExtra: `${DHCP_CMDLINE_KEY}=eth0`,
      devices: `
        <disk type='volume' device='disk'>
          <driver name='qemu' type='qcow2' iothread='1'/>
          <source pool='images' volume='vda.qcow2'/>
          <target dev='vda' bus='virtio'/>
        </disk>
        <interface type='network'>
          <mac address='${MAC}'/>
          <source network='lab'/>
          <model type='virtio'/>
        </interface>`,
    });
    const domain = parseDomainXml(xml, 'lb-guest.xml');
    const paths = domainRunPaths(`${root}/run`, name);
    const t0 = Date.now();
    const parts = await builder.build(domain, { paths, facts, hostLabel: t.hostLabel });
    const buildMs = Date.now() - t0;
    const tap = tapName(name, 0);

    // The command line: libvirt's sandbox kept, no -daemonize, the tap by name, the console socket, the volume's path.
    const argv = parts.argv;
    const after = (opt: string) => argv.filter((_, i) => argv[i - 1] === opt);
    expect(after('-sandbox')).toEqual(['on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny']);
    expect(argv).not.toContain('-daemonize');
    expect(after('-netdev').map((x) => JSON.parse(x))).toEqual([{ type: 'tap', ifname: tap, script: 'no', downscript: 'no', id: 'hostnet0' }]);
    expect(after('-chardev')).toContain(`socket,id=charserial0,path=${paths.consoleSocket},server=on,wait=off`);
    expect(after('-blockdev').map((x) => JSON.parse(x).filename).filter(Boolean)).toEqual([`${root}/images/vda.qcow2`]);
    expect(parts.consoleSocket).toBe(paths.consoleSocket);
    expect(parts.hostSteps!.map((s) => s.name)).toEqual(['write the private files', 'create taps']);
    // The default balloon's target: the whole memory (2 cells of CELL_MIB).
    expect(parts.beforeCont).toEqual([{ execute: 'balloon', arguments: { value: 2 * CELL_MIB * 1024 * 1024 } }]);
    expect(parts.env).toEqual({
      LC_ALL: 'C',
      PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      HOME: `${paths.dir}/lib`,
      XDG_DATA_HOME: `${paths.dir}/lib/.local/share`,
      XDG_CACHE_HOME: `${paths.dir}/lib/.cache`,
      XDG_CONFIG_HOME: `${paths.dir}/lib/.config`,
    });

    const pins = planPins(domain, facts, t.hostLabel);
    const r = await launchDomain(h, { ...parts, name, uuid, pins, paused: true });
    pid = r.record.pid!;
    console.log(`build ${buildMs} ms, launch ${JSON.stringify(r.timings)}`);
    expect(pidsWithUuid(uuid)).toEqual([pid]);
    // Detached: QEMU's parent is not the launching shell, and it runs under the seccomp filter (mode 2).
    expect(procStatus(pid, 'Seccomp')).toBe('2');
    expect(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')).not.toContain('-daemonize');
    expect(fs.statSync(`${paths.dir}/lib/master-key.aes`).size).toBe(32);
    expect(fs.statSync(`${paths.dir}/lib/master-key.aes`).mode & 0o777).toBe(0o600);

    const threads = procThreads(pid);
    const cpusOf = (comm: string) => threads.filter((x) => x.comm === comm).map((x) => x.cpus);
    expect([cpusOf('CPU 0/TCG'), cpusOf('CPU 1/TCG'), cpusOf('IO iothread1')]).toEqual([['0'], ['1'], ['0']]);
    const emulator = threads.filter((x) => !['CPU 0/TCG', 'CPU 1/TCG', 'IO iothread1'].includes(x.comm));
    expect(emulator.length).toBeGreaterThan(1);
    for (const x of emulator) expect({ comm: x.comm, cpus: x.cpus }).toEqual({ comm: x.comm, cpus: '1' });

    const rec = readRecord();
    expect(rec.taps).toEqual([{ index: 0, ifname: tap, bridge: 'vflab0', created: true }]);
    expect([rec.hugepages, rec.vfio, rec.mdevs, rec.sriov, rec.displays]).toEqual([[], [], [], [], []]);
    expect(rec.consoleSocket).toBe(paths.consoleSocket);
    const link = JSON.parse(ns.run(['ip', '-j', '-d', 'link', 'show', 'dev', tap]))[0] as { master: string; address: string; ifalias: string; operstate: string };
    expect([link.master, link.address, link.ifalias]).toEqual(['vflab0', 'fe:54:00:4c:00:32', `virtform:tap:${name}:0`]);
  }, 120000);

  it('resumes; the console shows 2 CPUs, nodes 0-1 with their memory, the 64 MiB disk, the MAC, and the guest leases its address', async () => {
    const t0 = Date.now();
    const log = await consoleUntil(uri, name, () => resumeDomain(h, name), 'VIRTFORM-GUEST-DHCP-END', 150000);
    console.log(`resume → DHCP lease ${Date.now() - t0} ms`);
    const report = parseGuestReport(log);
    expect(report.errors).toEqual([]);
    expect([report.cpusOnline, report.nodesOnline]).toEqual(['0-1', '0-1']);
    expect(report.nodes.map((n) => [n.id, n.cpulist])).toEqual([
      [0, '0'],
      [1, '1'],
    ]);
    for (const n of report.nodes) {
      expect(n.memTotalKiB).toBeLessThanOrEqual(CELL_MIB * 1024);
      expect(n.memTotalKiB).toBeGreaterThan(CELL_MIB * 1024 * 0.7);
    }
    expect(report.blockDevices).toEqual([{ name: 'vda', sizeBytes: 64 * MiB }]);
    expect(report.netInterfaces).toEqual([
      { name: 'eth0', mac: MAC },
      { name: 'lo', mac: '00:00:00:00:00:00' },
    ]);
    expect(parseGuestDhcp(log)).toEqual({ interface: 'eth0', ip: '10.78.0.50', subnet: '255.255.255.0', dns: '10.78.0.1', leaseSeconds: 3600, serverId: '10.78.0.1' });
    // The pins held through the boot.
    const rec = readRecord();
    const live = new Map(procThreads(pid).map((x) => [x.tid, x.cpus]));
    expect(rec.threads!.vcpus.map((v) => live.get(v.threadId))).toEqual(['0', '1']);
  }, 180000);

  it('destroy leaves no QEMU, no tap and no run directory', async () => {
    const tap = tapName(name, 0);
    const r = await destroyDomain(h, name);
    expect(['sigterm', 'sigkill', 'already-off']).toContain(r.how);
    expect(pidsWithUuid(uuid)).toEqual([]);
    expect(fs.existsSync(`${root}/run/${name}`)).toBe(false);
    const names = (JSON.parse(ns.run(['ip', '-j', 'link', 'show'])) as { ifname: string }[]).map((l) => l.ifname);
    expect(names).not.toContain(tap);
    expect(names).toContain('vflab0');
  }, 60000);
});
