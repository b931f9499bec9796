/** `<keywrap>`: s390 AES/DEA protected-key wrapping for the guest's crypto functions. */
import type { Static } from '@sinclair/typebox';
import * as X from '../schema';

export const KeywrapCipher = X.element({
  name: X.reqAttr(X.enumOf('aes', 'dea')),
  state: X.reqAttr(X.onOff()),
});
export const Keywrap = X.element(
  { ciphers: X.children(KeywrapCipher, { xml: 'cipher' }) },
  {
    check(v, el, ctx) {
      const seen = new Set<string>();
      for (const c of (v.ciphers ?? []) as Static<typeof KeywrapCipher>[]) {
        if (seen.has(c.name)) ctx.fail(el, `cipher '${c.name}' appears more than once in <keywrap>`, { fix: 'keep one <cipher> per name' });
        seen.add(c.name);
      }
    },
  },
);
export type Keywrap = Static<typeof Keywrap>;
