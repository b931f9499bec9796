/**
 * Value codecs: how one attribute value or text node becomes a typed value and back.
 * A codec carries its JSON Schema (TypeBox) so the TypeScript type, the ajv schema and the XML
 * mapping all come from one definition.
 */
import { Type, type TSchema, type Static, type TString, type TInteger, type TUnion, type TLiteral, type TBoolean } from '@sinclair/typebox';

/** Thrown by a codec; the binder adds the file, line and XML path. */
export class CodecError extends Error {
  constructor(readonly rule: string, readonly fix?: string) {
    super(rule);
  }
}

export interface ValueCodec<S extends TSchema = TSchema> {
  readonly schema: S;
  /** The rule in words, used in messages: "an unsigned integer", "one of 'yes', 'no'". */
  readonly describe: string;
  parse(raw: string): Static<S>;
  format(value: Static<S>): string;
}

function codec<S extends TSchema>(c: ValueCodec<S>): ValueCodec<S> {
  return c;
}

export interface StringOpts {
  readonly pattern?: string;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly describe?: string;
  /** Strip leading and trailing whitespace when parsing (libvirt does for most text nodes). */
  readonly trim?: boolean;
}

export function str(opts: StringOpts = {}): ValueCodec<TString> {
  const schema = Type.String({
    ...(opts.pattern ? { pattern: opts.pattern } : {}),
    ...(opts.minLength !== undefined ? { minLength: opts.minLength } : {}),
    ...(opts.maxLength !== undefined ? { maxLength: opts.maxLength } : {}),
  });
  const re = opts.pattern ? new RegExp(opts.pattern) : undefined;
  const describe = opts.describe ?? (opts.pattern ? `a string matching /${opts.pattern}/` : 'a string');
  return codec({
    schema,
    describe,
    parse(raw) {
      const v = opts.trim ? raw.trim() : raw;
      if (re && !re.test(v)) throw new CodecError(`must be ${describe}`);
      if (opts.minLength !== undefined && v.length < opts.minLength) throw new CodecError(`must be at least ${opts.minLength} characters long`);
      if (opts.maxLength !== undefined && v.length > opts.maxLength) throw new CodecError(`must be at most ${opts.maxLength} characters long`);
      return v;
    },
    format: (v) => v,
  });
}

export type TEnum<V extends string> = TUnion<TLiteral<V>[]>;

export function enumOf<const T extends readonly [string, ...string[]]>(...values: T): ValueCodec<TEnum<T[number]>> {
  const schema = Type.Union(values.map((v) => Type.Literal(v))) as unknown as TEnum<T[number]>;
  const describe = `one of ${values.map((v) => `'${v}'`).join(', ')}`;
  return codec({
    schema,
    describe,
    parse(raw) {
      if (!(values as readonly string[]).includes(raw)) throw new CodecError(`must be ${describe}`, `use one of ${values.join(', ')}`);
      return raw as T[number];
    },
    format: (v) => v as string,
  });
}

export const yesNo = () => enumOf('yes', 'no');
export const onOff = () => enumOf('on', 'off');

export interface IntOpts {
  readonly min?: number;
  readonly max?: number;
  /** Accept `0x` hex and leading-0 octal as C's strtol with base 0 does. */
  readonly anyBase?: boolean;
}

function parseInteger(raw: string, anyBase: boolean): number | undefined {
  const s = raw.trim();
  if (/^[+-]?\d+$/.test(s)) {
    if (anyBase && /^[+-]?0\d+$/.test(s)) return parseInt(s, 8);
    return parseInt(s, 10);
  }
  if (anyBase && /^[+-]?0[xX][0-9a-fA-F]+$/.test(s)) return parseInt(s, 16);
  return undefined;
}

function intCodec(describe: string, signed: boolean, opts: IntOpts): ValueCodec<TInteger> {
  const min = opts.min ?? (signed ? undefined : 0);
  const schema = Type.Integer({ ...(min !== undefined ? { minimum: min } : {}), ...(opts.max !== undefined ? { maximum: opts.max } : {}) });
  let rule = describe;
  if (opts.min !== undefined && opts.max !== undefined) rule += ` in the range [${opts.min}, ${opts.max}]`;
  else if (opts.max !== undefined) rule += ` no greater than ${opts.max}`;
  else if (opts.min !== undefined && opts.min !== 0) rule += ` of at least ${opts.min}`;
  return codec({
    schema,
    describe: rule,
    parse(raw) {
      const n = parseInteger(raw, !!opts.anyBase);
      if (n === undefined || !Number.isSafeInteger(n)) throw new CodecError(`must be ${rule}`);
      if (min !== undefined && n < min) throw new CodecError(`must be ${rule}`);
      if (opts.max !== undefined && n > opts.max) throw new CodecError(`must be ${rule}`);
      return n;
    },
    format: (v) => String(v),
  });
}

export const uint = (opts: IntOpts = {}) => intCodec('an unsigned integer', false, opts);
export const int = (opts: IntOpts = {}) => intCodec('an integer', true, opts);

/** An integer written as `0x` hex with at least `width` digits (PCI address fields). */
export function hex(width: number, opts: IntOpts = {}): ValueCodec<TInteger> {
  const base = intCodec('an integer', false, { ...opts, anyBase: true });
  return codec({
    schema: base.schema,
    describe: base.describe,
    parse: base.parse,
    format: (v) => '0x' + v.toString(16).padStart(width, '0'),
  });
}

export function bool(trueWord: string, falseWord: string): ValueCodec<TBoolean> {
  return codec({
    schema: Type.Boolean(),
    describe: `'${trueWord}' or '${falseWord}'`,
    parse(raw) {
      if (raw === trueWord) return true;
      if (raw === falseWord) return false;
      throw new CodecError(`must be '${trueWord}' or '${falseWord}'`);
    },
    format: (v) => (v ? trueWord : falseWord),
  });
}

const UUID_HEX = /^[0-9a-fA-F]{32}$/;

/** A UUID; libvirt accepts dashes anywhere and prints the canonical 8-4-4-4-12 lowercase form. */
export function uuid(): ValueCodec<TString> {
  return codec({
    schema: Type.String({ pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' }),
    describe: 'a UUID (32 hex digits, e.g. 4dea22b3-1d52-d8f3-2516-782e98ab3fa0)',
    parse(raw) {
      const hexOnly = raw.trim().replace(/[-\s]/g, '');
      if (!UUID_HEX.test(hexOnly)) throw new CodecError('must be a UUID (32 hex digits, e.g. 4dea22b3-1d52-d8f3-2516-782e98ab3fa0)');
      const h = hexOnly.toLowerCase();
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
    },
    format: (v) => v,
  });
}

/** A MAC address `aa:bb:cc:dd:ee:ff`; printed lowercase with two digits per byte, as libvirt does. */
export function mac(): ValueCodec<TString> {
  return codec({
    schema: Type.String({ pattern: '^[0-9a-f]{2}(:[0-9a-f]{2}){5}$' }),
    describe: 'a MAC address (six hex bytes separated by colons)',
    parse(raw) {
      const parts = raw.trim().split(/[:-]/);
      if (parts.length !== 6 || parts.some((p) => !/^[0-9a-fA-F]{1,2}$/.test(p))) {
        throw new CodecError('must be a MAC address (six hex bytes separated by colons, e.g. 52:54:00:12:34:56)');
      }
      return parts.map((p) => p.toLowerCase().padStart(2, '0')).join(':');
    },
    format: (v) => v,
  });
}
