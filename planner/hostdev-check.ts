/**
 * The plan check for host devices (VFIO PCI passthrough, SR-IOV VFs, mediated devices) on a
 * HostFacts snapshot, before anything on the host is touched. Pure. It returns the problems
 * (one message per failed constraint, naming the host and device) and the host steps apply
 * will take (VF creation, mdev creation, driver rebinds), so the plan shows them.
 *
 * Checks, per PCI function the domain takes:
 * - the host has an IOMMU (`/sys/kernel/iommu_groups` non-empty);
 * - the device exists (`Device ADDR not found: could not access /sys/bus/pci/devices/ADDR`);
 * - it is an endpoint (bridges cannot be assigned);
 * - neither it nor any device of its IOMMU group is held by another virtform domain;
 * - its IOMMU group is viable: every other member is unbound, on vfio-pci/pci-stub or a bridge.
 *   The error lists every member with its driver. `detachGroupPeers` (an explicit waiver) turns
 *   the blocking members into rebind steps instead: they go to vfio-pci, unassigned;
 * - managed='no' devices must already be on vfio-pci;
 * - warnings: vfio-pci not loaded (apply loads it), a device without a safe reset method, a
 *   device on another host node than the domain's memory and vCPUs.
 */
import { formatCpuList } from '../model/cpu-list';
import { parseCpuset } from '../model/domain/cpuset';
import type { Domain } from '../model/domain/domain';
import type { HostFacts, PciDeviceFacts, PciFacts } from '../model/host-facts';
import { hostdevDemand, pciAddressXml, type HostdevDemand } from './hostdev-demand';
import type { HostdevLedger } from './hostdev-ledger';
import type { HostIssue } from './host-issue';
import { blockingMembers, describeGroup, type GroupMember } from './iommu-group';

/** A host declaration: the PF must have `numVfs` virtual functions (sriov_numvfs). */
export interface SriovDeclaration {
  readonly pf: string;
  readonly numVfs: number;
}

/** A host declaration: mediated device `uuid` of `type`, created on parent PCI device `parent` when missing. */
export interface MdevDeclaration {
  readonly uuid: string;
  readonly parent: string;
  readonly type: string;
}

export interface HostdevCheckOptions {
  readonly hostLabel?: string;
  /** Waiver: bind the other members of an IOMMU group to vfio-pci too (unassigned), instead of failing. */
  readonly detachGroupPeers?: boolean;
  readonly sriov?: readonly SriovDeclaration[];
  readonly mdevs?: readonly MdevDeclaration[];
}

export type HostdevStep =
  | { readonly kind: 'set-vfs'; readonly pf: string; readonly from: number; readonly to: number }
  | { readonly kind: 'create-mdev'; readonly uuid: string; readonly parent: string; readonly type: string }
  | {
      readonly kind: 'bind-vfio';
      readonly address: string;
      /** The driver it leaves (given back after the domain stops); null when unbound. */
      readonly from: string | null;
      readonly group: number | null;
      /** `assigned`: passed to the guest; `group-peer`: only moved off its host driver (detachGroupPeers). */
      readonly role: 'assigned' | 'group-peer';
      /** The kernel's reset methods for the device (reset_method), [] when unknown. */
      readonly resetMethods: readonly string[];
    }
  | { readonly kind: 'keep-vfio'; readonly address: string; readonly group: number | null };

export interface HostdevCheck {
  readonly demand: HostdevDemand;
  readonly issues: readonly HostIssue[];
  readonly steps: readonly HostdevStep[];
}

const sysfsDevice = (a: string) => `/sys/bus/pci/devices/${a}`;

function member(d: PciDeviceFacts): GroupMember {
  return { address: d.address, vendor: d.vendor, device: d.device, driver: d.driver, headerType: d.headerType };
}

