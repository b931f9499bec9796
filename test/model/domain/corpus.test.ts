/**
 * The domain document against libvirt 9.0's own test data (../shared/libvirt-9.0-tests):
 *  (a) inputs whose expected output is the input itself (symlinks upstream) format back
 *      byte for byte;
 *  (b) every expected output of qemuxml2xmltest is a fixed point of parse → defaults → format;
 *  (c) every qemuxml2argvtest input parses, takes the defaults and validates, except inputs
 *      whose every test expects a parse error;
 *  (c2) the same for the optional fake-caps inputs;
 *  (d) the expected parse errors that are hypervisor independent are reported with libvirt's
 *      message.
 * The pipeline is the one `virtform domxml-format` runs, minus the driver (QEMU) defaults.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseDomainXml, formatDomainXml, validateDomain } from '../../../model/domain/domain';
import { applyDomainDefaults } from '../../../model/domain/defaults';
import { formatIssue } from '../../../model/errors';

const ROOT = process.env.VIRTFORM_CORPUS ?? path.resolve(__dirname, '../../../../shared/libvirt-9.0-tests');
const present = fs.existsSync(path.join(ROOT, 'index/symlinks.tsv'));
const d = present ? describe : describe.skip;
if (!present) {
  // eslint-disable-next-line no-console
  console.warn(`domain corpus tests skipped: libvirt test corpus not found at ${ROOT} (set VIRTFORM_CORPUS)`);
}

const tsv = (f: string) =>
  fs.readFileSync(path.join(ROOT, 'index', f), 'utf8').trim().split('\n').slice(1).map((l) => l.split('\t'));

/** parse → generic defaults → validate → format; throws on any problem. */
function pipeline(file: string): string {
  const text = fs.readFileSync(file, 'utf8');
  const domain = applyDomainDefaults(parseDomainXml(text, path.basename(file)));
  const issues = validateDomain(domain);
  if (issues.length) throw new Error(issues.map(formatIssue).join('\n'));
  return formatDomainXml(domain);
}

/** The first differing line, for failure messages. */
function firstDiff(expected: string, got: string): string {
  const a = expected.split('\n');
  const b = got.split('\n');
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return `line ${i + 1}: expected ${JSON.stringify(a[i])}, got ${JSON.stringify(b[i])}`;
}

/** Runs `check` on each file; returns failures by file name. */
function run(files: string[], check: (file: string) => void): Record<string, string> {
  const failures: Record<string, string> = {};
  for (const f of files) {
    try {
      check(f);
    } catch (e) {
      failures[path.basename(f)] = (e as Error).message.split('\n')[0].slice(0, 300);
    }
  }
  return failures;
}

const fixedPoint = (file: string) => {
  const text = fs.readFileSync(file, 'utf8');
  const out = pipeline(file);
  if (out !== text) throw new Error(firstDiff(text, out));
};

const summary: string[] = [];

