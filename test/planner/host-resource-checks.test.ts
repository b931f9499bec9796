/**
 * The hugepage and VFIO checks as the default registry runs them in a plan: a domain short of
 * pages or given a device the host lacks stops the plan at its XML line; a domain that already
 * runs is not short of the pages it holds itself, while the pages another domain holds still
 * count against it.
 */
import { definitionHash } from '../../planner/canonical-document';
import type { LiveResource } from '../../planner/live-state';
import { PlanError, formatPlanIssue } from '../../planner/plan-issue';
import { withOwnPagesFree } from '../../planner/preflight';
import { makeFacts } from '../support/host-facts-builder';
import { actions, plan } from './plan-fixtures';

const hugeDomain = (name: string, mib: number, uuid: string) =>
  `<domain type='qemu'>\n  <name>${name}</name>\n  <uuid>${uuid}</uuid>\n  <memory unit='MiB'>${mib}</memory>\n  <memoryBacking>\n    <hugepages/>\n  </memoryBacking>\n  <vcpu>1</vcpu>\n  <os><type arch='x86_64' machine='pc'>hvm</type></os>\n</domain>\n`;

/** One node, 2 MiB pages: `total` in the pool, `free` of them free. */
const facts = (free: number, total = 256) => makeFacts({ nodes: [{ id: 0, cpus: [0, 1], pools: [[2048, total, free]] }], mounts: [{ path: '/dev/hugepages', pageSizeKiB: 2048 }], defaultSizeKiB: 2048 });

function problems(files: Record<string, string>, live: LiveResource[], f: ReturnType<typeof facts>): string[] {
  try {
    plan({ files, live, facts: f });
    return [];
  } catch (e) {
    if (e instanceof PlanError) return e.issues.map(formatPlanIssue);
    throw e;
  }
}

/** What the host has after apply: `name` running from `xml`, holding `pages` 2 MiB pages on node 0. */
function running(name: string, xml: string, pages: number): LiveResource {
  const p = plan({ files: { [`domains/${name}.xml`]: xml }, facts: facts(256) });
  const c = p.changes[0];
  return {
    address: { kind: 'domain', name },
    xml: c.desiredXml!,
    owner: { stack: 'web' },
    runtime: { state: 'running', definitionHash: definitionHash(c.desiredXml!), holds: { phase: 'started', hugepages: [{ sizeKiB: 2048, node: 0, pages }], vfio: [] } },
  };
}

const A = '11111111-2222-3333-4444-555555555555';
const B = '11111111-2222-3333-4444-666666666666';

describe('hugepages in the default checks', () => {
  it('stops a plan whose domain does not fit the free pages, at the memory line', () => {
    expect(problems({ 'domains/a.xml': hugeDomain('a', 512, A) }, [], facts(100))).toEqual([
      'stack/domains/a.xml:4: domain.a: /domain/memory: host h1 node0: need 256 × 2048 KiB pages, 100 free; guest memory needs 256 (no <numatune> binding (the kernel may use any node)) ' +
        "(fix: grow node0's pool: echo 412 > /sys/devices/system/node/node0/hugepages/hugepages-2048kB/nr_hugepages (virtform does it on apply when the host allows growPools), or free pages held by other processes on node0)",
    ]);
  });

  it('re-plans a running domain that holds its own pages without finding it short', () => {
    const xml = hugeDomain('a', 512, A);
    // The kernel counts a's 256 pages as used: none are free.
    expect(actions(plan({ files: { 'domains/a.xml': xml }, live: [running('a', xml, 256)], facts: facts(0) }))).toEqual([]);
  });

  it('lets another domain have the pages that are free besides the ones a running domain holds', () => {
    const p = plan({ files: { 'domains/a.xml': hugeDomain('a', 512, A), 'domains/b.xml': hugeDomain('b', 256, B) }, live: [running('a', hugeDomain('a', 512, A), 256)], facts: facts(128) });
    expect(actions(p)).toEqual(['domain.b create']);
  });

  it('still counts what a running domain takes beyond the pages it holds', () => {
    // a grows from 256 to 320 pages on restart: 64 more come out of the 128 free, b's 128 do not fit.
    expect(problems({ 'domains/a.xml': hugeDomain('a', 640, A), 'domains/b.xml': hugeDomain('b', 256, B) }, [running('a', hugeDomain('a', 512, A), 256)], facts(128, 512))).toEqual([
      'stack/domains/b.xml:4: domain.b: /domain/memory: host h1 node0: need 128 × 2048 KiB pages, 64 free; guest memory needs 128 (no <numatune> binding (the kernel may use any node)); ' +
        "the kernel has 128 free, 64 of them held: 64 by domain 'a', which has not started yet " +
        "(fix: grow node0's pool: echo 576 > /sys/devices/system/node/node0/hugepages/hugepages-2048kB/nr_hugepages (virtform does it on apply when the host allows growPools), or free pages held by other processes on node0)",
    ]);
  });

  it('withOwnPagesFree adds the held pages to the node and size they came from, capped at the pool', () => {
    const f = makeFacts({ nodes: [{ id: 0, pools: [[2048, 256, 10], [1048576, 2, 0]] }, { id: 1, pools: [[2048, 64, 0]] }] });
    const g = withOwnPagesFree(f, { phase: 'started', hugepages: [{ sizeKiB: 2048, node: 1, pages: 64 }, { sizeKiB: 1048576, node: null, nodes: [1, 0], pages: 1 }, { sizeKiB: 2048, node: 0, pages: 999 }], vfio: [] });
    expect(g.numa.nodes.map((n) => n.hugepages.map((p) => `${p.sizeKiB}:${p.free}/${p.total}`))).toEqual([
      ['2048:256/256', '1048576:1/2'],
      ['2048:64/64'],
    ]);
    expect(withOwnPagesFree(f, undefined)).toBe(f);
  });
});

describe('host devices in the default checks', () => {
  it('stops a plan that passes through a PCI device the host does not have', () => {
    const xml = `<domain type='qemu'>\n  <name>a</name>\n  <uuid>${A}</uuid>\n  <memory unit='MiB'>512</memory>\n  <vcpu>1</vcpu>\n  <os><type arch='x86_64' machine='pc'>hvm</type></os>\n  <devices>\n    <hostdev mode='subsystem' type='pci' managed='yes'>\n      <source><address domain='0x0000' bus='0x03' slot='0x00' function='0x0'/></source>\n    </hostdev>\n  </devices>\n</domain>\n`;
    expect(problems({ 'domains/a.xml': xml }, [], facts(256))).toEqual([
      'stack/domains/a.xml:8: domain.a: /domain/devices/hostdev[1]: host h1: no IOMMU (/sys/kernel/iommu_groups is empty), so 0000:03:00.0 cannot be passed through with VFIO; ' +
        'VFIO needs the IOMMU (Intel VT-d, AMD-Vi) enabled in firmware and in the kernel (fix: enable VT-d/AMD-Vi in the firmware and boot with intel_iommu=on (Intel) or amd_iommu=on (AMD))',
      'stack/domains/a.xml:8: domain.a: /domain/devices/hostdev[1]: host h1: Device 0000:03:00.0 not found: could not access /sys/bus/pci/devices/0000:03:00.0 (fix: check the address with lspci -D on h1)',
    ]);
  });
});
