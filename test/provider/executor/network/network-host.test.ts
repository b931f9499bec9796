/**
 * Networks brought to life for real: bridges, taps, nftables and dnsmasq in a private network
 * namespace per test, driven through the production SSH transport (an sshd whose sessions run
 * inside the namespace, test/support/netns.ts), and a real QEMU guest that asks dnsmasq for a
 * lease. Nothing here touches this machine's own networking.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import { createHash } from 'crypto';
import { applyNetworkDefaults, parseNetworkXml, type Network } from '../../../../model/network';
import type { Transport } from '../../../../provider/host';
import { formatNetworkXml } from '../../../../model/network';
import { HostLock, StateStore, hashSpec } from '../../../../provider/executor/state';
import {
  assignBridgeName,
  dnsmasqConfig,
  startDefinedNetwork,
  stopDefinedNetwork,
  networkStatus,
  NetworkError,
  parseDnsmasqCaps,
  prepareInterfaceTap,
  releaseInterfaceTap,
  startNetwork,
  stopNetwork,
  updateNetworkHosts,
  type NetworkHostContext,
} from '../../../../provider/executor/network';
import { buildTestGuest, DHCP_CMDLINE_KEY, parseGuestDhcp, parseGuestReport, testGuestSkipReason } from '../../../support/guest';
import { netnsSkipReason, startNetnsHost, type NetnsHost } from '../../../support/netns';
import { QEMU_X86_64 } from '../../../support/qemu';
import { RecordingTransport } from '../../../support/recording-transport';
import { describeIf, itIf } from '../../../support/skip';

const NETNS = netnsSkipReason();
/** Tap devices need the tun driver's character device. */
const TAP = fs.existsSync('/dev/net/tun') ? null : 'needs /dev/net/tun (the tun module) to create tap devices';

function network(xml: string): Network {
  return applyNetworkDefaults(parseNetworkXml(xml));
}

function json<T>(text: string): T {
  return JSON.parse(text) as T;
}

interface NftItem {
  chain?: { name: string; hook?: string; type?: string; prio?: number; policy?: string };
  rule?: { chain: string; expr: unknown[] };
  table?: { name: string; family: string };
}

function nftTable(ns: NetnsHost, table = 'virtform'): NftItem[] {
  return json<{ nftables: NftItem[] }>(ns.run(['nft', '-j', 'list', 'table', 'inet', table])).nftables.filter((x) => !('metainfo' in x));
}

function rulesOf(items: NftItem[], chain: string): unknown[][] {
  return items.filter((i) => i.rule?.chain === chain).map((i) => i.rule!.expr);
}

function links(ns: NetnsHost): string[] {
  return json<{ ifname: string }[]>(ns.run(['ip', '-j', 'link', 'show'])).map((l) => l.ifname).sort();
}

function tables(ns: NetnsHost): string[] {
  return ns.run(['nft', 'list', 'tables']).trim().split('\n').filter(Boolean);
}

function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

const match = (op: string, left: unknown, right: unknown) => ({ match: { op, left, right } });
const meta = (key: string) => ({ meta: { key } });
const field = (protocol: string, f: string) => ({ payload: { protocol, field: f } });
const prefix = (addr: string, len: number) => ({ prefix: { addr, len } });
const REJECT = { reject: { type: 'icmpx', expr: 'port-unreachable' } };

function localDnsmasqCaps() {
  const v = execFileSync('dnsmasq', ['--version'], { encoding: 'utf8' });
  const h = execFileSync('dnsmasq', ['--help'], { encoding: 'utf8' });
  return parseDnsmasqCaps(`${v}\n${h}`);
}

