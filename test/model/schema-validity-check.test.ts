/**
 * The precompiled validity check (model/schema/validity-check.ts) must accept exactly what the
 * full validator (validateShape, ajv with allErrors/verbose on the DSL's schema) accepts: valid
 * documents from the repository (and the libvirt corpus when present) and mutations of them.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import type { TObject } from '@sinclair/typebox';
import * as X from '../../model/schema';
import { compileValidityCheck, schemaFingerprint, standaloneValidityCheck, validityForm } from '../../model/schema/validity-check';
import { Domain, parseDomainXml, validateDomain } from '../../model/domain/domain';
import { Network, parseNetworkXml } from '../../model/network/network';
import { Pool, parsePoolXml } from '../../model/pool/pool';
import { Volume, parseVolumeXml } from '../../model/volume/volume';
import { CORPUS_DIR } from '../support/corpus-dir';

const ROOT = path.join(__dirname, '..', '..');

function xmlFiles(dir: string, every = 1): string[] {
  if (!fs.existsSync(dir)) return [];
  const all = fs.readdirSync(dir).filter((f) => f.endsWith('.xml')).sort().map((f) => path.join(dir, f));
  return all.filter((_, i) => i % every === 0);
}

/** Parsed documents; files this model rejects are left out (they are not values to validate). */
function parseAll<T>(files: string[], parse: (text: string, file: string) => T): T[] {
  const out: T[] = [];
  for (const f of files) {
    try {
      out.push(parse(fs.readFileSync(f, 'utf8'), f));
    } catch {
      // not parseable by this model: nothing to validate
    }
  }
  return out;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Deterministic mutations: every leaf replaced by wrong values, keys added and removed. */
function mutations(doc: unknown, limit: number): unknown[] {
  const plain = JSON.parse(JSON.stringify(doc)) as Json;
  const paths: (string | number)[][] = [];
  const walk = (v: Json, at: (string | number)[]) => {
    paths.push(at);
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...at, i]));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, [...at, k]);
  };
  walk(plain, []);
  const step = Math.max(1, Math.floor(paths.length / limit));
  const out: unknown[] = [];
  const edit = (at: (string | number)[], f: (parent: any, key: string | number, value: Json) => void) => {
    const copy = JSON.parse(JSON.stringify(plain)) as any;
    let parent = copy;
    for (const k of at.slice(0, -1)) parent = parent[k];
    f(parent, at[at.length - 1], parent[at[at.length - 1]]);
    out.push(copy);
  };
  for (let i = 0; i < paths.length; i += step) {
    const at = paths[i];
    if (at.length === 0) continue;
    edit(at, (p, k) => void (p[k] = 'zz-not-a-value'));
    edit(at, (p, k) => void (p[k] = -1));
    edit(at, (p, k) => void (p[k] = 1.5));
    edit(at, (p, k) => void (p[k] = true));
    edit(at, (p, k) => void (p[k] = { zz: 1 }));
    edit(at, (p, k, v) => {
      if (typeof v === 'string') p[k] = v.toUpperCase();
      else if (typeof v === 'number') p[k] = v + 1;
      else if (Array.isArray(v)) p[k] = [];
      else if (v && typeof v === 'object') (v as Record<string, Json>).zzUnknown = 'x';
    });
    edit(at, (p, k) => {
      if (Array.isArray(p)) p.splice(k as number, 1);
      else delete p[k];
    });
  }
  return out;
}

interface Agreement {
  checked: number;
  valid: number;
  invalid: number;
  disagreements: string[];
}

function agreement(shape: TObject, docs: unknown[], perDoc: number): Agreement {
  const check = compileValidityCheck(shape)!;
  const r: Agreement = { checked: 0, valid: 0, invalid: 0, disagreements: [] };
  for (const doc of docs) {
    for (const v of [doc, ...mutations(doc, perDoc)]) {
      const full = X.validateShape(shape, v).length === 0;
      const fast = check(v) === true;
      r.checked++;
      if (full) r.valid++;
      else r.invalid++;
      if (full !== fast && r.disagreements.length < 5) r.disagreements.push(`full ${full}, check ${fast}: ${JSON.stringify(v).slice(0, 300)}`);
    }
  }
  return r;
}

