/**
 * `<launchSecurity>`: memory encryption for confidential guests: AMD SEV (`type='sev'`, with
 * its guest policy and the launch certificate/session blobs) or s390 protected virtualisation
 * (`type='s390-pv'`).
 */
import type { Static } from '@sinclair/typebox';
import * as X from '../schema';

export const LaunchSecurity = X.element(
  {
    type: X.reqAttr(X.enumOf('sev', 's390-pv')),
    /** Include kernel/initrd/cmdline hashes in the SEV measurement. */
    kernelHashes: X.attr(X.yesNo()),
    /** C-bit position in page table entries. */
    cbitpos: X.textChild(X.uint()),
    reducedPhysBits: X.textChild(X.uint()),
    /** SEV guest policy bits, printed as 0x%04x. */
    policy: X.textChild(X.hex(4)),
    handle: X.textChild(X.uint()),
    dhCert: X.textChild(X.str({ trim: true })),
    session: X.textChild(X.str({ trim: true })),
  },
  {
    check(v, el, ctx) {
      if (v.type === 'sev' && v.policy === undefined) ctx.fail(el, "<launchSecurity type='sev'> needs a <policy>", { fix: 'add <policy>0x0003</policy>' });
      if (v.type === 's390-pv') {
        for (const k of ['kernelHashes', 'cbitpos', 'reducedPhysBits', 'policy', 'handle', 'dhCert', 'session']) {
          if (v[k] !== undefined) ctx.fail(el, `<launchSecurity type='s390-pv'> takes no ${k}`, { fix: 'remove it' });
        }
      }
    },
  },
);
export type LaunchSecurity = Static<typeof LaunchSecurity>;
