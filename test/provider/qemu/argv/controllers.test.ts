import { buildControllers, buildCcidControllers } from '../../../../provider/qemu/argv/sections/controllers';
import { domainWith, runSection, testCtx } from './storage-fixture';

const pci = (bus: number, slot: number, fn = 0, mf = '') =>
  `<address type='pci' domain='0x0000' bus='${bus}' slot='${slot}' function='${fn}'${mf ? ` multifunction='${mf}'` : ''}/>`;

describe('controllers section', () => {
  it('skips the implicit root, USB none and the built-in IDE of i440FX; PCI before USB before SCSI', () => {
    const def = domainWith(`
      <controller type='scsi' index='0' model='virtio-scsi'><driver queues='8' iothread='2'/><alias name='scsi0'/>${pci(0, 3)}</controller>
      <controller type='usb' index='0' model='piix3-uhci'><alias name='usb'/>${pci(0, 1, 2)}</controller>
      <controller type='ide' index='0'><alias name='ide'/>${pci(0, 1, 1)}</controller>
      <controller type='pci' index='0' model='pci-root'><alias name='pci.0'/></controller>
      <controller type='pci' index='1' model='pci-bridge'><model name='pci-bridge'/><target chassisNr='1'/><alias name='pci.1'/>${pci(0, 4)}</controller>`);
    expect(runSection(buildControllers, def)).toEqual([
      `-device {"driver":"pci-bridge","chassis_nr":1,"id":"pci.1","bus":"pci.0","addr":"0x4"}`,
      `-device {"driver":"piix3-usb-uhci","id":"usb","bus":"pci.0","addr":"0x1.0x2"}`,
      `-device {"driver":"virtio-scsi-pci","iothread":"iothread2","id":"scsi0","num_queues":8,"bus":"pci.0","addr":"0x3"}`,
    ]);
  });

  it('prints Q35 root ports with port/chassis, multifunction and hotplug', () => {
    const def = domainWith(
      `<controller type='pci' index='0' model='pcie-root'><alias name='pcie.0'/></controller>
      <controller type='pci' index='1' model='pcie-root-port'><model name='pcie-root-port'/><target chassis='1' port='0x10' hotplug='off'/><alias name='pci.1'/>${pci(0, 2, 0, 'on')}</controller>
      <controller type='pci' index='2' model='pcie-root-port'><model name='pcie-root-port'/><target chassis='2' port='0x11'/><alias name='pci.2'/>${pci(0, 2, 1)}</controller>
      <controller type='sata' index='0'><alias name='ide'/>${pci(0, 0x1f, 2)}</controller>
      <controller type='usb' index='0' model='qemu-xhci' ports='15'><alias name='usb'/>${pci(2, 0)}</controller>`,
      'q35',
    );
    expect(runSection(buildControllers, def)).toEqual([
      `-device {"driver":"pcie-root-port","port":16,"chassis":1,"id":"pci.1","hotplug":false,"bus":"pcie.0","multifunction":true,"addr":"0x2"}`,
      `-device {"driver":"pcie-root-port","port":17,"chassis":2,"id":"pci.2","bus":"pcie.0","addr":"0x2.0x1"}`,
      `-device {"driver":"qemu-xhci","p2":15,"p3":15,"id":"usb","bus":"pci.2","addr":"0x0"}`,
    ]);
  });

  it('puts the EHCI master before its UHCI companions, which name it as masterbus', () => {
    const def = domainWith(`
      <controller type='usb' index='0' model='ich9-uhci1'><master startport='0'/><alias name='usb'/>${pci(0, 6, 0, 'on')}</controller>
      <controller type='usb' index='0' model='ich9-ehci1'><alias name='usb'/>${pci(0, 6, 7)}</controller>
      <controller type='usb' index='1' model='nec-xhci'><alias name='usb1'/>${pci(0, 10)}</controller>
      <controller type='pci' index='0' model='pci-root'><alias name='pci.0'/></controller>`);
    expect(runSection(buildControllers, def)).toEqual([
      `-device {"driver":"ich9-usb-ehci1","id":"usb","bus":"pci.0","addr":"0x6.0x7"}`,
      `-device {"driver":"ich9-usb-uhci1","masterbus":"usb.0","firstport":0,"bus":"pci.0","multifunction":true,"addr":"0x6"}`,
      `-device {"driver":"nec-usb-xhci","id":"usb1","bus":"pci.0","addr":"0xa"}`,
    ]);
  });

  it('maps SCSI models to QEMU devices and virtio-serial options', () => {
    const def = domainWith(`
      <controller type='scsi' index='0' model='lsilogic'><alias name='scsi0'/>${pci(0, 2)}</controller>
      <controller type='scsi' index='1' model='lsisas1078'><alias name='scsi1'/>${pci(0, 3)}</controller>
      <controller type='scsi' index='2' model='virtio-transitional'><alias name='scsi2'/>${pci(0, 4)}</controller>
      <controller type='virtio-serial' index='0' ports='16' vectors='4'><driver iommu='on'/><alias name='virtio-serial0'/>${pci(0, 5)}</controller>
      <controller type='pci' index='0' model='pci-root'><alias name='pci.0'/></controller>`);
    expect(runSection(buildControllers, def)).toEqual([
      `-device {"driver":"lsi","id":"scsi0","bus":"pci.0","addr":"0x2"}`,
      `-device {"driver":"megasas","id":"scsi1","bus":"pci.0","addr":"0x3"}`,
      `-device {"driver":"virtio-scsi-pci-transitional","id":"scsi2","bus":"pci.0","addr":"0x4"}`,
      `-device {"driver":"virtio-serial-pci","iommu_platform":true,"id":"virtio-serial0","max_ports":16,"vectors":4,"bus":"pci.0","addr":"0x5"}`,
    ]);
  });

  it('prints root-bus -global options and CCID controllers on their USB port', () => {
    const def = domainWith(`
      <controller type='pci' index='0' model='pci-root'><target hotplug='off'/><alias name='pci.0'/></controller>
      <controller type='usb' index='0' model='none'/>
      <controller type='usb' index='1' model='qemu-xhci'><alias name='ua-myUSB'/>${pci(0, 3)}</controller>
      <controller type='ccid' index='0'><alias name='ccid0'/><address type='usb' bus='1' port='1'/></controller>`);
    expect(runSection(buildControllers, def)).toEqual([
      '-global PIIX4_PM.acpi-root-pci-hotplug=off',
      `-device {"driver":"qemu-xhci","id":"ua-myUSB","bus":"pci.0","addr":"0x3"}`,
    ]);
    expect(runSection(buildCcidControllers, def, testCtx())).toEqual([`-device {"driver":"usb-ccid","id":"ccid0","bus":"ua-myUSB.0","port":"1"}`]);
  });
});
