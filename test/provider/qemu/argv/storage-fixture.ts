/**
 * Test fixture for the storage-area argv sections (controllers, disks, filesystems, hostdevs):
 * a domain parsed from XML that already carries what provider/qemu/defaults would add (aliases,
 * addresses), caps with the flags libvirt's QEMU 8.0 caps have, and libvirt's fake test host.
 */
import { parseDomainXml, type Domain } from '../../../../model/domain/domain';
import type { QemuCaps } from '../../../../provider/qemu/caps';
import { QemuCommandLine } from '../../../../provider/qemu/argv/command-line';
import type { ArgvContext } from '../../../../provider/qemu/argv/context';
import { ArgvState, type ArgvSection } from '../../../../provider/qemu/argv/build';
import { TEST_SECRETS } from '../../../../cli/conformance/fake-host';

/** The storage-relevant flags of libvirt's caps_8.0.0.x86_64. */
export const STORAGE_FLAGS = [
  'piix3-usb-uhci', 'piix4-usb-uhci', 'usb-ehci', 'ich9-usb-ehci1', 'nec-usb-xhci', 'qemu-xhci', 'ich9-ahci',
  'virtio-blk-pci.scsi', 'virtio-blk-pci.scsi.default.disabled', 'scsi-disk.channel', 'scsi-block', 'lsi',
  'virtio-scsi-pci', 'megasas', 'mptsas1068', 'pvscsi', 'dc390', 'am53c974', 'ide-drive.wwn', 'scsi-disk.wwn',
  'pci-bridge', 'dmi-to-pci-bridge', 'ioh3420', 'x3130-upstream', 'xio3130-downstream', 'pxb', 'pxb-pcie',
  'pcie-root-port', 'pcie-pci-bridge', 'pcie-root-port.hotplug', 'virtio-pci-non-transitional', 'usb-storage',
  'usb-storage.removable', 'vfio-pci', 'vfio-pci.display', 'vhost-scsi', 'vhost-user-fs', 'vhost-user-blk',
  'drive-nvme', 'nbd-tls', 'blockdev.nbd.tls-hostname', 'pr-manager-helper', 'aio.io_uring', 'rbd-encryption',
  'fsdev.multidevs', 'usb-host.hostdevice', 'usb-host.guest-resets-all', 'rotation-rate', 'virtio-blk.queue-size',
  'acpi-index', 'iothread', 'vhost-user-fs.bootindex', 'ramfb', 'device.json+hotplug', 'object.qapified',
];

export function testCaps(extraFlags: readonly string[] = []): QemuCaps {
  return {
    emulator: '/usr/bin/qemu-system-x86_64',
    arch: 'x86_64',
    version: 7002050,
    versionString: '7.2.50',
    package: '',
    kvmAvailable: true,
    flags: new Set([...STORAGE_FLAGS, ...extraFlags]),
    qomTypes: new Set(),
    deviceProps: {},
    objectProps: {},
    accel: {},
  };
}

export function testCtx(over: Partial<ArgvContext> = {}): ArgvContext {
  return {
    caps: testCaps(),
    host: { numaNodes: [0], hugetlbfs: [], systemPageSizeKiB: 4, isCdrom: (p: string) => p === '/dev/cdrom' },
    paths: {
      domainLibDir: '/tmp/lib/domain--1-guest',
      channelTargetDir: '/tmp/channel/domain--1-guest',
      hugepageSubdir: 'libvirt/qemu',
      memoryBackingDir: '/var/lib/libvirt/qemu/ram',
      nvramDir: '/var/lib/libvirt/qemu/nvram',
      runDir: '/tmp/lib/domain--1-guest',
    },
    monitor: { kind: 'fd', fd: 1729 },
    launchEnv: {},
    domainId: -1,
    fdPassing: 'test-fds',
    config: { nbdTLSx509certdir: '/etc/pki/qemu' },
    secrets: TEST_SECRETS,
    ...over,
  } as ArgvContext;
}

/** A domain with `devices` (XML) on `machine`. */
export function domainWith(devices: string, machine = 'pc', extra = ''): Domain {
  return parseDomainXml(`<domain type='qemu'>
  <name>guest</name>
  <memory unit='KiB'>219100</memory>
  <os><type arch='x86_64' machine='${machine}'>hvm</type></os>
  ${extra}
  <devices>
    ${devices}
  </devices>
</domain>`);
}

/** The argv a section produces for `def`, as one string per option (`-device {...}`). */
export function runSection(section: ArgvSection, def: Domain, ctx: ArgvContext = testCtx(), state = new ArgvState()): string[] {
  const cmd = new QemuCommandLine('/usr/bin/qemu-system-x86_64');
  section(cmd, def, ctx, state);
  const out: string[] = [];
  for (let i = 0; i < cmd.args.length; i++) {
    const a = cmd.args[i];
    const next = cmd.args[i + 1];
    if (a.startsWith('-') && next !== undefined && !next.startsWith('-')) {
      out.push(`${a} ${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}
