/**
 * `<redirfilter>`: which USB devices may be redirected, as an ordered list of `<usbdev>` rules;
 * the first matching rule wins. Unset (or `-1`) fields match anything.
 *
 *   <redirfilter>
 *     <usbdev class='0x08' vendor='0x15E1' product='0x2007' version='1.10' allow='yes'/>
 *     <usbdev allow='no'/>
 *   </redirfilter>
 */
import * as X from '../../schema';
import { Type, type Static, type TInteger, type TString } from '@sinclair/typebox';

/** A USB id printed as libvirt does: `0x` and upper-case hex of `width` digits; `-1` means any. */
function usbIdCodec(width: number, max: number): X.ValueCodec<TInteger> {
  return {
    schema: Type.Integer({ minimum: -1, maximum: max }),
    describe: `a hex id such as 0x${'0'.repeat(width)}, or -1 for any`,
    parse(raw) {
      const s = raw.trim();
      if (s === '-1') return -1;
      const n = /^0[xX][0-9a-fA-F]+$/.test(s) ? parseInt(s, 16) : /^\d+$/.test(s) ? parseInt(s, 10) : NaN;
      if (!Number.isInteger(n) || n < 0 || n > max) throw new X.CodecError(`must be a hex id no greater than 0x${max.toString(16)}, or -1 for any`);
      return n;
    },
    format: (v) => '0x' + v.toString(16).toUpperCase().padStart(width, '0'),
  };
}

/**
 * A USB device release `major.minor` (BCD). A one-digit minor is tens (`9.4` is 9.40), as libvirt
 * reads it; stored and printed as `9.40`. `-1` means any.
 */
function usbVersionCodec(): X.ValueCodec<TString> {
  return {
    schema: Type.String({ pattern: '^(-1|[0-9a-fA-F]{1,2}\\.[0-9a-fA-F]{2})$' }),
    describe: 'a USB release such as 2.00, or -1 for any',
    parse(raw) {
      const s = raw.trim();
      if (s === '-1') return s;
      const m = /^([0-9a-fA-F]{1,2})\.([0-9a-fA-F]{1,2})$/.exec(s);
      if (!m) throw new X.CodecError('must be a USB release such as 2.00, or -1 for any');
      const minor = m[2].length === 1 ? `${m[2]}0` : m[2];
      return `${parseInt(m[1], 16).toString(16)}.${minor.toLowerCase()}`;
    },
    format: (v) => v,
  };
}

export const UsbDevFilter = X.element(
  {
    class: X.attr(usbIdCodec(2, 0xff)),
    vendor: X.attr(usbIdCodec(4, 0xffff)),
    product: X.attr(usbIdCodec(4, 0xffff)),
    version: X.attr(usbVersionCodec()),
    allow: X.reqAttr(X.yesNo()),
  },
  {
    write(w, name, v: Record<string, unknown>, writeDefault) {
      // -1 ("any") is how libvirt reads an absent field; it prints nothing for it.
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) if (x !== -1 && x !== '-1') out[k] = x;
      writeDefault(w, name, out);
    },
  },
);
export type UsbDevFilter = Static<typeof UsbDevFilter>;

export const Redirfilter = X.element({
  usbdevs: X.children(UsbDevFilter, { xml: 'usbdev' }),
});
export type Redirfilter = Static<typeof Redirfilter>;
