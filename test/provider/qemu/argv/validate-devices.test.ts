import { validateDevices } from '../../../../provider/qemu/validate/devices';
import { parseDomainXml } from '../../../../model/domain/domain';
import { domainWith } from './storage-fixture';
import { deviceCaps, harnessCtx } from './device-fixture';

const check = (devices: string, machine = 'pc', extra = '') => () => validateDevices(domainWith(devices, machine, extra), deviceCaps(), harnessCtx());

describe('device validation (libvirt messages)', () => {
  it('pairs egl-headless only with VNC or SPICE and allows one OpenGL display', () => {
    expect(check(`<graphics type='sdl' display=':0.1'/><graphics type='egl-headless'/>`)).toThrow(
      "unsupported configuration: graphics type 'egl-headless' is only supported with one of: 'vnc', 'spice' graphics types",
    );
    expect(check(`<graphics type='spice' autoport='no'><gl enable='yes'/></graphics><graphics type='egl-headless'/>`)).toThrow(
      'unsupported configuration: multiple OpenGL displays are not supported by QEMU',
    );
    expect(check(`<graphics type='vnc' port='5900' autoport='no'/><graphics type='egl-headless'/>`)).not.toThrow();
    expect(check(`<graphics type='egl-headless'/><graphics type='egl-headless'/>`)).toThrow("unsupported configuration: only 1 graphics device of type 'egl-headless' is supported");
  });

  it('keeps ramfb off the PCI bus and secondary adapters to qxl and virtio', () => {
    expect(check(`<video><model type='ramfb'/><address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x0'/></video>`)).toThrow(
      'unsupported configuration: address not supported for video type ramfb',
    );
    expect(check(`<video><model type='qxl' primary='yes'/></video><video><model type='vga'/></video>`)).toThrow(
      "unsupported configuration: video type 'vga' is only valid as primary video device",
    );
    expect(check(`<video/>`)).toThrow('internal error: missing video model and cannot determine default');
  });

  it('checks the emulated TPM version against what swtpm offers', () => {
    const def = domainWith(`<tpm model='tpm-tis'><backend type='emulator' version='1.2'/></tpm>`);
    const only2 = harnessCtx({ host: { ...harnessCtx().host, swtpmVersions: ['2.0'] } });
    expect(() => validateDevices(def, deviceCaps(), only2)).toThrow("unsupported configuration: TPM version '1.2' is not supported");
    expect(() => validateDevices(def, deviceCaps(), harnessCtx())).not.toThrow();
    expect(check(`<tpm model='tpm-crb'><backend type='emulator' version='1.2'/></tpm>`)).toThrow('unsupported configuration: Unsupported interface tpm-crb for TPM 1.2');
  });

  it('ties IOMMU models to machines, ACPI and integrated PCI addresses', () => {
    expect(check(`<iommu model='intel'/>`)).toThrow("unsupported configuration: IOMMU device: 'intel' is only supported with Q35 machines");
    expect(check(`<iommu model='virtio'/>`, 'pc', '<features><acpi/></features>')).toThrow(
      "unsupported configuration: IOMMU device: 'virtio' is only supported with Q35 and ARM Virt machines",
    );
    expect(check(`<iommu model='virtio'/>`, 'q35')).toThrow("unsupported configuration: IOMMU device: 'virtio' requires ACPI");
    expect(check(`<iommu model='virtio'><address type='virtio-mmio'/></iommu>`, 'q35', '<features><acpi/></features>')).toThrow(
      "unsupported configuration: IOMMU device: 'virtio' needs a PCI address",
    );
    expect(check(`<iommu model='virtio'><address type='pci' domain='0x0000' bus='0x01' slot='0x00' function='0x0'/></iommu>`, 'q35', '<features><acpi/></features>')).toThrow(
      'XML error: The device at PCI address 0000:01:00.0 needs to be an integrated device (bus=0)',
    );
  });

  it('refuses transitional models on non-passthrough virtio input and USB input without USB', () => {
    expect(check(`<input type='keyboard' bus='virtio' model='virtio-non-transitional'/>`, 'q35')).toThrow(
      'unsupported configuration: virtio (non-)transitional models are not supported for input type=keyboard',
    );
    expect(check(`<controller type='usb' index='0' model='none'/><input type='tablet' bus='usb'/>`)).toThrow(
      "unsupported configuration: Can't add USB input device. USB bus is disabled",
    );
  });

  it('matches serial target types to the machine', () => {
    expect(check(`<serial type='pty'><target type='spapr-vio-serial' port='0'><model name='spapr-vty'/></target></serial>`)).toThrow(
      "unsupported configuration: Serial device with target type 'spapr-vio-serial' and target model 'spapr-vty' not compatible with guest architecture or machine type",
    );
    const arm = parseDomainXml(`<domain type='qemu'><name>a</name><memory unit='KiB'>524288</memory><os><type arch='aarch64' machine='virt'>hvm</type></os>
      <devices><serial type='pty'><target type='system-serial' port='0'><model name='pl011'/></target></serial></devices></domain>`);
    expect(() => validateDevices(arm, deviceCaps(), harnessCtx())).not.toThrow();
  });

  it('checks interface backends and virtio-net queue sizes', () => {
    expect(check(`<interface type='vhostuser'><mac address='52:54:00:ee:96:6b'/><source type='unix' path='/tmp/vhost.sock' mode='server'/><model type='virtio'/><backend tap='/dev/mytap'/></interface>`)).toThrow(
      'unsupported configuration: interface 52:54:00:ee:96:6b - custom tap device path is not supported for network interfaces of type vhostuser',
    );
    expect(check(`<interface type='user'><mac address='52:54:00:ee:96:6b'/><model type='virtio'/><driver rx_queue_size='511'/></interface>`)).toThrow(
      'unsupported configuration: rx_queue_size has to be a power of two',
    );
    expect(check(`<interface type='vhostuser'><mac address='52:54:00:ee:96:6b'/><source type='unix' path='/tmp/vhost.sock' mode='server'/><model type='e1000'/></interface>`)).toThrow(
      "unsupported configuration: Wrong or no <model> 'type' attribute specified with <interface type='vhostuser'/>. vhostuser requires the virtio-net* frontend",
    );
  });

  it('checks shared memory sizes, MSI and address', () => {
    expect(check(`<shmem name='s'><model type='ivshmem-plain'/><size unit='M'>3</size></shmem>`)).toThrow('XML error: shmem size must be a power of two');
    expect(check(`<shmem name='s'><model type='ivshmem-plain'/><size unit='K'>512</size></shmem>`)).toThrow('XML error: shmem size must be at least 1 MiB (1024 KiB)');
    expect(check(`<shmem name='s'><model type='ivshmem-plain'/><msi vectors='4'/></shmem>`)).toThrow('XML error: msi option is only supported with a server');
    expect(check(`<shmem name='s'><model type='ivshmem-plain'/><address type='isa' iobase='0x505'/></shmem>`)).toThrow(
      "unsupported configuration: only 'pci' addresses are supported for the shared memory device",
    );
    expect(check(`<shmem name='s'><model type='ivshmem'/></shmem>`)).toThrow('unsupported configuration: ivshmem device is not supported with this QEMU binary');
  });

  it('checks the balloon features against the QEMU binary', () => {
    const def = domainWith(`<memballoon model='virtio' freePageReporting='on'/>`);
    const old = deviceCaps();
    const caps = { ...old, flags: new Set([...old.flags].filter((f) => f !== 'virtio-balloon.free-page-reporting')) };
    expect(() => validateDevices(def, caps, harnessCtx())).toThrow('unsupported configuration: freePageReporting is not supported by this QEMU binary');
  });

  it('puts watchdogs on their bus', () => {
    expect(check(`<watchdog model='ib700'><address type='pci' domain='0x0000' bus='0x00' slot='0x03' function='0x0'/></watchdog>`)).toThrow(
      'unsupported configuration: ib700 model of watchdog can go only on ISA bus',
    );
    expect(check(`<watchdog model='diag288'/>`)).toThrow('unsupported configuration: diag288 model of watchdog is allowed for s390 and s390x only');
  });
});
