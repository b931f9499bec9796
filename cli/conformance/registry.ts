/**
 * The conformance suites, in the order they run and print. To add one, write a module that
 * exports a ConformanceSuite (see network-suite.ts) and list it here; to finish a pending
 * suite, replace its pendingSuite(...) entry with the real module under the same name.
 */
import type { ConformanceSuite } from './suite';
import { networkSuite } from './network-suite';
import { poolSuite } from './pool-suite';
import { volSuite } from './vol-suite';
import { argvSuite } from './argv-suite';
import { pendingSuite, indexCases } from './pending-suite';

export const SUITES: readonly ConformanceSuite[] = [
  networkSuite,
  poolSuite,
  volSuite,
  pendingSuite(
    'xml2xml',
    'domain XML round trip after defaults (libvirt qemuxml2xmltest): the index/qemuxml2xml-tests.tsv cases present in the corpus',
    (corpus) => indexCases(corpus, 'index/qemuxml2xml-tests.tsv', (r) => r.in_corpus === 'yes', () => 'tests/qemuxml2xmloutdata', () => 'tests/qemuxml2argvdata'),
  ),
  argvSuite,
];

export function findSuite(name: string): ConformanceSuite | undefined {
  return SUITES.find((s) => s.name === name);
}
