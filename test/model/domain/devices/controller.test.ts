/** <controller>: exact XML in/out and the rules libvirt enforces. */
import { Controller, validateController, validateControllers, usbDisabled } from '../../../../model/domain/devices/controller';
import { parseDevice, roundTrip, brief } from './device-xml';

const ctl = (xml: string) => parseDevice(Controller, xml);
const problems = (...xml: string[]) => validateControllers(xml.map(ctl)).map((i) => i.problem);

describe('controller XML', () => {
  it('prints a PCIe root port with its model name, hex port number and address', () => {
    expect(
      roundTrip(
        Controller,
        'controller',
        `<controller model="pcie-root-port" index="1" type="pci">
  <address type="pci" multifunction="on" function="0" slot="2" bus="0" domain="0"/>
  <target port="16" chassis="1" hotplug="off"/>
  <model name="pcie-root-port"/>
</controller>`,
      ),
    ).toBe(`<controller type='pci' index='1' model='pcie-root-port'>
  <model name='pcie-root-port'/>
  <target chassis='1' port='0x10' hotplug='off'/>
  <address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x0' multifunction='on'/>
</controller>
`);
  });

  it('prints an expander bus with its NUMA node and a root with its 64-bit hole in KiB', () => {
    expect(
      roundTrip(Controller, 'controller', `<controller type='pci' index='1' model='pci-expander-bus'><target busNr='254'><node>1</node></target></controller>`),
    ).toBe(`<controller type='pci' index='1' model='pci-expander-bus'>
  <target busNr='254'>
    <node>1</node>
  </target>
</controller>
`);
    expect(roundTrip(Controller, 'controller', `<controller type='pci' index='0' model='pcie-root'><pcihole64 unit='GiB'>1</pcihole64></controller>`)).toBe(
      `<controller type='pci' index='0' model='pcie-root'>\n  <pcihole64 unit='KiB'>1048576</pcihole64>\n</controller>\n`,
    );
  });

  it('prints virtio-scsi and virtio-serial tuning, USB companions and xenbus limits', () => {
    expect(
      roundTrip(
        Controller,
        'controller',
        `<controller type='scsi' index='0' model='virtio-scsi'><driver iommu='on' iothread='2' ioeventfd='on' max_sectors='512' cmd_per_lun='50' queues='8'/></controller>`,
      ),
    ).toBe(`<controller type='scsi' index='0' model='virtio-scsi'>
  <driver queues='8' cmd_per_lun='50' max_sectors='512' ioeventfd='on' iothread='2' iommu='on'/>
</controller>
`);
    expect(roundTrip(Controller, 'controller', `<controller type='virtio-serial' vectors='4' ports='16' index='0'/>`)).toBe(
      `<controller type='virtio-serial' index='0' ports='16' vectors='4'/>\n`,
    );
    expect(
      roundTrip(
        Controller,
        'controller',
        `<controller type='usb' index='0' model='ich9-uhci1'><address type='pci' domain='0' bus='0' slot='0x1d' function='0' multifunction='on'/><master startport='0'/><alias name='ua-usb1'/></controller>`,
      ),
    ).toBe(`<controller type='usb' index='0' model='ich9-uhci1'>
  <alias name='ua-usb1'/>
  <master startport='0'/>
  <address type='pci' domain='0x0000' bus='0x00' slot='0x1d' function='0x0' multifunction='on'/>
</controller>
`);
    expect(roundTrip(Controller, 'controller', `<controller type='xenbus' maxEventChannels='2047' maxGrantFrames='64'/>`)).toBe(
      `<controller type='xenbus' maxGrantFrames='64' maxEventChannels='2047'/>\n`,
    );
  });

  it('rejects a negative index and unknown models', () => {
    expect(() => ctl(`<controller type='pci' index='-1' model='pci-bridge'/>`)).toThrow(
      "dev.xml:1: /controller/@index: attribute 'index' has value '-1', which must be an unsigned integer",
    );
    expect(() => ctl(`<controller type='usb' model='ohci'/>`)).toThrow("attribute 'model' has value 'ohci'");
  });
});

describe('controller rules', () => {
  it('keeps PCI roots at index 0 without an address', () => {
    expect(problems(`<controller type='pci' index='1' model='pci-root'/>`)).toEqual(['pci-root and pcie-root controllers should have index 0']);
    expect(
      brief(validateController(ctl(`<controller type='pci' index='0' model='pcie-root'>\n<address type='pci' domain='0' bus='0' slot='1' function='0'/></controller>`))),
    ).toEqual(['2: /controller/address: pci-root and pcie-root controllers should not have an address']);
  });

  it('checks the ranges of PCI controller numbers', () => {
    const one = (xml: string) => validateController(ctl(xml)).map((i) => i.problem);
    expect(one(`<controller type='pci' index='256' model='pci-bridge'/>`)).toEqual(['PCI controller index 256 too high, maximum is 255']);
    expect(one(`<controller type='pci' index='1' model='pci-bridge'><target chassisNr='0'/></controller>`)).toEqual([
      "PCI controller chassisNr '0' out of range - must be 1-255",
    ]);
    expect(one(`<controller type='pci' index='1' model='pcie-root-port'><target chassis='1' port='0x100'/></controller>`)).toEqual([
      "PCI controller port '256' out of range - must be 0-255",
    ]);
    expect(one(`<controller type='pci' index='1' model='pci-expander-bus'><target busNr='255'/></controller>`)).toEqual([
      "PCI controller busNr '255' out of range - must be 1-254",
    ]);
    expect(one(`<controller type='pci' index='2' model='pci-root'><target index='0'/></controller>`)).toEqual([
      'Only the PCI controller with index 0 can have target index 0, and vice versa',
    ]);
  });

  it('refuses two controllers of one type with one index, but not USB companions', () => {
    expect(problems(`<controller type='pci' index='0' model='pci-root'/>`, `<controller type='pci' index='1' model='pci-bridge'/>`, `<controller type='pci' index='1' model='pci-bridge'/>`)).toEqual([
      "Multiple 'pci' controllers with index '1'",
    ]);
    expect(
      problems(
        `<controller type='usb' index='0' model='ich9-ehci1'/>`,
        `<controller type='usb' index='0' model='ich9-uhci1'><master startport='0'/></controller>`,
        `<controller type='scsi'/>`,
        `<controller type='scsi'/>`,
      ),
    ).toEqual([]);
  });

  it("enforces USB 'none' and the master of companion controllers", () => {
    expect(problems(`<controller type='usb' index='0' model='none'/>`, `<controller type='usb' index='1' model='qemu-xhci'/>`)).toEqual([
      "Can't add another USB controller: USB is disabled for this domain",
    ]);
    expect(problems(`<controller type='usb' index='0' model='ich9-uhci1'><master startport='0'/></controller>`)).toEqual(['No master USB controller specified']);
    expect(usbDisabled([ctl(`<controller type='usb' model='none'/>`)])).toBe(true);
    expect(usbDisabled([ctl(`<controller type='usb'/>`)])).toBe(false);
  });
});
