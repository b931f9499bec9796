/**
 * What the launcher sends QEMU between its start and `cont` (startupQmpCommands), as libvirt 9.0
 * does and in its order: display passwords, the balloon's statistics period and target, disk I/O
 * limits, the reboot action, and deleting the thread contexts that only served memory
 * preallocation. The libvirt oracle (test/oracle) checks the
 * visible effects against a real libvirtd; these are the exact commands.
 */
import { ARGV_SECTIONS, ArgvState } from '../../../../provider/qemu/argv/build';
import { QemuCommandLine } from '../../../../provider/qemu/argv/command-line';
import { startupQmpCommands } from '../../../../provider/qemu/argv/startup-actions';
import { CORE_SECTIONS, FIXTURE_CAPS, fixtureContext, parseDomain } from './argv-fixture';

const domain = (body: string, memory = "<memory unit='MiB'>512</memory>"): string => `<domain type='kvm'>
  <name>vm1</name>
  <uuid>6ba7b810-9dad-11d1-80b4-00c04fd430c8</uuid>
  ${memory}
  <vcpu>2</vcpu>
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
  ${body}
</domain>`;

/** The argv-core sections' command line for `xml` (memory, NUMA, memory devices...). */
function coreCommandLine(xml: string): QemuCommandLine {
  const def = parseDomain(xml);
  const cmd = new QemuCommandLine(FIXTURE_CAPS.emulator);
  const state = new ArgvState();
  for (const [name, section] of ARGV_SECTIONS) if (CORE_SECTIONS.has(name)) section(cmd, def, fixtureContext(def.name), state);
  return cmd;
}

describe('startupQmpCommands', () => {
  it('sets the balloon statistics period on the balloon device and the balloon target to the current memory', () => {
    const d = parseDomain(
      domain("<devices><memballoon model='virtio'><stats period='10'/></memballoon></devices>", "<memory unit='MiB'>512</memory><currentMemory unit='MiB'>384</currentMemory>"),
    );
    d.devices!.memballoon!.alias = { name: 'balloon0' };
    expect(startupQmpCommands(d, FIXTURE_CAPS)).toEqual([
      { execute: 'qom-set', arguments: { path: '/machine/peripheral/balloon0', property: 'guest-stats-polling-interval', value: 10 } },
      { execute: 'balloon', arguments: { value: 402653184 } },
    ]);
  });

  it('sets the balloon target (the whole memory when <currentMemory> is not smaller) even without a period', () => {
    const d = parseDomain(domain("<devices><memballoon model='virtio'/></devices>"));
    expect(startupQmpCommands(d, FIXTURE_CAPS)).toEqual([{ execute: 'balloon', arguments: { value: 536870912 } }]);
  });

  it('sends nothing for a domain without a balloon; the reboot action when needed', () => {
    const d = parseDomain(domain("<devices><memballoon model='none'/></devices>"));
    expect(startupQmpCommands(d, FIXTURE_CAPS)).toEqual([]);
    d.onReboot = 'destroy';
    expect(startupQmpCommands(d, FIXTURE_CAPS)).toEqual([{ execute: 'set-action', arguments: { reboot: 'shutdown' } }]);
  });

  it("keeps libvirt's order: display passwords, balloon period and target, disk limits, reboot action, then thread contexts deleted", () => {
    const d = parseDomain(
      domain(
        `<on_reboot>destroy</on_reboot>
        <devices>
          <disk type='file' device='disk'><source file='/i/a.qcow2'/><target dev='vda' bus='virtio'/><iotune><total_iops_sec>300</total_iops_sec></iotune></disk>
          <memballoon model='virtio'><stats period='5'/></memballoon>
        </devices>`,
      ),
    );
    // The aliases prepareDomain gives.
    d.devices!.disks![0].alias = { name: 'virtio-disk0' };
    d.devices!.memballoon!.alias = { name: 'balloon0' };
    const password = { execute: 'set_password', arguments: { protocol: 'vnc', password: 'pw' } };
    expect(startupQmpCommands(d, FIXTURE_CAPS, { displayPasswords: [password], preallocThreadContexts: ['tc-ram-node0', 'tc-memdimm0'] })).toEqual([
      password,
      { execute: 'qom-set', arguments: { path: '/machine/peripheral/balloon0', property: 'guest-stats-polling-interval', value: 5 } },
      { execute: 'balloon', arguments: { value: 536870912 } },
      {
        execute: 'block_set_io_throttle',
        arguments: { id: 'virtio-disk0/virtio-backend', bps: 0, bps_rd: 0, bps_wr: 0, iops: 300, iops_rd: 0, iops_wr: 0, bps_max: 0, bps_rd_max: 0, bps_wr_max: 0, iops_max: 0, iops_rd_max: 0, iops_wr_max: 0, iops_size: 0 },
      },
      { execute: 'set-action', arguments: { reboot: 'shutdown' } },
      { execute: 'object-del', arguments: { id: 'tc-ram-node0' } },
      { execute: 'object-del', arguments: { id: 'tc-memdimm0' } },
    ]);
  });

  it("takes down the link of each NIC with <link state='down'/> by its device alias, after the display passwords and before the balloon", () => {
    const d = parseDomain(
      domain(`<devices>
          <interface type='user'><mac address='52:54:00:00:00:01'/><model type='virtio'/><link state='down'/></interface>
          <interface type='user'><mac address='52:54:00:00:00:02'/><model type='virtio'/><link state='up'/></interface>
          <interface type='user'><mac address='52:54:00:00:00:03'/><model type='e1000e'/></interface>
          <interface type='user'><mac address='52:54:00:00:00:04'/><model type='e1000e'/><link state='down'/></interface>
          <memballoon model='virtio'/>
        </devices>`),
    );
    // The aliases prepareDomain gives.
    d.devices!.interfaces!.forEach((n, i) => (n.alias = { name: `net${i}` }));
    const password = { execute: 'set_password', arguments: { protocol: 'vnc', password: 'pw' } };
    expect(startupQmpCommands(d, FIXTURE_CAPS, { displayPasswords: [password] })).toEqual([
      password,
      { execute: 'set_link', arguments: { name: 'net0', up: false } },
      { execute: 'set_link', arguments: { name: 'net3', up: false } },
      { execute: 'balloon', arguments: { value: 536870912 } },
    ]);
  });

  it('refuses a link to take down on a NIC without an alias (the command line names the NIC by it)', () => {
    const d = parseDomain(domain("<devices><interface type='user'><link state='down'/></interface><memballoon model='none'/></devices>"));
    expect(() => startupQmpCommands(d, FIXTURE_CAPS)).toThrow(
      "the interface at /domain/devices/interface[1] has <link state='down'/> but no device alias; prepare the domain (prepareDomain) before building its start-time commands",
    );
  });

  it('deletes the thread contexts the command line made for preallocation, last', () => {
    const d = parseDomain(domain("<devices><memballoon model='virtio'/></devices>"));
    expect(startupQmpCommands(d, FIXTURE_CAPS, { preallocThreadContexts: ['tc-ram-node0', 'tc-memdimm0'] })).toEqual([
      { execute: 'balloon', arguments: { value: 536870912 } },
      { execute: 'object-del', arguments: { id: 'tc-ram-node0' } },
      { execute: 'object-del', arguments: { id: 'tc-memdimm0' } },
    ]);
  });
});

