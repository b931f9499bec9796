/**
 * Generic XML ⇄ typed object binding driven by the schema DSL (see dsl.ts).
 * Unknown elements and attributes are errors naming the element, the line and what is allowed.
 */
import type { TObject, Static } from '@sinclair/typebox';
import { type XmlElement, type SourcePos } from '../xml/dom';
import { XmlWriter } from '../xml/writer';
import { elementMeta, type ElementMeta, type ParseContext, type PropMeta } from './dsl';
import { ModelError } from '../errors';
import { recordSource } from './source-map';
import { NAMESPACES, prefixForUri } from './namespaces';

/** The name an element is matched by: `local` or `prefix:local` for a known namespace. */
function canonicalName(el: XmlElement): string {
  if (!el.uri) return el.local;
  const p = prefixForUri(el.uri);
  return p ? `${p}:${el.local}` : `{${el.uri}}${el.local}`;
}

function isNamespaceDecl(name: string): boolean {
  return name === 'xmlns' || name.startsWith('xmlns:');
}

class BindContext implements ParseContext {
  private readonly paths = new WeakMap<XmlElement, string>();

  setPath(el: XmlElement, path: string): void {
    this.paths.set(el, path);
  }

  pathOf(el: XmlElement): string {
    return this.paths.get(el) ?? `/${el.name}`;
  }

  fail(el: XmlElement, problem: string, opts: { attr?: string; fix?: string } = {}): never {
    const a = opts.attr ? el.attrs.find((x) => x.name === opts.attr) : undefined;
    throw new ModelError({
      pos: a ? a.pos : el.pos,
      path: this.pathOf(el) + (opts.attr ? `/@${opts.attr}` : ''),
      problem,
      fix: opts.fix,
    });
  }
}

function allowedList(meta: ElementMeta, kind: 'attr' | 'element'): string {
  const names = meta.props
    .filter(([, m]) => (kind === 'attr' ? m.kind === 'attr' : m.kind !== 'attr' && m.kind !== 'text'))
    .map(([, m]) => ('xmlName' in m ? m.xmlName : ''));
  return names.length ? names.join(', ') : 'none';
}

function bindElement(el: XmlElement, shape: TObject, ctx: BindContext, path: string): Record<string, unknown> {
  ctx.setPath(el, path);
  const meta = elementMeta(shape);
  const out: Record<string, unknown> = {};
  const props = new Map<string, SourcePos | SourcePos[]>();
  const attrProps = new Map<string, [string, PropMeta]>();
  const childProps = new Map<string, [string, PropMeta]>();
  let textProp: [string, PropMeta] | undefined;
  for (const [key, m] of meta.props) {
    if (m.kind === 'attr') attrProps.set(m.xmlName, [key, m]);
    else if (m.kind === 'text') textProp = [key, m];
    else childProps.set(m.xmlName, [key, m]);
  }

  for (const a of el.attrs) {
    if (isNamespaceDecl(a.name)) continue;
    const p = attrProps.get(a.name);
    if (!p) {
      ctx.fail(el, `unsupported attribute '${a.name}' on <${el.name}>`, {
        attr: a.name,
        fix: `remove it or check its spelling; <${el.name}> accepts: ${allowedList(meta, 'attr')}`,
      });
    }
    const [key, m] = p;
    if (m.kind !== 'attr') continue;
    try {
      out[key] = m.codec.parse(a.value);
    } catch (e) {
      ctx.fail(el, `attribute '${a.name}' has value '${a.value}', which ${(e as Error).message}`, {
        attr: a.name,
        fix: (e as { fix?: string }).fix,
      });
    }
    props.set(key, a.pos);
  }

  let text = '';
  let textPos: SourcePos | undefined;
  const counts = new Map<string, number>();
  for (const c of el.children) {
    if (c.kind === 'comment') continue;
    if (c.kind === 'text') {
      if (textProp) {
        text += c.text;
        textPos ??= c.pos;
      } else if (c.text.trim() !== '') {
        ctx.fail(el, `unexpected text '${c.text.trim().slice(0, 40)}' inside <${el.name}>`, { fix: `<${el.name}> holds only elements and attributes` });
      }
      continue;
    }
    const name = canonicalName(c);
    const p = childProps.get(name);
    if (!p) {
      ctx.setPath(c, `${path}/${c.name}`);
      ctx.fail(c, `unsupported element <${c.name}> inside <${el.name}>`, {
        fix: `remove it or check its spelling; <${el.name}> accepts: ${allowedList(meta, 'element')}`,
      });
    }
    const [key, m] = p;
    const n = (counts.get(name) ?? 0) + 1;
    counts.set(name, n);
    const childPath = `${path}/${c.name}${m.kind === 'children' || m.kind === 'childValues' ? `[${n}]` : ''}`;
    ctx.setPath(c, childPath);
    switch (m.kind) {
      case 'child':
      case 'childValue': {
        if (out[key] !== undefined) {
          ctx.fail(c, `element <${c.name}> appears more than once inside <${el.name}>`, { fix: `keep a single <${c.name}>` });
        }
        out[key] = m.kind === 'child' ? bindElement(c, m.element(), ctx, childPath) : m.codec.parse(c, ctx);
        props.set(key, c.pos);
        break;
      }
      case 'children':
      case 'childValues': {
        const arr = (out[key] as unknown[] | undefined) ?? [];
        arr.push(m.kind === 'children' ? bindElement(c, m.element(), ctx, childPath) : m.codec.parse(c, ctx));
        out[key] = arr;
        const pos = (props.get(key) as SourcePos[] | undefined) ?? [];
        pos.push(c.pos);
        props.set(key, pos);
        break;
      }
    }
  }
  if (textProp) {
    const [key, m] = textProp;
    if (m.kind === 'text' && text.trim() !== '') {
      try {
        out[key] = m.codec.parse(text);
      } catch (e) {
        ctx.fail(el, `value '${text.trim()}' of <${el.name}> ${(e as Error).message}`, { fix: (e as { fix?: string }).fix });
      }
      props.set(key, textPos ?? el.pos);
    }
  }
  recordSource(out, { pos: el.pos, path, props });
  meta.options.check?.(out, el, ctx);
  return out;
}

