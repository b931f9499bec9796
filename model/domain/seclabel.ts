/**
 * Domain-wide security labels (`<seclabel>`), one per security driver (selinux, apparmor, dac).
 * `dynamic` lets the driver pick a label (optionally from `baselabel`), `static` uses `label`,
 * `none` disables confinement.
 */
import type { Static } from '@sinclair/typebox';
import * as X from '../schema';

export const Seclabel = X.element(
  {
    type: X.attr(X.enumOf('dynamic', 'static', 'none')),
    model: X.attr(X.str()),
    relabel: X.attr(X.yesNo()),
    label: X.textChild(X.str({ trim: true })),
    imagelabel: X.textChild(X.str({ trim: true })),
    baselabel: X.textChild(X.str({ trim: true })),
  },
  {
    check(v, el, ctx) {
      const type = v.type ?? 'dynamic';
      if (type === 'static' && v.label === undefined) ctx.fail(el, "a static <seclabel> needs a <label>", { fix: "add <label>...</label> or use type='dynamic'" });
      if (type === 'dynamic' && v.relabel === 'no') ctx.fail(el, "relabel='no' is not allowed with a dynamic <seclabel>", { attr: 'relabel', fix: "use relabel='yes' or type='static'" });
      if (type === 'none' && v.relabel === 'yes') ctx.fail(el, "relabel='yes' is not allowed with <seclabel type='none'>", { attr: 'relabel' });
      if (type !== 'dynamic' && v.baselabel !== undefined) ctx.fail(el, `a <baselabel> needs type='dynamic', not '${type}'`, { attr: 'type' });
    },
  },
);
export type Seclabel = Static<typeof Seclabel>;
