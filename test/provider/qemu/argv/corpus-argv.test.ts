/**
 * The argv conformance suite over libvirt 9.0's qemuxml2argvtest cases (x86_64-latest): the
 * number of cases virtform matches byte for byte must not drop below the measured floor.
 * Skips without the corpus.
 */
import { runConformance, type CaseResult } from '../../../../cli/conformance/run';
import { argvSuite } from '../../../../cli/conformance/argv-suite';
import { CORPUS_DIR, missingCorpusReason } from '../../../support/corpus';

const noCorpus = missingCorpusReason();

/** Measured passes (docs/conformance.md); raise them when more cases pass. */
const FLOOR = { args: 366, err: 57 };

describe('argv conformance suite', () => {
  let cases: readonly CaseResult[] = [];
  beforeAll(async () => {
    if (!noCorpus) cases = (await runConformance({ corpusDir: CORPUS_DIR, suites: [argvSuite] })).suites[0].cases;
  });

  (noCorpus ? it.skip : it)(`matches at least ${FLOOR.args} of 368 .args and ${FLOOR.err} of 57 .err cases${noCorpus ? ` (skipped: ${noCorpus})` : ''}`, async () => {
    expect(cases.filter((c) => c.expect === 'output')).toHaveLength(368);
    expect(cases.filter((c) => c.expect === 'error')).toHaveLength(57);
    const passed = (expect: 'output' | 'error') => cases.filter((c) => c.expect === expect && c.status === 'pass').length;
    expect(passed('output')).toBeGreaterThanOrEqual(FLOOR.args);
    expect(passed('error')).toBeGreaterThanOrEqual(FLOOR.err);
  });

  (noCorpus ? it.skip : it)(`reproduces libvirt's command lines and errors for machine, CPU, memory, NUMA, firmware and validation cases${noCorpus ? ` (skipped: ${noCorpus})` : ''}`, async () => {
    const byName = new Map(cases.map((c) => [c.name, c]));
    for (const name of [
      'genid', 'machine-smm-on', 'tseg-explicit-size', 'hyperv', 'cpu-eoi-enabled', 'clock-absolute', 'misc-no-reboot',
      'hugepages-shared', 'pages-discard-hugepages', 'memfd-memory-default-hugepage', 'fd-memory-numa-topology4', 'numatune-hmat',
      'memory-hotplug-virtio-mem', 'firmware-manual-efi-nvram-template', 'launch-security-sev-direct',
      'boot-dev+order', 'tseg-i440fx', 'hvf-x86_64-q35-headless', 'numatune-memnode-unavailable-strict',
    ]) {
      expect({ name, status: byName.get(name)?.status, reason: byName.get(name)?.reason }).toEqual({ name, status: 'pass', reason: undefined });
    }
  });
});
