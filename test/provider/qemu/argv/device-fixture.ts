/**
 * Test fixture for the device argv sections (net, chardevs, graphics, video, audio, sound,
 * input, tpm, watchdog, rng, balloon, panic, iommu, vsock, shmem, smartcard, redirdev, nvram):
 * caps with the device flags of libvirt's QEMU 8.0 caps, libvirt's fake test host (`test-fds`)
 * or a virtform host without fd passing (`none`).
 */
import type { QemuCaps } from '../../../../provider/qemu/caps';
import type { ArgvContext } from '../../../../provider/qemu/argv/context';
import { testCaps, testCtx } from './storage-fixture';

/** The device flags of libvirt's caps_8.0.0.x86_64. */
export const DEVICE_FLAGS = [
  'kvm', 'sdl', 'spice', 'vnc', 'vnc-power-control', 'spice-gl', 'spice-rendernode', 'egl-headless', 'egl-headless.rendernode',
  'display-dbus', 'hda-duplex', 'hda-micro', 'hda-output', 'ich9-intel-hda', 'usb-audio', 'ccid-emulated', 'ccid-passthru',
  'usb-redir', 'usb-redir.filter', 'usb-serial', 'pci-serial', 'isa-serial', 'usb-kbd', 'virtio-rng', 'rng-random', 'rng-egd',
  'rng-builtin', 'tpm-passthrough', 'tpm-tis', 'tpm-crb', 'tpm-emulator', 'qxl', 'VGA', 'cirrus-vga', 'vmware-svga',
  'VGA.vgamem_mb', 'vmware-svga.vgamem_mb', 'qxl.vgamem_mb', 'qxl.vram64_size_mb', 'virtio-gpu', 'virtio-vga', 'virtio-gpu-gl-pci',
  'virtio-vga-gl', 'vhost-user-gpu', 'vhost-user-vga', 'bochs-display', 'virtio-keyboard', 'virtio-mouse', 'virtio-tablet',
  'virtio-input-host', 'input-linux', 'virtio-balloon-pci.deflate-on-oom', 'virtio-balloon.free-page-reporting', 'pvpanic',
  'intel-iommu', 'intel-iommu.intremap', 'intel-iommu.caching-mode', 'intel-iommu.eim', 'intel-iommu.device-iotlb',
  'intel-iommu.aw-bits', 'virtio-iommu-pci', 'ivshmem-plain', 'ivshmem-doorbell', 'vhost-vsock', 'chardev.qemu-vdagent',
  'netdev.stream', 'netdev.vhost-vdpa', 'virtio-net.rss', 'rtl8139', 'e1000', 'virtio-net',
];

export function deviceCaps(extra: readonly string[] = []): QemuCaps {
  return testCaps([...DEVICE_FLAGS, ...extra]);
}

/** libvirt's test harness: fds passed for sockets/files, its qemu.conf defaults for TLS dirs. */
export function harnessCtx(over: Partial<ArgvContext> = {}): ArgvContext {
  return testCtx({
    caps: deviceCaps(),
    config: {
      spiceTLS: true,
      spiceTLSx509certdir: '/etc/pki/libvirt-spice',
      vncTLSx509certdir: '/etc/pki/libvirt-vnc',
      chardevTLSx509certdir: '/etc/pki/libvirt-chardev',
    },
    ...over,
  });
}

/** virtform on a real host: QEMU opens files and sockets itself. */
export function virtformCtx(over: Partial<ArgvContext> = {}): ArgvContext {
  return harnessCtx({
    fdPassing: 'none',
    paths: {
      domainLibDir: '/var/lib/virtform/domain-guest',
      channelTargetDir: '/run/virtform/guest/channel',
      hugepageSubdir: 'virtform',
      memoryBackingDir: '/var/lib/virtform/ram',
      nvramDir: '/var/lib/virtform/nvram',
      runDir: '/run/virtform/guest',
    },
    ...over,
  });
}
