/**
 * prepareHostdevs / releaseHostdevs against the fake sysfs (this machine has no IOMMU): the
 * production code talks only to HostFs, here a kernel simulator. Exact sysfs writes, records,
 * rollback, and the plan's messages for live problems.
 */
import * as fs from 'fs';
import type { PciHostdevNeed } from '../../../../planner/hostdev-demand';
import { HostdevLedger } from '../../../../planner/hostdev-ledger';
import { HostResourceError } from '../../../../planner/host-issue';
import type { HostContext } from '../../../../provider/executor/host-context';
import { prepareHostdevs, releaseHostdevs } from '../../../../provider/executor/vfio/prepare-hostdevs';
import { STANDARD_FAKE_HOST } from '../../../support/fake-host-tree';
import { FakeHostCommands } from '../../../support/fake-host-commands';
import { FakeSysfs } from '../../../support/fake-sysfs';

const dev = (a: string) => `/sys/bus/pci/devices/${a}`;
const pci = (address: string, managed = true, i = 1): PciHostdevNeed => ({ address, managed, path: `/domain/devices/hostdev[${i}]` });
const T = { timeoutMs: 100, pollMs: 10 };
const U1 = '11111111-1111-4111-8111-111111111111';

describe('prepareHostdevs / releaseHostdevs on the fake sysfs', () => {
  let f: FakeSysfs;
  let ctx: HostContext;
  beforeEach(() => {
    f = FakeSysfs.create();
    ctx = { hostLabel: 'fakehost', fs: f };
  });
  afterEach(() => f.remove());

  const driver = (a: string) => f.kernel.driverOf(a);
  const override = (a: string) => fs.readFileSync(`${f.root}${dev(a)}/driver_override`, 'utf8');

  it('detaches with driver_override + unbind + drivers_probe, records the original driver, and reattaches only that', async () => {
    const p = await prepareHostdevs(ctx, { domain: 'vm', demand: { pci: [pci('0000:04:00.0')], mdevs: [] }, ...T });
    expect(f.ops).toEqual([
      `write ${dev('0000:04:00.0')}/driver_override "vfio-pci"`,
      `write ${dev('0000:04:00.0')}/driver/unbind "0000:04:00.0"`,
      'write /sys/bus/pci/drivers_probe "0000:04:00.0"',
    ]);
    expect(p).toEqual({ vfio: [{ address: '0000:04:00.0', originalDriver: 'nvme', reboundByVirtform: true, group: 21, role: 'assigned' }], mdevs: [], sriov: [] });
    expect(driver('0000:04:00.0')).toBe('vfio-pci');
    expect(fs.existsSync(`${f.root}/dev/vfio/21`)).toBe(true);
    f.ops.length = 0;
    expect(await releaseHostdevs(ctx, p, T)).toEqual({ notes: [] });
    expect(f.ops).toEqual([
      `write ${dev('0000:04:00.0')}/driver_override "\\n"`,
      `write ${dev('0000:04:00.0')}/driver/unbind "0000:04:00.0"`,
      'write /sys/bus/pci/drivers_probe "0000:04:00.0"',
    ]);
    expect(driver('0000:04:00.0')).toBe('nvme');
    expect(override('0000:04:00.0')).toBe('(null)\n');
    expect(fs.existsSync(`${f.root}/dev/vfio/21`)).toBe(false);
    // A second release finds nothing to do.
    f.ops.length = 0;
    await releaseHostdevs(ctx, p, T);
    expect(f.ops).toEqual([`write ${dev('0000:04:00.0')}/driver_override "\\n"`]);
  });

  it('a GPU and its audio function (one IOMMU group) both go to vfio-pci and come back to their own drivers', async () => {
    const p = await prepareHostdevs(ctx, { domain: 'vm', demand: { pci: [pci('0000:01:00.0'), pci('0000:01:00.1', true, 2)], mdevs: [] }, ...T });
    expect(p.vfio.map((r) => [r.address, r.originalDriver, r.group])).toEqual([
      ['0000:01:00.0', 'nouveau', 13],
      ['0000:01:00.1', 'snd_hda_intel', 13],
    ]);
    expect([driver('0000:01:00.0'), driver('0000:01:00.1')]).toEqual(['vfio-pci', 'vfio-pci']);
    await releaseHostdevs(ctx, p, T);
    expect([driver('0000:01:00.0'), driver('0000:01:00.1')]).toEqual(['nouveau', 'snd_hda_intel']);
    expect(f.ops.filter((o) => o.includes('drivers_probe'))).toEqual([
      'write /sys/bus/pci/drivers_probe "0000:01:00.0"',
      'write /sys/bus/pci/drivers_probe "0000:01:00.1"',
      'write /sys/bus/pci/drivers_probe "0000:01:00.1"',
      'write /sys/bus/pci/drivers_probe "0000:01:00.0"',
    ]);
  });

  it('rolls back the first device when the second one does not bind (timeout → original driver restored)', async () => {
    f.failures.neverBind.add('0000:05:00.0');
    const err = await prepareHostdevs(ctx, { domain: 'vm', demand: { pci: [pci('0000:04:00.0'), pci('0000:05:00.0', true, 2)], mdevs: [] }, ...T }).catch((e) => e);
    expect(err).toBeInstanceOf(HostResourceError);
    expect(err.message).toBe(
      'error: host fakehost: 0000:05:00.0 did not bind to vfio-pci within 100 ms; its driver is none, /dev/vfio/22 missing; it was given back to e1000e (/domain/devices/hostdev[2]) ' +
        '(fix: check the kernel log (dmesg) for vfio-pci probe errors and that the IOMMU is enabled, then apply again)',
    );
    expect(f.ops).toEqual([
      `write ${dev('0000:04:00.0')}/driver_override "vfio-pci"`,
      `write ${dev('0000:04:00.0')}/driver/unbind "0000:04:00.0"`,
      'write /sys/bus/pci/drivers_probe "0000:04:00.0"',
      `write ${dev('0000:05:00.0')}/driver_override "vfio-pci"`,
      `write ${dev('0000:05:00.0')}/driver/unbind "0000:05:00.0"`,
      'write /sys/bus/pci/drivers_probe "0000:05:00.0"',
      // timeout: 05:00.0 back to e1000e
      `write ${dev('0000:05:00.0')}/driver_override "\\n"`,
      'write /sys/bus/pci/drivers_probe "0000:05:00.0"',
      // rollback: 04:00.0 back to nvme
      `write ${dev('0000:04:00.0')}/driver_override "\\n"`,
      `write ${dev('0000:04:00.0')}/driver/unbind "0000:04:00.0"`,
      'write /sys/bus/pci/drivers_probe "0000:04:00.0"',
    ]);
    expect([driver('0000:04:00.0'), driver('0000:05:00.0')]).toEqual(['nvme', 'e1000e']);
    expect([override('0000:04:00.0'), override('0000:05:00.0')]).toEqual(['(null)\n', '(null)\n']);
  });

  it('a busy device (unbind refused) is left on its driver with the override cleared', async () => {
    f.failures.busy.add('0000:04:00.0');
    const err = await prepareHostdevs(ctx, { domain: 'vm', demand: { pci: [pci('0000:04:00.0')], mdevs: [] }, ...T }).catch((e) => e);
    expect(err.issues.map((i: { problem: string; detail: string }) => [i.problem, i.detail])).toEqual([
      [
        'host fakehost: could not unbind 0000:04:00.0 from nvme',
        `fakehost: ${dev('0000:04:00.0')}/driver/unbind (under host root ${f.root}): writing "0000:04:00.0" failed: cat: write error: Device or resource busy; it was given back to nvme`,
      ],
    ]);
    expect(driver('0000:04:00.0')).toBe('nvme');
    expect(override('0000:04:00.0')).toBe('(null)\n');
  });

  it('IOMMU group not viable: the plan message listing every member and driver, nothing written', async () => {
    const err = await prepareHostdevs(ctx, { domain: 'vm', demand: { pci: [pci('0000:01:00.0')], mdevs: [] }, ...T }).catch((e) => e);
    expect(err.issues.map((i: { problem: string; detail: string }) => [i.problem, i.detail])).toEqual([
      [
        'host fakehost: IOMMU group 13 of 0000:01:00.0 is not viable: 0000:01:00.1 is bound to snd_hda_intel',
        'group 13: 0000:01:00.0 [10de:1b80] driver nouveau (assigned to this domain); 0000:01:00.1 [10de:10f0] driver snd_hda_intel (not assigned); QEMU can open the group only when every device in it is on vfio-pci or unbound (bridges excepted)',
      ],
    ]);
    expect(f.ops).toEqual([]);
  });

  it('detachGroupPeers binds the blocking peer first (role group-peer) and gives both back', async () => {
    const p = await prepareHostdevs(ctx, { domain: 'vm', demand: { pci: [pci('0000:01:00.0')], mdevs: [] }, detachGroupPeers: true, ...T });
    expect(p.vfio.map((r) => [r.address, r.role, r.originalDriver])).toEqual([
      ['0000:01:00.1', 'group-peer', 'snd_hda_intel'],
      ['0000:01:00.0', 'assigned', 'nouveau'],
    ]);
    await releaseHostdevs(ctx, p, T);
    expect([driver('0000:01:00.0'), driver('0000:01:00.1')]).toEqual(['nouveau', 'snd_hda_intel']);
  });

  it('not an endpoint, missing device, in use by another domain (itself or through its group): errors, nothing written', async () => {
    const ledger = HostdevLedger.fromStatus([
      { domain: 'db', vfio: [{ address: '0000:04:00.0' }] },
      { domain: 'gpu2', vfio: [{ address: '0000:01:00.1' }] },
    ]);
    const err = await prepareHostdevs(ctx, {
      domain: 'vm',
      demand: { pci: [pci('0000:00:01.0', true, 1), pci('0000:09:00.0', true, 2), pci('0000:04:00.0', true, 3), pci('0000:01:00.0', true, 4)], mdevs: [] },
      ledger,
      ...T,
    }).catch((e) => e);
    expect(err.issues.map((i: { path: string; problem: string }) => `${i.path}: ${i.problem}`)).toEqual([
      '/domain/devices/hostdev[1]: host fakehost: 0000:00:01.0 [8086:1901] is a PCI bridge, not an endpoint device',
      '/domain/devices/hostdev[2]: host fakehost: Device 0000:09:00.0 not found: could not access /sys/bus/pci/devices/0000:09:00.0',
      "/domain/devices/hostdev[3]: host fakehost: 0000:04:00.0 is in use by domain 'db'",
      "/domain/devices/hostdev[4]: host fakehost: IOMMU group 13 of 0000:01:00.0 is in use by domain 'gpu2' (through 0000:01:00.1)",
    ]);
    expect(f.ops).toEqual([]);
  });

  it('an unmanaged device already on vfio-pci is used as is (nothing written or given back); one still on its driver is refused', async () => {
    const p = await prepareHostdevs(ctx, { domain: 'vm', demand: { pci: [pci('0000:06:00.0', false)], mdevs: [] }, ...T });
    expect(p.vfio).toEqual([{ address: '0000:06:00.0', originalDriver: 'vfio-pci', reboundByVirtform: false, group: 23, role: 'assigned' }]);
    await releaseHostdevs(ctx, p, T);
    expect(f.ops).toEqual([]);
    expect(driver('0000:06:00.0')).toBe('vfio-pci');
    const err = await prepareHostdevs(ctx, { domain: 'vm', demand: { pci: [pci('0000:04:00.0', false)], mdevs: [] }, ...T }).catch((e) => e);
    expect(err.issues[0].problem).toBe("host fakehost: 0000:04:00.0 has managed='no' but is bound to nvme, not vfio-pci");
  });

  it('an unbound device goes to vfio-pci and back to no driver', async () => {
    const p = await prepareHostdevs(ctx, { domain: 'vm', demand: { pci: [pci('0000:07:00.0')], mdevs: [] }, ...T });
    expect(f.ops).toEqual([`write ${dev('0000:07:00.0')}/driver_override "vfio-pci"`, 'write /sys/bus/pci/drivers_probe "0000:07:00.0"']);
    expect(p.vfio[0]).toMatchObject({ originalDriver: null, reboundByVirtform: true });
    await releaseHostdevs(ctx, p, T);
    expect(driver('0000:07:00.0')).toBeNull();
  });

  it('SR-IOV: creates the declared VFs, passes one through, gives it back to igbvf and removes the VFs', async () => {
    const vf = { address: '0000:03:10.4', managed: true, path: '/domain/devices/interface[1]' };
    const p = await prepareHostdevs(ctx, { domain: 'vm', demand: { pci: [vf], mdevs: [] }, sriov: [{ pf: '0000:03:00.0', numVfs: 2 }], ...T });
    expect(p.sriov).toEqual([{ pf: '0000:03:00.0', previousNumVfs: 0, numVfs: 2, changedByVirtform: true, vfs: ['0000:03:10.0', '0000:03:10.4'] }]);
    expect(p.vfio).toEqual([{ address: '0000:03:10.4', originalDriver: 'igbvf', reboundByVirtform: true, group: 41, role: 'assigned' }]);
    expect(f.ops[0]).toBe(`write ${dev('0000:03:00.0')}/sriov_numvfs "2"`);
    await releaseHostdevs(ctx, p, T);
    expect(f.ops.slice(-4)).toEqual([
      `write ${dev('0000:03:10.4')}/driver_override "\\n"`,
      `write ${dev('0000:03:10.4')}/driver/unbind "0000:03:10.4"`,
      'write /sys/bus/pci/drivers_probe "0000:03:10.4"',
      `write ${dev('0000:03:00.0')}/sriov_numvfs "0"`,
    ]);
    expect(fs.existsSync(`${f.root}${dev('0000:03:10.4')}`)).toBe(false);
  });

  it('SR-IOV: VFs stay when another VF of the PF is still on vfio-pci', async () => {
    const a = await prepareHostdevs(ctx, { domain: 'a', demand: { pci: [{ address: '0000:03:10.0', managed: true, path: '/domain/devices/interface[1]' }], mdevs: [] }, sriov: [{ pf: '0000:03:00.0', numVfs: 2 }], ...T });
    const b = await prepareHostdevs(ctx, { domain: 'b', demand: { pci: [{ address: '0000:03:10.4', managed: true, path: '/domain/devices/interface[1]' }], mdevs: [] }, sriov: [{ pf: '0000:03:00.0', numVfs: 2 }], ...T });
    expect(b.sriov[0].changedByVirtform).toBe(false);
    expect(await releaseHostdevs(ctx, a, T)).toEqual({ notes: ['host fakehost: kept the 2 VFs of 0000:03:00.0: 0000:03:10.4 is still on vfio-pci'] });
    expect(f.kernel.text(`${dev('0000:03:00.0')}/sriov_numvfs`)).toBe('2\n');
  });

  it('mdev: created from its declaration when missing, removed at release; an existing one is used as is', async () => {
    const types = `${dev('0000:00:02.0')}/mdev_supported_types/i915-GVTg_V5_4`;
    const p = await prepareHostdevs(ctx, {
      domain: 'vm',
      demand: { pci: [], mdevs: [{ uuid: U1, model: 'vfio-pci', path: '/domain/devices/hostdev[1]' }] },
      mdevs: [{ uuid: U1, parent: '0000:00:02.0', type: 'i915-GVTg_V5_4' }],
      ...T,
    });
    expect(p.mdevs).toEqual([{ uuid: U1, parent: '0000:00:02.0', type: 'i915-GVTg_V5_4', createdByVirtform: true }]);
    expect(f.ops).toEqual([`write ${types}/create "${U1}"`]);
    expect(f.kernel.text(`${types}/available_instances`)).toBe('1\n');
    const again = await prepareHostdevs(ctx, { domain: 'vm2', demand: { pci: [], mdevs: [{ uuid: U1, model: 'vfio-pci', path: '/domain/devices/hostdev[1]' }] }, ...T });
    expect(again.mdevs).toEqual([{ uuid: U1, parent: null, type: null, createdByVirtform: false }]);
    await releaseHostdevs(ctx, again, T);
    expect(f.ops).toHaveLength(1);
    await releaseHostdevs(ctx, p, T);
    expect(f.ops[1]).toBe(`write /sys/bus/mdev/devices/${U1}/remove "1"`);
    expect(f.kernel.text(`${types}/available_instances`)).toBe('2\n');
  });

  it('mdev: missing without a declaration, unknown type, no instances left', async () => {
    const need = { uuid: U1, model: 'vfio-pci', path: '/domain/devices/hostdev[1]' };
    const e1 = await prepareHostdevs(ctx, { domain: 'vm', demand: { pci: [], mdevs: [need] }, ...T }).catch((e) => e);
    expect(e1.issues[0].problem).toBe(`host fakehost: Device mdev ${U1} not found: could not access /sys/bus/mdev/devices/${U1}`);
    const e2 = await prepareHostdevs(ctx, { domain: 'vm', demand: { pci: [], mdevs: [need] }, mdevs: [{ uuid: U1, parent: '0000:00:02.0', type: 'nope' }], ...T }).catch((e) => e);
    expect([e2.issues[0].problem, e2.issues[0].detail]).toEqual(["host fakehost: 0000:00:02.0 offers no mediated device type 'nope'", 'its types: i915-GVTg_V5_4']);
    fs.writeFileSync(`${f.root}${dev('0000:00:02.0')}/mdev_supported_types/i915-GVTg_V5_4/available_instances`, '0\n');
    const e3 = await prepareHostdevs(ctx, { domain: 'vm', demand: { pci: [], mdevs: [need] }, mdevs: [{ uuid: U1, parent: '0000:00:02.0', type: 'i915-GVTg_V5_4' }], ...T }).catch((e) => e);
    expect(e3.issues[0].problem).toBe("host fakehost: 0000:00:02.0 has 0 instances of mdev type 'i915-GVTg_V5_4' left (available_instances)");
  });

  it('a failure after an mdev was created removes it again', async () => {
    const err = await prepareHostdevs(ctx, {
      domain: 'vm',
      demand: { pci: [pci('0000:01:00.0', true, 2)], mdevs: [{ uuid: U1, model: 'vfio-pci', path: '/domain/devices/hostdev[1]' }] },
      mdevs: [{ uuid: U1, parent: '0000:00:02.0', type: 'i915-GVTg_V5_4' }],
      ...T,
    }).catch((e) => e);
    expect(err.issues[0].code).toBe('IOMMU_GROUP_NOT_VIABLE');
    expect(f.ops.slice(-1)).toEqual([`write /sys/bus/mdev/devices/${U1}/remove "1"`]);
    expect(fs.existsSync(`${f.root}/sys/bus/mdev/devices/${U1}`)).toBe(false);
  });
});

