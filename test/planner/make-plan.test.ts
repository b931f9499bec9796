/**
 * makePlan scenarios: exact actions, modes, attributes, order and dependencies for a stack of a
 * pool, a volume, a network and a domain, against the live state an apply leaves behind.
 */
import { makePlan } from '../../planner/make-plan';
import { hasChanges, planSummary } from '../../planner/plan';
import { PlanError } from '../../planner/plan-issue';
import { definitionHash } from '../../planner/canonical-document';
import { loadXmlStack } from '../../planner/xml-stack';
import type { LiveResource } from '../../planner/live-state';
import { actions, ALL_LIVE, DOMAIN_WEB1, hostFacts, liveAfter, NETWORK_DEFAULT, plan, POOL_IMAGES, stackFiles, volumeXml } from './plan-fixtures';

const WEB1_DEVICES = DOMAIN_WEB1.replace(
  '</os>',
  `</os>
  <devices>
    <disk type='volume'><source pool='images' volume='web1.qcow2'/><target dev='vda' bus='virtio'/></disk>
    <interface type='network'><source network='default'/></interface>
  </devices>`,
);
const STACK = {
  'pools/images.xml': POOL_IMAGES,
  'volumes/images/web1.qcow2.xml': volumeXml('web1.qcow2', 1073741824),
  'networks/default.xml': NETWORK_DEFAULT,
  'domains/web1.xml': WEB1_DEVICES,
};

/** The live resource with another stored definition, running from it. */
function withXml(l: LiveResource, xml: string): LiveResource {
  return { ...l, xml, ...(l.runtime ? { runtime: { ...l.runtime, definitionHash: definitionHash(xml) } } : {}) };
}

function applied(files = STACK, state?: string): LiveResource[] {
  return liveAfter(plan({ files }), state ? { state } : {});
}

