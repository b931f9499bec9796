/**
 * The storage part of the command line starts a real QEMU (7.2 here) and builds what the domain
 * describes, as QEMU itself reports it over QMP: a qcow2 image over a raw backing image, a LUKS
 * image opened with a passphrase passed as a master-key-encrypted secret, an empty SATA CD-ROM,
 * a SCSI disk on virtio-scsi, a 9p share, PCIe root ports; then the disk I/O limits sent over QMP. Images are made with the real
 * qemu-img. Skips without qemu-system-x86_64 / qemu-img.
 */
import { execFileSync, spawn } from 'child_process';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { parseDomainXml } from '../../../../model/domain/domain';
import { probeQemuCaps } from '../../../../provider/qemu/caps';
import { prepareDomain } from '../../../../provider/qemu/prepare';
import { buildQemuCommandLine } from '../../../../provider/qemu/argv/build';
import type { ArgvContext } from '../../../../provider/qemu/argv/context';
import { diskThrottleCommands } from '../../../../provider/qemu/argv/storage/disk-throttle';
import { localProbeHost, readLocalArgvHost } from '../../../../provider/qemu/local-argv-host';
import { QmpClient } from '../../../../provider/qemu/qmp';
import { QEMU_IMG, QEMU_X86_64, connectUnix, describeUnless, makeRunDir, missingBinaryReason, processAlive, waitForExit } from '../../../support/qemu';

const PASSPHRASE = 'correct horse battery staple';

async function waitForFile(file: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (fs.existsSync(file)) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}

/**
 * A 16 MiB LUKS image with PASSPHRASE. qemu-img times its key derivation on the CPU and gives up
 * ("Unable to get accurate CPU usage") when a busy machine skews the measurement, so it tries again.
 */
function createLuksImage(file: string): void {
  for (let attempt = 1; ; attempt++) {
    try {
      execFileSync(QEMU_IMG, ['create', '-q', '--object', `secret,id=sec0,data=${PASSPHRASE}`, '-f', 'luks', '-o', 'key-secret=sec0,iter-time=100', file, '16M'], { stdio: 'pipe' });
      return;
    } catch (e) {
      if (attempt >= 5) throw e;
    }
  }
}

function domainXml(dir: string): string {
  return `<domain type='qemu'>
  <name>storage</name>
  <uuid>6ba7b811-9dad-11d1-80b4-00c04fd430c8</uuid>
  <memory unit='MiB'>128</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
  <devices>
    <emulator>${QEMU_X86_64}</emulator>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2' cache='writeback' discard='unmap'/>
      <source file='${dir}/top.qcow2'/>
      <backingStore type='file'><format type='raw'/><source file='${dir}/base.raw'/><backingStore/></backingStore>
      <target dev='vda' bus='virtio'/>
      <iotune><total_bytes_sec>5000000</total_bytes_sec><read_iops_sec>400</read_iops_sec><group_name>tier1</group_name></iotune>
    </disk>
    <disk type='file' device='disk'>
      <driver name='qemu' type='raw'/>
      <source file='${dir}/secret.luks'>
        <encryption format='luks'><secret type='passphrase' uuid='0a81f5b2-8403-7b23-c8d6-21ccc2f80d6f'/></encryption>
      </source>
      <target dev='vdb' bus='virtio'/>
    </disk>
    <disk type='file' device='cdrom'><driver name='qemu' type='raw'/><target dev='sda' bus='sata'/><readonly/></disk>
    <!-- sdb: libvirt puts it on unit 1 (its target index). -->
    <disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='${dir}/scsi.raw'/><target dev='sdb' bus='scsi'/><serial>SCSI-1</serial></disk>
    <controller type='scsi' index='0' model='virtio-scsi'/>
    <filesystem type='mount' accessmode='mapped'><source dir='${dir}/share'/><target dir='share'/></filesystem>
    <memballoon model='none'/>
  </devices>
</domain>`;
}

const skip = missingBinaryReason(QEMU_X86_64) ?? missingBinaryReason(QEMU_IMG);

