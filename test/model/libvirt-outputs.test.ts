import * as fs from 'fs';
import * as path from 'path';
import { parseNetworkXml, validateNetwork, applyNetworkDefaults, formatNetworkXml } from '../../model/network';
import { parsePoolXml, validatePool, applyPoolDefaults, formatPoolXml } from '../../model/pool';
import { parseVolumeXml, validateVolume, applyVolumeDefaults, formatVolumeXml } from '../../model/volume';
import { pairPool } from '../../cli/conformance/vol-suite';
import { CORPUS_DIR, describeWithCorpus } from '../support/corpus-dir';

const files = (rel: string) => {
  const dir = path.join(CORPUS_DIR, rel);
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.xml')).sort() : [];
};
const read = (rel: string, f: string) => fs.readFileSync(path.join(CORPUS_DIR, rel, f), 'utf8');

/** What libvirt prints is already canonical: reading it back and printing it changes nothing. */
describeWithCorpus("libvirt's expected outputs are fixed points of parse, defaults and format", 'tests/networkxml2xmlout', () => {
  it.each(files('tests/networkxml2xmlout'))('network %s', (f) => {
    const text = read('tests/networkxml2xmlout', f);
    const net = parseNetworkXml(text, f);
    expect(validateNetwork(net)).toEqual([]);
    expect(formatNetworkXml(applyNetworkDefaults(net))).toBe(text);
  });

  it.each(files('tests/storagepoolxml2xmlout'))('pool %s', (f) => {
    const text = read('tests/storagepoolxml2xmlout', f);
    const pool = parsePoolXml(text, f);
    expect(validatePool(pool)).toEqual([]);
    expect(formatPoolXml(applyPoolDefaults(pool))).toBe(text);
  });

  // vol-qcow2-nocow's expected file keeps an empty <source> libvirt 9.0 does not print (docs/conformance.md).
  it.each(files('tests/storagevolxml2xmlout').filter((f) => f !== 'vol-qcow2-nocow.xml'))('volume %s', (f) => {
    const text = read('tests/storagevolxml2xmlout', f);
    const vol = parseVolumeXml(text, f);
    const poolType = parsePoolXml(read('tests/storagepoolxml2xmlin', `${pairPool(vol)}.xml`)).type;
    expect(validateVolume(vol, '', { poolType })).toEqual([]);
    expect(formatVolumeXml(applyVolumeDefaults(vol, poolType))).toBe(text);
  });
});
