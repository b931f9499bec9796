/**
 * The device sections' command line, as virtform launches it (no fd passing: QEMU opens files
 * and sockets itself), accepted by the real QEMU of this machine: the domain goes through the
 * whole pipeline (prepare.ts, then buildQemuCommandLine), QEMU starts paused (TCG) and QMP shows
 * every device with the id the builder gave it, the host ports and files it opened, and the
 * watchdog action.
 */
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { QmpClient } from '../../../../provider/qemu/qmp';
import { prepareDomainXml } from '../../../../provider/qemu/prepare';
import { buildQemuCommandLine } from '../../../../provider/qemu/argv/build';
import type { ArgvContext } from '../../../../provider/qemu/argv/context';
import { probeQemuCaps } from '../../../../provider/qemu/caps/binary-probe';
import { localProbeHost } from '../../../support/local-host';
import { spawn, type ChildProcess } from 'child_process';
import { connectUnix, describeUnless, makeRunDir, missingBinaryReason, QEMU_X86_64, waitForExit } from '../../../support/qemu';

const skip = missingBinaryReason(QEMU_X86_64);

/**
 * Runs QEMU in the foreground as the executor does (not with -daemonize: the seccomp sandbox the
 * builder asks for, `spawn=deny`, kills a QEMU that forks) with an extra QMP socket, and waits
 * for that socket. Rejects with QEMU's stderr if it exits first.
 */
