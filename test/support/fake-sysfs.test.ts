/**
 * The fake sysfs must behave like the kernel where the executor relies on it, and its tree must
 * read like a real host through the production discovery path.
 */
import * as fs from 'fs';
import { discoverHost } from '../../provider/host/host-discovery';
import { LocalTransport } from '../../provider/host/local-transport';
import { TransportHostFs } from '../../provider/host/host-fs';
import { FakeSysfs, KernelWatcher } from './fake-sysfs';

const GPU = '/sys/bus/pci/devices/0000:01:00.0';
const PF = '/sys/bus/pci/devices/0000:03:00.0';

describe('fake sysfs tree read by host discovery', () => {
  let f: FakeSysfs;
  beforeAll(() => (f = FakeSysfs.create()));
  afterAll(() => f.remove());

  it('gives the facts the tree describes', async () => {
    const facts = await discoverHost(new LocalTransport('qemu:///system'), { hostRoot: f.root });
    expect(facts.hostname).toBe('fakehost');
    expect(facts.numa.nodes.map((n) => [n.id, n.cpus, n.hugepages])).toEqual([
      [0, [0, 1], [{ sizeKiB: 2048, total: 64, free: 64 }, { sizeKiB: 1048576, total: 2, free: 2 }]],
      [1, [2, 3], [{ sizeKiB: 2048, total: 32, free: 16 }, { sizeKiB: 1048576, total: 0, free: 0 }]],
    ]);
    expect(facts.hugepages).toEqual({
      defaultSizeKiB: 2048,
      pools: [{ sizeKiB: 2048, total: 96, free: 80 }, { sizeKiB: 1048576, total: 2, free: 2 }],
      mounts: [{ path: '/dev/hugepages', pageSizeKiB: 2048 }, { path: '/dev/hugepages1G', pageSizeKiB: 1048576 }],
    });
    expect(facts.pci.iommuEnabled).toBe(true);
    expect(facts.pci.iommuGroups.find((g) => g.id === 13)).toEqual({ id: 13, devices: ['0000:01:00.0', '0000:01:00.1'] });
    const byAddr = new Map(facts.pci.devices.map((d) => [d.address, d]));
    expect(byAddr.get('0000:00:01.0')).toMatchObject({ headerType: 'bridge', driver: 'pcieport', iommuGroup: 1 });
    expect(byAddr.get('0000:01:00.0')).toMatchObject({ vendor: '10de', device: '1b80', headerType: 'endpoint', driver: 'nouveau', iommuGroup: 13, numaNode: 0, resetMethods: ['bus'], resettable: true });
    expect(byAddr.get('0000:03:00.0')!.sriov).toEqual({ totalVfs: 7, numVfs: 0, virtfns: [] });
    expect(byAddr.get('0000:00:02.0')!.mdevTypes).toEqual([{ id: 'i915-GVTg_V5_4', name: 'GVTg_V5_4', availableInstances: 2, deviceApi: 'vfio-pci' }]);
    expect(byAddr.get('0000:07:00.0')!.driver).toBeNull();
  });
});

