/** Element codecs shared by the documents: scaled sizes and opaque subtrees. */
import { Type, type TInteger, type TUnsafe } from '@sinclair/typebox';
import type { ElementCodec } from './dsl';
import type { XmlElement } from '../xml/dom';

/** Bytes per unit name, as libvirt's scaled integers accept them (`KiB`, `k`, `KB`, `M`, `bytes`...). */
export function unitMultiplier(unit: string): number | undefined {
  if (unit === '') return undefined;
  const u = unit.toLowerCase();
  if (u === 'b' || u === 'byte' || u === 'bytes') return 1;
  const powers = 'kmgtpe';
  const i = powers.indexOf(u[0]);
  if (i < 0) return undefined;
  const rest = u.slice(1);
  if (rest === '' || rest === 'ib') return 1024 ** (i + 1);
  if (rest === 'b') return 1000 ** (i + 1);
  return undefined;
}

export interface ScaledOpts {
  /** The unit values are stored in and printed with: 'KiB' for domain memory, 'bytes' for storage. */
  readonly canonical: 'KiB' | 'bytes' | 'MiB';
  /** The unit assumed when the element has no unit attribute. */
  readonly defaultUnit?: string;
  /** Print the unit attribute (`<memory unit='KiB'>`). */
  readonly printUnit?: boolean;
  /**
   * The unit name printed when it differs from `canonical`'s spelling: libvirt prints volume
   * sizes as `unit='bytes'` but a qcow2 cluster size as `unit='B'`, both in bytes.
   */
  readonly printedUnit?: string;
}

const CANONICAL_BYTES = { KiB: 1024, bytes: 1, MiB: 1024 * 1024 } as const;

/** `<memory unit='MiB'>512</memory>` ⇄ 524288 (KiB). Values are rounded up to the canonical unit. */
export function scaled(opts: ScaledOpts): ElementCodec<TInteger> {
  const canon = CANONICAL_BYTES[opts.canonical];
  return {
    schema: Type.Integer({ minimum: 0, description: `size in ${opts.canonical}` }),
    describe: `a size in ${opts.canonical}`,
    parse(el: XmlElement, ctx) {
      let unit = opts.defaultUnit ?? opts.canonical;
      for (const a of el.attrs) {
        if (a.name === 'unit') unit = a.value;
        else if (!a.name.startsWith('xmlns')) ctx.fail(el, `unsupported attribute '${a.name}' on <${el.name}>`, { attr: a.name, fix: `<${el.name}> accepts only 'unit'` });
      }
      const mult = unitMultiplier(unit);
      if (mult === undefined) {
        return ctx.fail(el, `unknown unit '${unit}'`, { attr: 'unit', fix: 'use one of bytes, KiB, MiB, GiB, TiB (powers of 1024) or KB, MB, GB, TB (powers of 1000)' });
      }
      const raw = el.children.map((c) => (c.kind === 'text' ? c.text : '')).join('').trim();
      if (!/^\d+$/.test(raw)) ctx.fail(el, `value '${raw}' of <${el.name}> must be a non-negative integer`, { fix: `write e.g. <${el.name} unit='${opts.canonical}'>1024</${el.name}>` });
      const bytes = BigInt(raw) * BigInt(mult);
      const value = (bytes + BigInt(canon) - 1n) / BigInt(canon);
      if (value > BigInt(Number.MAX_SAFE_INTEGER)) ctx.fail(el, `value '${raw}' ${unit} of <${el.name}> is too large`);
      return Number(value);
    },
    write(w, name, v) {
      w.text(name, v, opts.printUnit === false ? [] : [['unit', opts.printedUnit ?? opts.canonical]]);
    },
  };
}

/** Opaque element children, kept as parsed XML and re-emitted libxml2-style (`<metadata>`). */
export function opaqueChildren(): ElementCodec<TUnsafe<XmlElement[]>> {
  return {
    schema: Type.Unsafe<XmlElement[]>({ type: 'array' }),
    describe: 'arbitrary XML elements',
    parse(el) {
      return el.children.filter((c): c is XmlElement => c.kind === 'element');
    },
    write(w, name, v) {
      if (!v.length) {
        w.empty(name);
        return;
      }
      w.start(name);
      for (const c of v) w.raw(c);
      w.end();
    },
  };
}
