/** `<idmap>`: user/group id maps for container guests (user namespaces). */
import type { Static } from '@sinclair/typebox';
import * as X from '../schema';

export const IdRange = X.element({
  start: X.reqAttr(X.uint()),
  target: X.reqAttr(X.uint()),
  count: X.reqAttr(X.uint()),
});
export const Idmap = X.element({
  uids: X.children(IdRange, { xml: 'uid' }),
  gids: X.children(IdRange, { xml: 'gid' }),
});
export type Idmap = Static<typeof Idmap>;
