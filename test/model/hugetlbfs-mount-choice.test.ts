/**
 * model/hugetlbfs-mount-choice.ts: which hugetlbfs mount a page size's memory goes to when a host
 * has several: the configured ones only, in their order; else the conventional mount points
 * first, then /proc/mounts order.
 */
import { isConventionalHugetlbfsMount, orderHugetlbfsMounts, unmountedConfiguredHugetlbfs } from '../../model/hugetlbfs-mount-choice';

const m = (path: string, pageSizeKiB: number) => ({ path, pageSizeKiB });

describe('orderHugetlbfsMounts', () => {
  // /proc/mounts order: a stray mount of each size before the conventional one.
  const mounts = [m('/tmp/stray-2m', 2048), m('/mnt/stray-1g', 1048576), m('/dev/hugepages', 2048), m('/dev/hugepages1G', 1048576), m('/srv/other', 2048)];

  it('puts /dev/hugepages and /dev/hugepages<SIZE> first, then the others in /proc/mounts order', () => {
    expect(orderHugetlbfsMounts(mounts)).toEqual([m('/dev/hugepages', 2048), m('/dev/hugepages1G', 1048576), m('/tmp/stray-2m', 2048), m('/mnt/stray-1g', 1048576), m('/srv/other', 2048)]);
  });

  it('keeps /proc/mounts order when no mount is a conventional one', () => {
    expect(orderHugetlbfsMounts([m('/b', 2048), m('/a', 2048)])).toEqual([m('/b', 2048), m('/a', 2048)]);
  });

  it('a configured list: only those mounts, in the configured order (trailing slashes ignored)', () => {
    expect(orderHugetlbfsMounts(mounts, ['/srv/other/', '/mnt/stray-1g', '/not/mounted'])).toEqual([m('/srv/other', 2048), m('/mnt/stray-1g', 1048576)]);
    expect(orderHugetlbfsMounts(mounts, [])).toEqual([]);
    expect(unmountedConfiguredHugetlbfs(mounts, ['/srv/other/', '/not/mounted', '/dev/hugepages'])).toEqual(['/not/mounted']);
  });

  it('calls /dev/hugepagesSIZE conventional only for its own page size', () => {
    expect([m('/dev/hugepages', 1048576), m('/dev/hugepages2M', 2048), m('/dev/hugepages2M', 1048576), m('/dev/hugepages-2M', 2048), m('/dev/hugepages1G/x', 1048576)].map(isConventionalHugetlbfsMount)).toEqual([
      true,
      true,
      false,
      false,
      false,
    ]);
  });
});
