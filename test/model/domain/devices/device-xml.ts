/** Test helpers for part-B devices: parse one device snippet, format it back, collect issues. */
import type { TObject, Static } from '@sinclair/typebox';
import { parseXml } from '../../../../model/xml/dom';
import { XmlWriter } from '../../../../model/xml/writer';
import * as X from '../../../../model/schema';

/** Parses a device element snippet (file name `dev.xml`). */
export function parseDevice<T extends TObject>(shape: T, xml: string): Static<T> {
  return X.bindElementOf(parseXml(xml, 'dev.xml'), shape);
}

/** Formats a device value as libvirt would print it inside `<devices>` (without the indent). */
export function formatDevice<T extends TObject>(shape: T, name: string, value: Static<T>): string {
  const w = new XmlWriter();
  X.writeObject(w, name, shape, value as Record<string, unknown>);
  return w.toString();
}

/** Parse then format. */
export function roundTrip<T extends TObject>(shape: T, name: string, xml: string): string {
  return formatDevice(shape, name, parseDevice(shape, xml));
}

/** `file:line: path: problem` of each issue, for compact exact assertions. */
export function brief(issues: ReadonlyArray<{ pos?: { line: number }; path: string; problem: string }>): string[] {
  return issues.map((i) => `${i.pos ? `${i.pos.line}: ` : ''}${i.path}: ${i.problem}`);
}
