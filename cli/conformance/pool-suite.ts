/**
 * libvirt's storagepoolxml2xmltest: each `tests/storagepoolxml2xmlin/NAME.xml` that has a
 * `tests/storagepoolxml2xmlout/NAME.xml` is parsed and printed back and must equal it byte for
 * byte. Inputs without an output belong to libvirt's other pool test (storagepoolxml2argv)
 * and are listed as skipped.
 */
import { parsePoolXml, validatePool, applyPoolDefaults, formatPoolXml } from '../../model/pool';
import type { ConformanceSuite, SuiteCase } from './suite';
import { roundTrip, errPathFor } from './round-trip';

const IN = 'tests/storagepoolxml2xmlin';
const OUT = 'tests/storagepoolxml2xmlout';

export const poolSuite: ConformanceSuite = {
  name: 'pool',
  description: 'storage pool XML round trip (libvirt storagepoolxml2xmltest): storagepoolxml2xmlin -> storagepoolxml2xmlout',
  implemented: true,
  cases(corpus) {
    const outs = new Set(corpus.list(OUT, '.xml'));
    return corpus.list(IN, '.xml').map((f): SuiteCase => ({
      name: f.replace(/\.xml$/, ''),
      input: `${IN}/${f}`,
      expect: 'output',
      outputPath: `${OUT}/${f}`,
      errorPath: errPathFor(`${IN}/${f}`),
      ...(outs.has(f) ? {} : { skip: 'no expected output: an input of libvirt\'s storagepoolxml2argv test, not of the XML round trip' }),
    }));
  },
  run(c, corpus) {
    return roundTrip(() => {
      const pool = parsePoolXml(corpus.read(c.input), c.input);
      return { issues: validatePool(pool), format: () => formatPoolXml(applyPoolDefaults(pool)) };
    });
  },
};
