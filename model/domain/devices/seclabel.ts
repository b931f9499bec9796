/**
 * A per-device security label override, `<seclabel>` inside a disk or character device
 * `<source>`. It is narrower than the domain-wide `<seclabel>`: either relabelling is turned off
 * (`relabel='no'`), labelling was skipped (`labelskip='yes'`, output only), or a `<label>` is given.
 */
import * as X from '../../schema';
import type { Static } from '@sinclair/typebox';

export const DeviceSeclabel = X.element(
  {
    /** Security driver the override applies to (`selinux`, `dac`, `apparmor`); all drivers when absent. */
    model: X.attr(X.str()),
    /** libvirt always prints it (default `yes`) unless `labelskip` is set. */
    relabel: X.attr(X.yesNo()),
    labelskip: X.attr(X.enumOf('yes')),
    label: X.textChild(X.str({ trim: true })),
  },
  {
    check(v, el, ctx) {
      if (v.labelskip && v.relabel) {
        ctx.fail(el, "'labelskip' and 'relabel' cannot both be given", { attr: 'labelskip', fix: 'keep only one of them' });
      }
      if (v.relabel === 'no' && v.label !== undefined) {
        ctx.fail(el, "a <label> cannot be used with relabel='no'", { attr: 'relabel', fix: "drop the <label> or set relabel='yes'" });
      }
    },
  },
);
export type DeviceSeclabel = Static<typeof DeviceSeclabel>;