/** Host NUMA nodes the domain's memory and vCPUs are bound to; null when unbound. */
function domainNodes(domain: Domain, facts: HostFacts): number[] | null {
  const nodes = new Set<number>();
  const nt = domain.numatune;
  const strict = (mode: string | undefined) => (mode ?? 'strict') === 'strict' || mode === 'restrictive';
  if (nt?.memory?.nodeset !== undefined && nt.memory.placement !== 'auto' && strict(nt.memory.mode)) parseCpuset(nt.memory.nodeset).forEach((n) => nodes.add(n));
  for (const m of nt?.memnodes ?? []) if (strict(m.mode)) parseCpuset(m.nodeset).forEach((n) => nodes.add(n));
  const nodeOfCpu = new Map(facts.cpus.topology.map((t) => [t.id, t.node]));
  const cpuSets = [...(domain.cputune?.vcpuPins ?? []).map((p) => p.cpuset), ...(domain.vcpu?.cpuset !== undefined ? [domain.vcpu.cpuset] : [])];
  for (const s of cpuSets) for (const c of parseCpuset(s)) if (nodeOfCpu.has(c)) nodes.add(nodeOfCpu.get(c)!);
  return nodes.size ? [...nodes].sort((a, b) => a - b) : null;
}

/** Plan check: the domain's host devices against the host's PCI facts and the ledger. Pure. */
export function checkHostdevs(domain: Domain, facts: HostFacts, ledger: HostdevLedger, opts: HostdevCheckOptions = {}): HostdevCheck {
  const demand = hostdevDemand(domain);
  return checkHostdevDemand(demand, facts.pci, ledger, {
    ...opts,
    hostLabel: opts.hostLabel ?? facts.hostname,
    boundNodes: domainNodes(domain, facts),
    nodeCpus: (n) => facts.numa.nodes.find((x) => x.id === n)?.cpus ?? [],
  });
}

export interface HostdevDemandCheckOptions extends HostdevCheckOptions {
  readonly hostLabel: string;
  /** Host nodes the domain's memory and vCPUs are bound to (locality warnings); null: unbound or unknown. */
  readonly boundNodes?: readonly number[] | null;
  /** CPUs of a host node, for the locality fix text. */
  readonly nodeCpus?: (node: number) => readonly number[];
}

/**
 * The same check on a demand and PCI facts alone: the executor calls it with PCI facts it has
 * just read from sysfs, so a live problem gets the message the plan would have shown. Pure.
 */
