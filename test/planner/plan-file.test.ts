/**
 * The machine forms: --json with a fixed shape and key order, and plan files that hold the
 * plan, the definitions without secrets and the fingerprint, read back exactly, refusing
 * damaged or edited files.
 */
import { planFromJson, planToJson, renderPlanJson, PlanFormatError } from '../../planner/plan-json';
import { formatPlanFile, planFileDifferences, readPlanFile, PLAN_FILE_FORMAT } from '../../planner/plan-file';
import { fingerprintChanges, factsFingerprint, resourceFingerprint } from '../../planner/fingerprint';
import { redactXmlText } from '../../planner/sensitive-values';
import { DOMAIN_WEB1, hostFacts, liveAfter, plan, POOL_IMAGES } from './plan-fixtures';

const SECRET = 'hunter2-vnc';
const WEB1 = DOMAIN_WEB1.replace('</os>', `</os><devices><graphics type='vnc' passwd='${SECRET}'/></devices>`);
const FILES = { 'pools/images.xml': POOL_IMAGES, 'domains/web1.xml': WEB1 };

describe('renderPlanJson', () => {
  const p = plan({ files: FILES });
  const json = JSON.parse(renderPlanJson(p));

  it('has every key in a fixed order', () => {
    expect(Object.keys(json)).toEqual(['formatVersion', 'stack', 'host', 'destroy', 'targets', 'summary', 'changes', 'warnings', 'untargeted', 'fingerprint']);
    expect(Object.keys(json.changes[0])).toEqual(['address', 'kind', 'name', 'pool', 'action', 'mode', 'reason', 'liveState', 'destroysData', 'dependsOn', 'attributes']);
    expect(json.changes[0].attributes[0]).toEqual({ path: '/pool/@type', before: null, after: 'dir', element: '/pool', effect: null, liveKind: null, note: null, sensitive: false });
    expect(json.summary).toEqual({ add: 2, change: 0, destroy: 0 });
  });

  it('never holds a secret or a definition', () => {
    const text = renderPlanJson(p);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain('desiredXml');
    expect(json.changes[1].attributes.find((a: { path: string }) => a.path.endsWith('@passwd'))).toEqual({
      path: '/domain/devices/graphics/@passwd',
      before: null,
      after: '(sensitive value)',
      element: '/domain',
      effect: null,
      liveKind: null,
      note: null,
      sensitive: true,
    });
  });

  it('reads back into the same plan, definitions aside', () => {
    const back = planFromJson(JSON.parse(renderPlanJson(p)));
    expect(back).toEqual({ ...p, changes: p.changes.map(({ desiredXml: _x, desiredHash: _h, ...c }) => c) });
  });

  it('refuses a plan of another format version, naming the field', () => {
    expect(() => planFromJson({ ...json, formatVersion: 2 })).toThrow(new PlanFormatError('plan: formatVersion must be 1 (this plan was written by another virtform version: make it again with this one)'));
    expect(() => planFromJson({ ...json, changes: [{ ...json.changes[0], action: 'explode' }] })).toThrow(
      new PlanFormatError('plan: changes[0].action must be one of no-op, create, update, delete-then-create, delete'),
    );
  });
});

