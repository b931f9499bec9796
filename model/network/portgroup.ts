/** `<portgroup>`: a named set of port settings guests can pick from. */
import type { Static } from '@sinclair/typebox';
import * as X from '../schema';
import { VirtualPort } from './virtualport';
import { Bandwidth } from './bandwidth';
import { Vlan } from './vlan';

/** libvirt prints `<portgroup>` with an opening and a closing tag even when it is empty. */
export const Portgroup = X.element(
  {
    name: X.reqAttr(X.str({ pattern: '^[a-zA-Z0-9_.\\-\\\\:/]+$', describe: 'a name of letters, digits and _ . - : /' })),
    /** 'yes' for the group guests get when they name none; 'no' is the same as absent. */
    default: X.attr(X.yesNo()),
    trustGuestRxFilters: X.attr(X.yesNo()),
    vlan: X.child(Vlan),
    virtualport: X.child(VirtualPort),
    bandwidth: X.child(Bandwidth),
  },
  { neverSelfClose: true },
);
export type Portgroup = Static<typeof Portgroup>;