export function checkHostdevDemand(demand: HostdevDemand, pci: PciFacts, ledger: HostdevLedger, opts: HostdevDemandCheckOptions): HostdevCheck {
  const host = opts.hostLabel;
  const others = ledger.without(demand.domain);
  const facts = { pci };
  const issues: HostIssue[] = [];
  const steps: HostdevStep[] = [];
  const byAddr = new Map(facts.pci.devices.map((d) => [d.address, d]));
  const taken = new Set(demand.pci.map((p) => p.address));

  // SR-IOV declarations first: VFs they create may be what the hostdevs name.
  const vfsComing: string[] = [];
  for (const s of opts.sriov ?? []) {
    const pf = byAddr.get(s.pf);
    const path = `/host/sriov[@pf='${s.pf}']`;
    if (!pf) {
      issues.push({ severity: 'error', code: 'PCI_DEVICE_MISSING', path, problem: `host ${host}: Device ${s.pf} not found: could not access ${sysfsDevice(s.pf)}`, detail: 'it is declared as an SR-IOV physical function', fix: `check the address with lspci -D on ${host}` });
      continue;
    }
    if (!pf.sriov) {
      issues.push({ severity: 'error', code: 'SRIOV_NOT_CAPABLE', path, problem: `host ${host}: ${s.pf} [${pf.vendor}:${pf.device}] is not an SR-IOV physical function (no sriov_totalvfs)`, detail: pf.physfn ? `it is itself a VF of ${pf.physfn}` : '', fix: 'declare VFs on the physical function, or check that its driver enables SR-IOV' });
      continue;
    }
    if (s.numVfs > pf.sriov.totalVfs) {
      issues.push({ severity: 'error', code: 'SRIOV_TOO_MANY_VFS', path, problem: `host ${host}: ${s.pf} supports ${pf.sriov.totalVfs} VFs (sriov_totalvfs), ${s.numVfs} declared`, detail: '', fix: `declare at most ${pf.sriov.totalVfs}` });
      continue;
    }
    if (pf.sriov.numVfs === s.numVfs) continue;
    if (pf.sriov.numVfs !== 0) {
      issues.push({
        severity: 'error',
        code: 'SRIOV_VFS_IN_PLACE',
        path,
        problem: `host ${host}: ${s.pf} has ${pf.sriov.numVfs} VFs, ${s.numVfs} declared`,
        detail: 'the kernel changes a non-zero VF count only through 0, which removes every existing VF (and whatever uses them)',
        fix: `declare ${pf.sriov.numVfs}, or write 0 to ${sysfsDevice(s.pf)}/sriov_numvfs on the host once no VF is in use`,
      });
      continue;
    }
    steps.push({ kind: 'set-vfs', pf: s.pf, from: pf.sriov.numVfs, to: s.numVfs });
    vfsComing.push(s.pf);
  }

  if (demand.pci.length && !facts.pci.iommuEnabled) {
    issues.push({
      severity: 'error',
      code: 'IOMMU_MISSING',
      path: demand.pci[0].path,
      problem: `host ${host}: no IOMMU (/sys/kernel/iommu_groups is empty), so ${demand.pci.map((p) => p.address).join(', ')} cannot be passed through with VFIO`,
      detail: 'VFIO needs the IOMMU (Intel VT-d, AMD-Vi) enabled in firmware and in the kernel',
      fix: 'enable VT-d/AMD-Vi in the firmware and boot with intel_iommu=on (Intel) or amd_iommu=on (AMD)',
    });
  }
  if (demand.pci.some((p) => p.managed) && facts.pci.drivers && !facts.pci.drivers.includes('vfio-pci')) {
    issues.push({
      severity: 'warning',
      code: 'VFIO_DRIVER_NOT_LOADED',
      path: demand.pci.find((p) => p.managed)!.path,
      problem: `host ${host}: the vfio-pci driver is not loaded (/sys/bus/pci/drivers/vfio-pci is missing)`,
      detail: 'apply loads it (modprobe vfio-pci) before binding devices',
      fix: 'nothing, if the host kernel has the vfio-pci module; otherwise install it',
    });
  }

  const boundNodes = opts.boundNodes ?? null;
  const groupsDone = new Set<number>();
  for (const p of demand.pci) {
    const d = byAddr.get(p.address);
    if (!d) {
      const maybeVf = vfsComing.length > 0;
      issues.push({
        severity: maybeVf ? 'warning' : 'error',
        code: 'PCI_DEVICE_MISSING',
        path: p.path,
        problem: `host ${host}: Device ${p.address} not found: could not access ${sysfsDevice(p.address)}`,
        detail: maybeVf ? `it may be a VF that sriov_numvfs on ${vfsComing.join(', ')} creates; apply checks again once the VFs exist` : '',
        fix: `check the address with lspci -D on ${host}`,
      });
      continue;
    }
    if (d.headerType === 'bridge' || d.headerType === 'cardbus') {
      issues.push({
        severity: 'error',
        code: 'PCI_NOT_ENDPOINT',
        path: p.path,
        problem: `host ${host}: ${p.address} [${d.vendor}:${d.device}] is a PCI ${d.headerType === 'bridge' ? 'bridge' : 'CardBus bridge'}, not an endpoint device`,
        detail: 'only endpoint functions can be assigned to a guest',
        fix: 'assign the devices behind the bridge instead',
      });
      continue;
    }
    const owner = others.ownerOf(p.address);
    if (owner) {
      issues.push({ severity: 'error', code: 'PCI_IN_USE', path: p.path, problem: `host ${host}: ${p.address} is in use by domain '${owner}'`, detail: '', fix: `stop domain '${owner}' or remove the device from it, or pick another device` });
      continue;
    }
    if (!facts.pci.iommuEnabled) continue;
    if (d.iommuGroup === null) {
      issues.push({ severity: 'error', code: 'PCI_NO_IOMMU_GROUP', path: p.path, problem: `host ${host}: ${p.address} is in no IOMMU group (${sysfsDevice(p.address)}/iommu_group is missing)`, detail: 'the IOMMU does not translate for this device', fix: 'check the kernel log for DMAR/AMD-Vi messages about the device' });
      continue;
    }
    const g = d.iommuGroup;
    const members = (facts.pci.iommuGroups.find((x) => x.id === g)?.devices ?? [p.address]).map((a) => byAddr.get(a)).filter((x): x is PciDeviceFacts => !!x);
    const peerOwner = members.map((m) => ({ m, o: m.address === p.address ? undefined : others.ownerOf(m.address) })).find((x) => x.o);
    if (peerOwner) {
      issues.push({
        severity: 'error',
        code: 'PCI_IN_USE',
        path: p.path,
        problem: `host ${host}: IOMMU group ${g} of ${p.address} is in use by domain '${peerOwner.o}' (through ${peerOwner.m.address})`,
        detail: 'a VFIO group can be opened by one QEMU only',
        fix: `stop domain '${peerOwner.o}', or pick a device from another IOMMU group`,
      });
      continue;
    }
    if (!p.managed && d.driver !== 'vfio-pci') {
      issues.push({
        severity: 'error',
        code: 'PCI_UNMANAGED_NOT_DETACHED',
        path: p.path,
        problem: `host ${host}: ${p.address} has managed='no' but is ${d.driver ? `bound to ${d.driver}` : 'bound to no driver'}, not vfio-pci`,
        detail: 'an unmanaged device must be detached from the host beforehand',
        fix: `bind it to vfio-pci on the host (driver_override + drivers_probe), or set managed='yes' so virtform does it`,
      });
      continue;
    }
    if (!groupsDone.has(g)) {
      groupsDone.add(g);
      const blocking = blockingMembers(members.map(member), taken);
      if (blocking.length && !opts.detachGroupPeers) {
        const list = blocking.map((b) => `${b.address} is bound to ${b.driver}`).join(', ');
        issues.push({
          severity: 'error',
          code: 'IOMMU_GROUP_NOT_VIABLE',
          path: p.path,
          problem: `host ${host}: IOMMU group ${g} of ${p.address} is not viable: ${list}`,
          detail: `group ${g}: ${describeGroup(members.map(member), taken)}; QEMU can open the group only when every device in it is on vfio-pci or unbound (bridges excepted)`,
          fix:
            `assign ${blocking.map((b) => b.address).join(' and ')} to this domain too (<hostdev mode='subsystem' type='pci' managed='yes'><source>${pciAddressXml(blocking[0].address)}</source></hostdev>), ` +
            `or let virtform move ${blocking.length === 1 ? 'it' : 'them'} to vfio-pci unassigned (detachGroupPeers), or unbind ${blocking.length === 1 ? 'it' : 'them'} on the host`,
        });
      }
      if (blocking.length && opts.detachGroupPeers) {
        for (const b of blocking) {
          const bd = byAddr.get(b.address)!;
          steps.push({ kind: 'bind-vfio', address: b.address, from: b.driver, group: g, role: 'group-peer', resetMethods: bd.resetMethods });
        }
      }
    }
    if (d.driver === 'vfio-pci') steps.push({ kind: 'keep-vfio', address: p.address, group: g });
    else steps.push({ kind: 'bind-vfio', address: p.address, from: d.driver, group: g, role: 'assigned', resetMethods: d.resetMethods });

    if (!d.resettable && d.resetMethods.length === 0) {
      issues.push({
        severity: 'warning',
        code: 'PCI_RESET_RISKY',
        path: p.path,
        problem: `host ${host}: ${p.address} [${d.vendor}:${d.device}] has no reset method the kernel knows`,
        detail: 'without a reset the device keeps its state from one guest to the next; such devices (many GPUs) often work once and then need a host reboot',
        fix: 'prefer a device with FLR; expect to reboot the host if the device stops working after a guest stopped',
      });
    } else if (d.resetMethods.length > 0 && d.resetMethods.every((m) => m === 'bus')) {
      issues.push({
        severity: 'warning',
        code: 'PCI_RESET_RISKY',
        path: p.path,
        problem: `host ${host}: ${p.address} [${d.vendor}:${d.device}] can only be reset through its bus (secondary bus reset)`,
        detail: 'a bus reset resets every device behind the same bridge, and some devices do not come back from it',
        fix: 'assign every function behind the bridge to the same domain, or prefer a device with FLR',
      });
    }
    if (boundNodes && d.numaNode !== null && !boundNodes.includes(d.numaNode)) {
      const cpus = opts.nodeCpus?.(d.numaNode) ?? [];
      issues.push({
        severity: 'warning',
        code: 'PCI_REMOTE_NODE',
        path: p.path,
        problem: `host ${host}: ${p.address} is on host node${d.numaNode}, the domain's memory and vCPUs are bound to node${boundNodes.length > 1 ? 's ' : ''}${formatCpuList(boundNodes)}`,
        detail: 'its DMA and interrupts cross the node interconnect',
        fix: `bind the domain to node${d.numaNode} (<numatune><memory mode='strict' nodeset='${d.numaNode}'/>${cpus.length ? `, vCPU pins within CPUs ${formatCpuList(cpus)}` : ''}), or pick a device on node${boundNodes.length > 1 ? 's ' : ''}${formatCpuList(boundNodes)}`,
      });
    }
  }

  // Mediated devices.
  const declared = new Map((opts.mdevs ?? []).map((m) => [m.uuid.toLowerCase(), m]));
  const wanted = new Map<string, number>();
  for (const m of demand.mdevs) {
    const owner = others.ownerOfMdev(m.uuid);
    if (owner) {
      issues.push({ severity: 'error', code: 'PCI_IN_USE', path: m.path, problem: `host ${host}: mediated device ${m.uuid} is in use by domain '${owner}'`, detail: '', fix: `stop domain '${owner}', or give this domain another mdev UUID` });
      continue;
    }
    const decl = declared.get(m.uuid);
    if (!decl) {
      issues.push({
        severity: 'warning',
        code: 'MDEV_UNDECLARED',
        path: m.path,
        problem: `host ${host}: mediated device ${m.uuid} must already exist at /sys/bus/mdev/devices/${m.uuid} when the domain starts`,
        detail: 'host facts do not list existing mediated devices, so apply checks for it',
        fix: 'declare its parent device and type so that virtform creates it when it is missing',
      });
      continue;
    }
    const parent = byAddr.get(decl.parent);
    if (!parent) {
      issues.push({ severity: 'error', code: 'MDEV_PARENT_MISSING', path: m.path, problem: `host ${host}: Device ${decl.parent} not found: could not access ${sysfsDevice(decl.parent)}`, detail: `it is declared as the parent of mediated device ${m.uuid}`, fix: `check the address with lspci -D on ${host}` });
      continue;
    }
    const type = parent.mdevTypes.find((t) => t.id === decl.type);
    if (!type) {
      issues.push({
        severity: 'error',
        code: 'MDEV_TYPE_MISSING',
        path: m.path,
        problem: `host ${host}: ${decl.parent} offers no mediated device type '${decl.type}'`,
        detail: parent.mdevTypes.length ? `its types: ${parent.mdevTypes.map((t) => `${t.id}${t.name ? ` (${t.name})` : ''}, ${t.availableInstances ?? '?'} available`).join('; ')}` : `${sysfsDevice(decl.parent)}/mdev_supported_types is empty or missing: its driver does not create mediated devices`,
        fix: parent.mdevTypes.length ? `declare one of: ${parent.mdevTypes.map((t) => t.id).join(', ')}` : 'load the vendor driver that supports mediated devices (e.g. i915 with GVT-g, NVIDIA vGPU)',
      });
      continue;
    }
    const key = `${decl.parent}/${decl.type}`;
    const n = (wanted.get(key) ?? 0) + 1;
    wanted.set(key, n);
    if (type.availableInstances !== null && type.availableInstances < n) {
      issues.push({
        severity: 'error',
        code: 'MDEV_NO_INSTANCES',
        path: m.path,
        problem: `host ${host}: ${decl.parent} has ${type.availableInstances} instance${type.availableInstances === 1 ? '' : 's'} of mdev type '${decl.type}' left (available_instances), this domain needs ${n}`,
        detail: 'other mediated devices (or other types sharing the same resources) use the rest',
        fix: 'remove unused mediated devices on the parent, or pick a smaller type',
      });
      continue;
    }
    steps.push({ kind: 'create-mdev', uuid: m.uuid, parent: decl.parent, type: decl.type });
  }
  return { demand, issues, steps };
}