describe('plan files', () => {
  const p = plan({ files: FILES });
  const text = formatPlanFile(p);

  it('are byte-stable and hold no secret', () => {
    expect(formatPlanFile(plan({ files: FILES }))).toBe(text);
    expect(text).not.toContain(SECRET);
    const raw = JSON.parse(text);
    expect(raw.format).toBe(PLAN_FILE_FORMAT);
    expect(Object.keys(raw)).toEqual(['format', 'plan', 'documents']);
    expect(raw.documents['domain.web1']).toEqual({
      xml: p.changes[1].desiredXml!.replace(SECRET, '(sensitive value)'),
      sensitive: 1,
      hash: null,
    });
    expect(raw.documents['pool.images']).toEqual({ xml: p.changes[0].desiredXml, sensitive: 0, hash: p.changes[0].desiredHash });
  });

  it('read back with the definitions, and say which need their secrets from --xml', () => {
    const loaded = readPlanFile(text, 'web.plan');
    expect(loaded.needsSecrets).toEqual(['domain.web1']);
    expect(loaded.plan.changes[0]).toEqual(p.changes[0]);
    expect(loaded.plan.changes[1].desiredXml).toContain("passwd='(sensitive value)'");
    expect(loaded.plan.changes[1].desiredHash).toBeUndefined();
  });

  it('match a plan made again from the same documents on the same host', () => {
    expect(planFileDifferences(readPlanFile(text, 'web.plan'), plan({ files: FILES }))).toEqual([]);
  });

  it('name what differs in a plan made again', () => {
    const loaded = readPlanFile(text, 'web.plan');
    const live = liveAfter(plan({ files: { 'pools/images.xml': POOL_IMAGES } }));
    const again = plan({ files: { ...FILES, 'domains/web1.xml': WEB1.replace(SECRET, 'other') }, live });
    expect(planFileDifferences(loaded, again)).toEqual([
      'the changes differ (file: create pool.images, create domain.web1; now: create domain.web1)',
      'the host differs from when the plan was made',
    ]);
  });

  it('refuse files that are not plans, or were edited', () => {
    expect(() => readPlanFile('nope', 'x.plan')).toThrow(/^x\.plan is not a plan file: Unexpected token/);
    expect(() => readPlanFile('{"format":"other"}', 'x.plan')).toThrow(
      new PlanFormatError("x.plan is not a plan file of this virtform (format must be 'virtform-plan-file/1'); make it with 'virtform plan -out x.plan'"),
    );
    const edited = JSON.parse(text);
    edited.documents['pool.images'].xml = edited.documents['pool.images'].xml.replace('/srv/images', '/etc');
    expect(() => readPlanFile(JSON.stringify(edited), 'x.plan')).toThrow(new PlanFormatError('x.plan: the definition of pool.images does not match its hash: the file was changed after it was written'));
    const raw = JSON.parse(text);
    delete raw.documents['pool.images'];
    expect(() => readPlanFile(JSON.stringify(raw), 'x.plan')).toThrow(new PlanFormatError('x.plan: documents has no definition for pool.images (create)'));
  });
});

describe('fingerprints', () => {
  it('ignore the clock and free memory, and see CPUs going offline', () => {
    const f = hostFacts();
    expect(factsFingerprint({ ...f, takenAt: '2030-01-01T00:00:00Z', memory: { ...f.memory, freeKiB: 1 } })).toBe(factsFingerprint(f));
    expect(factsFingerprint(hostFacts({ online: [0] }))).not.toBe(factsFingerprint(f));
  });

  it('name what changed on the host', () => {
    const before = { facts: 'sha256:a', resources: { 'domain.a': null, 'domain.b': 'sha256:1', 'pool.p': 'sha256:2' } };
    const now = { facts: 'sha256:b', resources: { 'domain.a': 'sha256:9', 'domain.b': null, 'pool.p': 'sha256:3' } };
    expect(fingerprintChanges(before, now)).toEqual([
      'host facts (CPUs, NUMA nodes, hugepages, PCI devices or QEMU)',
      'domain.a (now exists on the host)',
      'domain.b (no longer on the host)',
      'pool.p (its definition, owner or running state changed)',
    ]);
    expect(fingerprintChanges(before, before)).toEqual([]);
  });

  it('of a resource cover its definition, owner and running state', () => {
    const r = { address: { kind: 'domain' as const, name: 'a' }, xml: '<domain/>', owner: { stack: 'web' }, runtime: { state: 'running' } };
    expect(resourceFingerprint(undefined)).toBeNull();
    expect(resourceFingerprint({ ...r, owner: { stack: 'web', createdAt: 'x' } })).toBe(resourceFingerprint(r));
    expect(resourceFingerprint({ ...r, runtime: { state: 'shutoff' } })).not.toBe(resourceFingerprint(r));
    expect(resourceFingerprint({ ...r, owner: { stack: 'shop' } })).not.toBe(resourceFingerprint(r));
  });
});

describe('planToJson', () => {
  it('carries the fingerprint', () => {
    const p = plan({ files: FILES });
    expect(planToJson(p).fingerprint).toEqual(p.fingerprint);
  });
});

describe('fingerprints and secrets', () => {
  it('do not change with a stored password, so they carry nothing to guess it from', () => {
    const r = (pw: string) => ({ address: { kind: 'domain' as const, name: 'a' }, xml: `<domain><devices><graphics type='vnc' passwd='${pw}'/></devices></domain>`, owner: { stack: 'web' } });
    expect(resourceFingerprint(r('one'))).toBe(resourceFingerprint(r('two')));
    expect(redactXmlText(`<graphics passwd="x" type='vnc'/><cookie name='s'>v</cookie>`)).toBe(`<graphics passwd='(sensitive value)' type='vnc'/><cookie name='s'>(sensitive value)</cookie>`);
  });
});
