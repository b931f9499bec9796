import * as fs from 'fs';
import * as path from 'path';
import {
  HostLock,
  StateError,
  StateStore,
  entryNameProblem,
  hashSpec,
  parseOwnershipRecord,
} from '../../../../provider/executor/state';
import { describeEachTransport } from '../both-transports';

const actor = { user: 'alice', clientHost: 'laptop-a' };
const T1 = new Date('2024-05-01T10:00:00.000Z');
const T2 = new Date('2024-05-02T11:30:00.000Z');
const XML = "<domain type='kvm'><name>web1</name></domain>\n";

async function refused(p: Promise<unknown>): Promise<StateError> {
  try {
    await p;
  } catch (e) {
    if (!(e instanceof StateError)) throw e;
    return e;
  }
  throw new Error('expected a StateError');
}

describe('state entry names', () => {
  it.each([
    ['', 'it is empty'],
    ['.', "'.' names a directory, not a file"],
    ['..', "'..' names a directory, not a file"],
    ['a/b', 'it contains /, which would make it a path'],
    ['../etc/passwd', 'it contains /, which would make it a path'],
    ['.hidden', 'it starts with ., which virtform keeps for hidden and temporary files'],
    ['a\nb', 'it contains a control character (newline, tab, NUL, ...)'],
    ['a\0b', 'it contains a control character (newline, tab, NUL, ...)'],
    ['\uD800x', 'it contains a lone UTF-16 surrogate, which has no UTF-8 encoding'],
    ['é'.repeat(101), 'it is 202 bytes long in UTF-8; at most 200 are allowed'],
  ])('refuses %j: %s', (name, problem) => {
    expect(entryNameProblem(name)).toBe(problem);
  });
  it.each(['web1', 'a b', "it's", '$(reboot)', '-rf', 'é'.repeat(100), 'x.xml', '😀'])('accepts %j', (name) => {
    expect(entryNameProblem(name)).toBeNull();
  });
});

