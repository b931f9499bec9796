/**
 * libvirt's qemuxml2xmltest cases (x86_64-latest caps, and the fake-caps cases) through the QEMU
 * defaults: the number of outputs virtform reproduces byte for byte must not drop below the
 * floors. Skips without the corpus.
 */
import { runConformance } from '../../../../cli/conformance/run';
import { xml2xmlFakeCapsSuite, xml2xmlSuite } from '../../../../cli/conformance/xml2xml-suite';
import { CORPUS_DIR, missingCorpusReason } from '../../../support/corpus';

/** Passing cases on this branch; raise them when more pass (144 and 351 are all of them). */
const XML2XML_FLOOR = 144;
const FAKECAPS_FLOOR = 343;

const skip = missingCorpusReason();
(skip ? describe.skip : describe)(`xml2xml corpus${skip ? ` (skipped: ${skip})` : ''}`, () => {
  test(`at least ${XML2XML_FLOOR} of the 144 x86_64-latest outputs match byte for byte`, async () => {
    const report = await runConformance({ corpusDir: CORPUS_DIR, suites: [xml2xmlSuite] });
    const suite = report.suites[0];
    expect(suite.total).toBe(144);
    const failed = suite.cases.filter((c) => c.status !== 'pass').map((c) => `${c.name}: ${c.reason}`);
    if (suite.passed < XML2XML_FLOOR) throw new Error(`${suite.passed}/144 passed; failures:\n${failed.join('\n')}`);
    expect(suite.passed).toBeGreaterThanOrEqual(XML2XML_FLOOR);
  });

  test(`at least ${FAKECAPS_FLOOR} of the 351 fake-caps outputs match byte for byte`, async () => {
    const report = await runConformance({ corpusDir: CORPUS_DIR, suites: [xml2xmlFakeCapsSuite] });
    const suite = report.suites[0];
    expect(suite.total).toBe(351);
    const failed = suite.cases.filter((c) => c.status !== 'pass').map((c) => `${c.name}: ${c.reason}`);
    if (suite.passed < FAKECAPS_FLOOR) throw new Error(`${suite.passed}/351 passed; failures:\n${failed.join('\n')}`);
    expect(suite.passed).toBeGreaterThanOrEqual(FAKECAPS_FLOOR);
  });
});
