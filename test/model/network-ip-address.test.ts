import {
  parseIp,
  formatIp,
  ptrDomain,
  rangeSize,
  isPrivateAddress,
  defaultPrefix,
  netmaskPrefix,
} from '../../model/network';

const canon = (s: string) => {
  const ip = parseIp(s);
  return ip ? formatIp(ip) : undefined;
};

describe('IP addresses', () => {
  it.each([
    ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:0db8:0000:0001:0000:0000:0000:0000', '2001:db8:0:1::'],
    ['fd8f:1391:3a82:150::c0a8:9603', 'fd8f:1391:3a82:150::c0a8:9603'],
    ['0:0:0:0:0:0:0:0', '::'],
    ['::1', '::1'],
    ['::ffff:192.168.1.1', '::ffff:192.168.1.1'],
    ['::10.0.0.1', '::10.0.0.1'],
    ['1:0:1:1:1:1:1:1', '1:0:1:1:1:1:1:1'],
    ['192.168.122.1', '192.168.122.1'],
  ])('prints %s as %s (glibc inet_ntop layout)', (input, out) => {
    expect(canon(input)).toBe(out);
  });

  it.each(['192.168.1.256', '192.168.01.1', '1.2.3', '1::2::3', '12345::1', 'fe80::1%eth0', ''])('refuses %j', (bad) => {
    expect(canon(bad)).toBeUndefined();
  });

  it('names the reverse zone of whole-octet and whole-nibble prefixes only', () => {
    expect(ptrDomain(parseIp('192.168.122.1')!, 24)).toBe('122.168.192.in-addr.arpa');
    expect(ptrDomain(parseIp('2001:db8:ac10:fe01::1')!, 64)).toBe('1.0.e.f.0.1.c.a.8.b.d.0.1.0.0.2.ip6.arpa');
    expect(ptrDomain(parseIp('192.168.122.1')!, 23)).toBeUndefined();
  });

  it("counts DHCP range addresses within libvirt's 16-bit limit", () => {
    expect(rangeSize(parseIp('192.168.122.2')!, parseIp('192.168.122.254')!)).toBe(253);
    expect(rangeSize(parseIp('2001:db8::1:10')!, parseIp('2001:db8::1:ff')!)).toBe(240);
    expect(rangeSize(parseIp('10.0.0.9')!, parseIp('10.0.0.2')!)).toBe('is reversed (start is after end)');
    expect(rangeSize(parseIp('10.0.0.1')!, parseIp('10.1.0.1')!)).toBe('is too large (more than 65535 addresses)');
  });

  it('knows private ranges, classful prefixes and netmasks', () => {
    expect(['10.1.2.3', '172.16.0.1', '172.32.0.1', '192.168.0.1', '8.8.8.8', 'fd00::1', '2001:db8::1'].map((s) => isPrivateAddress(parseIp(s)!))).toEqual([
      true, true, false, true, false, true, false,
    ]);
    expect(['10.24.10.1', '172.16.0.1', '192.168.1.1', '2001:db8::1'].map((s) => defaultPrefix(parseIp(s)!))).toEqual([8, 16, 24, 64]);
    expect(netmaskPrefix(parseIp('255.255.254.0')!.value)).toBe(23);
    expect(netmaskPrefix(parseIp('255.0.255.0')!.value)).toBeUndefined();
  });
});
