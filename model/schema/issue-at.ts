/**
 * Builds a ModelIssue for a semantic rule (validate.ts of each document) that points at the
 * object it is about: the XML file, line and path when the object was parsed, or the document
 * label plus JSON path when it was built in code.
 */
import type { ModelIssue } from '../errors';
import type { SourcePos } from '../xml/dom';
import { sourceOf } from './source-map';

/** An object inside a document and its JSON pointer from the document root (`/forward`). */
export interface DocPointer {
  readonly obj: object;
  readonly json: string;
}

export interface IssueTarget {
  /** The property the rule is about (`dev`, `interfaces`), to point at its own line. */
  readonly prop?: string;
  /** Its XML name relative to the object: `@dev` for an attribute, `interface` for a child. */
  readonly xml?: string;
  /** Index into an array property. */
  readonly index?: number;
  readonly fix?: string;
}

/** The document root. */
export function docRoot(obj: object): DocPointer {
  return { obj, json: '' };
}

/** A pointer to a child object: `childOf(docRoot(net), net.forward, 'forward')`. */
export function childOf(parent: DocPointer, obj: object, key: string, index?: number): DocPointer {
  return { obj, json: `${parent.json}/${key}${index === undefined ? '' : `/${index}`}` };
}

export function issueAt(label: string, p: DocPointer, problem: string, t: IssueTarget = {}): ModelIssue {
  const src = sourceOf(p.obj);
  if (src) {
    let pos: SourcePos | undefined = src.pos;
    if (t.prop) {
      const pp = src.props.get(t.prop);
      if (Array.isArray(pp)) pos = pp[t.index ?? 0] ?? pos;
      else if (pp) pos = pp;
    }
    const xml = t.xml ?? t.prop;
    const suffix = xml ? `/${xml}${t.index !== undefined && !xml.startsWith('@') ? `[${t.index + 1}]` : ''}` : '';
    return { pos, path: src.path + suffix, problem, fix: t.fix };
  }
  const suffix = t.prop ? `/${t.prop}${t.index !== undefined ? `/${t.index}` : ''}` : '';
  return { path: `${label}${p.json}${suffix}` || '/', problem, fix: t.fix };
}
