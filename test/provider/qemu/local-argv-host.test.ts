/**
 * provider/qemu/local-argv-host.ts: this machine's facts for `domxml-to-native`, read with
 * provider/host's parsers, and its probe host, which is the local transport.
 */
import * as path from 'path';
import { hugetlbfsMountsFrom, localProbeHost } from '../../../provider/qemu/local-argv-host';
import { localProbeHost as recordingProbeHost } from '../../support/local-host';

describe('local argv host', () => {
  it('reads hugetlbfs mounts: pagesize= or the default size, escaped mount points, each mount once', () => {
    const mounts = [
      'proc /proc proc rw,nosuid 0 0',
      'hugetlbfs /dev/hugepages hugetlbfs rw,relatime,pagesize=2M 0 0',
      'none /mnt/huge\\0401g hugetlbfs rw,pagesize=1024M 0 0',
      'none /mnt/default hugetlbfs rw 0 0',
      'none /mnt/default hugetlbfs rw 0 0',
      'none /mnt/odd hugetlbfs rw,pagesize=x 0 0',
    ].join('\n');
    expect(hugetlbfsMountsFrom(mounts, 2048)).toEqual([
      { path: '/dev/hugepages', pageSizeKiB: 2048, isDefault: true },
      { path: '/mnt/huge 1g', pageSizeKiB: 1048576, isDefault: false },
      { path: '/mnt/default', pageSizeKiB: 2048, isDefault: true },
    ]);
    expect(hugetlbfsMountsFrom(mounts, undefined).map((m) => m.path)).toEqual(['/dev/hugepages', '/mnt/huge 1g']);
  });

  it('probes through the local transport: a missing binary is exit 127, as over SSH', async () => {
    const missing = path.join('/nonexistent', 'qemu-system-x86_64');
    const r = await localProbeHost().exec([missing, '-version']);
    expect({ code: r.code, stderr: r.stderr.toString() }).toEqual({ code: 127, stderr: `${missing}: not found\n` });
    const rec = recordingProbeHost();
    expect((await rec.exec(['sh', '-c', 'exit 3'])).code).toBe(3);
    expect(rec.commands).toEqual([['sh', '-c', 'exit 3']]);
  });
});