describe('SysfsKernel behaviour through FakeSysfs (HostFs)', () => {
  let f: FakeSysfs;
  beforeEach(() => (f = FakeSysfs.create()));
  afterEach(() => f.remove());

  it('driver_override + unbind + drivers_probe moves a device to vfio-pci and creates /dev/vfio/GROUP', async () => {
    await f.write(`${GPU}/driver_override`, 'vfio-pci');
    expect((await f.read(`${GPU}/driver_override`)).toString()).toBe('vfio-pci\n');
    await f.write(`${GPU}/driver/unbind`, '0000:01:00.0');
    expect(await f.readlink(`${GPU}/driver`)).toBeNull();
    expect(await f.exists('/sys/bus/pci/drivers/nouveau/0000:01:00.0')).toBe(false);
    await f.write('/sys/bus/pci/drivers_probe', '0000:01:00.0');
    expect(await f.readlink(`${GPU}/driver`)).toBe('../../../../bus/pci/drivers/vfio-pci');
    expect(await f.exists('/sys/bus/pci/drivers/vfio-pci/0000:01:00.0')).toBe(true);
    expect(await f.exists('/dev/vfio/13')).toBe(true);
    // Clearing the override and reprobing gives it back to its native driver.
    await f.write(`${GPU}/driver_override`, '\n');
    expect((await f.read(`${GPU}/driver_override`)).toString()).toBe('(null)\n');
    await f.write('/sys/bus/pci/drivers/vfio-pci/unbind', '0000:01:00.0');
    expect(await f.exists('/dev/vfio/13')).toBe(false);
    await f.write('/sys/bus/pci/drivers_probe', '0000:01:00.0');
    expect(await f.readlink(`${GPU}/driver`)).toBe('../../../../bus/pci/drivers/nouveau');
  });

  it('refuses like the kernel: unbind from a driver it is not bound to, EBUSY, attributes that do not exist', async () => {
    await expect(f.write('/sys/bus/pci/drivers/nvme/unbind', '0000:01:00.0')).rejects.toThrow(
      `fakehost: /sys/bus/pci/drivers/nvme/unbind (under host root ${f.root}): writing "0000:01:00.0" failed: cat: write error: No such device`,
    );
    f.failures.busy.add('0000:01:00.0');
    await expect(f.write(`${GPU}/driver/unbind`, '0000:01:00.0')).rejects.toMatchObject({ code: 'IO', message: expect.stringContaining('cat: write error: Device or resource busy') });
    await expect(f.write(`${GPU}/sriov_numvfs`, '1')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('sriov_numvfs creates VFs with physfn/virtfn links, own groups and autoprobe; non-zero to non-zero is EBUSY; 0 removes them', async () => {
    await f.write(`${PF}/sriov_numvfs`, '2');
    expect(await f.readdir(PF)).toEqual(expect.arrayContaining(['virtfn0', 'virtfn1']));
    expect(await f.readlink(`${PF}/virtfn1`)).toBe('../0000:03:10.4');
    expect(await f.readlink('/sys/bus/pci/devices/0000:03:10.4/physfn')).toBe('../0000:03:00.0');
    expect(await f.readlink('/sys/bus/pci/devices/0000:03:10.4/iommu_group')).toBe('../../../kernel/iommu_groups/41');
    expect(await f.readlink('/sys/bus/pci/devices/0000:03:10.0/driver')).toBe('../../../bus/pci/drivers/igbvf');
    await expect(f.write(`${PF}/sriov_numvfs`, '3')).rejects.toThrow('cat: write error: Device or resource busy');
    await expect(f.write(`${PF}/sriov_numvfs`, '8')).rejects.toThrow('cat: write error: Numerical result out of range');
    await f.write(`${PF}/sriov_numvfs`, '0');
    expect(await f.exists('/sys/bus/pci/devices/0000:03:10.0')).toBe(false);
    expect(await f.exists('/sys/kernel/iommu_groups/40')).toBe(false);
    expect((await f.read(`${PF}/sriov_numvfs`)).toString()).toBe('0\n');
  });

  it('mdev create/remove keeps available_instances; no instances left is ENOSPC', async () => {
    const types = '/sys/bus/pci/devices/0000:00:02.0/mdev_supported_types/i915-GVTg_V5_4';
    const u1 = '11111111-1111-4111-8111-111111111111';
    await f.write(`${types}/create`, u1);
    await f.write(`${types}/create`, '22222222-2222-4222-8222-222222222222');
    expect((await f.read(`${types}/available_instances`)).toString()).toBe('0\n');
    await expect(f.write(`${types}/create`, '33333333-3333-4333-8333-333333333333')).rejects.toThrow('No space left on device');
    expect(await f.exists(`/sys/bus/mdev/devices/${u1}`)).toBe(true);
    const g = (await f.readlink(`/sys/bus/mdev/devices/${u1}/iommu_group`))!.split('/').pop();
    expect(await f.exists(`/dev/vfio/${g}`)).toBe(true);
    await f.write(`/sys/bus/mdev/devices/${u1}/remove`, '1');
    expect(await f.exists(`/sys/bus/mdev/devices/${u1}`)).toBe(false);
    expect(await f.exists(`/dev/vfio/${g}`)).toBe(false);
    expect((await f.read(`${types}/available_instances`)).toString()).toBe('1\n');
  });

  it('hugepage pools grow as far as the node allows, shrink by free pages, and keep the system-wide sums', async () => {
    const n1 = '/sys/devices/system/node/node1/hugepages/hugepages-2048kB';
    f.failures.growLimit.set('1:2048', 10);
    await f.write(`${n1}/nr_hugepages`, '100');
    expect((await f.read(`${n1}/nr_hugepages`)).toString()).toBe('42\n');
    expect((await f.read(`${n1}/free_hugepages`)).toString()).toBe('26\n');
    expect((await f.read('/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages')).toString()).toBe('106\n');
    await f.write(`${n1}/nr_hugepages`, '0');
    expect((await f.read(`${n1}/nr_hugepages`)).toString()).toBe('16\n'); // 16 pages are in use
    expect((await f.read('/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages')).toString()).toBe('64\n');
  });
});

describe('KernelWatcher: the kernel answering writes made by a real HostFs', () => {
  it('applies what TransportHostFs wrote over LocalTransport', async () => {
    const f = FakeSysfs.create();
    const w = new KernelWatcher(f.kernel).start();
    try {
      const hfs = new TransportHostFs(new LocalTransport('qemu:///system'), { hostRoot: f.root });
      await hfs.write(`${GPU}/driver_override`, 'vfio-pci');
      await hfs.write(`${GPU}/driver/unbind`, '0000:01:00.0');
      const deadline = Date.now() + 2000;
      while ((await hfs.readlink(`${GPU}/driver`)) !== null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      await hfs.write('/sys/bus/pci/drivers_probe', '0000:01:00.0');
      while ((await hfs.readlink(`${GPU}/driver`)) === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      expect(await hfs.readlink(`${GPU}/driver`)).toBe('../../../../bus/pci/drivers/vfio-pci');
      expect(fs.readFileSync(`${f.root}/sys/bus/pci/drivers_probe`, 'utf8')).toBe('');
      expect(w.errors).toEqual([]);
    } finally {
      w.stop();
      f.remove();
    }
  });
});