/**
 * Parses `root` as the element `shape` describes. Throws ModelError on the first problem
 * (unknown element or attribute, bad value), located at its file and line.
 */
export function bindDocument<T extends TObject>(root: XmlElement, shape: T, rootName: string): Static<T> {
  const ctx = new BindContext();
  if (canonicalName(root) !== rootName) {
    ctx.setPath(root, `/${root.name}`);
    ctx.fail(root, `the root element is <${root.name}>, expected <${rootName}>`, { fix: `this file must describe a ${rootName}` });
  }
  return bindElement(root, shape, ctx, `/${rootName}`) as Static<T>;
}

/** Parses a standalone element (a device snippet, a test fragment). */
export function bindElementOf<T extends TObject>(el: XmlElement, shape: T): Static<T> {
  return bindElement(el, shape, new BindContext(), `/${el.name}`) as Static<T>;
}

function writeGeneric(w: XmlWriter, xmlName: string, shape: TObject, value: Record<string, unknown>): void {
  const meta = elementMeta(shape);
  const attrs: [string, string][] = [];
  let text: string | undefined;
  const inner = w.nested();
  for (const [key, m] of meta.props) {
    const v = value[key];
    if (v === undefined || v === null) continue;
    switch (m.kind) {
      case 'attr':
        attrs.push([m.xmlName, m.codec.format(v as never)]);
        break;
      case 'text':
        text = m.codec.format(v as never);
        break;
      case 'child':
        writeObject(inner, m.xmlName, m.element(), v as Record<string, unknown>);
        break;
      case 'children':
        for (const item of v as Record<string, unknown>[]) writeObject(inner, m.xmlName, m.element(), item);
        break;
      case 'childValue':
        m.codec.write(inner, m.xmlName, v as never);
        break;
      case 'childValues':
        for (const item of v as unknown[]) m.codec.write(inner, m.xmlName, item as never);
        break;
    }
  }
  if (meta.options.declaresChildNamespaces) attrs.push(...namespaceDecls(meta, value));
  if (!inner.isEmpty) {
    w.start(xmlName, attrs);
    w.append(inner);
    w.end();
  } else if (text !== undefined) {
    w.text(xmlName, text, attrs);
  } else if (meta.options.neverSelfClose) {
    w.start(xmlName, attrs);
    w.end();
  } else {
    w.empty(xmlName, attrs);
  }
}

/**
 * `xmlns:p='uri'` for each known namespace prefix that a present direct child of `value` is
 * written with (`qemu:commandline` → `xmlns:qemu`), in property order.
 */
function namespaceDecls(meta: ElementMeta, value: Record<string, unknown>): [string, string][] {
  const out: [string, string][] = [];
  for (const [key, m] of meta.props) {
    if (m.kind === 'attr' || m.kind === 'text' || value[key] === undefined || value[key] === null) continue;
    const colon = m.xmlName.indexOf(':');
    if (colon < 0) continue;
    const prefix = m.xmlName.slice(0, colon);
    const uri = NAMESPACES[prefix];
    if (uri && !out.some(([n]) => n === `xmlns:${prefix}`)) out.push([`xmlns:${prefix}`, uri]);
  }
  return out;
}

/** Formats one element (and its subtree) at the writer's current position. */
export function writeObject(w: XmlWriter, xmlName: string, shape: TObject, value: Record<string, unknown>): void {
  const meta = elementMeta(shape);
  if (meta.options.write) {
    meta.options.write(w, xmlName, value, (w2, n2, v2) => writeGeneric(w2, n2, shape, v2));
  } else {
    writeGeneric(w, xmlName, shape, value);
  }
}

/** Formats a whole document in libvirt's layout, ending with a newline. */
export function formatDocument<T extends TObject>(value: Static<T>, shape: T, rootName: string): string {
  const w = new XmlWriter();
  writeObject(w, rootName, shape, value as Record<string, unknown>);
  return w.toString();
}
