import { parseDomainXml } from '../../model/domain/domain';
import { hugepageDemand } from '../../planner/hugepage-demand';
import { checkHugepageFit } from '../../planner/hugepage-fit';
import { HugepageLedger } from '../../planner/hugepage-ledger';
import { formatHostIssue } from '../../planner/host-issue';
import { makeFacts } from '../support/host-facts-builder';

const GiB = 1024 * 1024;

/** A domain with optional guest cells ([cpus, memory KiB]), hugepage <page> elements and numatune XML. */
function domain(o: { name?: string; memoryKiB?: number; cells?: [string, number][]; pages?: string; numatune?: string; backing?: string }) {
  const cells = o.cells ?? [];
  const total = o.memoryKiB ?? cells.reduce((s, c) => s + c[1], 0);
  return parseDomainXml(`<domain type='kvm'>
  <name>${o.name ?? 'web'}</name>
  <memory unit='KiB'>${total}</memory>
  <memoryBacking>${o.pages ?? '<hugepages/>'}${o.backing ?? ''}</memoryBacking>
  <vcpu>${Math.max(1, cells.length * 2)}</vcpu>
  ${o.numatune ?? ''}
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  ${cells.length ? `<cpu><numa>${cells.map((c, i) => `<cell id='${i}' cpus='${c[0]}' memory='${c[1]}' unit='KiB'/>`).join('')}</numa></cpu>` : ''}
</domain>`);
}

const twoNodes = (free0: number, free1: number, extra: { memFree0?: number; memFree1?: number; total0?: number; total1?: number } = {}) =>
  makeFacts({
    nodes: [
      { id: 0, memFreeKiB: extra.memFree0, pools: [[2048, extra.total0 ?? 1024, free0], [GiB, 4, 4]] },
      { id: 1, memFreeKiB: extra.memFree1, pools: [[2048, extra.total1 ?? 512, free1], [GiB, 0, 0]] },
    ],
    mounts: [
      { path: '/dev/hugepages', pageSizeKiB: 2048 },
      { path: '/dev/hugepages1G', pageSizeKiB: GiB },
    ],
  });