describe('QemuCommandLine.preallocThreadContexts', () => {
  it('lists the thread-context objects of preallocated memory on host nodes: NUMA cells and DIMMs', () => {
    const cmd = coreCommandLine(
      domain(
        `<maxMemory slots='2' unit='MiB'>2048</maxMemory>
  <memoryBacking><hugepages><page size='2' unit='MiB'/></hugepages></memoryBacking>
  <numatune><memory mode='strict' nodeset='0'/><memnode cellid='1' mode='strict' nodeset='1'/></numatune>
  <cpu><numa><cell id='0' cpus='0' memory='256' unit='MiB'/><cell id='1' cpus='1' memory='256' unit='MiB'/></numa></cpu>
  <devices><memory model='dimm'><target><size unit='MiB'>128</size><node>0</node></target><alias name='dimm0'/></memory></devices>`,
        "<memory unit='MiB'>640</memory>",
      ),
    );
    expect(cmd.args.filter((a) => a.includes('"thread-context"'))).toEqual([
      '{"qom-type":"thread-context","id":"tc-ram-node0","node-affinity":[0]}',
      '{"qom-type":"thread-context","id":"tc-ram-node1","node-affinity":[1]}',
      '{"qom-type":"thread-context","id":"tc-memdimm0","node-affinity":[0]}',
    ]);
    expect(cmd.preallocThreadContexts).toEqual(['tc-ram-node0', 'tc-ram-node1', 'tc-memdimm0']);
  });

  it('is empty when nothing is preallocated on host nodes', () => {
    const cmd = coreCommandLine(domain("<cpu><numa><cell id='0' cpus='0-1' memory='512' unit='MiB'/></numa></cpu>"));
    expect(cmd.preallocThreadContexts).toEqual([]);
  });
});
