import { Rng, validateRng } from '../../../../model/domain/devices/rng';
import { parseDevice, roundTrip } from './device-xml';

describe('<rng>', () => {
  it('prints rate, backend, driver, address in order', () => {
    expect(
      roundTrip(Rng, 'rng', `<rng model='virtio'>
  <address type='pci' domain='0x0000' bus='0x00' slot='0x0d' function='0x0'/>
  <driver iommu='on'/>
  <backend model='random'>/dev/urandom</backend>
  <rate period='1234' bytes='123'/>
</rng>`),
    ).toBe(`<rng model='virtio'>
  <rate bytes='123' period='1234'/>
  <backend model='random'>/dev/urandom</backend>
  <driver iommu='on'/>
  <address type='pci' domain='0x0000' bus='0x00' slot='0x0d' function='0x0'/>
</rng>
`);
  });

  it('keeps egd character device backends and builtin', () => {
    const egd = `<rng model='virtio'>
  <backend model='egd' type='tcp'>
    <source mode='connect' host='1.2.3.4' service='1234'/>
    <protocol type='raw'/>
  </backend>
</rng>
`;
    expect(roundTrip(Rng, 'rng', egd)).toBe(egd);
    expect(validateRng(parseDevice(Rng, egd))).toEqual([]);
    expect(roundTrip(Rng, 'rng', `<rng model='virtio'><backend model='builtin'/></rng>`)).toBe(
      `<rng model='virtio'>\n  <backend model='builtin'/>\n</rng>\n`,
    );
  });

  it('rejects backend parts of another backend model and checks the egd source', () => {
    expect(() => parseDevice(Rng, `<rng model='virtio'><backend model='builtin'>/dev/random</backend></rng>`)).toThrow(
      "a device path applies only to the 'random' rng backend, not 'builtin'",
    );
    expect(() => parseDevice(Rng, `<rng model='virtio'><backend model='egd'><source path='/x'/></backend></rng>`)).toThrow('missing EGD backend type');
    const bad = parseDevice(Rng, `<rng model='virtio'><backend model='egd' type='tcp'><source mode='connect' host='h'/></backend></rng>`);
    expect(validateRng(bad).map((i) => [i.path, i.problem])).toEqual([['/rng/backend/source', 'Missing source service attribute for char device']]);
  });
});
