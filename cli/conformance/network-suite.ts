/**
 * libvirt's networkxml2xmltest: each `tests/networkxml2xmlin/NAME.xml` is parsed and printed
 * back; the result must equal `tests/networkxml2xmlout/NAME.xml` byte for byte. An input
 * without an output file is a case libvirt's parser must reject.
 */
import { parseNetworkXml, validateNetwork, applyNetworkDefaults, formatNetworkXml } from '../../model/network';
import type { ConformanceSuite, SuiteCase } from './suite';
import { roundTrip, errPathFor } from './round-trip';

const IN = 'tests/networkxml2xmlin';
const OUT = 'tests/networkxml2xmlout';

export const networkSuite: ConformanceSuite = {
  name: 'network',
  description: 'network XML round trip (libvirt networkxml2xmltest): networkxml2xmlin -> networkxml2xmlout',
  implemented: true,
  cases(corpus) {
    const outs = new Set(corpus.list(OUT, '.xml'));
    return corpus.list(IN, '.xml').map((f): SuiteCase => ({
      name: f.replace(/\.xml$/, ''),
      input: `${IN}/${f}`,
      expect: outs.has(f) ? 'output' : 'error',
      outputPath: `${OUT}/${f}`,
      errorPath: errPathFor(`${IN}/${f}`),
    }));
  },
  run(c, corpus) {
    return roundTrip(() => {
      const net = parseNetworkXml(corpus.read(c.input), c.input);
      return { issues: validateNetwork(net), format: () => formatNetworkXml(applyNetworkDefaults(net)) };
    });
  },
};