async function runQemu(args: readonly string[], qmpSocket: string): Promise<ChildProcess> {
  const child = spawn(QEMU_X86_64, [...args, '-qmp', `unix:${qmpSocket},server=on,wait=off`], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const deadline = Date.now() + 20_000;
  while (!fs.existsSync(qmpSocket)) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`QEMU did not start (${child.exitCode ?? child.signalCode}): ${stderr}`);
    if (Date.now() > deadline) throw new Error(`QEMU did not create its QMP socket: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return child;
}

/** A free TCP port on 127.0.0.1 (for the slirp host forward). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

describeUnless(skip)('device command line on real QEMU (TCG, paused)', () => {
  let vm: ChildProcess;
  let qmp: QmpClient;
  let dir: string;
  let fwdPort: number;
  const shmName = `vf-shm-${process.pid}`;

  beforeAll(async () => {
    dir = makeRunDir('devices');
    fwdPort = await freePort();
    const libDir = path.join(dir, 'lib');
    fs.mkdirSync(libDir);
    // The master key QEMU decrypts secrets with (the builder always declares it).
    fs.writeFileSync(path.join(libDir, 'master-key.aes'), Buffer.alloc(32, 7));
    const xml = `<domain type='qemu'>
  <name>vf-devices</name>
  <memory unit='MiB'>128</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>
    <emulator>${QEMU_X86_64}</emulator>
    <interface type='user'>
      <mac address='52:54:00:7a:22:01'/>
      <portForward proto='tcp' address='127.0.0.1'><range start='${fwdPort}' to='22'/></portForward>
      <model type='virtio'/>
      <driver queues='2' rx_queue_size='512'/>
    </interface>
    <interface type='user'><mac address='52:54:00:7a:22:02'/><model type='e1000e'/></interface>
    <serial type='file'><source path='${dir}/serial0.log'/><log file='${dir}/serial0-copy.log'/><target port='0'/></serial>
    <serial type='pty'><target port='1'/></serial>
    <channel type='unix'><source mode='bind' path='${dir}/agent.sock'/><target type='virtio' name='org.qemu.guest_agent.0'/></channel>
    <input type='tablet' bus='usb'/>
    <input type='keyboard' bus='virtio'/>
    <graphics type='vnc'><listen type='socket' socket='${dir}/vnc.sock'/></graphics>
    <audio id='1' type='none'/>
    <sound model='ich9'><codec type='micro'/></sound>
    <sound model='ac97'/>
    <video><model type='qxl' heads='1'/></video>
    <video><model type='virtio' heads='2'/></video>
    <watchdog model='i6300esb' action='poweroff'/>
    <memballoon model='virtio' autodeflate='on' freePageReporting='on'/>
    <rng model='virtio'><rate bytes='1024' period='2000'/><backend model='random'>/dev/urandom</backend></rng>
    <panic model='isa'><address type='isa' iobase='0x505'/></panic>
    <shmem name='${shmName}'><model type='ivshmem-plain'/><size unit='M'>4</size></shmem>
  </devices>
</domain>`;
    const caps = await probeQemuCaps(localProbeHost(), QEMU_X86_64);
    const ctx: ArgvContext = {
      caps,
      host: { numaNodes: [0], hugetlbfs: [], systemPageSizeKiB: 4 },
      paths: {
        domainLibDir: libDir,
        channelTargetDir: path.join(dir, 'channel'),
        hugepageSubdir: 'virtform',
        memoryBackingDir: path.join(dir, 'ram'),
        nvramDir: path.join(dir, 'nvram'),
        runDir: dir,
      },
      monitor: { kind: 'socket', path: path.join(dir, 'monitor.sock') },
      launchEnv: {},
      domainId: 1,
      fdPassing: 'none',
      config: {},
    };
    const def = prepareDomainXml(xml, caps, { launch: true, validateWith: ctx }, 'devices.xml');
    const args = buildQemuCommandLine(def, ctx).args;
    const qmpSocket = path.join(dir, 'qmp.sock');
    vm = await runQemu(args, qmpSocket);
    qmp = await QmpClient.connect(await connectUnix(qmpSocket), { label: qmpSocket });
  }, 60_000);

  afterAll(async () => {
    await qmp?.close();
    if (vm?.pid !== undefined && vm.exitCode === null) {
      vm.kill('SIGKILL');
      await waitForExit(vm.pid, 5000);
    }
    fs.rmSync(`/dev/shm/${shmName}`, { force: true });
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('creates every device under the id the builder gave it', async () => {
    const peripherals = (await qmp.execute<{ name: string; type: string }[]>('qom-list', { path: '/machine/peripheral' }))
      .filter((p) => p.type.startsWith('child<'))
      .map((p) => `${p.name}=${p.type.slice(6, -1)}`)
      .sort();
    expect(peripherals).toEqual(
      [
        'balloon0=virtio-balloon-pci',
        'channel0=virtserialport',
        'input0=usb-tablet',
        'input1=virtio-keyboard-pci',
        'net0=virtio-net-pci',
        'net1=e1000e',
        'rng0=virtio-rng-pci',
        'serial0=isa-serial',
        'serial1=isa-serial',
        'shmem0=ivshmem-plain',
        'sound0=ich9-intel-hda',
        'sound0-codec0=hda-micro',
        'sound1=AC97',
        'usb=piix3-usb-uhci',
        'video0=qxl-vga',
        'video1=virtio-gpu-pci',
        'virtio-serial0=virtio-serial-pci',
        'watchdog0=i6300esb',
      ].sort(),
    );
  });

  it('gives the devices the properties from the domain', async () => {
    const get = (id: string, property: string) => qmp.execute('qom-get', { path: `/machine/peripheral/${id}`, property });
    expect(await get('net0', 'mac')).toBe('52:54:00:7a:22:01');
    expect(await get('net0', 'mq')).toBe(true);
    expect(await get('net0', 'rx_queue_size')).toBe(512);
    expect(await get('balloon0', 'deflate-on-oom')).toBe(true);
    expect(await get('balloon0', 'free-page-reporting')).toBe(true);
    expect(await get('rng0', 'max-bytes')).toBe(1024);
    expect(await get('rng0', 'period')).toBe(2000);
    expect(await get('video1', 'max_outputs')).toBe(2);
    expect(await get('shmem0', 'memdev')).toBe('/objects/shmmem-shmem0');
  });

  it('opens the chardev backends: files, a pty and listening sockets', async () => {
    const chardevs = await qmp.execute<{ label: string; filename: string }[]>('query-chardev');
    const byLabel = new Map(chardevs.map((c) => [c.label, c.filename]));
    expect(byLabel.get('charserial0')).toBe(`file`);
    expect(byLabel.get('charserial1')).toMatch(/^pty:\/dev\/pts\/\d+$/);
    expect(byLabel.get('charchannel0')).toBe(`disconnected:unix:${dir}/agent.sock,server=on`);
    expect(fs.existsSync(`${dir}/serial0.log`)).toBe(true);
    expect(fs.existsSync(`${dir}/serial0-copy.log`)).toBe(true);
    expect(fs.statSync(`${dir}/vnc.sock`).isSocket()).toBe(true);
  });

  it('forwards the host port into the guest and uses the watchdog action', async () => {
    const usernet = await qmp.execute<string>('human-monitor-command', { 'command-line': 'info usernet' });
    expect(usernet).toMatch(new RegExp(`TCP\\[HOST_FORWARD\\]\\s+\\d+\\s+127\\.0\\.0\\.1\\s+${fwdPort}\\s+10\\.0\\.2\\.15\\s+22`));
    const watchdog = await qmp.execute<string>('human-monitor-command', { 'command-line': 'info qtree' });
    expect(watchdog).toContain('dev: i6300esb, id "watchdog0"');
  });
});

describeUnless(skip)('SPICE, USB redirection, smartcard and IOMMU command line on real QEMU (q35, TCG, paused)', () => {
  let vm: ChildProcess;
  let qmp: QmpClient;
  let dir: string;

  beforeAll(async () => {
    dir = makeRunDir('spice');
    const libDir = path.join(dir, 'lib');
    fs.mkdirSync(libDir);
    fs.writeFileSync(path.join(libDir, 'master-key.aes'), Buffer.alloc(32, 7));
    const xml = `<domain type='qemu'>
  <name>vf-spice</name>
  <memory unit='MiB'>128</memory>
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
  <features><acpi/><ioapic driver='qemu'/></features>
  <devices>
    <controller type='usb' index='0' model='qemu-xhci'/>
    <controller type='ccid' index='0'/>
    <smartcard mode='passthrough' type='spicevmc'><address type='ccid' controller='0' slot='0'/></smartcard>
    <serial type='tcp'><source mode='bind' host='127.0.0.1' service='0'/><protocol type='telnet'/><target port='0'/></serial>
    <parallel type='unix'><source mode='bind' path='${dir}/lpt.sock'/><target port='0'/></parallel>
    <channel type='spicevmc'><target type='virtio' name='com.redhat.spice.0'/></channel>
    <graphics type='spice'>
      <listen type='socket' socket='${dir}/spice.sock'/>
      <image compression='auto_glz'/><streaming mode='filter'/><clipboard copypaste='no'/><mouse mode='client'/>
    </graphics>
    <audio id='1' type='spice'/>
    <sound model='ich6'/>
    <video><model type='virtio' heads='1' primary='yes'/></video>
    <redirdev bus='usb' type='spicevmc'/>
    <redirdev bus='usb' type='unix'><source mode='bind' path='${dir}/redir.sock'/></redirdev>
    <redirfilter><usbdev class='0x08' vendor='0x15E1' product='0x2007' version='1.10' allow='yes'/><usbdev allow='no'/></redirfilter>
    <memballoon model='none'/>
    <iommu model='intel'><driver intremap='on' caching_mode='on'/></iommu>
  </devices>
</domain>`;
    const caps = await probeQemuCaps(localProbeHost(), QEMU_X86_64);
    const ctx: ArgvContext = {
      caps,
      host: { numaNodes: [0], hugetlbfs: [], systemPageSizeKiB: 4 },
      paths: {
        domainLibDir: libDir,
        channelTargetDir: path.join(dir, 'channel'),
        hugepageSubdir: 'virtform',
        memoryBackingDir: path.join(dir, 'ram'),
        nvramDir: path.join(dir, 'nvram'),
        runDir: dir,
      },
      monitor: { kind: 'socket', path: path.join(dir, 'monitor.sock') },
      launchEnv: {},
      domainId: 2,
      fdPassing: 'none',
      config: {},
    };
    const def = prepareDomainXml(xml, caps, { launch: true, validateWith: ctx }, 'spice.xml');
    const qmpSocket = path.join(dir, 'qmp.sock');
    vm = await runQemu(buildQemuCommandLine(def, ctx).args, qmpSocket);
    qmp = await QmpClient.connect(await connectUnix(qmpSocket), { label: qmpSocket });
  }, 60_000);

  afterAll(async () => {
    await qmp?.close();
    if (vm?.pid !== undefined && vm.exitCode === null) {
      vm.kill('SIGKILL');
      await waitForExit(vm.pid, 5000);
    }
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('creates the devices under their ids', async () => {
    const peripherals = (await qmp.execute<{ name: string; type: string }[]>('qom-list', { path: '/machine/peripheral' }))
      .filter((p) => p.type.startsWith('child<'))
      .map((p) => `${p.name}=${p.type.slice(6, -1)}`)
      .sort();
    // Besides the devices of the domain: the controllers the Q35 defaults add (root ports, a PCIe-to-PCI bridge).
    expect(peripherals).toEqual(
      [
        'ccid0=usb-ccid',
        'channel0=virtserialport',
        'iommu0=intel-iommu',
        'parallel0=isa-parallel',
        'pci.1=pcie-root-port',
        'pci.2=pcie-pci-bridge',
        'pci.3=pcie-root-port',
        'pci.4=pcie-root-port',
        'pci.5=pcie-root-port',
        'redir0=usb-redir',
        'redir1=usb-redir',
        'serial0=isa-serial',
        'smartcard0=ccid-card-passthru',
        'sound0-codec0=hda-duplex',
        'sound0=intel-hda',
        'usb=qemu-xhci',
        'video0=virtio-vga',
        'virtio-serial0=virtio-serial-pci',
      ].sort(),
    );
  });

  it('runs SPICE on its unix socket with the requested options and the redirection filter', async () => {
    const spice = await qmp.execute<{ enabled: boolean; 'mouse-mode': string; host?: string }>('query-spice');
    expect(spice.enabled).toBe(true);
    expect(fs.statSync(`${dir}/spice.sock`).isSocket()).toBe(true);
    const get = (id: string, property: string) => qmp.execute('qom-get', { path: `/machine/peripheral/${id}`, property });
    expect(await get('redir1', 'filter')).toBe('0x08:0x15E1:0x2007:0x0110:1|-1:-1:-1:-1:0');
    expect(await get('iommu0', 'caching-mode')).toBe(true);
    const chardevs = new Map((await qmp.execute<{ label: string; filename: string }[]>('query-chardev')).map((c) => [c.label, c.filename]));
    expect(chardevs.get('charserial0')).toMatch(/^disconnected:telnet:127\.0\.0\.1:\d+,server=on$/);
    expect(chardevs.get('charredir0')).toBe('spicevmc');
    expect(chardevs.get('charsmartcard0')).toBe('spicevmc');
    expect(fs.statSync(`${dir}/redir.sock`).isSocket()).toBe(true);
    expect(fs.statSync(`${dir}/lpt.sock`).isSocket()).toBe(true);
  });
});
