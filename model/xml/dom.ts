/**
 * A small, position-aware XML tree. We parse with saxes rather than xmlbuilder2 because every
 * user-facing error must name the file and line of the element or attribute at fault, and
 * saxes reports positions for each tag and attribute; xmlbuilder2's parser does not.
 */
import { SaxesParser } from 'saxes';

export interface SourcePos {
  /** File name or another label for where the text came from (`<stdin>`, a construct path). */
  readonly file: string;
  /** 1-based line. */
  readonly line: number;
  /** 1-based column. */
  readonly column: number;
}

export interface XmlAttr {
  /** Qualified name as written (`xmlns:qemu`, `type`). */
  readonly name: string;
  readonly prefix: string;
  readonly local: string;
  /** Namespace URI ('' for unprefixed attributes). */
  readonly uri: string;
  readonly value: string;
  readonly pos: SourcePos;
}

export interface XmlElement {
  readonly kind: 'element';
  /** Qualified name as written. */
  readonly name: string;
  readonly prefix: string;
  readonly local: string;
  /** Namespace URI ('' when none). */
  readonly uri: string;
  readonly attrs: XmlAttr[];
  readonly children: XmlNode[];
  readonly pos: SourcePos;
}

export interface XmlText {
  readonly kind: 'text';
  /** Character data with entities resolved (CDATA included). */
  readonly text: string;
  readonly pos: SourcePos;
}

export interface XmlComment {
  readonly kind: 'comment';
  readonly text: string;
  readonly pos: SourcePos;
}

export type XmlNode = XmlElement | XmlText | XmlComment;

/** Malformed XML: not well-formed, or not a single root element. */
export class XmlSyntaxError extends Error {
  constructor(readonly pos: SourcePos, readonly detail: string) {
    super(`${pos.file}:${pos.line}:${pos.column}: XML error: ${detail}`);
    this.name = 'XmlSyntaxError';
  }
}

/** Parses one XML document. Namespace prefixes are resolved; unbound prefixes resolve to ''. */
export function parseXml(text: string, file = '<input>'): XmlElement {
  const parser = new SaxesParser({ xmlns: true, position: true, resolvePrefix: () => '' });
  const stack: { el: XmlElement }[] = [];
  let root: XmlElement | undefined;
  let pendingAttrPos: Record<string, SourcePos> = {};
  let tagStart: SourcePos = { file, line: 1, column: 1 };
  const here = (): SourcePos => ({ file, line: parser.line, column: parser.column + 1 });
  let failure: XmlSyntaxError | undefined;

  parser.on('opentagstart', (tag) => {
    // saxes reports this event after reading `<name`; point at the '<'.
    tagStart = { file, line: parser.line, column: Math.max(1, parser.column - tag.name.length - 1) };
    pendingAttrPos = {};
  });
  parser.on('attribute', (a) => {
    pendingAttrPos[a.name] = here();
  });
  parser.on('opentag', (tag) => {
    const attrs: XmlAttr[] = [];
    for (const a of Object.values(tag.attributes)) {
      attrs.push({
        name: a.name,
        prefix: a.prefix,
        local: a.local,
        uri: a.uri ?? '',
        value: a.value,
        pos: pendingAttrPos[a.name] ?? tagStart,
      });
    }
    const el: XmlElement = {
      kind: 'element',
      name: tag.name,
      prefix: tag.prefix ?? '',
      local: tag.local ?? tag.name,
      uri: tag.uri ?? '',
      attrs,
      children: [],
      pos: tagStart,
    };
    if (stack.length > 0) stack[stack.length - 1].el.children.push(el);
    else if (root) failure ??= new XmlSyntaxError(tagStart, 'extra content at the end of the document');
    else root = el;
    stack.push({ el });
  });
  parser.on('closetag', () => {
    stack.pop();
  });
  const pushText = (t: string) => {
    if (stack.length === 0) return;
    const kids = stack[stack.length - 1].el.children;
    const last = kids[kids.length - 1];
    if (last && last.kind === 'text') {
      (kids[kids.length - 1] as { text: string }).text = last.text + t;
    } else {
      kids.push({ kind: 'text', text: t, pos: here() });
    }
  };
  parser.on('text', pushText);
  parser.on('cdata', pushText);
  parser.on('comment', (c) => {
    if (stack.length > 0) stack[stack.length - 1].el.children.push({ kind: 'comment', text: c, pos: here() });
  });
  parser.on('error', (e) => {
    failure ??= new XmlSyntaxError(here(), e.message.replace(/^[^:]*:\d+:\d+: /, ''));
  });
  try {
    parser.write(text).close();
  } catch (e) {
    failure ??= new XmlSyntaxError(here(), (e as Error).message.replace(/^[^:]*:\d+:\d+: /, ''));
  }
  if (failure) throw failure;
  if (!root) throw new XmlSyntaxError({ file, line: 1, column: 1 }, 'no root element');
  return root;
}

/** The element children of an element, skipping text and comments. */
export function elementChildren(el: XmlElement): XmlElement[] {
  return el.children.filter((c): c is XmlElement => c.kind === 'element');
}

/** The concatenated text content directly inside an element. */
export function textContent(el: XmlElement): string {
  return el.children
    .filter((c): c is XmlText => c.kind === 'text')
    .map((c) => c.text)
    .join('');
}

/** Builds an element programmatically (formatting, tests). */
export function xmlElement(
  name: string,
  attrs: ReadonlyArray<readonly [string, string]> = [],
  children: XmlNode[] = [],
): XmlElement {
  const pos = { file: '<generated>', line: 0, column: 0 };
  const [prefix, local] = name.includes(':') ? name.split(':', 2) : ['', name];
  return {
    kind: 'element',
    name,
    prefix,
    local,
    uri: '',
    attrs: attrs.map(([n, v]) => {
      const [p, l] = n.includes(':') ? n.split(':', 2) : ['', n];
      return { name: n, prefix: p, local: l, uri: '', value: v, pos };
    }),
    children,
    pos,
  };
}