describe('validity form', () => {
  const Inner = X.element({ bus: X.attr(X.enumOf('virtio', 'sata')) });
  const Outer = X.element({
    type: X.reqAttr(X.enumOf('kvm', 'qemu')),
    size: X.attr(X.uint()),
    inner: X.child(Inner),
    items: X.children(Inner),
    on: X.flag(),
  });

  it('turns literal unions into enum and elements into shared $ref definitions', () => {
    const rootId = `urn:virtform:validity:${schemaFingerprint(Outer)}`;
    const inner = {
      $id: 'urn:virtform:validity:element-0',
      additionalProperties: false,
      type: 'object',
      properties: { bus: { enum: ['virtio', 'sata'] } },
    };
    expect(validityForm(Outer)).toEqual({
      rootId,
      definitions: [
        inner,
        {
          $id: rootId,
          additionalProperties: false,
          type: 'object',
          required: ['type'],
          properties: {
            type: { enum: ['kvm', 'qemu'] },
            size: { minimum: 0, type: 'integer' },
            inner: { $ref: 'urn:virtform:validity:element-0' },
            items: { type: 'array', items: { $ref: 'urn:virtform:validity:element-0' } },
            on: { type: 'boolean' },
          },
        },
      ],
    });
    // the DSL's schema itself is untouched
    expect(JSON.parse(JSON.stringify(Outer)).properties.type).toEqual({
      anyOf: [
        { const: 'kvm', type: 'string' },
        { const: 'qemu', type: 'string' },
      ],
    });
  });

  it('keeps a union that is not all literals of their own type, and refuses schemas with $ref', () => {
    const s = { type: 'object', properties: { a: { anyOf: [{ const: 1, type: 'string' }, { const: 'x', type: 'string' }] } } };
    const form = validityForm(s as unknown as TObject)!;
    expect(form.definitions[0].properties).toEqual(s.properties);
    expect(validityForm({ type: 'object', properties: { a: { $ref: '#/x' } } } as unknown as TObject)).toBeUndefined();
  });

  it('accepts and rejects exactly what the full validator does on a small schema', () => {
    const check = compileValidityCheck(Outer)!;
    const cases: unknown[] = [
      { type: 'kvm' },
      { type: 'kvm', size: 3, inner: { bus: 'sata' }, items: [{ bus: 'virtio' }, {}], on: true },
      { type: 'xen' },
      { type: 'kvm', size: -1 },
      { type: 'kvm', size: 1.5 },
      { type: 'kvm', inner: { bus: 'scsi' } },
      { type: 'kvm', items: [{ bus: 'virtio', x: 1 }] },
      { type: 'kvm', extra: 1 },
      {},
      'kvm',
    ];
    expect(cases.map((c) => check(c))).toEqual([true, true, false, false, false, false, false, false, false, false]);
    expect(cases.map((c) => X.validateShape(Outer, c).length === 0)).toEqual(cases.map((c) => check(c)));
  });
});

