/**
 * Resource addresses: the one way plans, --target and messages name a resource.
 */
import { AddressError, compareAddresses, formatAddress, parseAddress, sameAddress } from '../../planner/resource-address';

describe('parseAddress and formatAddress', () => {
  it.each([
    ['domain.web1', { kind: 'domain', name: 'web1' }],
    ['network.default', { kind: 'network', name: 'default' }],
    ['pool.images', { kind: 'pool', name: 'images' }],
    ['volume.images/web1.qcow2', { kind: 'volume', pool: 'images', name: 'web1.qcow2' }],
    ['domain.a.b', { kind: 'domain', name: 'a.b' }],
  ])('reads %s and writes it back unchanged', (text, addr) => {
    expect(parseAddress(text)).toEqual(addr);
    expect(formatAddress(parseAddress(text))).toBe(text);
  });

  it.each([
    ['web1', "'web1' is not a resource address: it must start with one of pool., volume., network., domain.; write domain.NAME, network.NAME, pool.NAME or volume.POOL/NAME (e.g. domain.web1, volume.images/web1.qcow2)"],
    ['vm.web1', "'vm.web1' is not a resource address: it must start with one of pool., volume., network., domain.; write domain.NAME, network.NAME, pool.NAME or volume.POOL/NAME (e.g. domain.web1, volume.images/web1.qcow2)"],
    ['domain.', "'domain.' is not a resource address: the name after 'domain.' is empty; write domain.NAME, network.NAME, pool.NAME or volume.POOL/NAME (e.g. domain.web1, volume.images/web1.qcow2)"],
    ['volume.web1.qcow2', "'volume.web1.qcow2' is not a volume address: write volume.POOL/NAME with one '/' between the pool and the volume name (e.g. volume.images/web1.qcow2)"],
    ['volume.images/a/b', "'volume.images/a/b' is not a volume address: write volume.POOL/NAME with one '/' between the pool and the volume name (e.g. volume.images/web1.qcow2)"],
    ['volume./x', "'volume./x' is not a volume address: write volume.POOL/NAME with one '/' between the pool and the volume name (e.g. volume.images/web1.qcow2)"],
  ])('refuses %s, naming the rule and the forms', (text, message) => {
    expect(() => parseAddress(text)).toThrow(new AddressError(message));
  });
});

describe('compareAddresses', () => {
  it('orders pools, volumes, networks, domains, then by pool and name', () => {
    const list = ['domain.b', 'network.n', 'volume.p2/a', 'domain.a', 'pool.z', 'volume.p1/z', 'pool.a'].map(parseAddress);
    expect(list.sort(compareAddresses).map(formatAddress)).toEqual(['pool.a', 'pool.z', 'volume.p1/z', 'volume.p2/a', 'network.n', 'domain.a', 'domain.b']);
  });

  it('tells addresses apart by pool', () => {
    expect(sameAddress(parseAddress('volume.a/x'), parseAddress('volume.b/x'))).toBe(false);
    expect(sameAddress(parseAddress('volume.a/x'), { kind: 'volume', pool: 'a', name: 'x' })).toBe(true);
  });
});