describe('hugepageDemand: page size and host nodes per guest cell', () => {
  it('uses the default page size for <hugepages/> and any node without numatune', () => {
    const d = hugepageDemand(domain({ memoryKiB: 1048576 }), twoNodes(10, 10));
    expect(d.issues).toEqual([]);
    expect(d.needs).toEqual([
      { cell: 0, sizeKiB: 2048, pages: 512, nodes: null, binding: 'no <numatune> binding (the kernel may use any node)', path: '/domain/memory' },
    ]);
    expect(d.mountSizesKiB).toEqual([2048]);
  });

  it('picks the page whose nodeset holds the cell, else the master page; memnode strict binds, preferred does not', () => {
    const d = hugepageDemand(
      domain({
        cells: [['0-1', 2 * GiB], ['2-3', 1024 * 1024], ['4-5', 65536]],
        pages: `<hugepages><page size='1' unit='G' nodeset='0'/><page size='2' unit='M'/></hugepages>`,
        numatune: `<numatune><memory mode='preferred' nodeset='1'/><memnode cellid='0' mode='strict' nodeset='0'/><memnode cellid='2' mode='interleave' nodeset='0-1'/></numatune>`,
      }),
      twoNodes(10, 10),
    );
    expect(d.issues).toEqual([]);
    expect(d.needs.map((n) => [n.cell, n.sizeKiB, n.pages, n.nodes, n.binding])).toEqual([
      [0, GiB, 2, [0], "<memnode cellid='0' mode='strict' nodeset='0'/>"],
      [1, 2048, 512, null, "<memory mode='preferred' nodeset='1'/> (the kernel may fall back to any node)"],
      [2, 2048, 32, null, "<memnode cellid='2' mode='interleave' nodeset='0-1'/> (the kernel may fall back to any node)"],
    ]);
    expect(d.mountSizesKiB).toEqual([2048, GiB]);
  });

  it('leaves cells outside every nodeset on ordinary memory, and treats 4 KiB pages as ordinary memory', () => {
    const d = hugepageDemand(
      domain({ cells: [['0', 4096], ['1', 8192]], pages: `<hugepages><page size='2048' unit='KiB' nodeset='1'/></hugepages>` }),
      twoNodes(10, 10),
    );
    expect(d.needs.map((n) => [n.cell, n.pages])).toEqual([[1, 4]]);
    const small = hugepageDemand(domain({ memoryKiB: 4096, pages: `<hugepages><page size='4' unit='KiB'/></hugepages>` }), twoNodes(10, 10));
    expect(small.needs).toEqual([]);
  });

  it('memfd-backed memory needs no hugetlbfs mount', () => {
    const d = hugepageDemand(domain({ memoryKiB: 4096, backing: "<source type='memfd'/>" }), twoNodes(10, 10));
    expect(d.needs).toHaveLength(1);
    expect(d.mountSizesKiB).toEqual([]);
  });

  it('rejects memory that is not a whole number of pages, and host nodes that do not exist', () => {
    const d = hugepageDemand(
      domain({ cells: [['0', 3000], ['1', 4096]], numatune: `<numatune><memnode cellid='1' mode='strict' nodeset='1,3'/></numatune>` }),
      twoNodes(10, 10),
    );
    expect(d.issues.map(formatHostIssue)).toEqual([
      'error: guest cell 0 of 3000 KiB is not a multiple of the 2048 KiB page size (/domain/memoryBacking/hugepages); 1 page holds 2048 KiB (/domain/cpu/numa/cell[1]) (fix: make it 4096 KiB or 2048 KiB, or use a smaller page size)',
      "error: host h1: <memnode cellid='1' mode='strict' nodeset='1,3'/> names host node3, which the host does not have (it has nodes 0-1) (/domain/numatune/memnode[1]) (fix: use host nodes from 0-1)",
    ]);
    expect(d.needs).toEqual([]);
  });

  it('has no demand without <hugepages>', () => {
    const d = parseDomainXml(`<domain type='kvm'><name>a</name><memory>4096</memory><os><type>hvm</type></os></domain>`);
    expect(hugepageDemand(d, twoNodes(0, 0))).toEqual({ domain: 'a', needs: [], mountSizesKiB: [], issues: [] });
  });
});

