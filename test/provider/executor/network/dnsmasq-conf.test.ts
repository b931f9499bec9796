import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { parseNetworkXml, applyNetworkDefaults, validateNetwork } from '../../../../model/network';
import {
  dnsmasqConfig,
  parseDnsmasqCaps,
  DnsmasqConfigError,
  type DnsmasqCaps,
} from '../../../../provider/executor/network/dnsmasq-conf';
import { CORPUS_DIR, describeWithCorpus } from '../../../support/corpus-dir';

/** The capabilities libvirt's networkxml2conftest uses for every case. */
const CAPS_2_67: DnsmasqCaps = parseDnsmasqCaps('Dnsmasq version 2.67\n--bind-dynamic\n--ra-param');
const STATE = '/var/lib/libvirt/dnsmasq';
const HEADER = (name: string) => `##WARNING:  THIS IS AN AUTO-GENERATED FILE. CHANGES TO IT ARE LIKELY TO BE
##OVERWRITTEN AND LOST.  Changes to this configuration should be made using:
##    virsh net-edit ${name}
## or other application using the libvirt API.
##
## dnsmasq conf file created by libvirt
strict-order
`;

function network(xml: string) {
  const net = parseNetworkXml(xml, 'net.xml');
  expect(validateNetwork(net)).toEqual([]);
  return applyNetworkDefaults(net);
}

const conf = (xml: string, caps = CAPS_2_67, extra: { pidFile?: string } = {}) => dnsmasqConfig({ network: network(xml), caps, stateDir: STATE, ...extra });

