import { addAddressProps, driveAddressProps, pciBusName } from '../../../../provider/qemu/argv/device-address';
import { virtioDeviceProps } from '../../../../provider/qemu/argv/virtio-device';
import { domainWith, testCaps } from './storage-fixture';

const def = domainWith(`
  <controller type='pci' index='0' model='pci-root'><alias name='ua-root'/></controller>
  <controller type='pci' index='1' model='pci-bridge'><alias name='pci.1'/></controller>
  <controller type='usb' index='0' model='qemu-xhci'><alias name='ua-myUSB'/></controller>
  <controller type='virtio-serial' index='0'><alias name='virtio-serial0'/></controller>
  <controller type='ccid' index='0'><alias name='ccid0'/></controller>
  <controller type='ide' index='0'><alias name='ua-DoesAnybodyStillUseIDE'/></controller>
  <controller type='scsi' index='0' model='lsilogic'><alias name='scsi0'/></controller>
  <controller type='scsi' index='1' model='virtio-scsi'><alias name='scsi1'/></controller>`);

describe('device address properties', () => {
  it('maps PCI addresses to bus/addr, keeping QEMU root bus names and printing functions', () => {
    expect(addAddressProps({}, def, { address: { type: 'pci', bus: 1, slot: 2, function: 3, multifunction: 'on' }, acpi: { index: 4 } })).toEqual({
      bus: 'pci.1',
      multifunction: true,
      addr: '0x2.0x3',
      'acpi-index': 4,
    });
    expect(pciBusName(def, 0)).toBe('pci.0');
    expect(() => pciBusName(def, 7, { type: 'pci', bus: 7, slot: 6 })).toThrow(
      "internal error: Device alias was not set for PCI controller with index '7' required for device at address '0000:07:06.0'",
    );
  });

  it('maps USB, virtio-serial, CCID and ISA addresses', () => {
    expect(addAddressProps({}, def, { address: { type: 'usb', bus: 0, port: '1.2' } })).toEqual({ bus: 'ua-myUSB.0', port: '1.2' });
    expect(addAddressProps({}, def, { address: { type: 'virtio-serial', controller: 0, bus: 0, port: '3' } })).toEqual({ bus: 'virtio-serial0.0', nr: 3 });
    expect(addAddressProps({}, def, { address: { type: 'ccid', controller: 0, slot: 0 } })).toEqual({ bus: 'ccid0.0' });
    expect(addAddressProps({}, def, { address: { type: 'isa', iobase: 0x3f8, irq: 4 } })).toEqual({ iobase: 1016, irq: 4 });
  });

  it('maps drive addresses per controller: built-in IDE, single-bus LSI, multi-level virtio-scsi', () => {
    expect(driveAddressProps({}, def, 'ide', { type: 'drive', controller: 0, bus: 1, unit: 1 })).toEqual({ bus: 'ide.1', unit: 1 });
    expect(driveAddressProps({}, def, 'scsi', { type: 'drive', controller: 0, bus: 0, target: 0, unit: 5 })).toEqual({ bus: 'scsi0.0', 'scsi-id': 5 });
    expect(driveAddressProps({}, def, 'scsi', { type: 'drive', controller: 1, bus: 0, target: 2, unit: 3 })).toEqual({
      bus: 'scsi1.0',
      channel: 0,
      'scsi-id': 2,
      lun: 3,
    });
    expect(() => driveAddressProps({}, def, 'scsi', { type: 'drive', controller: 0, bus: 1, unit: 0 })).toThrow('unsupported configuration: SCSI controller only supports 1 bus');
  });
});

describe('virtio device names', () => {
  it('picks the transport and transitional flavour and adds the transport options', () => {
    const caps = testCaps();
    expect(virtioDeviceProps('virtio-blk', { address: { type: 'pci', slot: 3 }, model: 'virtio-non-transitional' }, { iommu: 'on', pagePerVq: 'off' }, caps)).toEqual({
      driver: 'virtio-blk-pci-non-transitional',
      iommu_platform: true,
      'page-per-vq': false,
    });
    expect(virtioDeviceProps('virtio-scsi', { address: { type: 'ccw', cssid: 0xfe, ssid: 0, devno: 1 } }, undefined, caps)).toEqual({ driver: 'virtio-scsi-ccw' });
  });
});
