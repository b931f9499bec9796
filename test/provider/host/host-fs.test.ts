import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { discoverHost } from '../../../provider/host/host-discovery';
import { TransportHostFs, type HostFs } from '../../../provider/host/host-fs';
import { LocalTransport } from '../../../provider/host/local-transport';
import { SshTransport } from '../../../provider/host/ssh-transport';
import type { Transport } from '../../../provider/host/transport';
import { parseConnectionUri, type SshUri } from '../../../provider/host/uri';
import { buildTwoNodeHost } from '../../fixtures/two-node-host';
import { describeIf, itIf, missing } from '../../support/skip';
import { startSshd, type TestSshd } from '../../support/sshd';

const GPU = '/sys/bus/pci/devices/0000:01:00.0';

/** HostFs behaviour over a fixture tree, for any transport. */
function hostFsOnFixture(getTransport: () => Transport): void {
  let root: string;
  let hfs: HostFs;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'virtform-hostfs-'));
    buildTwoNodeHost(root);
    hfs = new TransportHostFs(getTransport(), { hostRoot: root });
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('reads host paths from under the host root', async () => {
    expect((await hfs.read(`${GPU}/vendor`)).toString()).toBe('0x10de\n');
    const many = await hfs.readMany([`${GPU}/class`, '/sys/devices/system/node/node1/cpulist', `${GPU}/nope`]);
    expect([...many.entries()].map(([k, v]) => [k, v && v.toString()])).toEqual([
      [`${GPU}/class`, '0x030000\n'],
      ['/sys/devices/system/node/node1/cpulist', '4-7,12-15\n'],
      [`${GPU}/nope`, null],
    ]);
  });

  it('lists directories sorted, reads links, and tells what exists', async () => {
    expect(await hfs.readdir('/sys/kernel/iommu_groups/13/devices')).toEqual(['0000:01:00.0', '0000:01:00.1']);
    expect(await hfs.readlink(`${GPU}/driver`)).toBe('../../../bus/pci/drivers/nouveau');
    expect(await hfs.readlink(`${GPU}/vendor`)).toBeNull();
    expect(await hfs.readlink('/sys/bus/pci/devices/0000:00:1f.3/driver')).toBeNull();
    expect(await hfs.exists(`${GPU}/driver_override`)).toBe(true);
    expect(await hfs.exists('/sys/bus/pci/devices/0000:00:1f.3/driver')).toBe(false);
    await expect(hfs.readdir(`${GPU}/vendor`)).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining(`${GPU}/vendor (under host root ${root}): cannot list directory`) });
  });

  it('writes in place (same inode), as sysfs needs, and discovery sees the change', async () => {
    const real = path.join(root, 'sys/devices/pci0000:00/0000:01:00.0/driver_override');
    const inode = fs.statSync(real).ino;
    await hfs.write(`${GPU}/driver_override`, 'vfio-pci\n');
    expect(fs.statSync(real).ino).toBe(inode);
    expect(fs.readFileSync(real, 'utf8')).toBe('vfio-pci\n');
    const facts = await discoverHost(getTransport(), { hostRoot: root });
    expect(facts.pci.devices.find((d) => d.address === '0000:01:00.0')!.driverOverride).toBe('vfio-pci');
  });

  it('refuses to create a file that the kernel does not expose', async () => {
    const err = await hfs.write(`${GPU}/sriov_numvfs`, '4').catch((e) => e);
    expect(err.code).toBe('NOT_FOUND');
    expect(err.message).toContain(`${GPU}/sriov_numvfs (under host root ${root}): writing "4" failed`);
    expect(err.message).toContain('The kernel does not expose this attribute here');
    expect(fs.existsSync(path.join(root, 'sys/devices/pci0000:00/0000:01:00.0/sriov_numvfs'))).toBe(false);
  });

  it('keeps paths inside the host root', async () => {
    await expect(hfs.read('/sys/../../etc/passwd')).rejects.toThrow("HostFs: '/sys/../../etc/passwd' contains '..', which could leave the host root");
    await expect(hfs.read('relative')).rejects.toThrow("HostFs: 'relative' is not an absolute host path");
  });
}

describe('TransportHostFs over LocalTransport', () => {
  const local = new LocalTransport('qemu:///system');
  hostFsOnFixture(() => local);

  const hp = '/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages';
  itIf(missing({ root: true }) ?? (fs.existsSync(hp) ? null : 'no 2 MiB hugepage pool on this kernel'))(
    'grows and shrinks the real 2 MiB hugepage pool through sysfs, and discovery sees it',
    async () => {
      const hfs = new TransportHostFs(local);
      const before = Number((await hfs.read(hp)).toString());
      try {
        await hfs.write(hp, `${before + 1}\n`);
        const after = Number(fs.readFileSync(hp, 'utf8'));
        const facts = await discoverHost(local);
        expect(facts.hugepages.pools.find((p) => p.sizeKiB === 2048)!.total).toBe(after);
        expect(after).toBe(before + 1); // the kernel could allocate one 2 MiB page
      } finally {
        await hfs.write(hp, `${before}\n`);
      }
      expect(Number(fs.readFileSync(hp, 'utf8'))).toBe(before);
    },
  );

  it('passes the kernel’s error through when a sysfs write is rejected', async () => {
    const hfs = new TransportHostFs(local);
    const target = '/sys/devices/system/cpu/online'; // read-only attribute
    const err = await hfs.write(target, '0\n').catch((e) => e);
    expect(err.code).toBe('IO');
    expect(err.message).toMatch(new RegExp(`^localhost: ${target}: writing "0\\\\n" failed: .*(Permission denied|Invalid argument|Input/output error)`));
  });
});

describeIf(missing({ binaries: ['/usr/sbin/sshd'] }))('TransportHostFs over SshTransport', () => {
  let sshd: TestSshd;
  let t: SshTransport;
  beforeAll(async () => {
    sshd = await startSshd();
    t = await SshTransport.open(parseConnectionUri(sshd.uri()) as SshUri, { sshConfigFile: null, agentSocket: null });
  });
  afterAll(async () => {
    await t?.close();
    await sshd?.stop();
  });
  hostFsOnFixture(() => t);
});
