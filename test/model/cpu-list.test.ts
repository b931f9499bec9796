import { cpuListIds, CpuListItemError, formatCpuList, parseCpuList } from '../../model/cpu-list';
import { parseCpuset } from '../../model/domain/cpuset';

describe('CPU lists', () => {
  it('parses ranges and singles, sorted and without duplicates', () => {
    expect(parseCpuList('0-3,8,10-11\n')).toEqual([0, 1, 2, 3, 8, 10, 11]);
    expect(parseCpuList('5,1-2,2')).toEqual([1, 2, 5]);
    expect(parseCpuList('\n')).toEqual([]);
  });
  it('formats runs as ranges', () => {
    expect(formatCpuList([11, 0, 1, 2, 3, 8, 10])).toBe('0-3,8,10-11');
    expect(formatCpuList([])).toBe('');
    expect(formatCpuList([4])).toBe('4');
  });
  it('names the bad part of a malformed list', () => {
    expect(() => parseCpuList('0-3,x')).toThrow("CPU list '0-3,x' is malformed at 'x': expected N or N-M separated by commas (e.g. 0-3,8)");
    expect(() => parseCpuList('5-2')).toThrow("CPU list '5-2' has a descending range '5-2': write it as 2-5");
  });
  it("is one parser for the kernel's lists and libvirt's sets, which add ^N exclusions and an id limit", () => {
    expect(cpuListIds(' 0-3, ^2 ,8', { exclusions: true })).toEqual([0, 1, 3, 8]);
    expect(() => cpuListIds('0-3,^2')).toThrow(new CpuListItemError('malformed', '^2', 0, 0));
    expect(() => parseCpuList('0-3,^2')).toThrow("CPU list '0-3,^2' is malformed at '^2'");
    expect(() => cpuListIds('0,7-9', { maxId: 8 })).toThrow(new CpuListItemError('too-large', '7-9', 7, 9));
    expect(() => parseCpuset('0,1048576-1048577')).toThrow('has an id 1048577 that is too large');
    expect(parseCpuset('0-3,^2,8')).toEqual(cpuListIds('0-3,^2,8', { exclusions: true }));
  });
});
