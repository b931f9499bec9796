/**
 * Pre-flight checks: each rule's exact message, with the XML file:line, the value, the rule and
 * the fix; and the registry's contract (document checks first, host checks after, a ledger
 * threaded through domainHostCheck).
 */
import { makePlan } from '../../planner/make-plan';
import { PlanError, formatPlanIssue, type PlanIssue } from '../../planner/plan-issue';
import { DEFAULT_CHECKS, domainHostCheck, liveHoldings, nameProblem, type PreflightCheck } from '../../planner/preflight';
import { loadXmlStack } from '../../planner/xml-stack';
import type { LiveResource } from '../../planner/live-state';
import { ALL_LIVE, DOMAIN_WEB1, hostFacts, liveAfter, NETWORK_DEFAULT, plan, POOL_IMAGES, stackFiles, volumeXml } from './plan-fixtures';

/** The formatted issues a plan of `files` stops with. */
function problems(files: Record<string, string>, live: LiveResource[] = [], facts = hostFacts()): string[] {
  try {
    plan({ files, live, facts });
  } catch (e) {
    if (e instanceof PlanError) return e.issues.map(formatPlanIssue);
    throw e;
  }
  throw new Error('the plan did not fail');
}

const domain = (name: string, body = '', uuid = '11111111-2222-3333-4444-555555555555') =>
  `<domain type='qemu'>\n  <name>${name}</name>\n  <uuid>${uuid}</uuid>\n  <memory unit='MiB'>512</memory>\n  <vcpu>2</vcpu>\n  <os><type arch='x86_64'>hvm</type></os>\n${body}</domain>\n`;

describe('documents', () => {
  it('reports libvirt rule violations at their line, after the defaults', () => {
    const body = `  <devices>\n    <disk type='file'><source file='/a'/><target dev='vda'/></disk>\n    <disk type='file'><source file='/b'/><target dev='vda'/></disk>\n  </devices>\n`;
    expect(problems({ 'domains/web1.xml': domain('web1', body) })).toEqual([
      "stack/domains/web1.xml:9: domain.web1: /domain/devices/disk[2]/target: target 'vda' duplicated for disk sources '/a' and '/b' (fix: give every disk its own target dev)",
    ]);
  });

  it('checks a volume against its pool type', () => {
    const files = { 'pools/images.xml': POOL_IMAGES, 'volumes/images/a.xml': volumeXml('a', 1024, 'linux-swap') };
    expect(problems(files)).toEqual([
      "stack/volumes/images/a.xml:4: volume.images/a: /volume/target/format: format 'linux-swap' is not a volume format of a 'dir' pool (fix: use one of none, unknown, raw, dir, bochs, cloop, dmg, iso, vpc, vdi, fat, vhd, ploop, luks, cow, qcow, qcow2, qed, vmdk)",
    ]);
  });
});

describe('names', () => {
  it.each([
    ['', 'the name is empty'],
    ['.', "'.' is not a usable file name"],
    ['a/b', "it contains '/'"],
    ['a\nb', 'it contains a control character (newline, tab...)'],
    ['.web', "it starts with '.', which marks the state store's temporary files"],
    ['é'.repeat(101), 'it is 202 bytes long in UTF-8, more than 200'],
  ])('refuses %j: %s', (name, problem) => {
    expect(nameProblem(name)).toBe(problem);
  });

  it('accepts ordinary names', () => {
    expect(nameProblem('web-1.example_a')).toBeUndefined();
  });

  it("names the document's <name> line", () => {
    expect(problems({ 'domains/x.xml': domain('.web') })).toEqual([
      `stack/domains/x.xml:2: domain..web: /domain/name: domain name ".web" cannot be used: it starts with '.', which marks the state store's temporary files (fix: choose a name of letters, digits, dashes, dots and underscores that does not start with a dot)`,
    ]);
  });
});