describe('dnsmasq configuration of a network', () => {
  it('reads the capabilities from dnsmasq --version and --help output', () => {
    expect(parseDnsmasqCaps('Dnsmasq version 2.90  Copyright (c) 2000-2024 Simon Kelley\n    --bind-dynamic   Bind to interfaces in use\n')).toEqual({
      version: [2, 90],
      bindDynamic: true,
      bindToDevice: false,
      raParam: false,
    });
    expect(() => parseDnsmasqCaps('dnsmasq: command not found')).toThrow(DnsmasqConfigError);
  });

  it('configures an isolated network with DHCP, static hosts and lease times', () => {
    const r = conf(`<network>
  <name>iso</name>
  <bridge name='virbr9'/>
  <ip address='10.9.0.1' prefix='24'>
    <dhcp>
      <range start='10.9.0.100' end='10.9.0.199'><lease expiry='2' unit='hours'/></range>
      <host mac='52:54:00:AA:00:01' name='web' ip='10.9.0.10'><lease expiry='0'/></host>
      <host name='db' ip='10.9.0.11'/>
    </dhcp>
  </ip>
</network>`, CAPS_2_67, { pidFile: '/run/virtform/iso/dnsmasq.pid' });
    expect(r.conf).toBe(HEADER('iso') + `pid-file=/run/virtform/iso/dnsmasq.pid
except-interface=lo
bind-dynamic
interface=virbr9
dhcp-option=3
no-resolv
ra-param=*,0,0
dhcp-range=10.9.0.100,10.9.0.199,255.255.255.0,2h
dhcp-no-override
dhcp-authoritative
dhcp-lease-max=100
dhcp-hostsfile=/var/lib/libvirt/dnsmasq/iso.hostsfile
addn-hosts=/var/lib/libvirt/dnsmasq/iso.addnhosts
`);
    expect(r.hostsfile).toBe('52:54:00:aa:00:01,10.9.0.10,web,infinite\ndb,10.9.0.11\n');
    expect(r.hostsfilePath).toBe('/var/lib/libvirt/dnsmasq/iso.hostsfile');
  });

  it('writes DNS forwarders, SRV fields by position, and the additional hosts', () => {
    const r = conf(`<network>
  <name>dns</name>
  <forward mode='nat'/>
  <bridge name='virbr1'/>
  <domain name='lab' localOnly='yes'/>
  <dns forwardPlainNames='no'>
    <forwarder addr='9.9.9.9'/>
    <forwarder domain='corp.example'/>
    <srv service='sip' protocol='udp' target='pbx.lab' weight='5'/>
    <srv service='gone' protocol='tcp' target='.' port='80'/>
    <host ip='10.1.0.5'><hostname>a</hostname><hostname>b</hostname></host>
    <host ip='10.1.0.5'><hostname>c</hostname></host>
  </dns>
  <ip address='10.1.0.1' prefix='24'/>
</network>`);
    expect(r.conf).toBe(HEADER('dns') + `server=9.9.9.9
server=/corp.example/#
no-resolv
local=/lab/
domain=lab
expand-hosts
domain-needed
local=//
except-interface=lo
bind-dynamic
interface=virbr1
srv-host=_sip._udp,pbx.lab,1,0,5
srv-host=_gone._tcp
addn-hosts=/var/lib/libvirt/dnsmasq/dns.addnhosts
`);
    expect(r.addnhosts).toBe('10.1.0.5\ta\tb\tc\t\n');
    expect(r.hostsfile).toBe('');
  });

  it('turns DNS off with port=0 and lists no hosts files', () => {
    expect(conf(`<network><name>r</name><forward mode='route' dev='eth0'/><bridge name='virbr2'/><dns enable='no'/><ip address='10.2.0.1' prefix='24'/></network>`).conf).toBe(
      HEADER('r') + 'port=0\nexcept-interface=lo\nbind-dynamic\ninterface=virbr2\n',
    );
  });

  it('listens on each address when dnsmasq lacks --bind-dynamic, and refuses a public one', () => {
    const old: DnsmasqCaps = { version: [2, 62], bindDynamic: false, bindToDevice: false, raParam: false };
    const xml = (addr: string) => `<network><name>o</name><forward/><bridge name='virbr3'/><ip address='${addr}' prefix='24'/></network>`;
    expect(conf(xml('192.168.50.1'), old).conf).toBe(HEADER('o') + `except-interface=lo
bind-interfaces
listen-address=192.168.50.1
addn-hosts=/var/lib/libvirt/dnsmasq/o.addnhosts
`);
    expect(() => conf(xml('203.0.113.1'), old)).toThrow(
      "network 'o': public address 203.0.113.1 needs dnsmasq with --bind-dynamic or SO_BINDTODEVICE, and dnsmasq 2.62 has neither (fix: upgrade dnsmasq or use a private subnet, RFC 1918/4193; see CVE-2012-3411)",
    );
  });

  it('refuses DHCPv6 with a dnsmasq older than 2.64 and a network without a bridge name', () => {
    const v6 = `<network><name>six</name><forward/><bridge name='virbr4'/><ip family='ipv6' address='fd00::1' prefix='64'><dhcp><range start='fd00::10' end='fd00::20'/></dhcp></ip></network>`;
    expect(() => conf(v6, { ...CAPS_2_67, version: [2, 63] })).toThrow(
      "network 'six': DHCPv6 needs dnsmasq 2.64 or later, this host has 2.63 (fix: upgrade dnsmasq or remove the IPv6 <dhcp>)",
    );
    expect(() => conf(`<network><name>nb</name><forward/><ip address='10.3.0.1' prefix='24'/></network>`)).toThrow(
      "network 'nb' has no bridge name (fix: apply the provider's bridge naming, or set <bridge name='virbrN'/>)",
    );
  });

  it('refuses a network that does not validate, with its issues', () => {
    const net = parseNetworkXml(`<network><name>bad</name><forward/><bridge name='virbr6'/>\n<ip address='10.6.0.1' prefix='24'><dhcp><range start='10.6.0.9' end='10.6.0.2'/></dhcp></ip></network>`, 'bad.xml');
    expect(() => dnsmasqConfig({ network: net, caps: CAPS_2_67, stateDir: STATE })).toThrow(
      "network 'bad' is not valid: bad.xml:2: /network/ip[1]/dhcp/range[1]: DHCP range 10.6.0.9 - 10.6.0.2 is reversed (start is after end) (fix: swap start and end)",
    );
  });

  it("XML-escapes the hosts file paths as libvirt does, and reports the path as the conf spells it", () => {
    const r = conf(`<network><name>a"b</name><forward/><bridge name='virbr5'/><ip address='10.5.0.1' prefix='24'><dhcp><host mac='52:54:00:00:00:05' ip='10.5.0.5'/></dhcp></ip></network>`);
    expect(r.conf.split('\n').filter((l) => l.includes('hosts'))).toEqual([
      'dhcp-hostsfile=/var/lib/libvirt/dnsmasq/a&quot;b.hostsfile',
      'addn-hosts=/var/lib/libvirt/dnsmasq/a&quot;b.addnhosts',
    ]);
    expect(r.conf).toContain('##    virsh net-edit a"b\n');
    expect(r.hostsfilePath).toBe('/var/lib/libvirt/dnsmasq/a&quot;b.hostsfile');
  });
});

const CONF_DIR = 'tests/networkxml2confdata';

