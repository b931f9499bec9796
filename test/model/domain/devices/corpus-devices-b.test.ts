/**
 * Per-device round trip over libvirt 9.0's test corpus, for the devices of part B (character
 * devices, input, graphics, video, sound, audio, tpm, memory devices, ...): every such element in
 * a canonical output (`qemuxml2xmloutdata`) must parse and format back to the same text, and
 * every one in an input (`qemuxml2argvdata`) must parse. Skips when the corpus is absent.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { TObject } from '@sinclair/typebox';
import { parseXml, elementChildren, type XmlElement } from '../../../../model/xml/dom';
import { XmlWriter, writeElementTree } from '../../../../model/xml/writer';
import * as X from '../../../../model/schema';
import { DEVICES_B } from './devices-b-registry';

const CORPUS = path.join(process.env.VIRTFORM_CORPUS ?? path.resolve(__dirname, '../../../../../shared/libvirt-9.0-tests'), 'tests');
const haveCorpus = fs.existsSync(CORPUS);
const d = haveCorpus ? describe : describe.skip;

function devicesOf(file: string): XmlElement[] {
  const root = parseXml(fs.readFileSync(file, 'utf8'), file);
  const devs = elementChildren(root).find((e) => e.name === 'devices');
  return devs ? elementChildren(devs) : [];
}

function list(dir: string): string[] {
  return fs.readdirSync(path.join(CORPUS, dir)).filter((f) => f.endsWith('.xml')).map((f) => path.join(CORPUS, dir, f));
}

d('corpus round trip of part-B devices', () => {
  it('formats every part-B device of every canonical output back to itself', () => {
    const failures: string[] = [];
    let count = 0;
    for (const file of list('qemuxml2xmloutdata')) {
      for (const el of devicesOf(file)) {
        const shape = DEVICES_B[el.name] as TObject | undefined;
        if (!shape) continue;
        count++;
        const want = new XmlWriter();
        writeElementTree(want, el);
        try {
          const got = new XmlWriter();
          X.writeObject(got, el.name, shape, X.bindElementOf(el, shape) as Record<string, unknown>);
          if (got.toString() !== want.toString()) {
            failures.push(`${path.basename(file)}:${el.pos.line}\n--- want\n${want}--- got\n${got}`);
          }
        } catch (e) {
          failures.push(`${path.basename(file)}:${el.pos.line}: ${(e as Error).message}`);
        }
      }
    }
    expect(count).toBe(2354);
    expect(failures).toEqual([]);
  });

  it('parses every part-B device of every input', () => {
    const failures: string[] = [];
    for (const file of list('qemuxml2argvdata')) {
      for (const el of devicesOf(file)) {
        const shape = DEVICES_B[el.name] as TObject | undefined;
        if (!shape) continue;
        try {
          X.bindElementOf(el, shape);
        } catch (e) {
          failures.push(`${path.basename(file)}: ${(e as Error).message}`);
        }
      }
    }
    expect(failures).toEqual([]);
  });
});
