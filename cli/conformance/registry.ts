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
import { xml2xmlSuite, xml2xmlFakeCapsSuite } from './xml2xml-suite';

export const SUITES: readonly ConformanceSuite[] = [
  networkSuite,
  poolSuite,
  volSuite,
  xml2xmlSuite,
  xml2xmlFakeCapsSuite,
  argvSuite,
];

export function findSuite(name: string): ConformanceSuite | undefined {
  return SUITES.find((s) => s.name === name);
}