describe('host conditions', () => {
  it('no IOMMU: the plan message, nothing written', async () => {
    const f = FakeSysfs.create({ ...STANDARD_FAKE_HOST, iommu: false });
    try {
      const err = await prepareHostdevs({ hostLabel: 'fakehost', fs: f }, { domain: 'vm', demand: { pci: [pci('0000:04:00.0')], mdevs: [] }, ...T }).catch((e) => e);
      expect(err.issues.map((i: { code: string }) => i.code)).toEqual(['IOMMU_MISSING']);
      expect(err.issues[0].problem).toBe('host fakehost: no IOMMU (/sys/kernel/iommu_groups is empty), so 0000:04:00.0 cannot be passed through with VFIO');
      expect(f.ops).toEqual([]);
    } finally {
      f.remove();
    }
  });

  it('vfio-pci not registered: loaded with modprobe when commands are given, else a precise error', async () => {
    const spec = { ...STANDARD_FAKE_HOST, drivers: STANDARD_FAKE_HOST.drivers.filter((d) => d !== 'vfio-pci'), pci: STANDARD_FAKE_HOST.pci.filter((d) => d.driver !== 'vfio-pci') };
    const f = FakeSysfs.create(spec);
    try {
      const err = await prepareHostdevs({ hostLabel: 'fakehost', fs: f }, { domain: 'vm', demand: { pci: [pci('0000:04:00.0')], mdevs: [] }, ...T }).catch((e) => e);
      expect(err.message).toBe(
        'error: host fakehost: the vfio-pci driver is not loaded (/sys/bus/pci/drivers/vfio-pci is missing); no host commands were given to load it (/domain/devices/hostdev[1]) (fix: install the kernel modules package with vfio-pci, or load it: modprobe vfio-pci)',
      );
      const cmds = new FakeHostCommands(f.root);
      const failing = await prepareHostdevs({ hostLabel: 'fakehost', fs: f, commands: cmds }, { domain: 'vm', demand: { pci: [pci('0000:04:00.0')], mdevs: [] }, ...T }).catch((e) => e);
      expect(failing.issues[0].detail).toBe('fakehost: modprobe vfio-pci failed: modprobe: FATAL: Module vfio-pci not found in directory /lib/modules/6.1.0-fake-amd64');
      cmds.modules.set('vfio-pci', () => {
        for (const file of ['bind', 'unbind', 'new_id', 'remove_id']) f.kernel.w.file(`/sys/bus/pci/drivers/vfio-pci/${file}`, '');
      });
      const p = await prepareHostdevs({ hostLabel: 'fakehost', fs: f, commands: cmds }, { domain: 'vm', demand: { pci: [pci('0000:04:00.0')], mdevs: [] }, ...T });
      expect(cmds.calls).toEqual(['modprobe vfio-pci', 'modprobe vfio-pci']);
      expect(p.vfio[0]).toMatchObject({ address: '0000:04:00.0', originalDriver: 'nvme', reboundByVirtform: true });
      expect(f.kernel.driverOf('0000:04:00.0')).toBe('vfio-pci');
    } finally {
      f.remove();
    }
  });
});
