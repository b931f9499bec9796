/**
 * libvirt's storagepoolxml2xmltest: each `tests/storagepoolxml2xmlin/NAME.xml` that has a
 * `tests/storagepoolxml2xmlout/NAME.xml` is parsed and printed back and must equal it byte for
 * byte. Inputs without an output belong to libvirt's other pool test (storagepoolxml2argv)
 * and are listed as skipped.
 */
import { parsePoolXml, validatePool, applyPoolDefaults, formatPoolXml } from '../../model/pool';
import type { ConformanceSuite } from './suite';
import { documentRoundTrip, xmlPairCases } from './round-trip';

export const poolSuite: ConformanceSuite = {
  name: 'pool',
  description: 'storage pool XML round trip (libvirt storagepoolxml2xmltest): storagepoolxml2xmlin -> storagepoolxml2xmlout',
  implemented: true,
  cases: (corpus) =>
    xmlPairCases(corpus, 'tests/storagepoolxml2xmlin', 'tests/storagepoolxml2xmlout', (_input, hasOutput) =>
      hasOutput ? {} : { skip: "no expected output: an input of libvirt's storagepoolxml2argv test, not of the XML round trip" },
    ),
  run: documentRoundTrip({ parse: parsePoolXml, validate: validatePool, format: (pool) => formatPoolXml(applyPoolDefaults(pool)) }),
};