describeUnless(skip)('storage argv with a real QEMU', () => {
  it('opens the image chain, the LUKS image and the SCSI disk, and plugs every frontend', async () => {
    const dir = makeRunDir('stor');
    let pid = 0;
    try {
      execFileSync(QEMU_IMG, ['create', '-q', '-f', 'raw', `${dir}/base.raw`, '16M']);
      execFileSync(QEMU_IMG, ['create', '-q', '-f', 'qcow2', '-b', `${dir}/base.raw`, '-F', 'raw', `${dir}/top.qcow2`]);
      createLuksImage(`${dir}/secret.luks`);
      execFileSync(QEMU_IMG, ['create', '-q', '-f', 'raw', `${dir}/scsi.raw`, '8M']);
      fs.mkdirSync(`${dir}/share`);

      const caps = await probeQemuCaps(localProbeHost(), QEMU_X86_64);
      const masterKey = randomBytes(32);
      const ctx: ArgvContext = {
        caps,
        host: readLocalArgvHost(),
        paths: {
          domainLibDir: path.join(dir, 'lib'),
          channelTargetDir: path.join(dir, 'channels'),
          hugepageSubdir: 'virtform',
          memoryBackingDir: path.join(dir, 'ram'),
          nvramDir: path.join(dir, 'nvram'),
          runDir: dir,
        },
        monitor: { kind: 'socket', path: path.join(dir, 'qmp.sock') },
        launchEnv: { PATH: '/usr/bin:/bin' },
        domainId: -1,
        fdPassing: 'none',
        secrets: { masterKey, iv: () => randomBytes(16), lookup: () => Buffer.from(PASSPHRASE) },
      };
      const def = parseDomainXml(domainXml(dir), 'storage.xml');
      prepareDomain(def, caps, { hostArch: 'x86_64', launch: true, validateWith: ctx });
      const cmd = buildQemuCommandLine(def, ctx);
      fs.mkdirSync(ctx.paths.domainLibDir);
      fs.writeFileSync(path.join(ctx.paths.domainLibDir, 'master-key.aes'), masterKey, { mode: 0o600 });

      let stderr = '';
      const child = spawn(cmd.binary, cmd.args, { env: Object.fromEntries(cmd.env), stdio: ['ignore', 'ignore', 'pipe'] });
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      pid = child.pid ?? 0;
      const up = await waitForFile(ctx.monitor.kind === 'socket' ? ctx.monitor.path : '', 15_000);
      expect({ up, stderr }).toEqual({ up: true, stderr: '' });

      const qmp = await QmpClient.connect(await connectUnix(path.join(dir, 'qmp.sock')));
      try {
        // Disks in libvirt's order (virtio vda, vdb; sata sda; scsi sdb) are numbered from the
        // last one down: sdb 1, sda 2 (empty), vdb 3, vda 4 and its backing image 5.
        const nodes = await qmp.execute<{ 'node-name': string; drv: string; ro: boolean; encrypted: boolean; backing_file?: string }[]>(
          'query-named-block-nodes',
          { flat: true },
        );
        // Protocol nodes are opened with auto-read-only, which QEMU resolves to read-write for a
        // writable local file; the backing image's format node is what is read-only.
        const byName = Object.fromEntries(nodes.map((n) => [n['node-name'], { drv: n.drv, ro: n.ro, encrypted: n.encrypted }]));
        expect(byName).toEqual({
          'libvirt-5-storage': { drv: 'file', ro: false, encrypted: false },
          'libvirt-5-format': { drv: 'raw', ro: true, encrypted: false },
          'libvirt-4-storage': { drv: 'file', ro: false, encrypted: false },
          'libvirt-4-format': { drv: 'qcow2', ro: false, encrypted: false },
          'libvirt-3-storage': { drv: 'file', ro: false, encrypted: false },
          'libvirt-3-format': { drv: 'luks', ro: false, encrypted: true },
          'libvirt-1-storage': { drv: 'file', ro: false, encrypted: false },
          'libvirt-1-format': { drv: 'raw', ro: false, encrypted: false },
        });
        const top = nodes.find((n) => n['node-name'] === 'libvirt-4-format');
        expect(top?.backing_file).toBe(`${dir}/base.raw`);

        const block = await qmp.execute<{ qdev?: string; inserted?: { 'node-name': string } }[]>('query-block');
        const attached = block.filter((b) => b.qdev).map((b) => [b.qdev?.replace(/^\/machine\/peripheral\//, '').replace(/\/virtio-backend$/, ''), b.inserted?.['node-name'] ?? null]);
        expect(attached.sort()).toEqual(
          [
            ['virtio-disk0', 'libvirt-4-format'],
            ['virtio-disk1', 'libvirt-3-format'],
            ['sata0-0-0', null],
            ['scsi0-0-0-1', 'libvirt-1-format'],
          ].sort(),
        );
        expect(await qmp.execute('qom-get', { path: '/machine/peripheral/scsi0-0-0-1', property: 'serial' })).toBe('SCSI-1');

        // I/O limits go over QMP once QEMU is up (not on the command line with -blockdev).
        for (const c of diskThrottleCommands(def)) await qmp.execute(c.execute, c.arguments);
        const limits = (await qmp.execute<{ qdev?: string; inserted?: Record<string, unknown> }[]>('query-block'))
          .filter((b) => b.inserted && Number(b.inserted.bps) + Number(b.inserted.iops_rd) > 0)
          .map((b) => ({ qdev: b.qdev, bps: b.inserted?.bps, iops_rd: b.inserted?.iops_rd, group: b.inserted?.group }));
        expect(limits).toEqual([{ qdev: '/machine/peripheral/virtio-disk0/virtio-backend', bps: 5000000, iops_rd: 400, group: 'tier1' }]);
        expect(await qmp.execute('qom-get', { path: '/machine/peripheral/fs0', property: 'mount_tag' })).toBe('share');
        await qmp.execute('quit');
      } finally {
        qmp.destroy();
      }
      expect(await waitForExit(pid, 10_000)).toBe(true);
    } finally {
      if (pid && processAlive(pid)) process.kill(pid, 'SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);

  it('builds the PCI topology and the USB/SCSI/SATA/virtio-serial controllers the domain lists', async () => {
    const dir = makeRunDir('ctrl');
    let pid = 0;
    try {
      const caps = await probeQemuCaps(localProbeHost(), QEMU_X86_64);
      const ctx: ArgvContext = {
        caps,
        host: readLocalArgvHost(),
        paths: { domainLibDir: path.join(dir, 'lib'), channelTargetDir: dir, hugepageSubdir: 'virtform', memoryBackingDir: dir, nvramDir: dir, runDir: dir },
        monitor: { kind: 'socket', path: path.join(dir, 'qmp.sock') },
        launchEnv: { PATH: '/usr/bin:/bin' },
        domainId: -1,
        fdPassing: 'none',
        secrets: { masterKey: Buffer.alloc(32, 1), iv: () => randomBytes(16), lookup: () => undefined },
      };
      const def = parseDomainXml(`<domain type='qemu'>
  <name>ctrl</name>
  <memory unit='MiB'>128</memory>
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
  <devices>
    <emulator>${QEMU_X86_64}</emulator>
    <controller type='pci' index='0' model='pcie-root'/>
    <controller type='pci' index='1' model='dmi-to-pci-bridge'/>
    <controller type='pci' index='2' model='pci-bridge'/>
    <controller type='pci' index='3' model='pcie-root-port'><target hotplug='off'/></controller>
    <controller type='pci' index='4' model='pcie-switch-upstream-port'/>
    <controller type='pci' index='5' model='pcie-switch-downstream-port'/>
    <controller type='usb' index='0' model='ich9-ehci1'/>
    <controller type='usb' index='0' model='ich9-uhci1'><master startport='0'/></controller>
    <controller type='usb' index='1' model='qemu-xhci' ports='8'/>
    <controller type='scsi' index='0' model='lsilogic'/>
    <controller type='scsi' index='1' model='virtio-scsi'><driver queues='2'/></controller>
    <controller type='sata' index='1'/>
    <controller type='virtio-serial' index='0' ports='4'/>
    <memballoon model='none'/>
  </devices>
</domain>`, 'ctrl.xml');
      prepareDomain(def, caps, { hostArch: 'x86_64', launch: true, validateWith: ctx });
      const cmd = buildQemuCommandLine(def, ctx);
      fs.mkdirSync(ctx.paths.domainLibDir);
      fs.writeFileSync(path.join(ctx.paths.domainLibDir, 'master-key.aes'), Buffer.alloc(32, 1), { mode: 0o600 });
      let stderr = '';
      const child = spawn(cmd.binary, cmd.args, { env: Object.fromEntries(cmd.env), stdio: ['ignore', 'ignore', 'pipe'] });
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      pid = child.pid ?? 0;
      const up = await waitForFile(path.join(dir, 'qmp.sock'), 15_000);
      expect({ up, stderr }).toEqual({ up: true, stderr: '' });
      const qmp = await QmpClient.connect(await connectUnix(path.join(dir, 'qmp.sock')));
      try {
        // Each controller's parent bus as QOM names it (the firmware has not numbered PCI buses yet).
        const ids = ['pci.1', 'pci.2', 'pci.3', 'pci.4', 'pci.5', 'usb', 'usb1', 'scsi0', 'scsi1', 'sata1', 'virtio-serial0'];
        const parentOf: Record<string, string> = {};
        for (const id of ids) {
          const bus = await qmp.execute<string>('qom-get', { path: `/machine/peripheral/${id}`, property: 'parent_bus' });
          parentOf[id] = bus.replace(/^.*\//, '');
        }
        // dmi-to-pci-bridge on the root, pci-bridge behind it, root port on the root, the switch
        // upstream port in a root port and its downstream port below it.
        expect([parentOf['pci.1'], parentOf['pci.2'], parentOf['pci.3'], parentOf['pci.5']]).toEqual(['pcie.0', 'pci.1', 'pcie.0', 'pci.4']);
        expect(ids.filter((id) => !parentOf[id])).toEqual([]);
        expect(await qmp.execute('qom-get', { path: '/machine/peripheral/usb1', property: 'p3' })).toBe(8);
        expect(await qmp.execute('qom-get', { path: '/machine/peripheral/scsi1', property: 'num_queues' })).toBe(2);
        expect(await qmp.execute('qom-get', { path: '/machine/peripheral/pci.3', property: 'hotplug' })).toBe(false);
        await qmp.execute('quit');
      } finally {
        qmp.destroy();
      }
      expect(await waitForExit(pid, 10_000)).toBe(true);
    } finally {
      if (pid && processAlive(pid)) process.kill(pid, 'SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});
