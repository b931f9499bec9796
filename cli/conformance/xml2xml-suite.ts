/**
 * libvirt's qemuxml2xmltest for the x86_64 "latest" capabilities: each input
 * `tests/qemuxml2argvdata/NAME.xml` goes through the QEMU pipeline up to the defined domain
 * (provider/qemu/prepare.ts: parse, generic defaults, QEMU defaults) and is printed as inactive
 * XML; the result must equal `tests/qemuxml2xmloutdata/NAME.x86_64-latest.xml` byte for byte.
 * Where the corpus has separate `NAME-active` / `NAME-inactive` outputs, both forms are checked
 * (the active form keeps runtime values the input carries: the domain id, backing-chain
 * indexes).
 *
 * Harness facts (test fakes, never in the product):
 *  - caps: tests/qemucapabilitiesdata/caps_8.0.0.x86_64.xml with machine aliases removed (libvirt's
 *    harness strips them from "latest" caps, so `pc`/`q35` stay as written);
 *  - qemu.conf settings and environment per case from the index (`state_changes_in_effect`),
 *    on top of the harness base settings (fake-host.ts);
 *  - `<genid/>` gets the id libvirt's mocked random generator produces;
 *  - the driver's state directory is /tmp/lib.
 */
import * as path from 'path';
import { formatDomainXml, parseDomainXml, validateDomain } from '../../model/domain/domain';
import { ModelError } from '../../model/errors';
import { loadLibvirtCapsFile, type QemuCaps } from '../../provider/qemu/caps';
import { asInactive, prepareDomain } from '../../provider/qemu/prepare';
import type { QemuDriverConfig } from '../../provider/qemu/defaults';
import type { Corpus } from './corpus';
import type { CaseRun, ConformanceSuite, SuiteCase } from './suite';
import { parseStateChanges } from './fake-host';

const INDEX = 'index/qemuxml2xml-tests.tsv';
const IN = 'tests/qemuxml2argvdata';
const OUT = 'tests/qemuxml2xmloutdata';
const LATEST_X86_64_CAPS = 'tests/qemucapabilitiesdata/caps_8.0.0.x86_64.xml';

/** The QEMU driver's state directory in libvirt's test harness. */
export const TEST_LIB_DIR = '/tmp/lib';

/** The generation id libvirt's test harness generates (its random bytes are 0x00, 0x01, ...). */
export const TEST_GENID = '00010203-0405-4607-8809-0a0b0c0d0e0f';

/**
 * libvirt's harness removes machine aliases from "latest" caps (virQEMUCapsStripMachineAliases):
 * each alias becomes a machine of its own with the aliased machine's properties, so `pc` and
 * `q35` are known machines that are never rewritten to a versioned name.
 */
export function stripMachineAliases(caps: QemuCaps): QemuCaps {
  type Accel = NonNullable<QemuCaps['accel']['kvm']>;
  const strip = (a: Accel): Accel => {
    const machines = a.machines.map(({ alias: _alias, ...m }) => m);
    for (const { alias, ...m } of a.machines) if (alias) machines.push({ ...m, name: alias });
    return { ...a, machines };
  };
  const accel: { kvm?: Accel; tcg?: Accel } = {};
  if (caps.accel.kvm) accel.kvm = strip(caps.accel.kvm);
  if (caps.accel.tcg) accel.tcg = strip(caps.accel.tcg);
  return { ...caps, accel };
}

let latestCaps: QemuCaps | undefined;
let latestCapsRoot: string | undefined;

/** Runs the define pipeline on `xml` with the harness settings of one case and prints it. */
export function xml2xml(xml: string, file: string, caps: QemuCaps, settings: { config: Readonly<Record<string, unknown>>; env: Readonly<Record<string, string>> }, active: boolean): string {
  const def = parseDomainXml(xml, file);
  prepareDomain(def, caps, {
    hostArch: 'x86_64',
    config: { libDir: TEST_LIB_DIR, ...settings.config } as QemuDriverConfig,
    env: settings.env,
    newGenid: () => TEST_GENID,
    inactive: !active,
  });
  const issues = validateDomain(def);
  if (issues.length) throw new ModelError(issues);
  if (!active) asInactive(def);
  return formatDomainXml(def);
}

export const xml2xmlSuite: ConformanceSuite = {
  name: 'xml2xml',
  description: 'domain XML after QEMU defaults (libvirt qemuxml2xmltest, x86_64-latest caps): qemuxml2argvdata NAME.xml -> qemuxml2xmloutdata NAME[-active|-inactive].x86_64-latest.xml',
  implemented: true,
  cases(corpus: Corpus): SuiteCase[] {
    const out: SuiteCase[] = [];
    for (const row of corpus.tsv(INDEX)) {
      if (row.caps_arch !== 'x86_64' || row.caps_ver !== 'latest' || row.in_corpus !== 'yes') continue;
      const params = { state_changes_in_effect: row.state_changes_in_effect, extra_args: row.extra_args };
      const file = (suffix: string) => `${OUT}/${row.name}${suffix}.x86_64-latest.xml`;
      const input = `${IN}/${row.name}.xml`;
      const errorPath = `${OUT}/${row.name}.x86_64-latest.err`;
      const hasActive = corpus.has(file('-active'));
      const hasInactive = corpus.has(file('-inactive'));
      if (!hasActive && !hasInactive) {
        out.push({ name: row.name, input, expect: 'output', outputPath: file(''), errorPath, params: { ...params, form: 'inactive' } });
        continue;
      }
      out.push({ name: `${row.name} (inactive)`, input, expect: 'output', outputPath: hasInactive ? file('-inactive') : file(''), errorPath, params: { ...params, form: 'inactive' } });
      out.push({ name: `${row.name} (active)`, input, expect: 'output', outputPath: hasActive ? file('-active') : file(''), errorPath, params: { ...params, form: 'active' } });
    }
    return out;
  },
  async prepare(corpus: Corpus): Promise<void> {
    if (latestCaps && latestCapsRoot === corpus.root) return;
    latestCaps = stripMachineAliases(await loadLibvirtCapsFile(path.join(corpus.root, LATEST_X86_64_CAPS)));
    latestCapsRoot = corpus.root;
  },
  run(c: SuiteCase, corpus: Corpus): CaseRun {
    if (!latestCaps) return { error: 'xml2xml suite: capabilities not loaded (prepare() was not called)' };
    const p = c.params ?? {};
    try {
      const settings = parseStateChanges(p.state_changes_in_effect ?? '');
      return { output: xml2xml(corpus.read(c.input), c.input, latestCaps, settings, p.form === 'active') };
    } catch (e) {
      return { error: e instanceof Error ? e.message : String(e) };
    }
  },
};
