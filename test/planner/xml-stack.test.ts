/**
 * Loading desired state from XML files: kinds by root element, volumes named by their folder,
 * and every problem of every file reported at once with file:line.
 */
import { PlanError, formatPlanIssue } from '../../planner/plan-issue';
import { loadXmlStack, volumePoolFromPath } from '../../planner/xml-stack';
import { formatAddress } from '../../planner/resource-address';
import { DOMAIN_WEB1, NETWORK_DEFAULT, POOL_IMAGES, stackFiles, volumeXml } from './plan-fixtures';

function issues(files: Record<string, string>, single = false): string[] {
  try {
    loadXmlStack(stackFiles(files), single);
  } catch (e) {
    if (e instanceof PlanError) return e.issues.map(formatPlanIssue);
    throw e;
  }
  throw new Error('no error');
}

describe('loadXmlStack', () => {
  it('reads each kind by its root element, with addresses and origins', () => {
    const s = loadXmlStack(
      stackFiles({ 'a.xml': DOMAIN_WEB1, 'n/default.xml': NETWORK_DEFAULT, 'pools/images.xml': POOL_IMAGES, 'volumes/images/disk.xml': volumeXml('web1.qcow2', 1) }),
    );
    expect(s.resources.map((r) => [formatAddress(r.address), r.document.kind, r.origin])).toEqual([
      ['domain.web1', 'domain', 'stack/a.xml'],
      ['network.default', 'network', 'stack/n/default.xml'],
      ['pool.images', 'pool', 'stack/pools/images.xml'],
      ['volume.images/web1.qcow2', 'volume', 'stack/volumes/images/disk.xml'],
    ]);
  });

  it('names a pool of a source-named type by its source', () => {
    const s = loadXmlStack(stackFiles({ 'p.xml': `<pool type='logical'><source><name>vg0</name></source></pool>` }));
    expect(formatAddress(s.resources[0].address)).toBe('pool.vg0');
  });

  it('reports every problem of every file at once', () => {
    expect(
      issues({
        'a.xml': '<domain type="qemu"><name>x</name>',
        'b.xml': '<snapshot/>',
        'c.xml': DOMAIN_WEB1.replace('<vcpu>1</vcpu>', '<vcpus>1</vcpus><bogus/>'),
        'volumes/images/deep/v.xml': volumeXml('v', 1),
        'd.xml': '<pool type="logical"/>',
      }),
    ).toEqual([
      'stack/a.xml:1: (document): not well-formed XML: unclosed tag: domain (fix: correct the XML syntax)',
      'stack/b.xml:1: /snapshot: <snapshot> is not a document virtform manages (fix: give each file one <domain>, <network>, <pool> or <volume> document)',
      expect.stringMatching(/^stack\/c\.xml:5: \/domain\/vcpus: /),
      'stack/d.xml:1: /pool/name: the pool has no <name> (fix: add <name>...</name>)',
      'stack/volumes/images/deep/v.xml:1: /volume: volume documents must lie in volumes/POOL/ (the folder names the pool), not at volumes/images/deep/v.xml (fix: move it to volumes/POOL/v.xml)',
    ]);
  });

  it('refuses a lone volume file, saying how to name its pool', () => {
    expect(issues({ 'v.xml': volumeXml('v', 1) }, true)).toEqual([
      'stack/v.xml:1: /volume: a volume document alone does not say which pool it belongs to (fix: put it in STACK/volumes/POOL/ and pass --xml STACK)',
    ]);
  });
});

describe('volumePoolFromPath', () => {
  it.each([
    ['volumes/images/a.xml', 'images'],
    ['volumes/a.xml', undefined],
    ['x/images/a.xml', undefined],
    ['volumes/images/x/a.xml', undefined],
  ])('%s → %s', (p, pool) => expect(volumePoolFromPath(p)).toBe(pool));
});