describe('duplicates', () => {
  it('refuses a resource declared twice, naming both places', () => {
    expect(problems({ 'domains/a.xml': domain('web1'), 'domains/b.xml': domain('web1', '', '11111111-2222-3333-4444-666666666666') })).toEqual([
      'stack/domains/b.xml:2: domain.web1: /domain/name: domain.web1 is declared twice: here and at stack/domains/a.xml:1 (fix: keep one document per resource, or rename one of them)',
    ]);
  });

  it('refuses two domains with one UUID', () => {
    expect(problems({ 'domains/a.xml': domain('web1'), 'domains/b.xml': domain('web2') })).toEqual([
      'stack/domains/b.xml:3: domain.web2: /domain/uuid: uuid 11111111-2222-3333-4444-555555555555 is also the UUID of domain.web1 (stack/domains/a.xml:1) (fix: give each resource its own UUID, or leave <uuid> out to have one generated)',
    ]);
  });

  it('refuses a UUID another domain on the host has', () => {
    const live: LiveResource[] = [{ address: { kind: 'domain', name: 'db' }, xml: domain('db'), owner: { stack: 'shop' } }];
    expect(problems({ 'domains/a.xml': domain('web1') }, live)).toEqual([
      "stack/domains/a.xml:3: domain.web1: /domain/uuid: uuid 11111111-2222-3333-4444-555555555555 is already used on host h1 by domain.db (stack 'shop') (fix: give this resource another UUID, or leave <uuid> out to have one generated)",
    ]);
  });

  it('refuses two volumes with one image', () => {
    const v = (name: string) => `<volume>\n  <name>${name}</name>\n  <capacity>1</capacity>\n  <target><path>/srv/images/a</path></target>\n</volume>\n`;
    expect(problems({ 'pools/images.xml': POOL_IMAGES, 'volumes/images/a.xml': v('a'), 'volumes/images/b.xml': v('b') })).toEqual([
      'stack/volumes/images/b.xml:4: volume.images/b: /volume/target/path: image path /srv/images/a is also the image of volume.images/a (stack/volumes/images/a.xml:1) (fix: give each volume its own name or path)',
      "stack/volumes/images/b.xml:4: volume.images/b: /volume/target/path: volume path '/srv/images/a' escapes pool 'images': the image of volume 'b' in a dir pool is /srv/images/b (fix: leave <target><path> out, or write /srv/images/b)",
    ]);
  });
});

describe('references', () => {
  const nic = `  <devices>\n    <interface type='network'><source network='lan'/></interface>\n  </devices>\n`;
  const volDisk = (pool: string, vol: string) => `  <devices>\n    <disk type='volume'><source pool='${pool}' volume='${vol}'/><target dev='vda'/></disk>\n  </devices>\n`;

  it('refuses a network that neither the stack nor the host has', () => {
    expect(problems({ 'domains/a.xml': domain('web1', nic) })).toEqual([
      "stack/domains/a.xml:8: domain.web1: /domain/devices/interface[1]/source: interface 1 uses network 'lan', which the stack does not declare and host h1 does not have (fix: declare it in the stack (networks/lan.xml), or use a network the host has)",
    ]);
  });

  it("accepts a network another stack provides", () => {
    const live: LiveResource[] = [{ address: { kind: 'network', name: 'lan' }, xml: NETWORK_DEFAULT.replace('default', 'lan'), owner: { stack: 'infra' } }];
    expect(plan({ files: { 'domains/a.xml': domain('web1', nic) }, live }).changes.map((c) => `${c.address} ${c.action}`)).toEqual(['domain.web1 create']);
  });

  it('refuses a volume disk in an unknown pool', () => {
    expect(problems({ 'domains/a.xml': domain('web1', volDisk('gone', 'a.img')) })).toEqual([
      "stack/domains/a.xml:8: domain.web1: /domain/devices/disk[1]/source: disk vda uses volume gone/a.img, but pool 'gone' is neither declared in the stack nor on host h1 (fix: declare it in the stack (pools/gone.xml), or use a pool the host has)",
    ]);
  });

  it('warns about a volume nobody declares in a known pool', () => {
    const p = plan({ files: { 'pools/images.xml': POOL_IMAGES, 'domains/a.xml': domain('web1', volDisk('images', 'base.img')) } });
    expect(p.warnings.map(formatPlanIssue)).toEqual([
      'stack/domains/a.xml:8: domain.web1: /domain/devices/disk[1]/source: disk vda uses volume images/base.img, which the stack does not declare and virtform does not know on host h1; the domain will not start unless that image exists (fix: declare it in the stack (volumes/images/base.img.xml), or check the name)',
    ]);
  });

  it('refuses to delete a network a desired domain still uses', () => {
    const live = liveAfter(plan({ files: { 'networks/lan.xml': NETWORK_DEFAULT.replace('default', 'lan') } }));
    expect(problems({ 'domains/a.xml': domain('web1', nic) }, live)).toEqual([
      "stack/domains/a.xml:8: domain.web1: /domain/devices/interface[1]/source: interface 1 uses network.lan, which this plan deletes (the stack no longer declares it) (fix: keep network.lan in the stack, or stop using it)",
    ]);
  });
});

describe('pool-paths', () => {
  it('refuses a volume path that leaves the pool', () => {
    const v = `<volume>\n  <name>a.img</name>\n  <capacity>1</capacity>\n  <target>\n    <path>/srv/images/../etc/a.img</path>\n  </target>\n</volume>\n`;
    expect(problems({ 'pools/images.xml': POOL_IMAGES, 'volumes/images/a.xml': v })).toEqual([
      "stack/volumes/images/a.xml:5: volume.images/a.img: /volume/target/path: volume path '/srv/images/../etc/a.img' escapes pool 'images': the image of volume 'a.img' in a dir pool is /srv/images/a.img (fix: leave <target><path> out, or write /srv/images/a.img)",
    ]);
  });

  it('accepts the path the pool gives, written out or not', () => {
    const v = `<volume>\n  <name>a.img</name>\n  <capacity>1</capacity>\n  <target><path>/srv/images//a.img</path></target>\n</volume>\n`;
    expect(plan({ files: { 'pools/images.xml': POOL_IMAGES, 'volumes/images/a.xml': v } }).warnings).toEqual([]);
  });

  it('refuses a backing store outside the pool', () => {
    const v = `<volume>\n  <name>a.qcow2</name>\n  <capacity>1</capacity>\n  <target><format type='qcow2'/></target>\n  <backingStore>\n    <path>/var/lib/other/base.img</path>\n  </backingStore>\n</volume>\n`;
    expect(problems({ 'pools/images.xml': POOL_IMAGES, 'volumes/images/a.xml': v })).toEqual([
      "stack/volumes/images/a.xml:6: volume.images/a.qcow2: /volume/backingStore/path: backing store '/var/lib/other/base.img' is outside pool 'images' (directory /srv/images) (fix: declare the base image as a volume of pool 'images' and name its path /srv/images/BASE)",
    ]);
  });
});