describe('a stack on an empty host', () => {
  const p = plan({ files: STACK });

  it('creates everything, what is used first', () => {
    expect(actions(p)).toEqual(['pool.images create', 'volume.images/web1.qcow2 create', 'network.default create', 'domain.web1 create']);
    expect(p.changes.map((c) => [c.address, c.dependsOn])).toEqual([
      ['pool.images', []],
      ['volume.images/web1.qcow2', ['pool.images']],
      ['network.default', []],
      ['domain.web1', ['network.default', 'volume.images/web1.qcow2']],
    ]);
    expect(planSummary(p)).toEqual({ add: 4, change: 0, destroy: 0 });
    expect(p.warnings).toEqual([]);
  });

  it('holds the canonical definition to apply, with its hash', () => {
    const vol = p.changes.find((c) => c.address === 'volume.images/web1.qcow2')!;
    expect(vol.desiredXml).toBe(
      `<volume type='file'>\n  <name>web1.qcow2</name>\n  <capacity unit='bytes'>1073741824</capacity>\n  <allocation unit='bytes'>1073741824</allocation>\n` +
        `  <target>\n    <path>/srv/images/web1.qcow2</path>\n    <format type='qcow2'/>\n  </target>\n</volume>\n`,
    );
    expect(vol.desiredHash).toBe(definitionHash(vol.desiredXml!));
  });

  it('binds the plan to the facts and to every resource it looked at (absent ones as null)', () => {
    expect(Object.keys(p.fingerprint.resources)).toEqual(['domain.web1', 'network.default', 'pool.images', 'volume.images/web1.qcow2']);
    expect(Object.values(p.fingerprint.resources)).toEqual([null, null, null, null]);
    expect(p.fingerprint.facts).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});

describe('re-planning right after an apply', () => {
  it('shows no changes', () => {
    const p = plan({ files: STACK, live: applied() });
    expect(hasChanges(p)).toBe(false);
    expect(actions(p)).toEqual([]);
    expect(p.changes.map((c) => `${c.address} ${c.action}`)).toEqual([
      'pool.images no-op',
      'volume.images/web1.qcow2 no-op',
      'network.default no-op',
      'domain.web1 no-op',
    ]);
  });

  it('shows no changes when the host generated the UUIDs, MAC address and bridge name the documents leave out', () => {
    const files = {
      ...STACK,
      'domains/web1.xml': WEB1_DEVICES.replace(/\s*<uuid>.*<\/uuid>/, ''),
      'networks/default.xml': NETWORK_DEFAULT.replace(/\s*<uuid>.*<\/uuid>/, '').replace("<bridge name='virbr9'/>", ''),
      'pools/images.xml': POOL_IMAGES.replace(/\s*<uuid>.*<\/uuid>/, ''),
    };
    // What the executor stores: the definition with the generated values filled in.
    const live = liveAfter(plan({ files })).map((l) => withXml(l, l.xml!
        .replace('<name>web1</name>', '<name>web1</name>\n  <uuid>0e2d3c4b-5a69-4788-9a0b-1c2d3e4f5a6b</uuid>')
        .replace("<interface type='network'>", "<interface type='network'>\n      <mac address='52:54:00:12:34:56'/>")
        .replace('<name>default</name>', '<name>default</name>\n  <uuid>0e2d3c4b-5a69-4788-9a0b-1c2d3e4f5a6c</uuid>')
        .replace("<bridge stp='on' delay='0'/>", "<bridge name='virbr3' stp='on' delay='0'/>")
        .replace('<name>images</name>', '<name>images</name>\n  <uuid>0e2d3c4b-5a69-4788-9a0b-1c2d3e4f5a6d</uuid>'),
    ));
    expect(live.map((l) => l.xml).join('')).toContain("<bridge name='virbr3'");
    expect(actions(plan({ files, live }))).toEqual([]);
  });

  it('shows no changes when the stored definition is written in another but equivalent form', () => {
    const live = applied().map((l) => (l.address.kind === 'domain' ? { ...l, xml: WEB1_DEVICES, runtime: { state: 'running', definitionHash: definitionHash(plan({ files: STACK }).changes[3].desiredXml!) } } : l));
    expect(actions(plan({ files: STACK, live }))).toEqual([]);
  });
});

describe('updates', () => {
  const withMemory = (current: string, memory = '512') => ({
    ...STACK,
    'domains/web1.xml': WEB1_DEVICES.replace(`<memory unit='MiB'>512</memory>`, `<memory unit='MiB'>${memory}</memory><currentMemory unit='MiB'>${current}</currentMemory>`),
  });

  it('sets a lower balloon target live', () => {
    const p = plan({ files: withMemory('256'), live: applied() });
    expect(actions(p)).toEqual(['domain.web1 update(live)']);
    expect(p.changes.find((c) => c.address === 'domain.web1')!.attributes).toEqual([
      { path: '/domain/currentMemory', before: '524288', after: '262144', effect: 'live', liveKind: 'balloon', note: 'balloon target, set live', sensitive: false },
    ]);
  });

  it('restarts the domain for the balloon when the executor cannot set it live', () => {
    const p = plan({ files: withMemory('256'), live: applied(), liveUpdates: new Set() });
    expect(actions(p)).toEqual(['domain.web1 update(restart)']);
  });

  it('restarts the domain for more memory', () => {
    const p = plan({ files: withMemory('1024', '1024'), live: applied() });
    expect(actions(p)).toEqual(['domain.web1 update(restart)']);
    expect(p.changes.find((c) => c.address === 'domain.web1')!.attributes.map((a) => [a.path, a.before, a.after, a.effect])).toEqual([
      ['/domain/memory', '524288', '1048576', 'restart'],
      ['/domain/currentMemory', '524288', '1048576', 'live'],
    ]);
  });

  it('replaces a domain whose UUID changes', () => {
    const files = { ...STACK, 'domains/web1.xml': WEB1_DEVICES.replace('11111111-2222-3333-4444-555555555555', '11111111-2222-3333-4444-666666666666') };
    expect(actions(plan({ files, live: applied() }))).toEqual(['domain.web1 delete-then-create']);
  });

  it('starts a domain that is shut off', () => {
    const p = plan({ files: STACK, live: applied(STACK, 'shutoff') });
    expect(actions(p)).toEqual(['domain.web1 update(restart)']);
    const c = p.changes.find((x) => x.address === 'domain.web1')!;
    expect(c.liveState).toBe('shutoff');
    expect(c.attributes).toEqual([
      { path: 'runtime.state', before: 'shutoff', after: 'running', effect: 'restart', note: 'the domain is not running: apply starts it', sensitive: false },
    ]);
  });

  it('restarts a domain whose QEMU runs an older definition than the stored one', () => {
    const live = applied().map((l) => (l.address.kind === 'domain' ? { ...l, runtime: { state: 'running', definitionHash: 'sha256:older' } } : l));
    const p = plan({ files: STACK, live });
    expect(actions(p)).toEqual(['domain.web1 update(restart)']);
    expect(p.changes.find((x) => x.address === 'domain.web1')!.attributes.map((a) => a.path)).toEqual(['runtime.definition']);
  });

  it('re-pins threads whose affinity drifted', () => {
    const live = applied().map((l) =>
      l.address.kind === 'domain' ? { ...l, runtime: { ...l.runtime!, pinDrift: [{ thread: 'vcpu 0', applied: '0-1', actual: '1' }] } } : l,
    );
    const p = plan({ files: STACK, live });
    expect(actions(p)).toEqual(['domain.web1 update(live)']);
    expect(p.changes.find((x) => x.address === 'domain.web1')!.attributes).toEqual([
      { path: 'runtime.affinity[vcpu 0]', before: '1', after: '0-1', effect: 'live', liveKind: 'pins', note: 'affinity drifted from the plan: re-pinned live', sensitive: false },
    ]);
  });

  it('grows a volume in place and leaves the domain running', () => {
    const files = { ...STACK, 'volumes/images/web1.qcow2.xml': volumeXml('web1.qcow2', 2147483648) };
    expect(actions(plan({ files, live: applied() }))).toEqual(['volume.images/web1.qcow2 update(live)']);
  });

  it('replaces a shrunk volume, says its data goes, and restarts the domain that uses it afterwards', () => {
    const files = { ...STACK, 'volumes/images/web1.qcow2.xml': volumeXml('web1.qcow2', 536870912) };
    const p = plan({ files, live: applied() });
    expect(actions(p)).toEqual(['volume.images/web1.qcow2 delete-then-create', 'domain.web1 update(restart)']);
    const vol = p.changes.find((c) => c.address === 'volume.images/web1.qcow2')!;
    expect(vol.destroysData).toBe(true);
    const dom = p.changes.find((c) => c.address === 'domain.web1')!;
    expect(dom.dependsOn).toEqual(['volume.images/web1.qcow2']);
    expect(dom.attributes).toEqual([
      {
        path: 'dependency[volume.images/web1.qcow2]',
        after: 'replaced',
        effect: 'restart',
        note: 'volume.images/web1.qcow2 is replaced: the domain restarts to use the new one',
        sensitive: false,
      },
    ]);
    expect(planSummary(p)).toEqual({ add: 1, change: 1, destroy: 1 });
  });

  it('replaces the volumes of a replaced pool, and restarts their domains', () => {
    const files = { ...STACK, 'pools/images.xml': POOL_IMAGES.replace('/srv/images', '/srv/images2') };
    const p = plan({ files, live: applied() });
    expect(actions(p)).toEqual(['pool.images delete-then-create', 'volume.images/web1.qcow2 delete-then-create', 'domain.web1 update(restart)']);
    expect(p.changes[1].attributes.map((a) => [a.path, a.before, a.after, a.effect])).toEqual([
      ['/volume/target/path', '/srv/images/web1.qcow2', '/srv/images2/web1.qcow2', 'replace'],
      ['dependency[pool.images]', undefined, 'replaced', 'replace'],
    ]);
  });

  it('restarts the domains of a network that restarts', () => {
    const files = { ...STACK, 'networks/default.xml': NETWORK_DEFAULT.replace("<forward mode='nat'/>", "<forward mode='route'/>") };
    expect(actions(plan({ files, live: applied() }))).toEqual(['network.default update(restart)', 'domain.web1 update(restart)']);
  });
});

describe('the orphan pass', () => {
  it("deletes the stack's resources that are no longer declared, users before what they use", () => {
    const p = plan({ files: {}, live: applied() });
    expect(actions(p)).toEqual(['domain.web1 delete', 'network.default delete', 'volume.images/web1.qcow2 delete', 'pool.images delete']);
    expect(p.changes.map((c) => [c.address, c.dependsOn, c.reason])).toEqual([
      ['domain.web1', [], 'not-desired'],
      ['network.default', ['domain.web1'], 'not-desired'],
      ['volume.images/web1.qcow2', ['domain.web1'], 'not-desired'],
      ['pool.images', ['volume.images/web1.qcow2'], 'not-desired'],
    ]);
    expect(p.changes.find((c) => c.kind === 'volume')!.destroysData).toBe(true);
  });

  it("never deletes another stack's or unowned resources", () => {
    const live = applied().map((l) => (l.address.kind === 'domain' ? { ...l, owner: { stack: 'other' } } : l.address.kind === 'network' ? { ...l, owner: null } : l));
    const files = { 'pools/images.xml': POOL_IMAGES, 'volumes/images/web1.qcow2.xml': volumeXml('web1.qcow2', 1073741824) };
    expect(actions(plan({ files, live }))).toEqual([]);
  });

  it('refuses to delete what a resource staying on the host still uses', () => {
    const live = applied().map((l) => (l.address.kind === 'domain' ? { ...l, owner: { stack: 'shop' } } : l));
    expect(() => plan({ files: {}, live })).toThrow(
      new PlanError([
        {
          severity: 'error',
          check: 'references',
          address: 'network.default',
          path: '/var/lib/virtform/domains/web1.xml',
          problem: "network.default cannot be deleted: domain.web1 (stack 'shop') still uses it (interface 1)",
          fix: 'remove that use from domain.web1 first, or keep network.default in the stack',
        },
        {
          severity: 'error',
          check: 'references',
          address: 'volume.images/web1.qcow2',
          path: '/var/lib/virtform/domains/web1.xml',
          problem: "volume.images/web1.qcow2 cannot be deleted: domain.web1 (stack 'shop') still uses it (disk vda)",
          fix: 'remove that use from domain.web1 first, or keep volume.images/web1.qcow2 in the stack',
        },
      ]),
    );
  });

  it('finishes or removes what an earlier apply recorded and never defined', () => {
    const half: LiveResource = { address: { kind: 'domain', name: 'web1' }, xml: null, owner: { stack: 'web' } };
    const live = [...applied().filter((l) => l.address.kind !== 'domain'), half];
    const p = plan({ files: STACK, live });
    expect(p.changes.filter((c) => c.action !== 'no-op').map((c) => [c.address, c.action, c.reason])).toEqual([['domain.web1', 'create', 'incomplete-on-host']]);
    const gone = plan({ files: {}, live: [half] });
    expect(gone.changes.map((c) => [c.address, c.action, c.attributes])).toEqual([['domain.web1', 'delete', []]]);
  });
});

describe('ownership', () => {
  it("refuses to change a resource another stack owns, naming the owner and the fix", () => {
    const live = applied().map((l) => (l.address.kind === 'network' ? { ...l, owner: { stack: 'shop', createdAt: '2024-04-01T09:00:00.000Z', createdBy: 'bob@ci' } } : l));
    expect(() => plan({ files: STACK, live })).toThrow(
      "stack/networks/default.xml:2: network.default: /var/lib/virtform/networks/default.xml: network.default on host h1 belongs to stack 'shop' (created by bob@ci at 2024-04-01T09:00:00.000Z), not to stack 'web' (fix: rename the network in stack 'web', or change it from its own stack (--stack shop))",
    );
    expect.assertions(2);
    try {
      plan({ files: STACK, live });
    } catch (e) {
      expect((e as PlanError).issues).toEqual([
        {
          severity: 'error',
          check: 'ownership',
          address: 'network.default',
          pos: { file: 'stack/networks/default.xml', line: 2, column: 3 },
          path: '/var/lib/virtform/networks/default.xml',
          problem: "network.default on host h1 belongs to stack 'shop' (created by bob@ci at 2024-04-01T09:00:00.000Z), not to stack 'web'",
          fix: "rename the network in stack 'web', or change it from its own stack (--stack shop)",
        },
      ]);
    }
  });

  it('refuses to change a resource virtform did not create', () => {
    const live = applied().map((l) => (l.address.kind === 'pool' ? { ...l, owner: null } : l));
    expect(() => plan({ files: STACK, live })).toThrow(
      new PlanError([
        {
          severity: 'error',
          check: 'ownership',
          address: 'pool.images',
          pos: { file: 'stack/pools/images.xml', line: 2, column: 3 },
          path: '/var/lib/virtform/pools/images.xml',
          problem: "pool.images exists on host h1 but virtform did not create it (it has no ownership record), so stack 'web' may not change it",
          fix: 'give the pool in the stack another name, or remove or rename the existing one by hand',
        },
      ]),
    );
  });
});

describe('destroy', () => {
  it("deletes every resource of the stack and nothing else, ignoring the documents", () => {
    const live = [...applied(), { address: { kind: 'domain' as const, name: 'db' }, xml: DOMAIN_WEB1.replace('web1', 'db').replace('11111111', '22222222'), owner: { stack: 'shop' } }];
    const p = plan({ files: STACK, live, destroy: true });
    expect(p.destroy).toBe(true);
    expect(actions(p)).toEqual(['domain.web1 delete', 'network.default delete', 'volume.images/web1.qcow2 delete', 'pool.images delete']);
    expect(p.changes.every((c) => c.reason === 'destroy')).toBe(true);
  });
});

describe('--target', () => {
  it('plans a domain with what it needs and leaves the rest out', () => {
    const files = { ...STACK, 'domains/db.xml': DOMAIN_WEB1.replace('web1', 'db').replace('11111111', '22222222') };
    const p = plan({ files, targets: ['domain.web1'] });
    expect(actions(p)).toEqual(['pool.images create', 'volume.images/web1.qcow2 create', 'network.default create', 'domain.web1 create']);
    expect(p.targets).toEqual(['domain.web1']);
    expect(p.untargeted).toBe(1);
  });

  it('deletes a targeted resource together with the changes of what used it', () => {
    const files = { 'pools/images.xml': POOL_IMAGES, 'networks/default.xml': NETWORK_DEFAULT, 'domains/web1.xml': WEB1_DEVICES.replace(/<disk.*<\/disk>/, '') };
    const p = plan({ files, live: applied(), targets: ['volume.images/web1.qcow2'] });
    expect(actions(p)).toEqual(['domain.web1 update(live)', 'volume.images/web1.qcow2 delete']);
    expect(p.changes.map((c) => [c.address, c.dependsOn])).toEqual([
      ['domain.web1', []],
      ['volume.images/web1.qcow2', ['domain.web1']],
    ]);
  });

  it('takes the dependents a targeted replacement restarts', () => {
    const files = { ...STACK, 'volumes/images/web1.qcow2.xml': volumeXml('web1.qcow2', 1024) };
    expect(actions(plan({ files, live: applied(), targets: ['volume.images/web1.qcow2'] }))).toEqual([
      'volume.images/web1.qcow2 delete-then-create',
      'domain.web1 update(restart)',
    ]);
  });

  it('refuses an address that is neither declared nor owned, listing the known ones', () => {
    expect(() => plan({ files: STACK, targets: ['domain.web2'] })).toThrow(
      new PlanError([
        {
          severity: 'error',
          check: 'target',
          address: 'domain.web2',
          path: '--target',
          problem: "domain.web2 is neither declared in the stack nor owned by stack 'web' on host h1",
          fix: 'check the address (known: domain.web1, network.default, pool.images, volume.images/web1.qcow2)',
        },
      ]),
    );
    expect(() => plan({ files: STACK, targets: ['web2'] })).toThrow(/^--target: 'web2' is not a resource address/);
  });
});

describe('live state the plan cannot read', () => {
  it("stops on this stack's unreadable definition and warns about another stack's", () => {
    const bad = (stack: string): LiveResource => ({ address: { kind: 'network', name: 'default' }, xml: '<network><name>default</nme></network>', owner: { stack }, location: '/var/lib/virtform/networks/default.xml' });
    expect(() => makePlan({ stack: 'web', host: 'h1', facts: hostFacts(), desired: { resources: [] }, live: { resources: [bad('web')] } })).toThrow(
      /^network\.default: \/var\/lib\/virtform\/networks\/default\.xml: the stored definition on host h1 cannot be read: \/var\/lib\/virtform\/networks\/default\.xml:1:\d+: XML error: .*\(fix: restore the file from a backup, or remove it and its ownership record by hand so that apply creates the resource again\)$/,
    );
    const p = makePlan({ stack: 'web', host: 'h1', facts: hostFacts(), desired: loadXmlStack(stackFiles({ 'domains/web1.xml': DOMAIN_WEB1 })), live: { resources: [bad('shop')] }, liveUpdates: ALL_LIVE });
    expect(p.warnings.map((w) => [w.check, w.address, w.severity])).toEqual([['state', 'network.default', 'warning']]);
  });
});
