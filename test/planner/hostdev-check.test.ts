import { parseDomainXml } from '../../model/domain/domain';
import { checkHostdevs } from '../../planner/hostdev-check';
import { hostdevDemand } from '../../planner/hostdev-demand';
import { HostdevLedger } from '../../planner/hostdev-ledger';
import { formatHostIssue } from '../../planner/host-issue';
import { makeFacts } from '../support/host-facts-builder';

const facts = (o: { iommu?: boolean; drivers?: string[] } = {}) =>
  makeFacts({
    nodes: [
      { id: 0, cpus: [0, 1] },
      { id: 1, cpus: [2, 3] },
    ],
    iommuEnabled: o.iommu,
    pciDrivers: o.drivers,
    pci: [
      { address: '0000:00:01.0', vendor: '8086', device: '1901', class: '060400', driver: 'pcieport', iommuGroup: 1, headerType: 'bridge', numaNode: 0 },
      { address: '0000:00:02.0', vendor: '8086', device: '3e92', class: '030000', driver: 'i915', iommuGroup: 0, numaNode: 0, mdevTypes: [{ id: 'i915-GVTg_V5_4', name: 'GVTg_V5_4', availableInstances: 1, deviceApi: 'vfio-pci' }] },
      { address: '0000:01:00.0', vendor: '10de', device: '1b80', class: '030000', driver: 'nouveau', iommuGroup: 13, numaNode: 0, resetMethods: ['bus'] },
      { address: '0000:01:00.1', vendor: '10de', device: '10f0', class: '040300', driver: 'snd_hda_intel', iommuGroup: 13, numaNode: 0 },
      { address: '0000:03:00.0', vendor: '8086', device: '1521', driver: 'igb', iommuGroup: 20, numaNode: 1, sriov: { totalVfs: 7, numVfs: 0, virtfns: [] } },
      { address: '0000:04:00.0', vendor: '144d', device: 'a808', class: '010802', driver: 'nvme', iommuGroup: 21, numaNode: 1 },
      { address: '0000:05:00.0', vendor: '1af4', device: '1041', driver: 'vfio-pci', iommuGroup: 22, numaNode: null, resetMethods: [], resettable: false },
    ],
  });

const hostdev = (addr: string, managed = 'yes') => {
  const [d, b, sf] = addr.split(':');
  const [s, f] = sf.split('.');
  return `<hostdev mode='subsystem' type='pci' managed='${managed}'><source><address domain='0x${d}' bus='0x${b}' slot='0x${s}' function='0x${f}'/></source></hostdev>`;
};

function domain(devices: string, extra = '', name = 'vm') {
  return parseDomainXml(`<domain type='kvm'><name>${name}</name><memory unit='MiB'>1024</memory><vcpu>2</vcpu>${extra}<os><type arch='x86_64' machine='q35'>hvm</type></os><devices>${devices}</devices></domain>`);
}

describe('hostdevDemand', () => {
  it('collects PCI hostdevs, hostdev interfaces (VFs) and mdevs with their paths', () => {
    const d = domain(
      hostdev('0000:04:00.0') +
        `<interface type='hostdev' managed='yes'><source><address type='pci' domain='0x0000' bus='0x03' slot='0x10' function='0x4'/></source></interface>` +
        `<hostdev mode='subsystem' type='mdev' model='vfio-pci'><source><address uuid='C2177883-F1BB-47F0-914D-32A22E3A8804'/></source></hostdev>` +
        hostdev('0000:05:00.0', 'no'),
    );
    expect(hostdevDemand(d)).toEqual({
      domain: 'vm',
      pci: [
        { address: '0000:04:00.0', managed: true, path: '/domain/devices/hostdev[1]' },
        { address: '0000:05:00.0', managed: false, path: '/domain/devices/hostdev[3]' },
        { address: '0000:03:10.4', managed: true, path: '/domain/devices/interface[1]' },
      ],
      mdevs: [{ uuid: 'c2177883-f1bb-47f0-914d-32a22e3a8804', model: 'vfio-pci', path: '/domain/devices/hostdev[2]' }],
    });
  });
});

