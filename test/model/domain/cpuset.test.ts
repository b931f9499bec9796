import { formatCpuList } from '../../../model/cpu-list';
import { cpuset, parseCpuset } from '../../../model/domain/cpuset';

describe('CPU sets', () => {
  it("parses ids, ranges and exclusions like libvirt's bitmaps", () => {
    expect(parseCpuset('0-3,^2,8')).toEqual([0, 1, 3, 8]);
    expect(parseCpuset(' 5 , 1-2 ')).toEqual([1, 2, 5]);
    expect(parseCpuset('0,16383')).toEqual([0, 16383]);
  });

  it('prints the canonical form: ascending, runs collapsed', () => {
    expect(formatCpuList([8, 0, 1, 3, 2])).toBe('0-3,8');
    expect(formatCpuList([0, 1])).toBe('0-1');
    expect(cpuset().parse('1-4,8-20,525')).toBe('1-4,8-20,525');
    expect(cpuset().parse('3,2,1')).toBe('1-3');
  });

  it('rejects bad syntax, descending ranges and empty sets with the fix', () => {
    expect(() => parseCpuset('1-x')).toThrow("is not a CPU set: '1-x' is neither an id, a range 'a-b' nor an exclusion '^n'");
    expect(() => parseCpuset('4-2')).toThrow("has a descending range '4-2'");
    expect(() => parseCpuset('')).toThrow('must not be empty');
    expect(() => cpuset().parse('0,^0')).toThrow('selects no CPUs at all');
  });
});
