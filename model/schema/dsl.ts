/**
 * The schema DSL: one definition per XML element gives
 *   - the TypeScript type (TypeBox `Static<>`),
 *   - the JSON Schema ajv validates against (the TypeBox schema itself),
 *   - the XML mapping the binder uses to parse and format (metadata under a symbol key, which
 *     ajv and JSON.stringify never see).
 *
 * Object key order is XML output order: list attributes and children in libvirt's format order.
 */
import {
  Type,
  type TSchema,
  type TObject,
  type TOptional,
  type TArray,
  type TProperties,
  type TBoolean,
  type TUnsafe,
  type Static,
} from '@sinclair/typebox';
import type { ValueCodec } from './codec';
import type { XmlElement } from '../xml/dom';
import type { XmlWriter } from '../xml/writer';

export const XML_META = Symbol.for('virtform.schema.xml');

/** Parses and formats a whole child element as one value (scaled sizes, flags, opaque trees). */
export interface ElementCodec<S extends TSchema = TSchema> {
  readonly schema: S;
  readonly describe: string;
  parse(el: XmlElement, ctx: ParseContext): Static<S>;
  write(w: XmlWriter, xmlName: string, value: Static<S>): void;
}

/** What the binder knows while parsing; codecs use it to report errors. */
export interface ParseContext {
  /** Throws a ModelError located at `el` (or one of its attributes). */
  fail(el: XmlElement, problem: string, opts?: { attr?: string; fix?: string }): never;
  /** The XML path of `el`, e.g. `/domain/devices/disk[2]/target`. */
  pathOf(el: XmlElement): string;
}

export type PropMeta =
  | { readonly kind: 'attr'; readonly xmlName: string; readonly codec: ValueCodec }
  | { readonly kind: 'text'; readonly codec: ValueCodec }
  | { readonly kind: 'child'; readonly xmlName: string; readonly element: () => TObject }
  | { readonly kind: 'children'; readonly xmlName: string; readonly element: () => TObject }
  | { readonly kind: 'childValue'; readonly xmlName: string; readonly codec: ElementCodec }
  | { readonly kind: 'childValues'; readonly xmlName: string; readonly codec: ElementCodec };

export interface ElementOptions {
  /** Print `<x ...>` and `</x>` on two lines even when empty (libvirt does for `<ip>`, pool `<source>`). */
  readonly neverSelfClose?: boolean;
  /**
   * Custom formatter, for the few elements whose layout depends on their values.
   * `writeDefault` formats with the generic rules.
   */
  readonly write?: (w: XmlWriter, xmlName: string, value: any, writeDefault: (w: XmlWriter, xmlName: string, value: any) => void) => void;
  /** Extra check after generic parsing (cross-attribute rules that belong to the document itself). */
  readonly check?: (value: any, el: XmlElement, ctx: ParseContext) => void;
  /**
   * When formatting, declare (`xmlns:p='uri'`, after the attributes) the namespace of each
   * present child whose XML name carries a known prefix (`dnsmasq:options`), as libvirt does
   * on a document's root element.
   */
  readonly declaresChildNamespaces?: boolean;
  /** JSON Schema description shown in editors and docs. */
  readonly description?: string;
}

export interface ElementMeta {
  readonly kind: 'element';
  readonly props: ReadonlyArray<readonly [key: string, meta: PropMeta]>;
  readonly options: ElementOptions;
}

type Meta = PropMeta | ElementMeta;

function opt<S extends TSchema>(s: S): TOptional<S> {
  return Type.Optional(s) as unknown as TOptional<S>;
}

function withMeta<S extends TSchema>(schema: S, meta: Meta): S {
  Object.defineProperty(schema, XML_META, { value: meta, enumerable: true, writable: false });
  return schema;
}

export function metaOf(schema: TSchema): Meta | undefined {
  return (schema as unknown as Record<symbol, Meta>)[XML_META];
}

export function elementMeta(schema: TObject): ElementMeta {
  const m = metaOf(schema);
  if (!m || m.kind !== 'element') throw new Error('schema is not an XML element definition');
  return m;
}

/** An XML element: its attributes, text and children, in libvirt's output order. */
export function element<P extends TProperties>(props: P, options: ElementOptions = {}): TObject<P> {
  const schema = Type.Object(props, {
    additionalProperties: false,
    ...(options.description ? { description: options.description } : {}),
  });
  const list: [string, PropMeta][] = [];
  for (const [key, s] of Object.entries(props)) {
    const m = metaOf(s);
    if (!m || m.kind === 'element') throw new Error(`property '${key}' is not an XML attribute, text or child`);
    list.push([key, 'xmlName' in m && !m.xmlName ? ({ ...m, xmlName: key } as PropMeta) : m]);
  }
  return withMeta(schema, { kind: 'element', props: list, options });
}

interface NameOpt {
  /** The XML name when it differs from the property key (`on_poweroff` for `onPoweroff`). */
  readonly xml?: string;
}

/** Property helpers don't know their key; `element()` replaces this placeholder with it. */
const KEY = '';

/** An optional attribute. */
export function attr<S extends TSchema>(codec: ValueCodec<S>, opts: NameOpt = {}): TOptional<S> {
  return withMeta(opt(cloneSchema(codec.schema)), { kind: 'attr', xmlName: opts.xml ?? KEY, codec });
}

/** A required attribute. */
export function reqAttr<S extends TSchema>(codec: ValueCodec<S>, opts: NameOpt = {}): S {
  return withMeta(cloneSchema(codec.schema), { kind: 'attr', xmlName: opts.xml ?? KEY, codec });
}

