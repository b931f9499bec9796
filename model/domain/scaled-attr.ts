/**
 * Sizes written as a number plus a `unit` attribute on the same element, e.g.
 * `<page size='1' unit='G'/>`, `<cell memory='512' unit='MiB'/>`, `<memory unit='MiB'>512</memory>`.
 * Such elements are ordinary DSL elements; these options normalise the number into a canonical
 * unit right after parsing (and again when formatting objects built in code), the way libvirt
 * stores and prints them: `<page size='1048576' unit='KiB'/>`.
 */
import * as X from '../schema';
import type { ElementOptions } from '../schema';

/** The unit a size is stored in, and the name libvirt prints for it. */
export type CanonicalUnit = 'KiB' | 'B';
const UNIT_BYTES: Record<CanonicalUnit, number> = { KiB: 1024, B: 1 };

/** The unit attribute's codec: any unit libvirt's scaled integers accept. */
export const unitName = () =>
  X.str({ pattern: '^(([bB]([yY][tT][eE][sS]?)?)|([kKmMgGtTpPeE]([iI]?[bB])?))$', describe: 'a size unit such as KiB, MiB, GiB, KB, bytes' });

export interface ScaledSpec {
  /** Property holding the number (an attribute or the element text). */
  readonly value: string;
  /** Property holding the unit attribute. */
  readonly unit: string;
  readonly canonical: CanonicalUnit;
  /** Unit assumed when the attribute is absent (libvirt: KiB for memory sizes). */
  readonly defaultUnit?: string;
  /** Print the largest unit that divides the size exactly (cache sizes), instead of `canonical`. */
  readonly pretty?: boolean;
}

/** Converts `n unit` into the canonical unit, rounding up like libvirt; undefined for a bad unit. */
export function toCanonical(n: number, unit: string, canonical: CanonicalUnit): number | undefined {
  const mult = X.unitMultiplier(unit);
  if (mult === undefined) return undefined;
  const bytes = BigInt(n) * BigInt(mult);
  const c = BigInt(UNIT_BYTES[canonical]);
  const v = (bytes + c - 1n) / c;
  return v > BigInt(Number.MAX_SAFE_INTEGER) ? undefined : Number(v);
}

const PRETTY = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];

/** `size` bytes in the largest binary unit that divides it exactly (3145728 → [3, 'MiB']). */
export function prettySize(bytes: number): [number, string] {
  let i = 0;
  let v = bytes;
  while (i < PRETTY.length - 1 && v !== 0 && v % 1024 === 0) {
    v /= 1024;
    i++;
  }
  return [v, PRETTY[i]];
}

function normalise(v: Record<string, unknown>, spec: ScaledSpec): boolean {
  if (typeof v[spec.value] !== 'number') return true;
  const unit = (v[spec.unit] as string | undefined) ?? spec.defaultUnit ?? spec.canonical;
  const n = toCanonical(v[spec.value] as number, unit, spec.canonical);
  if (n === undefined) return false;
  v[spec.value] = n;
  v[spec.unit] = spec.canonical;
  return true;
}

/** Element options that keep `spec.value` in `spec.canonical` units. Combine with other options via `extra`. */
export function scaledOptions(spec: ScaledSpec, extra: ElementOptions = {}): ElementOptions {
  return {
    ...extra,
    check(v, el, ctx) {
      const given = v[spec.value];
      if (!normalise(v, spec)) {
        ctx.fail(el, `value '${given}' ${v[spec.unit]} of <${el.name}> is too large`, { attr: spec.unit });
      }
      extra.check?.(v, el, ctx);
    },
    write(w, name, v, writeDefault) {
      const copy: Record<string, unknown> = { ...v };
      normalise(copy, spec);
      if (spec.pretty && typeof copy[spec.value] === 'number') {
        const [n, u] = prettySize((copy[spec.value] as number) * UNIT_BYTES[spec.canonical]);
        copy[spec.value] = n;
        copy[spec.unit] = u;
      }
      if (extra.write) extra.write(w, name, copy, writeDefault);
      else writeDefault(w, name, copy);
    },
  };
}