describeEachTransport('state store', (fx) => {
  let lock: HostLock;
  let store: StateStore;
  const stateDir = () => path.join(fx.dir(), 'state');
  let clock = T1;
  beforeAll(async () => {
    store = new StateStore(fx.t(), stateDir(), { actor, now: () => clock });
    await store.init();
    lock = await HostLock.acquire(fx.t(), stateDir(), { command: 'test', actor });
  });
  afterAll(() => lock?.release());

  it('creates the layout with private modes', () => {
    for (const d of ['', 'domains', 'networks', 'pools', 'volumes']) {
      expect(fs.statSync(path.join(stateDir(), d)).mode & 0o777).toBe(0o700);
    }
  });

  it('defines a domain: record beside the definition, exact content, mode 0600', async () => {
    clock = T1;
    const rec = await store.define({ kind: 'domain', name: 'web1' }, { xml: XML, uuid: 'c7a5fdbd-edaf-9455-926a-d65c16db1809', specHash: hashSpec(XML) }, { stack: 'shop', lock });
    const file = path.join(stateDir(), 'domains', 'web1.owner.json');
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual({
      format: 'virtform-owner/1',
      kind: 'domain',
      name: 'web1',
      uuid: 'c7a5fdbd-edaf-9455-926a-d65c16db1809',
      stack: 'shop',
      specHash: 'sha256:' + require('crypto').createHash('sha256').update(XML).digest('hex'),
      createdAt: '2024-05-01T10:00:00.000Z',
      createdBy: { user: 'alice', clientHost: 'laptop-a' },
      updatedAt: '2024-05-01T10:00:00.000Z',
    });
    expect(rec).toEqual(JSON.parse(fs.readFileSync(file, 'utf8')));
    expect(fs.readFileSync(path.join(stateDir(), 'domains', 'web1.xml'), 'utf8')).toBe(XML);
    expect(fs.statSync(path.join(stateDir(), 'domains', 'web1.xml')).mode & 0o777).toBe(0o600);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(await store.get({ kind: 'domain', name: 'web1' })).toEqual({ ref: { kind: 'domain', name: 'web1' }, xml: XML, owner: rec });
  });

  it('updates keep createdAt and createdBy and move updatedAt', async () => {
    clock = T2;
    const xml2 = XML.replace('kvm', 'qemu');
    const rec = await store.define({ kind: 'domain', name: 'web1' }, { xml: xml2, specHash: hashSpec(xml2) }, { stack: 'shop', lock });
    expect(rec.createdAt).toBe('2024-05-01T10:00:00.000Z');
    expect(rec.updatedAt).toBe('2024-05-02T11:30:00.000Z');
    expect(rec.uuid).toBe('c7a5fdbd-edaf-9455-926a-d65c16db1809');
    expect(fs.readFileSync(path.join(stateDir(), 'domains', 'web1.xml'), 'utf8')).toBe(xml2);
  });

  it("refuses another stack's resource, naming the owner and the fix, and changes nothing", async () => {
    const before = fs.readFileSync(path.join(stateDir(), 'domains', 'web1.xml'), 'utf8');
    const e = await refused(store.define({ kind: 'domain', name: 'web1' }, { xml: '<x/>', specHash: hashSpec('<x/>') }, { stack: 'blog', lock }));
    expect(e.code).toBe('OTHER_STACK');
    expect(e.message).toBe(
      `${fx.t().hostLabel}: domain 'web1' belongs to stack 'shop' (created 2024-05-01T10:00:00.000Z by alice@laptop-a), so stack 'blog' cannot change it. ` +
        `Give the resource another name in stack 'blog', or change it from stack 'shop'.`,
    );
    const r = await refused(store.remove({ kind: 'domain', name: 'web1' }, { stack: 'blog', lock }));
    expect(r.code).toBe('OTHER_STACK');
    expect(r.message).toContain("so stack 'blog' cannot remove it");
    expect(fs.readFileSync(path.join(stateDir(), 'domains', 'web1.xml'), 'utf8')).toBe(before);
  });

  it('never modifies or deletes a definition without an ownership record', async () => {
    const foreign = path.join(stateDir(), 'networks', 'lan.xml');
    fs.writeFileSync(foreign, '<network><name>lan</name></network>');
    const e = await refused(store.define({ kind: 'network', name: 'lan' }, { xml: '<network/>', specHash: hashSpec('') }, { stack: 'shop', lock }));
    expect(e.code).toBe('NOT_OWNED');
    expect(e.message).toBe(
      `${fx.t().hostLabel}: network 'lan' exists (${foreign}) but virtform did not create it: there is no ownership record ${path.join(stateDir(), 'networks', 'lan.owner.json')}. ` +
        `virtform never modifies what it does not own. Choose another name in stack 'shop', or move the existing network out of the way yourself.`,
    );
    const r = await refused(store.remove({ kind: 'network', name: 'lan' }, { stack: 'shop', lock }));
    expect(r.message).toContain('virtform never deletes what it does not own');
    expect(fs.readFileSync(foreign, 'utf8')).toBe('<network><name>lan</name></network>');
    expect((await store.get({ kind: 'network', name: 'lan' })).owner).toBeNull();
  });

  it('treats a volume whose image exists on the host but has no record as not owned', async () => {
    const e = await refused(store.define({ kind: 'volume', pool: 'default', name: 'disk0' }, { specHash: hashSpec('x') }, { stack: 'shop', lock }, true));
    expect(e.code).toBe('NOT_OWNED');
    expect(e.message).toContain("volume 'disk0' in pool 'default' exists (the host) but virtform did not create it");
  });

  it('lists entries with and without records, sorted, ignoring stray files', async () => {
    await store.define({ kind: 'pool', name: 'images' }, { xml: '<pool/>', specHash: hashSpec('<pool/>') }, { stack: 'shop', lock });
    await store.define({ kind: 'pool', name: 'backups' }, { xml: '<pool/>', specHash: hashSpec('<pool/>') }, { stack: 'ops', lock });
    fs.writeFileSync(path.join(stateDir(), 'pools', 'README'), 'not an entry');
    fs.writeFileSync(path.join(stateDir(), 'pools', '.images.xml.virtform-1-2'), 'a temp file');
    const list = await store.list('pool');
    expect(list.map((e) => [e.ref.name, e.owner?.stack ?? null, e.xml])).toEqual([
      ['backups', 'ops', '<pool/>'],
      ['images', 'shop', '<pool/>'],
    ]);
    expect(await store.list('volume', 'nopool')).toEqual([]);
  });

  it('finds the resources that live with a parent (seed volumes of a domain)', async () => {
    const parent = { kind: 'domain', name: 'web1' } as const;
    await store.define({ kind: 'volume', pool: 'images', name: 'cidata-0123.iso' }, { specHash: hashSpec('seed'), parent, path: '/p/cidata-0123.iso', imageFormat: 'raw' }, { stack: 'shop', lock });
    await store.define({ kind: 'volume', pool: 'images', name: 'other' }, { specHash: hashSpec('o') }, { stack: 'shop', lock });
    const kids = await store.listChildren(parent);
    expect(kids.map((k) => k.ref)).toEqual([{ kind: 'volume', pool: 'images', name: 'cidata-0123.iso' }]);
    expect(kids[0].owner).toMatchObject({ parent, path: '/p/cidata-0123.iso', imageFormat: 'raw', pool: 'images' });
  });

  it('removes the definition, then the record; removing again is a no-op', async () => {
    await store.remove({ kind: 'domain', name: 'web1' }, { stack: 'shop', lock });
    expect(fs.existsSync(path.join(stateDir(), 'domains', 'web1.xml'))).toBe(false);
    expect(fs.existsSync(path.join(stateDir(), 'domains', 'web1.owner.json'))).toBe(false);
    await store.remove({ kind: 'domain', name: 'web1' }, { stack: 'shop', lock });
  });

  it('keeps hostile names as exact file names', async () => {
    for (const name of ["it's $(touch pwned) `x` *", 'a b\\c', '-rf', '😀 ünïcode']) {
      await store.define({ kind: 'network', name }, { xml: name, specHash: hashSpec(name) }, { stack: 'shop', lock });
      expect(fs.readFileSync(path.join(stateDir(), 'networks', `${name}.xml`), 'utf8')).toBe(name);
      expect((await store.get({ kind: 'network', name })).owner?.name).toBe(name);
    }
    expect(fs.existsSync(path.join(fx.dir(), 'pwned'))).toBe(false);
    expect(fs.existsSync('pwned')).toBe(false);
    const e = await refused(store.define({ kind: 'domain', name: '../../etc/x' }, { xml: '', specHash: hashSpec('') }, { stack: 'shop', lock }));
    expect(e.code).toBe('BAD_NAME');
    expect(e.message).toBe(`domain name "../../etc/x" cannot be used: it contains /, which would make it a path. Choose a name made of letters, digits, '-', '_' and '.', not starting with '.'.`);
  });

  it('refuses writes without the lock', async () => {
    const other = new StateStore(fx.t(), stateDir(), { actor });
    const released = await HostLock.acquire(fx.t(), path.join(fx.dir(), 'otherstate'), { command: 't', actor });
    await released.release();
    const e = await refused(other.define({ kind: 'domain', name: 'x' }, { xml: '', specHash: hashSpec('') }, { stack: 'shop', lock: released }));
    expect(e.code).toBe('LOCK_NOT_HELD');
    expect(fs.existsSync(path.join(stateDir(), 'domains', 'x.owner.json'))).toBe(false);
  });

  it('reports a damaged record instead of guessing the owner', async () => {
    fs.writeFileSync(path.join(stateDir(), 'domains', 'broken.owner.json'), '{"format":"virtform-owner/1","kind":"domain","name":"broken"}');
    const e = await refused(store.get({ kind: 'domain', name: 'broken' }));
    expect(e.code).toBe('CORRUPT');
    expect(e.message).toBe(
      `ownership record ${path.join(stateDir(), 'domains', 'broken.owner.json')} for domain 'broken' is damaged: field 'stack' is missing. ` +
        `virtform will not guess who owns it. Restore the file from a backup, or, if you know which stack owns the resource, rewrite it by hand (see docs/state.md).`,
    );
  });
});

describe('ownership records', () => {
  const good = {
    format: 'virtform-owner/1', kind: 'pool', name: 'p', stack: 's', specHash: 'sha256:' + '0'.repeat(64),
    createdAt: '2024-01-01T00:00:00Z', createdBy: { user: 'u', clientHost: 'h' }, updatedAt: '2024-01-01T00:00:00Z',
  };
  it('rejects a record that describes another resource', () => {
    expect(() => parseOwnershipRecord(JSON.stringify(good), 'f', { kind: 'pool', name: 'q' })).toThrow("it describes pool 'p', not the resource it sits beside");
  });
  it('rejects a bad spec hash and bad times', () => {
    expect(() => parseOwnershipRecord(JSON.stringify({ ...good, specHash: 'md5:x' }), 'f', { kind: 'pool', name: 'p' })).toThrow("field 'specHash' is not sha256:<64 hex digits>");
    expect(() => parseOwnershipRecord(JSON.stringify({ ...good, createdAt: 'yesterday' }), 'f', { kind: 'pool', name: 'p' })).toThrow("field 'createdAt' is not an ISO-8601 UTC time");
  });
});
