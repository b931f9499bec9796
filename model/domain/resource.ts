/** `<resource>`: the cgroup partition the guest is placed in, and its Fibre Channel app id. */
import type { Static } from '@sinclair/typebox';
import * as X from '../schema';

export const Resource = X.element({
  /** Absolute cgroup partition path such as `/machine`. */
  partition: X.textChild(X.str({ pattern: '^/', describe: 'an absolute path', trim: true })),
  fibrechannel: X.child(X.element({ appid: X.reqAttr(X.str({ pattern: '^[\\x20-\\x7E]{1,128}$', describe: '1 to 128 printable ASCII characters' })) })),
});
export type Resource = Static<typeof Resource>;