describe('checkHostdevs', () => {
  it('a device alone in its group: one rebind step, no issues', () => {
    const r = checkHostdevs(domain(hostdev('0000:04:00.0')), facts(), new HostdevLedger());
    expect(r.issues).toEqual([]);
    expect(r.steps).toEqual([{ kind: 'bind-vfio', address: '0000:04:00.0', from: 'nvme', group: 21, role: 'assigned', resetMethods: ['flr'] }]);
  });

  it('group not viable: lists every member of the group with its driver', () => {
    const r = checkHostdevs(domain(hostdev('0000:01:00.0')), facts(), new HostdevLedger());
    const errors = r.issues.filter((i) => i.severity === 'error');
    expect(errors.map(formatHostIssue)).toEqual([
      'error: host h1: IOMMU group 13 of 0000:01:00.0 is not viable: 0000:01:00.1 is bound to snd_hda_intel; ' +
        'group 13: 0000:01:00.0 [10de:1b80] driver nouveau (assigned to this domain); 0000:01:00.1 [10de:10f0] driver snd_hda_intel (not assigned); ' +
        'QEMU can open the group only when every device in it is on vfio-pci or unbound (bridges excepted) (/domain/devices/hostdev[1]) ' +
        "(fix: assign 0000:01:00.1 to this domain too (<hostdev mode='subsystem' type='pci' managed='yes'><source><address domain='0x0000' bus='0x01' slot='0x00' function='0x1'/></source></hostdev>), " +
        'or let virtform move it to vfio-pci unassigned (detachGroupPeers), or unbind it on the host)',
    ]);
  });

  it('the whole group assigned is viable, and a bus-only reset is flagged', () => {
    const r = checkHostdevs(domain(hostdev('0000:01:00.0') + hostdev('0000:01:00.1')), facts(), new HostdevLedger());
    expect(r.issues.map((i) => [i.severity, i.code, i.problem])).toEqual([
      ['warning', 'PCI_RESET_RISKY', 'host h1: 0000:01:00.0 [10de:1b80] can only be reset through its bus (secondary bus reset)'],
    ]);
    expect(r.steps.map((s) => (s.kind === 'bind-vfio' ? `${s.address} ${s.from}→vfio-pci` : s.kind))).toEqual(['0000:01:00.0 nouveau→vfio-pci', '0000:01:00.1 snd_hda_intel→vfio-pci']);
  });

  it('detachGroupPeers (waiver) turns the blocking member into an unassigned rebind', () => {
    const r = checkHostdevs(domain(hostdev('0000:01:00.0')), facts(), new HostdevLedger(), { detachGroupPeers: true });
    expect(r.issues.filter((i) => i.severity === 'error')).toEqual([]);
    expect(r.steps).toEqual([
      { kind: 'bind-vfio', address: '0000:01:00.1', from: 'snd_hda_intel', group: 13, role: 'group-peer', resetMethods: ['flr'] },
      { kind: 'bind-vfio', address: '0000:01:00.0', from: 'nouveau', group: 13, role: 'assigned', resetMethods: ['bus'] },
    ]);
  });

  it('missing device, bridge, no IOMMU', () => {
    const r = checkHostdevs(domain(hostdev('0000:09:00.0') + hostdev('0000:00:01.0')), facts(), new HostdevLedger());
    expect(r.issues.map((i) => `${i.code}: ${i.problem}`)).toEqual([
      'PCI_DEVICE_MISSING: host h1: Device 0000:09:00.0 not found: could not access /sys/bus/pci/devices/0000:09:00.0',
      'PCI_NOT_ENDPOINT: host h1: 0000:00:01.0 [8086:1901] is a PCI bridge, not an endpoint device',
    ]);
    const noIommu = checkHostdevs(domain(hostdev('0000:04:00.0')), facts({ iommu: false }), new HostdevLedger());
    expect(noIommu.issues.map(formatHostIssue)).toEqual([
      'error: host h1: no IOMMU (/sys/kernel/iommu_groups is empty), so 0000:04:00.0 cannot be passed through with VFIO; VFIO needs the IOMMU (Intel VT-d, AMD-Vi) enabled in firmware and in the kernel (/domain/devices/hostdev[1]) (fix: enable VT-d/AMD-Vi in the firmware and boot with intel_iommu=on (Intel) or amd_iommu=on (AMD))',
    ]);
  });

  it('in use by another domain: the device itself, or a device of its group', () => {
    const ledger = HostdevLedger.fromStatus([
      { domain: 'gpu2', vfio: [{ address: '0000:01:00.1' }] },
      { domain: 'db', vfio: [{ address: '0000:04:00.0' }] },
      { domain: 'vm', vfio: [{ address: '0000:05:00.0' }] },
    ]);
    const r = checkHostdevs(domain(hostdev('0000:01:00.0') + hostdev('0000:04:00.0') + hostdev('0000:05:00.0', 'no')), facts(), ledger);
    expect(r.issues.map((i) => i.problem)).toEqual([
      "host h1: IOMMU group 13 of 0000:01:00.0 is in use by domain 'gpu2' (through 0000:01:00.1)",
      "host h1: 0000:04:00.0 is in use by domain 'db'",
      'host h1: 0000:05:00.0 [1af4:1041] has no reset method the kernel knows',
    ]);
    expect(r.steps).toEqual([{ kind: 'keep-vfio', address: '0000:05:00.0', group: 22 }]);
  });

  it("an unmanaged device must already be on vfio-pci; vfio-pci not loaded is a warning", () => {
    const r = checkHostdevs(domain(hostdev('0000:04:00.0', 'no') + hostdev('0000:01:00.0') + hostdev('0000:01:00.1')), facts({ drivers: ['nouveau', 'nvme'] }), new HostdevLedger());
    expect(r.issues.map((i) => `${i.severity} ${i.code}: ${i.problem}`)).toEqual([
      'warning VFIO_DRIVER_NOT_LOADED: host h1: the vfio-pci driver is not loaded (/sys/bus/pci/drivers/vfio-pci is missing)',
      "error PCI_UNMANAGED_NOT_DETACHED: host h1: 0000:04:00.0 has managed='no' but is bound to nvme, not vfio-pci",
      'warning PCI_RESET_RISKY: host h1: 0000:01:00.0 [10de:1b80] can only be reset through its bus (secondary bus reset)',
    ]);
  });

  it('warns when the device sits on another host node than the domain', () => {
    const r = checkHostdevs(domain(hostdev('0000:04:00.0'), "<cputune><vcpupin vcpu='0' cpuset='0'/></cputune><numatune><memory mode='strict' nodeset='0'/></numatune>"), facts(), new HostdevLedger());
    expect(r.issues.map(formatHostIssue)).toEqual([
      "warning: host h1: 0000:04:00.0 is on host node1, the domain's memory and vCPUs are bound to node0; its DMA and interrupts cross the node interconnect (/domain/devices/hostdev[1]) (fix: bind the domain to node1 (<numatune><memory mode='strict' nodeset='1'/>, vCPU pins within CPUs 2-3), or pick a device on node0)",
    ]);
  });

  it('SR-IOV declarations: VF creation step, too many, not a PF, VFs already in place', () => {
    const r = checkHostdevs(domain(''), facts(), new HostdevLedger(), { sriov: [{ pf: '0000:03:00.0', numVfs: 4 }] });
    expect(r.issues).toEqual([]);
    expect(r.steps).toEqual([{ kind: 'set-vfs', pf: '0000:03:00.0', from: 0, to: 4 }]);
    const bad = checkHostdevs(domain(''), facts(), new HostdevLedger(), {
      sriov: [
        { pf: '0000:03:00.0', numVfs: 8 },
        { pf: '0000:04:00.0', numVfs: 1 },
      ],
    });
    expect(bad.issues.map((i) => i.problem)).toEqual([
      'host h1: 0000:03:00.0 supports 7 VFs (sriov_totalvfs), 8 declared',
      'host h1: 0000:04:00.0 [144d:a808] is not an SR-IOV physical function (no sriov_totalvfs)',
    ]);
    const f = facts();
    const withVfs = { ...f, pci: { ...f.pci, devices: f.pci.devices.map((d) => (d.sriov ? { ...d, sriov: { ...d.sriov, numVfs: 2 } } : d)) } };
    expect(checkHostdevs(domain(''), withVfs, new HostdevLedger(), { sriov: [{ pf: '0000:03:00.0', numVfs: 4 }] }).issues.map((i) => [i.code, i.problem, i.fix])).toEqual([
      ['SRIOV_VFS_IN_PLACE', 'host h1: 0000:03:00.0 has 2 VFs, 4 declared', 'declare 2, or write 0 to /sys/bus/pci/devices/0000:03:00.0/sriov_numvfs on the host once no VF is in use'],
    ]);
  });

  it('a VF that a declaration will create is a warning, not an error', () => {
    const d = domain(`<interface type='hostdev' managed='yes'><source><address type='pci' domain='0x0000' bus='0x03' slot='0x10' function='0x0'/></source></interface>`);
    const r = checkHostdevs(d, facts(), new HostdevLedger(), { sriov: [{ pf: '0000:03:00.0', numVfs: 2 }] });
    expect(r.issues.map((i) => [i.severity, i.problem, i.detail])).toEqual([
      ['warning', 'host h1: Device 0000:03:10.0 not found: could not access /sys/bus/pci/devices/0000:03:10.0', 'it may be a VF that sriov_numvfs on 0000:03:00.0 creates; apply checks again once the VFs exist'],
    ]);
  });

  it('mdevs: creation step, unknown type with the list, no instances left, undeclared, in use', () => {
    const md = (u: string) => `<hostdev mode='subsystem' type='mdev' model='vfio-pci'><source><address uuid='${u}'/></source></hostdev>`;
    const u1 = '11111111-1111-4111-8111-111111111111';
    const u2 = '22222222-2222-4222-8222-222222222222';
    const u3 = '33333333-3333-4333-8333-333333333333';
    const ok = checkHostdevs(domain(md(u1)), facts(), new HostdevLedger(), { mdevs: [{ uuid: u1, parent: '0000:00:02.0', type: 'i915-GVTg_V5_4' }] });
    expect(ok.issues).toEqual([]);
    expect(ok.steps).toEqual([{ kind: 'create-mdev', uuid: u1, parent: '0000:00:02.0', type: 'i915-GVTg_V5_4' }]);
    const r = checkHostdevs(domain(md(u1) + md(u2) + md(u3)), facts(), new HostdevLedger([{ domain: 'other', uuid: u3 }]), {
      mdevs: [
        { uuid: u1, parent: '0000:00:02.0', type: 'i915-GVTg_V5_8' },
        { uuid: u2, parent: '0000:00:02.0', type: 'i915-GVTg_V5_4' },
      ],
    });
    expect(r.issues.map((i) => [i.problem, i.detail])).toEqual([
      ["host h1: 0000:00:02.0 offers no mediated device type 'i915-GVTg_V5_8'", 'its types: i915-GVTg_V5_4 (GVTg_V5_4), 1 available'],
      [`host h1: mediated device ${u3} is in use by domain 'other'`, ''],
    ]);
    const two = checkHostdevs(domain(md(u1) + md(u2)), facts(), new HostdevLedger(), {
      mdevs: [
        { uuid: u1, parent: '0000:00:02.0', type: 'i915-GVTg_V5_4' },
        { uuid: u2, parent: '0000:00:02.0', type: 'i915-GVTg_V5_4' },
      ],
    });
    expect(two.issues.map((i) => i.problem)).toEqual(["host h1: 0000:00:02.0 has 1 instance of mdev type 'i915-GVTg_V5_4' left (available_instances), this domain needs 2"]);
    const undeclared = checkHostdevs(domain(md(u1)), facts(), new HostdevLedger());
    expect(undeclared.issues.map((i) => [i.severity, i.code])).toEqual([['warning', 'MDEV_UNDECLARED']]);
  });
});
