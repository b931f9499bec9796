/**
 * A small QEMU 8.0-like x86_64 binary for the defaults tests: the flags and machines the QEMU
 * post-parse pass looks at, written out so the tests run without the libvirt corpus.
 */
import type { MachineType, QemuCaps } from '../../../../provider/qemu/caps';

const machine = (name: string, alias?: string, isDefault = false): MachineType => ({
  name,
  ...(alias ? { alias } : {}),
  isDefault,
  maxCpus: 288,
  hotplugCpus: true,
  deprecated: false,
  defaultCpuType: 'qemu64-x86_64-cpu',
  defaultRamId: 'pc.ram',
  numaMemSupported: false,
});

const MACHINES: MachineType[] = [machine('pc-i440fx-8.0', 'pc', true), machine('pc-q35-8.0', 'q35'), machine('pc-q35-4.0'), machine('pc-i440fx-4.2')];

export const FLAGS = [
  'kvm', 'tcg', 'piix3-usb-uhci', 'nec-usb-xhci', 'qemu-xhci', 'ich9-usb-ehci1', 'ich9-ahci', 'lsi', 'virtio-scsi-pci',
  'rtl8139', 'e1000', 'virtio-net', 'pci-bridge', 'dmi-to-pci-bridge', 'ioh3420', 'pcie-root-port', 'pcie-pci-bridge',
  'x3130-upstream', 'xio3130-downstream', 'i8042', 'qxl', 'VGA', 'cirrus-vga', 'virtio-gpu', 'isa-serial', 'virtio-pci-non-transitional',
];

export function testCaps(flags: readonly string[] = FLAGS): QemuCaps {
  return {
    emulator: '/usr/bin/qemu-system-x86_64',
    arch: 'x86_64',
    version: 7002050,
    versionString: '7.2.50',
    package: '',
    kvmAvailable: true,
    flags: new Set(flags),
    qomTypes: new Set(),
    deviceProps: {},
    objectProps: {},
    accel: { kvm: { machines: MACHINES, cpuModels: [] }, tcg: { machines: MACHINES, cpuModels: [] } },
  };
}
