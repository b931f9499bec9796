import { Input, validateInput } from '../../../../model/domain/devices/input';
import { parseDevice, roundTrip, brief } from './device-xml';

describe('<input>', () => {
  it('prints type, bus, model, then driver, source, address', () => {
    expect(
      roundTrip(Input, 'input', `<input bus='virtio' model='virtio-non-transitional' type='keyboard'>
  <address type='pci' domain='0x0000' bus='0x00' slot='0x0e' function='0x0'/>
  <driver page_per_vq='on' iommu='on'/>
</input>`),
    ).toBe(`<input type='keyboard' bus='virtio' model='virtio-non-transitional'>
  <driver iommu='on' page_per_vq='on'/>
  <address type='pci' domain='0x0000' bus='0x00' slot='0x0e' function='0x0'/>
</input>
`);
  });

  it('keeps an evdev source with grab, grabToggle and repeat', () => {
    const xml = `<input type='evdev'>
  <source dev='/dev/input/event1234' grab='all' grabToggle='alt-alt' repeat='on'/>
</input>
`;
    expect(roundTrip(Input, 'input', xml)).toBe(xml);
    expect(validateInput(parseDevice(Input, xml))).toEqual([]);
  });

  it('rejects an unknown grab toggle', () => {
    expect(() => parseDevice(Input, `<input type='evdev'><source dev='/dev/input/e' grabToggle='alt-ctrl'/></input>`)).toThrow(
      "attribute 'grabToggle' has value 'alt-ctrl', which must be one of 'ctrl-ctrl', 'alt-alt', 'shift-shift', 'meta-meta', 'scrolllock', 'ctrl-scrolllock'",
    );
  });

  it("reports libvirt's input rules", () => {
    const problems = (xml: string, osType = 'hvm') => validateInput(parseDevice(Input, xml), { osType }).map((i) => i.problem);
    expect(problems(`<input type='tablet' bus='ps2'/>`)).toEqual(['ps2 bus does not support tablet input device']);
    expect(problems(`<input type='mouse' bus='xen'/>`)).toEqual(['unsupported input bus xen']);
    expect(problems(`<input type='tablet' bus='xen'/>`, 'xen')).toEqual(['xen bus does not support tablet input device']);
    expect(problems(`<input type='mouse' bus='usb'><source evdev='/dev/input/event0'/></input>`)).toEqual([
      'setting source evdev path only supported for passthrough input devices',
    ]);
    expect(problems(`<input type='passthrough' bus='usb'><source evdev='/dev/input/event0'/></input>`)).toEqual([
      "only bus 'virtio' is supported for 'passthrough' input devices",
    ]);
    expect(problems(`<input type='passthrough' bus='virtio'/>`)).toEqual(['Missing evdev path for input device passthrough']);
    expect(problems(`<input type='evdev' bus='usb'><source dev='/dev/input/event0'/></input>`)).toEqual(["input evdev doesn't support bus element"]);
    expect(problems(`<input type='keyboard' bus='usb' model='virtio'/>`)).toEqual(["only bus 'virtio' is supported for input model 'virtio'"]);
    expect(brief(validateInput(parseDevice(Input, `<input type='tablet'\n bus='ps2'/>`), { osType: 'hvm' }))).toEqual([
      '2: /input/@bus: ps2 bus does not support tablet input device',
    ]);
  });
});