describe('validity checks agree with the full validator', () => {
  const corpus = path.join(CORPUS_DIR, 'tests');

  it('domain: oracle domains, examples, and every 8th corpus input, with mutations', () => {
    const docs = parseAll(
      [
        ...xmlFiles(path.join(ROOT, 'test', 'oracle', 'domains')),
        ...xmlFiles(path.join(ROOT, 'examples', 'hello', 'domains')),
        ...xmlFiles(path.join(corpus, 'qemuxml2argvdata'), 8),
      ],
      parseDomainXml,
    );
    const r = agreement(Domain, docs, 12);
    expect(r.disagreements).toEqual([]);
    expect(docs.length).toBeGreaterThanOrEqual(17);
    expect(r.valid).toBeGreaterThan(docs.length);
    expect(r.invalid).toBeGreaterThan(docs.length * 20);
  });

  it.each([
    ['network', Network, parseNetworkXml, ['examples/hello/networks'], 'networkxml2xmlin'],
    ['pool', Pool, parsePoolXml, ['examples/hello/pools'], 'storagepoolxml2xmlin'],
    ['volume', Volume, parseVolumeXml, ['examples/hello/volumes/hello'], 'storagevolxml2xmlin'],
  ] as const)('%s: examples and the corpus inputs, with mutations', (_kind, shape, parse, dirs, corpusDir) => {
    const files = [...dirs.flatMap((d) => xmlFiles(path.join(ROOT, d))), ...xmlFiles(path.join(corpus, corpusDir))];
    const docs = parseAll(files, parse as (t: string, f: string) => unknown);
    const r = agreement(shape as unknown as TObject, docs, 20);
    expect(r.disagreements).toEqual([]);
    expect(r.invalid).toBeGreaterThan(docs.length * 20);
  });

  it('the standalone module the build writes is the same check', () => {
    const docs = parseAll(xmlFiles(path.join(ROOT, 'test', 'oracle', 'domains')), parseDomainXml);
    const built = standaloneValidityCheck(Domain)!;
    expect(built.fingerprint).toBe(schemaFingerprint(Domain));
    const mod: { exports: unknown } = { exports: {} };
    new Function('module', 'exports', 'require', built.code)(mod, mod.exports, require);
    const check = mod.exports as (v: unknown) => boolean;
    const compiled = compileValidityCheck(Domain)!;
    const values = docs.flatMap((d) => [d, ...mutations(d, 6)]);
    expect(values.map((v) => check(v))).toEqual(values.map((v) => compiled(v) === true));
    expect(docs.every((d) => check(d))).toBe(true);
    expect(values.filter((v) => !check(v)).length).toBeGreaterThan(docs.length * 20);
  });
});

/** dist/ as `npm run build` leaves it, when it was built from the schema of these sources. */
function builtDomainCheck(): string | null {
  return fs.existsSync(path.join(ROOT, 'dist', 'model', 'schema', 'validity-checks', `${schemaFingerprint(Domain)}.js`))
    ? null
    : 'needs `npm run build` (dist/ with the validity checks of the current schema)';
}

describe('validateDomain in dist/ with the precompiled check', () => {
  const reason = builtDomainCheck();
  (reason ? it.skip : it)(`gives the same issues as the sources, and loads the check${reason ? ` [skipped: ${reason}]` : ''}`, () => {
    const file = path.join(ROOT, 'test', 'oracle', 'domains', 'q35-devices.xml');
    const valid = parseDomainXml(fs.readFileSync(file, 'utf8'), file);
    const invalid = [
      { ...valid, type: 'nope' },
      { ...valid, vcpu: { ...(valid as any).vcpu, placement: 'everywhere' }, extra: 1 },
      { ...valid, name: undefined },
    ];
    const script = `
      const d = require(${JSON.stringify(path.join(ROOT, 'dist', 'model', 'domain', 'domain.js'))});
      const docs = JSON.parse(require('fs').readFileSync(0, 'utf8'));
      const issues = docs.map((x) => d.validateDomain(x));
      const loaded = Object.keys(require.cache).filter((k) => k.includes('validity-checks')).map((k) => require('path').basename(k));
      process.stdout.write(JSON.stringify({ issues, loaded }));`;
    // As JSON on both sides: objects built in code, named by their JSON path.
    const docs = JSON.parse(JSON.stringify([valid, ...invalid])) as (typeof valid)[];
    const r = spawnSync(process.execPath, ['-e', script], { input: JSON.stringify(docs), encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as { issues: unknown[]; loaded: string[] };
    expect(out.loaded).toEqual([`${schemaFingerprint(Domain)}.js`]);
    const expected = JSON.parse(JSON.stringify(docs.map((x) => validateDomain(x))));
    expect(out.issues).toEqual(expected);
    expect(out.issues[0]).toEqual([]);
    expect((out.issues as unknown[][]).slice(1).map((i) => i.length > 0)).toEqual([true, true, true]);
  });
});
