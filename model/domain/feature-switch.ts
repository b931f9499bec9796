/**
 * On/off switches written as an element: `<pmu/>`, `<pmu state='off'/>`. A bare element means
 * on. The value is 'on' or 'off', printed as libvirt does, always with `state`.
 */
import { Type } from '@sinclair/typebox';
import type { ElementCodec } from '../schema';
import type { TEnum } from '../schema';

export function featureSwitch(opts: { stateRequired?: boolean } = {}): ElementCodec<TEnum<'on' | 'off'>> {
  return {
    schema: Type.Union([Type.Literal('on'), Type.Literal('off')]) as unknown as TEnum<'on' | 'off'>,
    describe: "'on' or 'off'",
    parse(el, ctx) {
      let state: 'on' | 'off' | undefined;
      for (const a of el.attrs) {
        if (a.name !== 'state') ctx.fail(el, `unsupported attribute '${a.name}' on <${el.name}>`, { attr: a.name, fix: `<${el.name}> accepts only 'state'` });
        if (a.value !== 'on' && a.value !== 'off') {
          ctx.fail(el, `attribute 'state' has value '${a.value}', which must be one of 'on', 'off'`, { attr: 'state', fix: 'use on or off' });
        }
        state = a.value as 'on' | 'off';
      }
      const kid = el.children.find((c) => c.kind === 'element' || (c.kind === 'text' && c.text.trim() !== ''));
      if (kid) ctx.fail(el, `<${el.name}> must be empty`, { fix: `write it as <${el.name} state='on'/>` });
      if (state === undefined && opts.stateRequired) {
        ctx.fail(el, `missing required attribute 'state' on <${el.name}>`, { fix: `write <${el.name} state='on'/> or state='off'` });
      }
      return state ?? 'on';
    },
    write(w, name, v) {
      w.empty(name, [['state', v]]);
    },
  };
}
