import { createHash } from 'crypto';
import { bridgeAlias, isVirtformAlias, linkNameProblem, networkNameProblem, pickBridgeName, tapAlias, tapName } from '../../../../provider/executor/network';

describe('names a network puts on a host', () => {
  it('derives tap names from the domain name and interface index, within 15 bytes', () => {
    const h = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex').slice(0, 8);
    expect(tapName('web', 0)).toBe(`vf${h('web')}i0`);
    expect(tapName('web', 9999)).toBe(`vf${h('web')}i9999`);
    expect(tapName('web', 9999)).toHaveLength(15);
    expect(tapName('wéb ☃', 2)).toBe(`vf${h('wéb ☃')}i2`);
    expect(tapName('web', 1)).not.toBe(tapName('web', 0));
    expect(tapName('db', 0)).not.toBe(tapName('web', 0));
    for (const n of ['web', 'a'.repeat(200), 'x y']) expect(linkNameProblem(tapName(n, 42))).toBeNull();
  });

  it('marks what virtform creates in the ifalias', () => {
    expect(bridgeAlias('lab')).toBe('virtform:network:lab');
    expect(tapAlias('web 1', 3)).toBe('virtform:tap:web 1:3');
    expect([isVirtformAlias('virtform:tap:x:0'), isVirtformAlias('virtform:network:n'), isVirtformAlias('libvirt'), isVirtformAlias(undefined)]).toEqual([true, true, false, false]);
  });

  it.each([
    ['virbr0', null],
    ['br-lab.10', null],
    ['_x', null],
    ['a23456789012345', null],
    ['a234567890123456', 'it is 16 bytes long; Linux interface names have at most 15'],
    ['', 'it is empty'],
    ['.', "'.' is reserved by the kernel"],
    ['br:0', "interface names here are made of ASCII letters, digits, '_', '.' and '-', starting with a letter, digit or '_'"],
    ['brü', "interface names here are made of ASCII letters, digits, '_', '.' and '-', starting with a letter, digit or '_'"],
  ])('link name %j → %j', (name, problem) => expect(linkNameProblem(name)).toBe(problem));

  it.each([
    ['default', null],
    ['lab-net_2.v4+v6', null],
    ['a'.repeat(200), null],
    ['a'.repeat(201), 'it is 201 bytes long; at most 200 are allowed'],
  ])('network name %j → %j', (name, problem) => expect(networkNameProblem(name)).toBe(problem));

  it('picks the first free virbrN as libvirt does', () => {
    expect(pickBridgeName([])).toBe('virbr0');
    expect(pickBridgeName(['virbr0', 'virbr1', 'virbr3', 'eth0'])).toBe('virbr2');
  });
});