describe('pins', () => {
  it('refuses pins to CPUs the host lacks, at the pin line, before host checks of later domains', () => {
    const body = `  <cputune>\n    <vcpupin vcpu='0' cpuset='0'/>\n    <vcpupin vcpu='1' cpuset='5'/>\n  </cputune>\n`;
    expect(problems({ 'domains/a.xml': domain('web1', body) })).toEqual([
      "stack/domains/a.xml:9: domain.web1: /domain/cputune/vcpupin[@vcpu='1']/@cpuset: vcpu 1 is pinned to cpuset '5', but host h1 has no online CPU 5 (it lacks that CPU or it is offline; online CPUs: 0-1) (fix: pin vcpu 1 to CPUs within 0-1, or bring CPU 5 online on the host)",
    ]);
  });

  it('does not run host checks while a document check fails', () => {
    const body = `  <cputune>\n    <vcpupin vcpu='1' cpuset='5'/>\n  </cputune>\n  <devices>\n    <interface type='network'><source network='lan'/></interface>\n  </devices>\n`;
    expect(problems({ 'domains/a.xml': domain('web1', body) }).map((p) => p.split(': ')[2])).toEqual(['/domain/devices/interface[1]/source']);
  });
});

describe('the check registry', () => {
  it('lists the checks in order, document checks first', () => {
    expect(DEFAULT_CHECKS.map((c) => `${c.stage}:${c.name}`)).toEqual(['document:documents', 'document:names', 'document:duplicates', 'document:references', 'document:pool-paths', 'host:pins', 'host:hugepages', 'host:hostdevs']);
  });

  it('threads a ledger from domain to domain through domainHostCheck and reports at the XML line', () => {
    // A made-up check: each domain takes its vCPU count from a budget of 3.
    const budget = domainHostCheck<number>('budget', 'vCPUs fit a budget', {
      start: () => 3,
      check: (d, ctx, left) => {
        const need = d.vcpu?.count ?? 1;
        return need <= left
          ? { issues: [], state: left - need }
          : { issues: [{ severity: 'error', path: '/domain/vcpu', problem: `host ${ctx.hostLabel}: need ${need} vCPUs, ${left} left`, detail: 'the budget is 3', fix: 'use fewer vCPUs' }], state: left };
      },
    });
    const files = { 'domains/a.xml': domain('a'), 'domains/b.xml': domain('b', '', '11111111-2222-3333-4444-666666666666') };
    try {
      makePlan({ stack: 'web', host: 'h1', facts: hostFacts(), desired: loadXmlStack(stackFiles(files)), live: { resources: [] }, checks: [...DEFAULT_CHECKS, budget], liveUpdates: ALL_LIVE });
      throw new Error('no failure');
    } catch (e) {
      expect((e as PlanError).issues).toEqual<PlanIssue[]>([
        {
          severity: 'error',
          check: 'budget',
          address: 'domain.b',
          pos: { file: 'stack/domains/b.xml', line: 5, column: 3 },
          path: '/domain/vcpu',
          problem: 'host h1: need 2 vCPUs, 1 left; the budget is 3',
          fix: 'use fewer vCPUs',
        },
      ]);
    }
  });

  it('turns a check that throws into an issue naming it', () => {
    const broken: PreflightCheck = { name: 'broken', stage: 'document', description: 'x', run: () => { throw new Error('boom'); } };
    expect(() => makePlan({ stack: 'web', host: 'h1', facts: hostFacts(), desired: { resources: [] }, live: { resources: [] }, checks: [broken] })).toThrow(
      "check 'broken': the check failed: boom (fix: report this as a virtform bug, with the documents that caused it)",
    );
  });

  it('gives the ledgers what the live domains hold', () => {
    const holds = { phase: 'started' as const, hugepages: [{ sizeKiB: 2048, node: 0, pages: 256 }], vfio: [{ address: '0000:01:00.0' }] };
    const ctx = { live: [{ address: { kind: 'domain' as const, name: 'db' }, owner: null, runtime: { state: 'running', holds } }, { address: { kind: 'network' as const, name: 'n' }, owner: null }] };
    expect(liveHoldings(ctx as never)).toEqual([{ domain: 'db', ...holds }]);
  });
});