describeWithCorpus("libvirt's networkxml2confdata cases", CONF_DIR, () => {
  const dir = path.join(CORPUS_DIR, CONF_DIR);
  const names = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.xml')).map((f) => f.slice(0, -4)).sort() : [];

  it('has all 27 cases', () => {
    expect(names.length).toBe(27);
  });

  it.each(names)('%s: the .conf and .hostsfile match libvirt byte for byte', (name) => {
    const net = parseNetworkXml(fs.readFileSync(path.join(dir, `${name}.xml`), 'utf8'), `${name}.xml`);
    expect(validateNetwork(net)).toEqual([]);
    const r = dnsmasqConfig({ network: applyNetworkDefaults(net), caps: CAPS_2_67, stateDir: STATE });
    expect(r.conf).toBe(fs.readFileSync(path.join(dir, `${name}.conf`), 'utf8'));
    const hostsfile = path.join(dir, `${name}.hostsfile`);
    expect(r.hostsfile).toBe(fs.existsSync(hostsfile) ? fs.readFileSync(hostsfile, 'utf8') : '');
  });
});

const dnsmasq = spawnSync('dnsmasq', ['--version'], { encoding: 'utf8' });
const noDnsmasq = dnsmasq.error ? `dnsmasq is not installed (${(dnsmasq.error as NodeJS.ErrnoException).code})` : undefined;
(noDnsmasq ? describe.skip : describe)(`the real dnsmasq accepts the generated configuration${noDnsmasq ? ` (skipped: ${noDnsmasq})` : ''}`, () => {
  let state: string;
  beforeAll(() => {
    state = fs.mkdtempSync(path.join(os.tmpdir(), 'virtform-dnsmasq-'));
  });
  afterAll(() => fs.rmSync(state, { recursive: true, force: true }));

  it("reads this host's dnsmasq capabilities from its own output", () => {
    const help = spawnSync('dnsmasq', ['--help'], { encoding: 'utf8' });
    const caps = parseDnsmasqCaps(dnsmasq.stdout + help.stdout);
    const m = /Dnsmasq version (\d+)\.(\d+)/.exec(dnsmasq.stdout)!;
    expect(caps.version).toEqual([Number(m[1]), Number(m[2])]);
    expect(caps.bindDynamic).toBe(help.stdout.includes('--bind-dynamic'));
  });

  it('passes dnsmasq --test for a network using every feature', () => {
    const r = dnsmasqConfig({
      network: network(`<network xmlns:dnsmasq='http://libvirt.org/schemas/network/dnsmasq/1.0'>
  <name>full</name>
  <forward mode='nat'/>
  <bridge name='virbr7'/>
  <mtu size='9000'/>
  <domain name='full.test' localOnly='yes'/>
  <dns forwardPlainNames='no'>
    <forwarder addr='192.0.2.53'/>
    <forwarder domain='corp.example' addr='192.0.2.54'/>
    <txt name='info' value='hello world'/>
    <srv service='http' protocol='tcp' domain='full.test' target='web.full.test' port='80' priority='1' weight='10'/>
    <host ip='10.7.0.5'><hostname>web</hostname></host>
  </dns>
  <ip address='10.7.0.1' prefix='24' localPtr='yes'>
    <tftp root='${state}'/>
    <dhcp>
      <range start='10.7.0.100' end='10.7.0.200'><lease expiry='1' unit='hours'/></range>
      <host mac='52:54:00:00:07:05' name='web' ip='10.7.0.5'/>
      <bootp file='pxelinux.0'/>
    </dhcp>
  </ip>
  <ip family='ipv6' address='fd00:7::1' prefix='64'>
    <dhcp><range start='fd00:7::100' end='fd00:7::1ff'/><host id='0:3:0:1:0:16:3e:11:22:33' name='six' ip='fd00:7::5'/></dhcp>
  </ip>
  <dnsmasq:options><dnsmasq:option value='log-dhcp'/></dnsmasq:options>
</network>`),
      caps: parseDnsmasqCaps(dnsmasq.stdout + spawnSync('dnsmasq', ['--help'], { encoding: 'utf8' }).stdout),
      stateDir: state,
      pidFile: path.join(state, 'full.pid'),
    });
    const confFile = path.join(state, 'full.conf');
    fs.writeFileSync(confFile, r.conf);
    fs.writeFileSync(r.hostsfilePath, r.hostsfile);
    fs.writeFileSync(r.addnhostsPath, r.addnhosts);
    const check = spawnSync('dnsmasq', ['--test', `--conf-file=${confFile}`], { encoding: 'utf8' });
    expect({ status: check.status, stderr: check.stderr.trim() }).toEqual({ status: 0, stderr: 'dnsmasq: syntax check OK.' });
  });
});
