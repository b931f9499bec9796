/**
 * The domain XMLs the benchmarks run: the oracle's 16 (test/oracle/domains, disk images made
 * with qemu-img under the run's folder, as the oracle test does) and, for command line
 * generation only, an evenly spaced sample of the corpus's x86_64 argv inputs (the ones
 * libvirt 9.0's own tests expect to succeed: NAME.xml with a NAME.x86_64-latest.args).
 */
import * as fs from 'fs';
import * as path from 'path';
import { createOracleImages, withImages } from '../test/oracle/oracle-images';

export interface BenchDomain {
  /** `oracle/q35-minimal.xml`, `corpus/cpu-host-model.xml`. */
  readonly id: string;
  /** The XML file both sides are given (written under the run's folder). */
  readonly file: string;
  readonly xml: string;
  /** `<name>`. */
  readonly name: string;
  readonly source: 'oracle' | 'corpus';
  /** Guest memory from hugepages (`<memoryBacking><hugepages>`): the bench does not reserve pages. */
  readonly needsHugepages: boolean;
}

function domainName(xml: string, file: string): string {
  const m = /<name>\s*([^<\s]+)\s*<\/name>/.exec(xml);
  if (!m) throw new Error(`${file} has no <name>`);
  return m[1];
}

function benchDomain(id: string, file: string, xml: string, source: BenchDomain['source']): BenchDomain {
  fs.writeFileSync(file, xml);
  return { id, file, xml, name: domainName(xml, file), source, needsHugepages: /<hugepages\b/.test(xml) };
}

/** The oracle's domains, written to `<work>/domains/oracle` with their images in `<work>/images`. */
export function oracleDomains(repo: string, work: string): BenchDomain[] {
  const src = path.join(repo, 'test', 'oracle', 'domains');
  const images = path.join(work, 'images');
  fs.mkdirSync(images, { recursive: true, mode: 0o755 });
  createOracleImages(images);
  const out = path.join(work, 'domains', 'oracle');
  fs.mkdirSync(out, { recursive: true });
  return fs
    .readdirSync(src)
    .filter((f) => f.endsWith('.xml'))
    .sort()
    .map((f) => benchDomain(`oracle/${f}`, path.join(out, f), withImages(fs.readFileSync(path.join(src, f), 'utf8'), images), 'oracle'));
}

/** `count` corpus argv inputs, evenly spaced over the sorted list; [] without a corpus. */
export function corpusDomains(corpusDir: string | null, work: string, count: number): BenchDomain[] {
  if (!corpusDir || count <= 0) return [];
  const dir = path.join(corpusDir, 'tests', 'qemuxml2argvdata');
  if (!fs.existsSync(dir)) return [];
  const names = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.x86_64-latest.args'))
    .map((f) => f.slice(0, -'.x86_64-latest.args'.length))
    .filter((n) => fs.existsSync(path.join(dir, `${n}.xml`)))
    .sort();
  const step = names.length / Math.min(count, names.length);
  const picked = Array.from({ length: Math.min(count, names.length) }, (_, i) => names[Math.floor(i * step)]);
  const out = path.join(work, 'domains', 'corpus');
  fs.mkdirSync(out, { recursive: true });
  return picked.map((n) => benchDomain(`corpus/${n}.xml`, path.join(out, `${n}.xml`), fs.readFileSync(path.join(dir, `${n}.xml`), 'utf8'), 'corpus'));
}