/** The element's own text content, e.g. the `4096` in `<memory unit='KiB'>4096</memory>`. */
export function text<S extends TSchema>(codec: ValueCodec<S>): TOptional<S> {
  return withMeta(opt(cloneSchema(codec.schema)), { kind: 'text', codec });
}

/** Required text content. */
export function reqText<S extends TSchema>(codec: ValueCodec<S>): S {
  return withMeta(cloneSchema(codec.schema), { kind: 'text', codec });
}

/** An optional single child element. Pass a thunk for recursive or later-defined elements. */
export function child<T extends TObject>(el: T | (() => T), opts: NameOpt = {}): TOptional<T> {
  const get = typeof el === 'function' ? el : () => el;
  const schema = typeof el === 'function' ? (Type.Unsafe<Static<T>>({}) as unknown as T) : cloneSchema(el);
  return withMeta(opt(schema), { kind: 'child', xmlName: opts.xml ?? KEY, element: get });
}

/** A required single child element. */
export function reqChild<T extends TObject>(el: T, opts: NameOpt = {}): T {
  return withMeta(cloneSchema(el), { kind: 'child', xmlName: opts.xml ?? KEY, element: () => el });
}

/** A repeated child element, kept in document order. */
export function children<T extends TObject>(el: T | (() => T), opts: NameOpt = {}): TOptional<TArray<T>> {
  const get = typeof el === 'function' ? el : () => el;
  const item = typeof el === 'function' ? (Type.Unsafe<Static<T>>({}) as unknown as T) : el;
  return withMeta(opt(Type.Array(item)), { kind: 'children', xmlName: opts.xml ?? KEY, element: get });
}

/** A child element read as one value: `<name>x</name>` → 'x'. */
export function textChild<S extends TSchema>(codec: ValueCodec<S>, opts: NameOpt = {}): TOptional<S> {
  return childValue(textElementCodec(codec), opts);
}

/** A required `<name>x</name>`. */
export function reqTextChild<S extends TSchema>(codec: ValueCodec<S>, opts: NameOpt = {}): S {
  const c = textElementCodec(codec);
  return withMeta(cloneSchema(c.schema), { kind: 'childValue', xmlName: opts.xml ?? KEY, codec: c });
}

/** Repeated `<name>x</name>` elements. */
export function textChildren<S extends TSchema>(codec: ValueCodec<S>, opts: NameOpt = {}): TOptional<TArray<S>> {
  const c = textElementCodec(codec);
  return withMeta(opt(Type.Array(cloneSchema(c.schema))), { kind: 'childValues', xmlName: opts.xml ?? KEY, codec: c });
}

/** An empty marker element such as `<acpi/>`; `true` when present. */
export function flag(opts: NameOpt = {}): TOptional<TBoolean> {
  return childValue(flagCodec, opts);
}

/** A child element parsed by a custom element codec. */
export function childValue<S extends TSchema>(codec: ElementCodec<S>, opts: NameOpt = {}): TOptional<S> {
  return withMeta(opt(cloneSchema(codec.schema)), { kind: 'childValue', xmlName: opts.xml ?? KEY, codec });
}

/** Repeated child elements parsed by a custom element codec. */
export function childValues<S extends TSchema>(codec: ElementCodec<S>, opts: NameOpt = {}): TOptional<TArray<S>> {
  return withMeta(opt(Type.Array(cloneSchema(codec.schema))), { kind: 'childValues', xmlName: opts.xml ?? KEY, codec });
}

const flagCodec: ElementCodec<TBoolean> = {
  schema: Type.Boolean(),
  describe: 'an empty element',
  parse(el, ctx) {
    if (el.attrs.length) ctx.fail(el, `unsupported attribute '${el.attrs[0].name}'`, { attr: el.attrs[0].name, fix: `<${el.name}/> takes no attributes` });
    if (el.children.some((c) => c.kind === 'element' || (c.kind === 'text' && c.text.trim() !== ''))) {
      ctx.fail(el, 'must be empty', { fix: `write it as <${el.name}/>` });
    }
    return true;
  },
  write(w, name, v) {
    if (v) w.empty(name);
  },
};

export function textElementCodec<S extends TSchema>(codec: ValueCodec<S>): ElementCodec<S> {
  return {
    schema: codec.schema,
    describe: codec.describe,
    parse(el, ctx) {
      if (el.attrs.length) ctx.fail(el, `unsupported attribute '${el.attrs[0].name}'`, { attr: el.attrs[0].name, fix: `<${el.name}> takes only text` });
      const bad = el.children.find((c) => c.kind === 'element');
      if (bad && bad.kind === 'element') ctx.fail(bad, `unexpected element <${bad.name}> inside <${el.name}>`, { fix: `<${el.name}> holds only text` });
      const raw = el.children.map((c) => (c.kind === 'text' ? c.text : '')).join('');
      try {
        return codec.parse(raw);
      } catch (e) {
        return ctx.fail(el, `value '${raw}' ${(e as Error).message}`);
      }
    },
    write(w, name, v) {
      w.text(name, codec.format(v));
    },
  };
}

/** A shallow copy, so each use of a shared schema carries its own XML metadata. */
function cloneSchema<S extends TSchema>(s: S): S {
  const copy = { ...s } as S;
  delete (copy as unknown as Record<symbol, unknown>)[XML_META];
  return copy;
}

export type { TUnsafe };
