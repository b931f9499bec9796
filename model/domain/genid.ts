/**
 * `<genid>`: the VM generation id exposed to the guest. `<genid/>` asks for a new random one;
 * the model keeps that request as the empty string (so the document says what was written) and
 * prints it back as `<genid/>`.
 */
import { Type, type TString } from '@sinclair/typebox';
import * as X from '../schema';
import { textContent } from '../xml/dom';

const uuidCodec = X.uuid();

export function genidCodec(): X.ElementCodec<TString> {
  return {
    schema: Type.String({ pattern: '^$|^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$', description: "a UUID, or '' to have one generated" }),
    describe: 'a UUID, or empty to generate one',
    parse(el, ctx) {
      if (el.attrs.length) ctx.fail(el, `unsupported attribute '${el.attrs[0].name}' on <genid>`, { attr: el.attrs[0].name });
      const raw = textContent(el).trim();
      if (raw === '') return '';
      try {
        return uuidCodec.parse(raw);
      } catch (e) {
        return ctx.fail(el, `value '${raw}' of <genid> ${(e as Error).message}`, { fix: 'write <genid/> to have one generated' });
      }
    },
    write(w, name, v) {
      if (v === '') w.empty(name);
      else w.text(name, v);
    },
  };
}
