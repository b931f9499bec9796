/**
 * Writes XML in libvirt's canonical layout: two-space indentation, attributes in single quotes,
 * one element per line, `<x/>` for empty elements, and libvirt's escaping rules (the five
 * predefined entities; control characters other than tab, newline and carriage return are
 * dropped because XML cannot carry them).
 */
import type { XmlElement, XmlNode } from './dom';

export type AttrList = ReadonlyArray<readonly [string, string | number | undefined | null]>;

export function escapeXml(value: string): string {
  let out = '';
  for (const ch of value) {
    switch (ch) {
      case '<': out += '&lt;'; break;
      case '>': out += '&gt;'; break;
      case '&': out += '&amp;'; break;
      case '"': out += '&quot;'; break;
      case "'": out += '&apos;'; break;
      default: {
        const c = ch.codePointAt(0)!;
        if (c >= 0x20 || ch === '\n' || ch === '\t' || ch === '\r') out += ch;
      }
    }
  }
  return out;
}

function attrText(attrs: AttrList): string {
  let s = '';
  for (const [k, v] of attrs) {
    if (v === undefined || v === null) continue;
    s += ` ${k}='${escapeXml(String(v))}'`;
  }
  return s;
}

export class XmlWriter {
  private readonly lines: string[] = [];
  private depth: number;
  private readonly stack: string[] = [];

  constructor(initialDepth = 0) {
    this.depth = initialDepth;
  }

  private pad(): string {
    return '  '.repeat(this.depth);
  }

  /** `<name a='1'/>` */
  empty(name: string, attrs: AttrList = []): this {
    this.lines.push(`${this.pad()}<${name}${attrText(attrs)}/>`);
    return this;
  }

  /** `<name a='1'>text</name>` */
  text(name: string, text: string | number, attrs: AttrList = []): this {
    this.lines.push(`${this.pad()}<${name}${attrText(attrs)}>${escapeXml(String(text))}</${name}>`);
    return this;
  }

  /** `<name a='1'>` and indent what follows until `end()`. */
  start(name: string, attrs: AttrList = []): this {
    this.lines.push(`${this.pad()}<${name}${attrText(attrs)}>`);
    this.stack.push(name);
    this.depth++;
    return this;
  }

  end(): this {
    const name = this.stack.pop();
    if (name === undefined) throw new Error('XmlWriter.end() without start()');
    this.depth--;
    this.lines.push(`${this.pad()}</${name}>`);
    return this;
  }

  /** A pre-formatted line at the current indentation. */
  line(text: string): this {
    this.lines.push(`${this.pad()}${text}`);
    return this;
  }

  /**
   * An opaque subtree (e.g. `<metadata>` content) the way libxml2 dumps it: attributes in
   * double quotes, namespace declarations kept, element-only content re-indented.
   */
  raw(node: XmlNode): this {
    if (node.kind === 'comment') {
      this.lines.push(`${this.pad()}<!--${node.text}-->`);
      return this;
    }
    if (node.kind === 'text') {
      const t = node.text.trim();
      if (t) this.lines.push(`${this.pad()}${escapeLibxmlText(t)}`);
      return this;
    }
    const attrs = node.attrs.map((a) => ` ${a.name}="${escapeLibxmlAttr(a.value)}"`).join('');
    const kids = node.children.filter((c) => !(c.kind === 'text' && c.text.trim() === ''));
    if (kids.length === 0) {
      this.lines.push(`${this.pad()}<${node.name}${attrs}/>`);
    } else if (kids.every((c) => c.kind === 'text')) {
      const t = kids.map((c) => (c as { text: string }).text).join('');
      this.lines.push(`${this.pad()}<${node.name}${attrs}>${escapeLibxmlText(t)}</${node.name}>`);
    } else {
      this.lines.push(`${this.pad()}<${node.name}${attrs}>`);
      this.depth++;
      for (const k of kids) this.raw(k);
      this.depth--;
      this.lines.push(`${this.pad()}</${node.name}>`);
    }
    return this;
  }

  /** The indentation depth new lines are written at. */
  get currentDepth(): number {
    return this.depth;
  }

  get isEmpty(): boolean {
    return this.lines.length === 0;
  }

  /** A writer for content nested one level below the current position, to append later. */
  nested(): XmlWriter {
    return new XmlWriter(this.depth + 1);
  }

  /** Appends lines produced by a `nested()` writer. */
  append(other: XmlWriter): this {
    if (other.stack.length) throw new Error('XmlWriter.append: nested writer has unclosed elements');
    this.lines.push(...other.lines);
    return this;
  }

  toString(): string {
    if (this.stack.length) throw new Error(`XmlWriter: unclosed <${this.stack[this.stack.length - 1]}>`);
    return this.lines.length ? this.lines.join('\n') + '\n' : '';
  }
}

function escapeLibxmlText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function escapeLibxmlAttr(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;')
    .replace(/\t/g, '&#9;');
}

/** Formats a parsed element tree with libvirt's layout (single quotes), for generic elements. */
export function writeElementTree(w: XmlWriter, el: XmlElement): void {
  const attrs = el.attrs.map((a) => [a.name, a.value] as const);
  const kids = el.children.filter((c) => c.kind === 'element') as XmlElement[];
  const text = el.children.filter((c) => c.kind === 'text').map((c) => (c as { text: string }).text).join('');
  if (kids.length === 0) {
    if (text.trim() === '') w.empty(el.name, attrs);
    else w.text(el.name, text, attrs);
    return;
  }
  w.start(el.name, attrs);
  for (const k of kids) writeElementTree(w, k);
  w.end();
}