d('libvirt 9.0 domain corpus', () => {
  afterAll(() => {
    // eslint-disable-next-line no-console
    console.log(`domain corpus:\n  ${summary.join('\n  ')}`);
  });

  it('(a) formats every input that is its own expected output back byte for byte', () => {
    // symlinks.tsv: tests/qemuxml2xmloutdata/NAME.xml was a symlink to ../qemuxml2argvdata/NAME.xml.
    const pairs = tsv('symlinks.tsv')
      .filter(([p]) => p.startsWith('tests/qemuxml2xmloutdata/') && p.endsWith('.xml'))
      .map(([p, target]) => ({ input: path.resolve(ROOT, path.dirname(p), target), output: path.join(ROOT, p) }));
    const failures = run(pairs.map((x) => x.input), (input) => {
      const expected = fs.readFileSync(pairs.find((x) => x.input === input)!.output, 'utf8');
      const out = pipeline(input);
      if (out !== expected) throw new Error(firstDiff(expected, out));
    });
    summary.push(`(a) ${pairs.length - Object.keys(failures).length}/${pairs.length} self-output inputs round-trip byte for byte`);
    expect(pairs.length).toBe(111);
    expect(failures).toEqual({});
  });

  it('(b) keeps every expected qemuxml2xml output unchanged', () => {
    const dir = path.join(ROOT, 'tests/qemuxml2xmloutdata');
    const files = fs.readdirSync(dir).filter((f) => f.endsWith('.xml')).sort().map((f) => path.join(dir, f));
    const failures = run(files, fixedPoint);
    summary.push(`(b) ${files.length - Object.keys(failures).length}/${files.length} qemuxml2xml outputs are fixed points`);
    expect(files.length).toBe(496);
    expect(failures).toEqual({});
  });

  it('(c) parses and validates every qemuxml2argv input that libvirt accepts', () => {
    const outcomes = new Map<string, string[]>();
    for (const r of [...tsv('qemuxml2argv-tests.tsv'), ...tsv('qemuxml2xml-tests.tsv')]) {
      outcomes.set(r[0], [...(outcomes.get(r[0]) ?? []), r[4]]);
    }
    const dir = path.join(ROOT, 'tests/qemuxml2argvdata');
    const all = fs.readdirSync(dir).filter((f) => f.endsWith('.xml')).sort();
    const expectedErrors = all.filter((f) => {
      const o = outcomes.get(f.replace(/\.xml$/, '')) ?? [];
      return o.length > 0 && o.every((x) => x === 'parse-error');
    });
    const files = all.filter((f) => !expectedErrors.includes(f)).map((f) => path.join(dir, f));
    const failures = run(files, (f) => void pipeline(f));
    summary.push(`(c) ${files.length - Object.keys(failures).length}/${files.length} qemuxml2argv inputs parse and validate (${expectedErrors.length} expected-parse-error inputs left out)`);
    expect(all.length).toBe(656);
    expect(expectedErrors.length).toBe(51);
    expect(failures).toEqual({});
  });

  it('(c2) parses and validates the optional fake-caps inputs that libvirt accepts', () => {
    const dir = path.join(ROOT, 'extra-fakecaps/tests/qemuxml2argvdata');
    if (!fs.existsSync(dir)) return;
    const outcomes = new Map<string, string[]>();
    for (const r of tsv('qemuxml2argv-tests.tsv')) outcomes.set(r[0], [...(outcomes.get(r[0]) ?? []), r[4]]);
    const all = fs.readdirSync(dir).filter((f) => f.endsWith('.xml')).sort();
    const files = all
      .filter((f) => {
        const o = outcomes.get(f.replace(/\.xml$/, '')) ?? [];
        return !(o.length > 0 && o.every((x) => x === 'parse-error'));
      })
      .map((f) => path.join(dir, f));
    const failures = run(files, (f) => void pipeline(f));
    summary.push(`(c2) ${files.length - Object.keys(failures).length}/${files.length} fake-caps qemuxml2argv inputs parse and validate`);
    expect(files.length).toBe(336);
    expect(failures).toEqual({});
  });

  /**
   * Expected parse errors (qemuxml2argvtest) whose rule does not depend on the hypervisor, with
   * libvirt's message (its "XML error: " / "unsupported configuration: " prefix dropped).
   */
  const LIBVIRT_ERRORS: Record<string, string> = {
    'minimal-no-memory': 'Memory size must be specified via <memory> or in the <numa> configuration',
    'boot-dev+order': 'per-device boot elements cannot be used together with os/boot elements',
    'firmware-manual-efi-no-path': 'no loader path specified and firmware auto selection disabled',
    'firmware-manual-efi-features': 'cannot use feature-based firmware autoselection when firmware autoselection is disabled',
    'firmware-manual-efi-nvram-template-stateless': 'NVRAM template is not permitted when loader is stateless',
    'firmware-manual-efi-nvram-stateless': 'NVRAM is not permitted when loader is stateless',
    'firmware-auto-bios-not-stateless': 'Only EFI firmware permits NVRAM',
    'firmware-auto-bios-nvram': "firmware type 'bios' does not support nvram",
    'firmware-auto-efi-enrolled-keys-no-secboot': "firmware feature 'enrolled-keys' cannot be enabled when firmware feature 'secure-boot' is disabled",
    'hugepages-default-1G-nodeset-2M': 'two master hugepages detected: 2048 and 1048576',
    'hugepages-nodeset-nonexist': 'hugepages: node 1 not found',
    'hugepages-numa-nodeset-nonexist': 'hugepages: node 4 not found',
    'cpu-numa3': "Exactly one 'cell' element per guest NUMA cell allowed, non-contiguous ranges or ranges not starting from 0 are not allowed",
    'cputune-iothreadsched-toomuch': "Cannot find 'iothread' : 2",
    'cputune-vcpusched-overlap': "'vcpusched' attributes 'vcpus' must not overlap",
    'numatune-memnode-invalid-mode': "'restrictive' mode is required in memnode element when mode is 'restrictive' in memory element",
    'numatune-memnode-nocpu': "Element 'memnode' is invalid without any guest NUMA cells",
    'numatune-memnodes-problematic': 'Per-node binding is not compatible with automatic NUMA placement.',
    'numad-auto-vcpu-static-numatune-no-nodeset': "nodeset for NUMA memory tuning must be set if 'placement' is 'static'",
    'seclabel-multiple': 'seclabel for model selinux is already provided',
    'seclabel-device-duplicates': 'missing security model when using multiple labels',
    'smbios-date': "Invalid BIOS 'date' format",
    'smbios-uuid-match': 'UUID mismatch between <uuid> and <sysinfo>',
  };

  it('(d) reports the hypervisor-independent expected parse errors with libvirt\'s message', () => {
    const rows = tsv('qemuxml2argv-tests.tsv').filter((r) => r[4] === 'parse-error' && r[9] !== 'not-extracted');
    const got: Record<string, string> = {};
    for (const [name, message] of Object.entries(LIBVIRT_ERRORS)) {
      const row = rows.find((r) => r[0] === name);
      if (!row) throw new Error(`${name} is not an expected parse error in the corpus index`);
      const expectedFile = fs.readFileSync(path.join(ROOT, row[9], row[5]), 'utf8');
      expect(expectedFile.trim().replace(/^(XML error|unsupported configuration): /, '')).toBe(message);
      let first = 'accepted';
      try {
        const domain = applyDomainDefaults(parseDomainXml(fs.readFileSync(path.join(ROOT, row[9], `${name}.xml`), 'utf8'), name));
        const issues = validateDomain(domain);
        if (issues.length) first = issues[0].problem;
      } catch (e) {
        first = (e as Error).message;
      }
      got[name] = first.includes(message) ? message : first;
    }
    summary.push(`(d) ${Object.keys(got).filter((k) => got[k] === LIBVIRT_ERRORS[k]).length}/${Object.keys(LIBVIRT_ERRORS).length} hypervisor-independent expected errors reported with libvirt's message`);
    expect(got).toEqual(LIBVIRT_ERRORS);
  });
});
