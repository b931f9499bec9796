/**
 * libvirt's networkxml2xmltest: each `tests/networkxml2xmlin/NAME.xml` is parsed and printed
 * back; the result must equal `tests/networkxml2xmlout/NAME.xml` byte for byte. An input
 * without an output file is a case libvirt's parser must reject.
 */
import { parseNetworkXml, validateNetwork, applyNetworkDefaults, formatNetworkXml } from '../../model/network';
import type { ConformanceSuite } from './suite';
import { documentRoundTrip, xmlPairCases } from './round-trip';

export const networkSuite: ConformanceSuite = {
  name: 'network',
  description: 'network XML round trip (libvirt networkxml2xmltest): networkxml2xmlin -> networkxml2xmlout',
  implemented: true,
  cases: (corpus) => xmlPairCases(corpus, 'tests/networkxml2xmlin', 'tests/networkxml2xmlout', (_input, hasOutput) => (hasOutput ? {} : { expect: 'error' })),
  run: documentRoundTrip({ parse: parseNetworkXml, validate: validateNetwork, format: (net) => formatNetworkXml(applyNetworkDefaults(net)) }),
};