describeIf(NETNS)('networks on a host, in a private network namespace over SSH', () => {
  let ns: NetnsHost;
  let t: Transport;
  let ctx: NetworkHostContext;

  beforeEach(async () => {
    ns = await startNetnsHost('n');
    t = await ns.transport();
    ctx = { transport: t, runDir: `${ns.dir}/run` };
  });
  afterEach(async () => {
    await ns.stop();
  });

  const GUEST = TAP ?? testGuestSkipReason() ?? (fs.existsSync(QEMU_X86_64) ? null : `${QEMU_X86_64} is not installed`);
  itIf(GUEST)(
    'isolated network: the bridge has its address, dnsmasq runs with the generated conf, and a QEMU guest on our tap leases its fixed address',
    async () => {
      const net = network(`<network>
        <name>iso</name>
        <bridge name='vfiso0'/>
        <mac address='52:54:00:0a:00:01'/>
        <mtu size='1400'/>
        <ip address='10.77.0.1' prefix='24'>
          <dhcp>
            <range start='10.77.0.100' end='10.77.0.150'/>
            <host mac='52:54:00:0a:00:32' name='guest1' ip='10.77.0.50'/>
          </dhcp>
        </ip>
      </network>`);
      const status = await startNetwork(ctx, net);
      expect(status).toMatchObject({ name: 'iso', active: true, phase: 'active', kind: 'isolated', bridge: 'vfiso0', bridgeUp: true, problems: [], chains: ['nw-vfiso0-fwd'] });
      expect(status.addresses).toEqual([{ family: 'ipv4', address: '10.77.0.1', prefix: 24 }]);

      const brLink = json<{ mtu: number; address: string; ifalias: string }[]>(ns.run(['ip', '-j', 'link', 'show', 'dev', 'vfiso0']))[0];
      expect([brLink.mtu, brLink.address, brLink.ifalias]).toEqual([1400, '52:54:00:0a:00:01', 'virtform:network:iso']);
      const br = json<{ addr_info: { family: string; local: string; prefixlen: number }[] }[]>(ns.run(['ip', '-j', 'addr', 'show', 'dev', 'vfiso0']))[0];
      expect(br.addr_info.filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`)).toEqual(['10.77.0.1/24']);
      // No IPv6 on an isolated IPv4-only network: not even a link-local address.
      expect(br.addr_info.filter((a) => a.family === 'inet6')).toEqual([]);

      const pid = status.dnsmasqPid!;
      const run = ctx.runDir;
      expect(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')).toEqual([
        'dnsmasq', `--conf-file=${run}/dnsmasq/iso.conf`, `--dhcp-leasefile=${run}/dnsmasq/iso.leases`, '',
      ]);
      const expected = dnsmasqConfig({ network: net, caps: localDnsmasqCaps(), stateDir: `${run}/dnsmasq`, pidFile: `${run}/dnsmasq/iso.pid` });
      expect(fs.readFileSync(`${run}/dnsmasq/iso.conf`, 'utf8')).toBe(expected.conf);
      expect(expected.conf).toContain('\ndhcp-option=3\n'); // isolated: no default route for guests
      expect(fs.readFileSync(`${run}/dnsmasq/iso.hostsfile`, 'utf8')).toBe('52:54:00:0a:00:32,10.77.0.50,guest1\n');
      expect(fs.readFileSync(`${run}/dnsmasq/iso.pid`, 'utf8').trim()).toBe(String(pid));

      // The guest's tap: deterministic name, on the bridge, the network's MTU, FE:… MAC.
      const tap = await prepareInterfaceTap(t, net, 'guest1', 0, { guestMac: '52:54:00:0a:00:32' });
      const hash = createHash('sha256').update('guest1').digest('hex').slice(0, 8);
      expect(tap).toEqual({ ifname: `vf${hash}i0`, bridge: 'vfiso0', mtu: 1400, mac: 'fe:54:00:0a:00:32', created: true });
      const tapLink = json<{ master: string; mtu: number; address: string; ifalias: string; linkinfo: { info_kind: string; info_data: { type: string } } }[]>(
        ns.run(['ip', '-j', '-d', 'link', 'show', 'dev', tap.ifname]),
      )[0];
      expect([tapLink.master, tapLink.mtu, tapLink.address, tapLink.ifalias, tapLink.linkinfo.info_kind, tapLink.linkinfo.info_data.type]).toEqual([
        'vfiso0', 1400, 'fe:54:00:0a:00:32', 'virtform:tap:guest1:0', 'tun', 'tap',
      ]);

      const guest = await buildTestGuest();
      const qemu = await t.spawn([
        QEMU_X86_64,
        '-machine', 'pc', '-accel', 'tcg', '-m', '256', '-smp', '1',
        '-nodefaults', '-no-user-config', '-display', 'none', '-no-reboot',
        '-serial', 'stdio',
        '-kernel', guest.kernel, '-initrd', guest.initrd, '-append', `${guest.cmdline} ${DHCP_CMDLINE_KEY}=eth0`,
        '-netdev', `tap,id=net0,ifname=${tap.ifname},script=no,downscript=no`,
        '-device', 'virtio-net-pci,netdev=net0,mac=52:54:00:0a:00:32',
      ]);
      let consoleLog = '';
      let errLog = '';
      qemu.stdout.on('data', (b: Buffer) => (consoleLog += b.toString('utf8')));
      qemu.stderr.on('data', (b: Buffer) => (errLog += b.toString('utf8')));
      const timer = setTimeout(() => qemu.kill('SIGKILL'), 100_000);
      const exit = await qemu.exited.finally(() => clearTimeout(timer));
      expect({ exit, errLog }).toEqual({ exit: { code: 0 }, errLog: '' });

      const report = parseGuestReport(consoleLog);
      expect(report.netInterfaces).toEqual(expect.arrayContaining([{ name: 'eth0', mac: '52:54:00:0a:00:32' }]));
      const lease = parseGuestDhcp(consoleLog);
      // The fixed address of the host entry, the network's MTU, dnsmasq on the bridge as DNS
      // server, and no router (isolated: dhcp-option=3 with no value).
      expect(lease).toEqual({ interface: 'eth0', ip: '10.77.0.50', subnet: '255.255.255.0', dns: '10.77.0.1', mtu: 1400, leaseSeconds: 3600, serverId: '10.77.0.1' });

      const after = await networkStatus(ctx, 'iso');
      expect(after.leases.map((l) => ({ ip: l.ip, mac: l.mac, hostname: l.hostname }))).toEqual([{ ip: '10.77.0.50', mac: '52:54:00:0a:00:32', hostname: 'guest1' }]);
      expect(after.ports).toEqual([tap.ifname]);

      expect(await releaseInterfaceTap(t, 'guest1', 0)).toEqual({ ifname: tap.ifname, removed: true });
      const stop = await stopNetwork(ctx, 'iso');
      expect(stop).toEqual({
        name: 'iso',
        wasRunning: true,
        removed: [`dnsmasq pid ${pid}`, 'nft chain nw-vfiso0-fwd', 'nft table inet virtform (empty)', 'bridge vfiso0'],
        detachedPorts: [],
        leftInPlace: [],
      });
    },
    150_000,
  );

  it('NAT network: masquerade for its subnet in table inet virtform, forwarding on, another table left alone', async () => {
    const foreign = 'table inet other {\n\tchain keep {\n\t\ttype filter hook forward priority filter; policy accept;\n\t\tcounter packets 0 bytes 0\n\t}\n}\n';
    ns.run(['nft', '-f', '-'], foreign);
    const net = network(`<network>
      <name>natnet</name>
      <forward mode='nat'/>
      <bridge name='vfnat0'/>
      <ip address='192.168.130.1' netmask='255.255.255.0'>
        <dhcp><range start='192.168.130.10' end='192.168.130.99'/></dhcp>
      </ip>
      <ip family='ipv6' address='fd00:130::1' prefix='64'/>
    </network>`);
    const status = await startNetwork(ctx, net);
    expect(status).toMatchObject({ active: true, kind: 'nat', chains: ['nw-vfnat0-fwd', 'nw-vfnat0-nat'] });
    expect(status.addresses).toEqual([
      { family: 'ipv4', address: '192.168.130.1', prefix: 24 },
      { family: 'ipv6', address: 'fd00:130::1', prefix: 64 },
    ]);
    expect(ns.run(['cat', '/proc/sys/net/ipv4/ip_forward', '/proc/sys/net/ipv6/conf/all/forwarding'])).toBe('1\n1\n');

    const items = nftTable(ns);
    expect(items.filter((i) => i.chain).map((i) => i.chain)).toEqual([
      { family: 'inet', table: 'virtform', name: 'nw-vfnat0-fwd', handle: expect.any(Number), type: 'filter', hook: 'forward', prio: 0, policy: 'accept' },
      { family: 'inet', table: 'virtform', name: 'nw-vfnat0-nat', handle: expect.any(Number), type: 'nat', hook: 'postrouting', prio: 100, policy: 'accept' },
    ]);
    const v4 = prefix('192.168.130.0', 24);
    expect(rulesOf(items, 'nw-vfnat0-nat')).toEqual([
      [match('==', field('ip', 'saddr'), v4), match('==', field('ip', 'daddr'), prefix('224.0.0.0', 24)), { return: null }],
      [match('==', field('ip', 'saddr'), v4), match('==', field('ip', 'daddr'), '255.255.255.255'), { return: null }],
      [match('==', field('ip', 'saddr'), v4), match('!=', field('ip', 'daddr'), v4), match('==', meta('l4proto'), { set: ['tcp', 'udp'] }), { masquerade: { port: { range: [1024, 65535] } } }],
      [match('==', field('ip', 'saddr'), v4), match('!=', field('ip', 'daddr'), v4), { masquerade: null }],
    ]);
    const br = 'vfnat0';
    const v6 = prefix('fd00:130::', 64);
    expect(rulesOf(items, 'nw-vfnat0-fwd')).toEqual([
      [match('==', meta('iifname'), br), match('==', meta('oifname'), br), { accept: null }],
      [match('==', meta('iifname'), br), match('==', field('ip', 'saddr'), v4), { accept: null }],
      [match('==', meta('oifname'), br), match('==', field('ip', 'daddr'), v4), match('in', { ct: { key: 'state' } }, ['established', 'related']), { accept: null }],
      // IPv6 is routed, not translated, unless <nat ipv6='yes'/>.
      [match('==', meta('iifname'), br), match('==', field('ip6', 'saddr'), v6), { accept: null }],
      [match('==', meta('oifname'), br), match('==', field('ip6', 'daddr'), v6), { accept: null }],
      [match('==', meta('iifname'), br), REJECT],
      [match('==', meta('oifname'), br), REJECT],
    ]);
    expect(fs.readFileSync(`${ctx.runDir}/dnsmasq/natnet.conf`, 'utf8')).not.toContain('dhcp-option=3');

    // A second network shares the table; stopping the first leaves the second's chain alone.
    const other = network(`<network><name>second</name><bridge name='vfsec0'/><ip address='10.87.0.1' prefix='24'/></network>`);
    await startNetwork(ctx, other);
    const stop = await stopNetwork(ctx, 'natnet');
    expect(stop.removed).toEqual([`dnsmasq pid ${status.dnsmasqPid}`, 'nft chain nw-vfnat0-fwd', 'nft chain nw-vfnat0-nat', 'bridge vfnat0']);
    expect(nftTable(ns).filter((i) => i.chain).map((i) => i.chain!.name)).toEqual(['nw-vfsec0-fwd']);
    expect((await stopNetwork(ctx, 'second')).removed).toEqual([expect.stringMatching(/^dnsmasq pid \d+$/), 'nft chain nw-vfsec0-fwd', 'nft table inet virtform (empty)', 'bridge vfsec0']);
    expect(stop.leftInPlace).toEqual([
      '/proc/sys/net/ipv4/ip_forward = 1 (was 0; other networks and services may rely on it)',
      '/proc/sys/net/ipv6/conf/all/forwarding = 1 (was 0; other networks and services may rely on it)',
    ]);
    expect(ns.run(['nft', 'list', 'ruleset'])).toBe(foreign);
  });

  it('routed network: forwarding through its uplink without translation, and its static route', async () => {
    ns.run(['ip', 'link', 'add', 'vfup0', 'type', 'veth', 'peer', 'name', 'vfup1']);
    const net = network(`<network>
      <name>routed</name>
      <forward mode='route' dev='vfup0'/>
      <bridge name='vfrt0' stp='off'/>
      <ip address='10.78.0.1' prefix='24'/>
      <route address='10.79.0.0' prefix='16' gateway='10.78.0.2' metric='7'/>
    </network>`);
    const status = await startNetwork(ctx, net);
    expect(status).toMatchObject({ active: true, kind: 'route', chains: ['nw-vfrt0-fwd'], dnsmasqPid: expect.any(Number) });
    expect(ns.run(['cat', '/proc/sys/net/ipv4/ip_forward'])).toBe('1\n');
    const items = nftTable(ns);
    const v4 = prefix('10.78.0.0', 24);
    expect(rulesOf(items, 'nw-vfrt0-fwd')).toEqual([
      [match('==', meta('iifname'), 'vfrt0'), match('==', meta('oifname'), 'vfrt0'), { accept: null }],
      [match('==', meta('iifname'), 'vfrt0'), match('==', meta('oifname'), 'vfup0'), match('==', field('ip', 'saddr'), v4), { accept: null }],
      [match('==', meta('oifname'), 'vfrt0'), match('==', meta('iifname'), 'vfup0'), match('==', field('ip', 'daddr'), v4), { accept: null }],
      [match('==', meta('iifname'), 'vfrt0'), REJECT],
      [match('==', meta('oifname'), 'vfrt0'), REJECT],
    ]);
    expect(items.some((i) => i.chain?.hook === 'postrouting')).toBe(false);
    expect(json<{ dst: string; gateway?: string; metric?: number }[]>(ns.run(['ip', '-j', 'route', 'show', 'dev', 'vfrt0']))).toEqual([
      expect.objectContaining({ dst: '10.78.0.0/24' }),
      expect.objectContaining({ dst: '10.79.0.0/16', gateway: '10.78.0.2', metric: 7 }),
    ]);
    expect(ns.run(['cat', '/sys/class/net/vfrt0/bridge/stp_state'])).toBe('0\n');
    await stopNetwork(ctx, 'routed');
    expect(links(ns)).toEqual(['lo', 'vfup0', 'vfup1']);
  });

  itIf(TAP)('teardown leaves no bridge, tap, nft table or dnsmasq process', async () => {
    const net = network(`<network><name>gone</name><forward mode='nat'/><bridge name='vfgone0'/>
      <ip address='10.80.0.1' prefix='24'><dhcp><range start='10.80.0.2' end='10.80.0.9'/></dhcp></ip></network>`);
    const { dnsmasqPid } = await startNetwork(ctx, net);
    const tap = await prepareInterfaceTap(t, net, 'web', 3);
    const bridgeTap = await prepareInterfaceTap(t, { bridge: 'vfgone0' }, 'db', 0);
    expect(links(ns)).toEqual(['lo', bridgeTap.ifname, tap.ifname, 'vfgone0'].sort());
    expect(alive(dnsmasqPid!)).toBe(true);

    const stop = await stopNetwork(ctx, 'gone', { keepLeases: false });
    expect([...stop.detachedPorts].sort()).toEqual([tap.ifname, bridgeTap.ifname].sort());
    expect(await releaseInterfaceTap(t, 'web', 3)).toEqual({ ifname: tap.ifname, removed: true });
    expect(await releaseInterfaceTap(t, 'db', 0)).toEqual({ ifname: bridgeTap.ifname, removed: true });
    expect(await releaseInterfaceTap(t, 'db', 0)).toEqual({ ifname: bridgeTap.ifname, removed: false });

    expect(links(ns)).toEqual(['lo']);
    expect(tables(ns)).toEqual([]);
    expect(alive(dnsmasqPid!)).toBe(false);
    expect(execFileSync('ip', ['netns', 'pids', ns.name], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).filter((p) => alive(Number(p))).map((p) => fs.readFileSync(`/proc/${p}/comm`, 'utf8').trim())).not.toContain('dnsmasq');
    expect(fs.readdirSync(`${ctx.runDir}/dnsmasq`)).toEqual([]);
    expect(fs.readdirSync(`${ctx.runDir}/networks`)).toEqual([]);
    expect(await networkStatus(ctx, 'gone')).toMatchObject({ active: false, phase: 'inactive' });
    expect(await stopNetwork(ctx, 'gone')).toEqual({ name: 'gone', wasRunning: false, removed: [], detachedPorts: [], leftInPlace: [] });
  });

  it('starting a running network changes nothing: every command it runs only reads', async () => {
    const net = network(`<network><name>twice</name><bridge name='vftw0'/><ip address='10.81.0.1' prefix='24'><dhcp><range start='10.81.0.2' end='10.81.0.9'/></dhcp></ip></network>`);
    const first = await startNetwork(ctx, net);
    const rec = new RecordingTransport(t);
    const second = await startNetwork({ ...ctx, transport: rec }, net);
    expect(second).toEqual(first);
    const writes = rec.calls.filter((c) => c.op === 'writeFile');
    expect(writes).toEqual([]);
    const commands = rec.commands.map((a) => a.join(' '));
    expect(commands.filter((c) => !/^(ip (-4 |-6 )?-j |nft -j list |dnsmasq --(version|help)$)/.test(c))).toEqual([]);
    await stopNetwork(ctx, 'twice');
  });

  it('a start cut off half-way is adopted by the next start; one cut off right after creating the bridge is cleaned up by stop', async () => {
    const net = network(`<network><name>crash</name><forward mode='nat'/><bridge name='vfcr0'/><ip address='10.82.0.1' prefix='24'><dhcp><range start='10.82.0.2' end='10.82.0.9'/></dhcp></ip></network>`);
    // The connection drops as dnsmasq is about to start: bridge and rules exist, dnsmasq does not.
    const cut = new RecordingTransport(t, (c) => c.op === 'exec' && c.argv[0] === 'dnsmasq' && c.argv[1].startsWith('--conf-file='));
    await expect(startNetwork({ ...ctx, transport: cut }, net)).rejects.toMatchObject({ name: 'HostError', code: 'CONNECTION_LOST' });
    const half = await networkStatus(ctx, 'crash');
    expect(half).toMatchObject({ active: false, phase: 'starting', bridgeExists: true, chains: ['nw-vfcr0-fwd', 'nw-vfcr0-nat'], dnsmasqPid: null, problems: ['dnsmasq is not running'] });
    const ifindex = json<{ ifindex: number }[]>(ns.run(['ip', '-j', 'link', 'show', 'dev', 'vfcr0']))[0].ifindex;

    const rec = new RecordingTransport(t);
    const done = await startNetwork({ ...ctx, transport: rec }, net);
    expect(done).toMatchObject({ active: true, phase: 'active', problems: [] });
    // Adopted, not recreated: same device, and no bridge or rule was made again.
    expect(json<{ ifindex: number }[]>(ns.run(['ip', '-j', 'link', 'show', 'dev', 'vfcr0']))[0].ifindex).toBe(ifindex);
    expect(rec.commands.filter((a) => (a[0] === 'ip' && a[1] === 'link' && a[2] === 'add') || (a[0] === 'nft' && a[1] === '-f'))).toEqual([]);
    await stopNetwork(ctx, 'crash');
    expect(links(ns)).toEqual(['lo']);

    // Cut right after dnsmasq started, before the record says so: the next start adopts that
    // dnsmasq (same pid) instead of starting a second one.
    let launched = false;
    const late = new RecordingTransport(t, (c) => {
      if (c.op === 'exec' && c.argv[0] === 'dnsmasq' && c.argv[1].startsWith('--conf-file=')) launched = true;
      else if (launched && c.op === 'writeFile') return true;
      return false;
    });
    await expect(startNetwork({ ...ctx, transport: late }, net)).rejects.toMatchObject({ code: 'CONNECTION_LOST' });
    const orphanPid = Number(fs.readFileSync(`${ctx.runDir}/dnsmasq/crash.pid`, 'utf8'));
    expect(alive(orphanPid)).toBe(true);
    expect((await startNetwork(ctx, net)).dnsmasqPid).toBe(orphanPid);
    await stopNetwork(ctx, 'crash');
    expect(alive(orphanPid)).toBe(false);

    // Cut right after `ip link add`, before the bridge got virtform's ifalias.
    const early = new RecordingTransport(t, (c) => c.op === 'exec' && c.argv.includes('alias'));
    await expect(startNetwork({ ...ctx, transport: early }, net)).rejects.toMatchObject({ code: 'CONNECTION_LOST' });
    expect(json<{ ifname: string; ifalias?: string }[]>(ns.run(['ip', '-j', 'link', 'show', 'dev', 'vfcr0']))[0].ifalias).toBeUndefined();
    expect((await stopNetwork(ctx, 'crash')).removed).toEqual(['bridge vfcr0']);
    expect(links(ns)).toEqual(['lo']);
    expect(tables(ns)).toEqual([]);
  });

  it('a start that fails with the host reachable is undone; a bridge virtform did not create is never taken over', async () => {
    const net = network(`<network><name>fails</name><forward mode='nat'/><bridge name='vffl0'/><ip address='10.83.0.1' prefix='24'/></network>`);
    await expect(startNetwork({ ...ctx, dnsmasqBinary: '/bin/false' }, net)).rejects.toMatchObject({ code: 'COMMAND_FAILED' });
    expect(links(ns)).toEqual(['lo']);
    expect(tables(ns)).toEqual([]);
    expect(fs.readdirSync(`${ctx.runDir}/networks`)).toEqual([]);

    ns.run(['ip', 'link', 'add', 'vffl0', 'type', 'bridge']);
    await expect(startNetwork(ctx, net)).rejects.toThrow(
      new NetworkError('CONFLICT', `${t.hostLabel}: network 'fails' needs to create bridge vffl0, but a bridge of that name exists and virtform did not create it. Choose another bridge name, or use forward mode='bridge' to attach guests to the existing bridge.`),
    );
    expect(links(ns)).toEqual(['lo', 'vffl0']);
    expect(tables(ns)).toEqual([]);
  });

  itIf(TAP)("forward mode='bridge': an existing host bridge is only checked, guests' taps join it, and stop leaves it", async () => {
    const net = network(`<network><name>hostbr</name><forward mode='bridge'/><bridge name='br-host'/></network>`);
    await expect(startNetwork(ctx, net)).rejects.toMatchObject({ code: 'MISSING' });
    ns.run(['ip', 'link', 'add', 'br-host', 'type', 'bridge']);
    const status = await startNetwork(ctx, net);
    expect(status).toMatchObject({ active: true, kind: 'bridge', bridge: 'br-host', chains: [], dnsmasqPid: null });
    const tap = await prepareInterfaceTap(t, net, 'vm1', 0, { mtu: 1450 });
    expect(tap).toMatchObject({ bridge: 'br-host', mtu: 1450, created: true });
    expect((await prepareInterfaceTap(t, net, 'vm1', 0, { mtu: 1450 })).created).toBe(false);
    expect(await stopNetwork(ctx, 'hostbr')).toEqual({ name: 'hostbr', wasRunning: true, removed: [], detachedPorts: [], leftInPlace: [] });
    expect(links(ns)).toEqual(['br-host', 'lo', tap.ifname].sort());
    await releaseInterfaceTap(t, 'vm1', 0);
    expect(links(ns)).toEqual(['br-host', 'lo']);
  });

  it('a DHCP host added to a running network reaches dnsmasq by SIGHUP, without a restart', async () => {
    const xml = (hosts: string) => `<network><name>hup</name><bridge name='vfhup0' stp='off'/>
      <ip address='10.84.0.1' prefix='24'><dhcp><range start='10.84.0.100' end='10.84.0.110'/>${hosts}</dhcp></ip></network>`;
    const before = await startNetwork(ctx, network(xml('')));
    // A DHCP client in a namespace of its own, cabled to the bridge with a veth pair.
    const client = `${ns.name}c`;
    execFileSync('ip', ['netns', 'add', client]);
    try {
      ns.run(['ip', 'link', 'add', 'vfve0', 'type', 'veth', 'peer', 'name', 'eth0', 'address', '52:54:00:0b:00:07', 'netns', client]);
      ns.run(['ip', 'link', 'set', 'vfve0', 'master', 'vfhup0', 'up']);
      execFileSync('ip', ['netns', 'exec', client, 'ip', 'link', 'set', 'eth0', 'up']);
      const ask = (): string => {
        const r = execFileSync('sh', ['-c', 'ip netns exec "$1" busybox udhcpc -i eth0 -n -q -f -t 10 -T 1 -s /bin/true 2>&1', 'sh', client], { encoding: 'utf8' });
        return /lease of (\S+) obtained/.exec(r)?.[1] ?? `no lease: ${r}`;
      };
      expect(ask()).toMatch(/^10\.84\.0\.1(0\d|10)$/);

      const changed = network(xml("<host mac='52:54:00:0b:00:07' name='fixed' ip='10.84.0.7'/>"));
      expect(await updateNetworkHosts(ctx, changed)).toEqual({ changed: true, dnsmasqPid: before.dnsmasqPid });
      expect(fs.readFileSync(`${ctx.runDir}/dnsmasq/hup.hostsfile`, 'utf8')).toBe('52:54:00:0b:00:07,10.84.0.7,fixed\n');
      expect(ask()).toBe('10.84.0.7');
      expect(await updateNetworkHosts(ctx, changed)).toEqual({ changed: false, dnsmasqPid: before.dnsmasqPid });
      expect((await networkStatus(ctx, 'hup')).dnsmasqPid).toBe(before.dnsmasqPid);

      // Anything beyond hosts needs a restart.
      await expect(updateNetworkHosts(ctx, network(xml('').replace("prefix='24'", "prefix='16'")))).rejects.toMatchObject({ code: 'ACTIVE_DIFFERENT' });
      await expect(startNetwork(ctx, network(xml('').replace('vfhup0', 'vfhup1')))).rejects.toMatchObject({ code: 'ACTIVE_DIFFERENT' });
    } finally {
      execFileSync('ip', ['netns', 'del', client]);
    }
    await stopNetwork(ctx, 'hup');
  });

  it('networks from the state store: a bridge name is picked, only the owning stack starts or stops it, and the host lock is checked', async () => {
    const stateDir = `${ns.dir}/state`;
    const store = new StateStore(t, stateDir, { actor: { user: 'alice', clientHost: 'laptop' } });
    await store.init();
    const lock = await HostLock.acquire(t, stateDir, { command: 'virtform apply', stack: 'lab' });
    const lctx = { ...ctx, lock };
    try {
      ns.run(['ip', 'link', 'add', 'virbr0', 'type', 'bridge']);
      const bare = network(`<network><name>stored</name><forward mode='nat'/><ip address='10.85.0.1' prefix='24'/></network>`);
      const named = await assignBridgeName(store, bare);
      expect(named.bridge).toEqual({ name: 'virbr1', stp: 'on', delay: 0 });
      const xml = formatNetworkXml(named);
      await store.define({ kind: 'network', name: 'stored' }, { xml, specHash: hashSpec(xml) }, { stack: 'lab', lock });
      // The next network avoids both the host's virbr0 and the stored network's virbr1.
      expect((await assignBridgeName(store, network(`<network><name>other</name><ip address='10.86.0.1' prefix='24'/></network>`))).bridge?.name).toBe('virbr2');

      await expect(startDefinedNetwork(lctx, store, 'stored', 'other-stack')).rejects.toMatchObject({ name: 'StateError', code: 'OTHER_STACK' });
      const status = await startDefinedNetwork(lctx, store, 'stored', 'lab');
      expect(status).toMatchObject({ active: true, bridge: 'virbr1', kind: 'nat' });

      fs.writeFileSync(`${stateDir}/networks/handmade.xml`, `<network><name>handmade</name><bridge name='vfhm0'/></network>\n`);
      await expect(startDefinedNetwork(lctx, store, 'handmade', 'lab')).rejects.toMatchObject({ name: 'StateError', code: 'NOT_OWNED' });
      await expect(startDefinedNetwork(lctx, store, 'nosuch', 'lab')).rejects.toMatchObject({ code: 'MISSING' });
      await expect(stopDefinedNetwork(lctx, store, 'stored', 'other-stack')).rejects.toMatchObject({ code: 'OTHER_STACK' });
      expect((await stopDefinedNetwork(lctx, store, 'stored', 'lab')).removed).toContain('bridge virbr1');

      await lock.release();
      await expect(startNetwork(lctx, named)).rejects.toMatchObject({ name: 'StateError', code: 'LOCK_NOT_HELD' });
      expect(links(ns)).toEqual(['lo', 'virbr0']);
    } finally {
      await lock.release();
    }
  });
});