describe('checkHugepageFit', () => {
  const bound1 = (name = 'web', mem = GiB) => domain({ name, memoryKiB: mem, numatune: `<numatune><memory mode='strict' nodeset='1'/></numatune>` });

  it('fits when the bound node has the pages, and returns the claims for the ledger', () => {
    const fit = checkHugepageFit(bound1(), twoNodes(0, 512), new HugepageLedger());
    expect(fit.issues).toEqual([]);
    expect(fit.claims).toEqual([{ domain: 'web', sizeKiB: 2048, nodes: [1], pages: 512, touched: 0 }]);
    expect(fit.mounts).toEqual([{ sizeKiB: 2048, existing: '/dev/hugepages' }]);
    expect(fit.growth).toEqual([]);
  });

  it('shows the mount a launch takes by default: /dev/hugepages before a stray mount of the same size listed first in /proc/mounts', () => {
    const base = twoNodes(0, 512);
    const facts = { ...base, hugepages: { ...base.hugepages, mounts: [{ path: '/tmp/stray', pageSizeKiB: 2048 }, ...base.hugepages.mounts] } };
    expect(checkHugepageFit(bound1(), facts, new HugepageLedger()).mounts).toEqual([{ sizeKiB: 2048, existing: '/dev/hugepages' }]);
  });

  it('names the node, the need and the free pages, and proposes a node that fits (enough in total, not on the bound node)', () => {
    const fit = checkHugepageFit(bound1(), twoNodes(1000, 300), new HugepageLedger());
    expect(fit.issues).toHaveLength(1);
    const i = fit.issues[0];
    expect(i.problem).toBe('host h1 node1: need 512 × 2048 KiB pages, 300 free');
    expect(i.code).toBe('HUGEPAGE_SHORTFALL');
    expect(i.path).toBe('/domain/memory');
    expect(i.detail).toBe("guest memory needs 512 (<memory mode='strict' nodeset='1'/>)");
    expect(i.fix).toBe(
      "node0 has 1000 free 2048 KiB pages: bind the memory there with <numatune><memory mode='strict' nodeset='0'/></numatune>, or " +
        "grow node1's pool: echo 724 > /sys/devices/system/node/node1/hugepages/hugepages-2048kB/nr_hugepages (virtform does it on apply when the host allows growPools)",
    );
  });

  it('per guest cell: each bound cell is checked on its node; the suggestion is a memnode', () => {
    const d = domain({
      cells: [['0-1', GiB], ['2-3', GiB]],
      numatune: `<numatune><memnode cellid='0' mode='strict' nodeset='0'/><memnode cellid='1' mode='strict' nodeset='1'/></numatune>`,
    });
    const fit = checkHugepageFit(d, twoNodes(1100, 100), new HugepageLedger());
    expect(fit.issues.map((i) => [i.problem, i.path])).toEqual([['host h1 node1: need 512 × 2048 KiB pages, 100 free', '/domain/cpu/numa/cell[2]']]);
    expect(fit.issues[0].fix).toMatch(/^node0 has 588 free 2048 KiB pages: bind the memory there with <memnode cellid='1' mode='strict' nodeset='0'\/>, or grow node1's pool: echo 924 > /);
  });

  it('overlapping bindings compete: each fits alone, together they do not (nodes 0-1 named)', () => {
    const d = domain({
      cells: [['0', GiB], ['1', GiB]],
      numatune: `<numatune><memnode cellid='0' mode='strict' nodeset='0'/><memnode cellid='1' mode='strict' nodeset='0-1'/></numatune>`,
    });
    const fit = checkHugepageFit(d, twoNodes(600, 300), new HugepageLedger());
    expect(fit.issues.map((i) => i.problem)).toEqual(['host h1 nodes 0-1: need 1024 × 2048 KiB pages, 900 free']);
    expect(fit.issues[0].detail).toBe(
      "guest cell 0 needs 512 (<memnode cellid='0' mode='strict' nodeset='0'/>); guest cell 1 needs 512 (<memnode cellid='1' mode='strict' nodeset='0-1'/>)",
    );
  });

  it('unbound memory may use any node: enough in total is enough', () => {
    expect(checkHugepageFit(domain({ memoryKiB: GiB }), twoNodes(300, 300), new HugepageLedger()).issues).toEqual([]);
    const short = checkHugepageFit(domain({ memoryKiB: GiB }), twoNodes(300, 100), new HugepageLedger());
    expect(short.issues.map((i) => i.problem)).toEqual(['host h1 nodes 0-1: need 512 × 2048 KiB pages, 400 free']);
    expect(short.issues[0].fix).toBe(
      'grow the pools of nodes 0-1 by 112 pages in total (nodeN/hugepages/hugepages-2048kB/nr_hugepages) (virtform does it on apply when the host allows growPools), or free pages held by other processes on nodes 0-1',
    );
  });

  it("subtracts other domains' untouched claims, says whose they are, and ignores the domain's own claims", () => {
    const ledger = HugepageLedger.fromStatus([
      { domain: 'db', phase: 'starting', hugepages: [{ sizeKiB: 2048, node: 1, pages: 200 }] },
      { domain: 'cache', phase: 'started', hugepages: [{ sizeKiB: 2048, node: 1, pages: 100 }] },
      { domain: 'old', phase: 'exited', hugepages: [{ sizeKiB: 2048, node: 1, pages: 100 }] },
      { domain: 'web', phase: 'starting', hugepages: [{ sizeKiB: 2048, node: 1, pages: 512 }] },
    ]);
    const fit = checkHugepageFit(bound1(), twoNodes(0, 600), ledger);
    expect(fit.issues.map((i) => [i.problem, i.detail])).toEqual([
      [
        'host h1 node1: need 512 × 2048 KiB pages, 400 free',
        "guest memory needs 512 (<memory mode='strict' nodeset='1'/>); the kernel has 600 free, 200 of them held: 200 by domain 'db', which has not started yet",
      ],
    ]);
  });

  it('chains domains planned on the same host through the ledger', () => {
    const facts = twoNodes(0, 700);
    const first = checkHugepageFit(bound1('a'), facts, new HugepageLedger());
    expect(first.issues).toEqual([]);
    const second = checkHugepageFit(bound1('b'), facts, new HugepageLedger().with(first.claims));
    expect(second.issues.map((i) => i.problem)).toEqual(['host h1 node1: need 512 × 2048 KiB pages, 188 free']);
  });

  it('with growPools, plans growth on the short node instead of failing', () => {
    const fit = checkHugepageFit(bound1(), twoNodes(1000, 300), new HugepageLedger(), { growPools: true });
    expect(fit.issues).toEqual([]);
    expect(fit.growth).toEqual([{ node: 1, sizeKiB: 2048, pages: 212, from: 512, to: 724 }]);
  });

  it("with growPools, grows unbound memory's pool on the node with the most free memory", () => {
    const fit = checkHugepageFit(domain({ memoryKiB: 2 * GiB }), twoNodes(100, 100, { memFree0: 400 * 2048, memFree1: 2 * GiB }), new HugepageLedger(), { growPools: true });
    expect(fit.issues).toEqual([]);
    expect(fit.growth).toEqual([{ node: 1, sizeKiB: 2048, pages: 824, from: 512, to: 1336 }]);
  });

  it('with growPools, fails with the memory it would take when the node lacks free memory', () => {
    const fit = checkHugepageFit(bound1(), twoNodes(1000, 300, { memFree1: 100000 }), new HugepageLedger(), { growPools: true });
    expect(fit.issues.map((i) => [i.code, i.problem, i.detail])).toEqual([
      [
        'HUGEPAGE_GROW_TOO_LITTLE_MEMORY',
        'host h1 node1: need 512 × 2048 KiB pages, 300 free',
        "guest memory needs 512 (<memory mode='strict' nodeset='1'/>); growing the pool by 212 pages needs 434176 KiB of free memory, node1 has 100000 KiB free",
      ],
    ]);
    expect(fit.growth).toEqual([]);
  });

  it('reports a page size the host has no pool for, and a missing mount unless mountMissing', () => {
    const facts = makeFacts({ nodes: [{ id: 0, pools: [[2048, 10, 10]] }], mounts: [] });
    const fit = checkHugepageFit(domain({ memoryKiB: GiB, pages: `<hugepages><page size='1' unit='G'/></hugepages>` }), facts, new HugepageLedger());
    expect(fit.issues.map(formatHostIssue)).toEqual([
      'error: host h1 has no 1048576 KiB hugepage pool; its pools: 2048 KiB (/domain/memory) (fix: boot the host with hugepagesz=1G hugepages=N (1G pages are best reserved at boot), or use a page size the host has)',
      'error: host h1: no hugetlbfs mount for 1048576 KiB pages; no hugetlbfs is mounted at all (/domain/memory) (fix: mount one (mount -t hugetlbfs -o pagesize=1G hugetlbfs /dev/hugepages1G), or let virtform mount one under its run dir (mountMissing))',
    ]);
    const withMount = checkHugepageFit(domain({ memoryKiB: 4096 }), facts, new HugepageLedger(), { mountMissing: true });
    expect(withMount.issues).toEqual([]);
    expect(withMount.mounts).toEqual([{ sizeKiB: 2048, existing: null }]);
  });
});
