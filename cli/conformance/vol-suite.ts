/**
 * libvirt's storagevolxml2xmltest: each `tests/storagevolxml2xmlin/NAME.xml` that has a
 * `tests/storagevolxml2xmlout/NAME.xml` is parsed in the context of a pool and printed back;
 * it must equal the output byte for byte. Inputs without an output belong to libvirt's
 * storagevolxml2argv test and are listed as skipped.
 *
 * Pairing. libvirt's test program names, for every volume case, a pool file from
 * `tests/storagepoolxml2xmlin`; the pool type decides how the volume's format is read and
 * printed. The corpus does not carry that list, so it is inferred from the volume itself
 * (`pairPool`), which reproduces libvirt's pairs for all 21 round-trip cases:
 *   - a `gluster://` target path                    → pool-gluster (vol-gluster-dir*)
 *   - a partition-type format (none, linux, ...)    → pool-disk    (vol-partition)
 *   - any other `type='block'` volume               → pool-logical (vol-logical*)
 *   - everything else                               → pool-dir     (vol-file*, vol-qcow2*, vol-luks*)
 * A volume without `<capacity>` that libvirt still printed was parsed with libvirt's
 * "capacity optional" flag (vol-qcow2-nocapacity); the suite passes capacityOptional for it.
 */
import { parseVolumeXml, validateVolume, applyVolumeDefaults, formatVolumeXml, type Volume } from '../../model/volume';
import { parsePoolXml, applyPoolDefaults, VOLUME_DISK_FORMATS } from '../../model/pool';
import type { ConformanceSuite } from './suite';
import { roundTrip, xmlPairCases } from './round-trip';

const IN = 'tests/storagevolxml2xmlin';
const OUT = 'tests/storagevolxml2xmlout';
const POOLS = 'tests/storagepoolxml2xmlin';

/** The storagepoolxml2xmlin file (without .xml) a volume case runs against; see above. */
export function pairPool(vol: Volume): string {
  if (vol.target.path?.startsWith('gluster://')) return 'pool-gluster';
  const fmt = vol.target.format?.type;
  if (fmt !== undefined && (VOLUME_DISK_FORMATS as readonly string[]).includes(fmt)) return 'pool-disk';
  if (vol.type === 'block') return 'pool-logical';
  return 'pool-dir';
}

export const volSuite: ConformanceSuite = {
  name: 'vol',
  description: 'storage volume XML round trip (libvirt storagevolxml2xmltest): storagevolxml2xmlin -> storagevolxml2xmlout, each with its pool',
  implemented: true,
  cases: (corpus) =>
    xmlPairCases(corpus, IN, OUT, (input, hasOutput) => {
      let pool = 'pool-dir';
      let capacityOptional = false;
      try {
        const vol = parseVolumeXml(corpus.read(input), input);
        pool = pairPool(vol);
        capacityOptional = vol.capacity === undefined && hasOutput;
      } catch {
        // The run reports the parse error; the pairing does not matter then.
      }
      return {
        params: { pool, ...(capacityOptional ? { capacity: 'optional' } : {}) },
        ...(hasOutput ? {} : { skip: "no expected output: an input of libvirt's storagevolxml2argv test, not of the XML round trip" }),
      };
    }),
  run(c, corpus) {
    return roundTrip(() => {
      const poolFile = `${POOLS}/${c.params?.pool ?? 'pool-dir'}.xml`;
      const pool = applyPoolDefaults(parsePoolXml(corpus.read(poolFile), poolFile));
      const vol = parseVolumeXml(corpus.read(c.input), c.input);
      const issues = validateVolume(vol, '', { poolType: pool.type, capacityOptional: c.params?.capacity === 'optional' });
      return { issues, format: () => formatVolumeXml(applyVolumeDefaults(vol, pool.type)) };
    });
  },
};
