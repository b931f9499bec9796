/**
 * Per-device round trip over libvirt 9.0's test corpus, for the devices of part A (disk,
 * controller, lease, filesystem, interface, hostdev, redirdev, redirfilter, smartcard, hub):
 * every such element in a canonical output (`qemuxml2xmloutdata`) must parse and format back to
 * exactly the text of the file, and every one in an input (`qemuxml2argvdata`) must parse.
 * Skips when the corpus is absent.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseXml, elementChildren, type XmlElement } from '../../../../model/xml/dom';
import { XmlWriter } from '../../../../model/xml/writer';
import * as X from '../../../../model/schema';
import { DEVICES_A } from './devices-a-registry';

const CORPUS = path.join(process.env.VIRTFORM_CORPUS ?? path.resolve(__dirname, '../../../../../shared/libvirt-9.0-tests'), 'tests');
const haveCorpus = fs.existsSync(CORPUS);
const d = haveCorpus ? describe : describe.skip;

function devicesOf(text: string, file: string): XmlElement[] {
  const root = parseXml(text, file);
  const devs = elementChildren(root).find((e) => e.name === 'devices');
  return devs ? elementChildren(devs) : [];
}

function list(dir: string): string[] {
  if (!fs.existsSync(path.join(CORPUS, dir))) return [];
  return fs
    .readdirSync(path.join(CORPUS, dir))
    .filter((f) => f.endsWith('.xml'))
    .sort()
    .map((f) => path.join(CORPUS, dir, f));
}

/** Whether libvirt's test expects this input to be rejected (`NAME.err`, `NAME.x86_64-latest.err`). */
function expectsError(file: string): boolean {
  const base = file.replace(/\.xml$/, '');
  return fs.existsSync(`${base}.err`) || fs.existsSync(`${base}.x86_64-latest.err`);
}

d('corpus round trip of part-A devices', () => {
  it('formats every part-A device of every canonical output back to the exact text of the file', () => {
    const failures: string[] = [];
    let count = 0;
    for (const file of list('qemuxml2xmloutdata')) {
      const text = fs.readFileSync(file, 'utf8');
      const lines = text.split('\n');
      for (const el of devicesOf(text, file)) {
        const shape = DEVICES_A[el.name];
        if (!shape) continue;
        count++;
        try {
          const got = new XmlWriter(2);
          X.writeObject(got, el.name, shape, X.bindElementOf(el, shape) as Record<string, unknown>);
          const gotLines = got.toString().split('\n').slice(0, -1);
          const want = lines.slice(el.pos.line - 1, el.pos.line - 1 + gotLines.length);
          if (gotLines.join('\n') !== want.join('\n')) {
            failures.push(`${path.basename(file)}:${el.pos.line}\n--- want\n${want.join('\n')}\n--- got\n${gotLines.join('\n')}`);
          }
        } catch (e) {
          failures.push(`${path.basename(file)}:${el.pos.line}: ${(e as Error).message}`);
        }
      }
    }
    expect(count).toBeGreaterThan(0);
    expect(failures).toEqual([]);
  });

  it('parses every part-A device of every input (also the optional fake-caps inputs)', () => {
    const failures: string[] = [];
    for (const file of [...list('qemuxml2argvdata'), ...list('../extra-fakecaps/tests/qemuxml2argvdata')]) {
      for (const el of devicesOf(fs.readFileSync(file, 'utf8'), file)) {
        const shape = DEVICES_A[el.name];
        if (!shape) continue;
        try {
          X.bindElementOf(el, shape);
        } catch (e) {
          // Inputs libvirt rejects (they have an expected .err) may fail here already.
          if (expectsError(file)) continue;
          failures.push(`${path.basename(file)}: ${(e as Error).message}`);
        }
      }
    }
    expect(failures).toEqual([]);
  });
});
