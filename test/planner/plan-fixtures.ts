/**
 * Fixtures for planner tests: a made-up two-CPU host, stack files, and live resources as a
 * host would report them after an apply (the stored canonical definition plus an owner).
 */
import type { HostFacts } from '../../model/host-facts';
import { makePlan, type PlanRequest } from '../../planner/make-plan';
import type { LiveResource } from '../../planner/live-state';
import type { Plan } from '../../planner/plan';
import { loadXmlStack, type StackFile } from '../../planner/xml-stack';
import { parseAddress } from '../../planner/resource-address';
import { definitionHash } from '../../planner/canonical-document';
import { LIVE_UPDATE_KINDS } from '../../planner/change-effect';

export function hostFacts(over: { online?: number[]; isolated?: number[]; nodes?: { id: number; cpus: number[] }[] } = {}): HostFacts {
  const online = over.online ?? [0, 1];
  const nodes = over.nodes ?? [{ id: 0, cpus: online }];
  return {
    takenAt: '2024-05-01T10:00:00.000Z',
    hostname: 'h1',
    kernel: { release: '6.1.0-18-amd64', machine: 'x86_64' },
    cpus: {
      online,
      isolated: over.isolated ?? [],
      topology: online.map((id) => ({ id, socket: 0, die: 0, core: id, siblings: [id], node: nodes.find((n) => n.cpus.includes(id))?.id ?? 0 })),
    },
    numa: {
      nodes: nodes.map((n) => ({ id: n.id, cpus: n.cpus, memory: { totalKiB: 4194304, freeKiB: 2097152 }, distances: { [n.id]: 10 }, hugepages: [{ sizeKiB: 2048, total: 0, free: 0 }] })),
    },
    memory: { totalKiB: 4194304, freeKiB: 2097152, availableKiB: 3145728 },
    hugepages: { defaultSizeKiB: 2048, pools: [{ sizeKiB: 2048, total: 0, free: 0 }], mounts: [] },
    pci: { devices: [], iommuEnabled: false, iommuGroups: [] },
    kvm: { path: '/dev/kvm', exists: true, usable: true },
    qemu: { binaries: [{ path: '/usr/bin/qemu-system-x86_64', arch: 'x86_64', variant: null, version: { major: 7, minor: 2, micro: 0 }, versionText: 'QEMU emulator version 7.2.0' }] },
    cgroups: { mode: 'v2', v1: [], v2: { mountPoint: '/sys/fs/cgroup', controllers: ['cpuset'] }, cpuset: { version: 2, mountPoint: '/sys/fs/cgroup' } },
  };
}

/** Stack files from `{relPath: text}`; labels are `stack/<relPath>`. */
export function stackFiles(files: Record<string, string>): StackFile[] {
  return Object.entries(files).map(([relPath, text]) => ({ relPath, label: `stack/${relPath}`, text }));
}

export const DOMAIN_WEB1 = `<domain type='qemu'>
  <name>web1</name>
  <uuid>11111111-2222-3333-4444-555555555555</uuid>
  <memory unit='MiB'>512</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64'>hvm</type></os>
</domain>
`;

export const POOL_IMAGES = `<pool type='dir'>
  <name>images</name>
  <uuid>aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee</uuid>
  <target><path>/srv/images</path></target>
</pool>
`;

export const NETWORK_DEFAULT = `<network>
  <name>default</name>
  <uuid>99999999-8888-7777-6666-555555555555</uuid>
  <bridge name='virbr9'/>
  <forward mode='nat'/>
  <ip address='192.168.150.1' netmask='255.255.255.0'/>
</network>
`;

export const volumeXml = (name: string, capacityBytes: number, format = 'qcow2'): string =>
  `<volume>\n  <name>${name}</name>\n  <capacity unit='bytes'>${capacityBytes}</capacity>\n  <target><format type='${format}'/></target>\n</volume>\n`;

export const ALL_LIVE = new Set(LIVE_UPDATE_KINDS);

export interface PlanArgs extends Partial<Omit<PlanRequest, 'desired' | 'live'>> {
  readonly files?: Record<string, string>;
  readonly live?: readonly LiveResource[];
}

/** Plans `files` against `live` on the fixture host for stack 'web'. */
export function plan(args: PlanArgs = {}): Plan {
  return makePlan({
    stack: 'web',
    host: 'h1',
    facts: hostFacts(),
    liveUpdates: ALL_LIVE,
    ...args,
    desired: loadXmlStack(stackFiles(args.files ?? {})),
    live: { resources: args.live ?? [] },
  });
}

/**
 * What the host holds after applying `plan`: each defined change's canonical definition, owned
 * by the plan's stack, domains running from that definition and networks active.
 */
export function liveAfter(p: Plan, over: { state?: string } = {}): LiveResource[] {
  return p.changes
    .filter((c) => c.action !== 'delete' && c.desiredXml !== undefined)
    .map((c) => ({
      address: parseAddress(c.address),
      xml: c.desiredXml!,
      owner: { stack: p.stack, createdAt: '2024-05-01T10:00:00.000Z', createdBy: 'alice@laptop' },
      location: `/var/lib/virtform/${c.kind}s/${c.kind === 'volume' ? `${c.pool}/` : ''}${c.name}.xml`,
      ...(c.kind === 'domain' ? { runtime: { state: over.state ?? 'running', definitionHash: definitionHash(c.desiredXml!) } } : {}),
      ...(c.kind === 'network' ? { runtime: { state: 'active', definitionHash: definitionHash(c.desiredXml!) } } : {}),
    }));
}

/** `domain.web1 create`, one per non-no-op change, in plan order. */
export function actions(p: Plan): string[] {
  return p.changes.filter((c) => c.action !== 'no-op').map((c) => `${c.address} ${c.action}${c.mode ? `(${c.mode})` : ''}`);
}
