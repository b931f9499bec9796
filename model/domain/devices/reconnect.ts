/**
 * `<reconnect enabled='yes' timeout='10'/>`: how a client-mode socket (character device tcp/unix
 * source, vhost-user disk or interface) reconnects after the peer goes away. `timeout` is seconds.
 */
import * as X from '../../schema';
import type { Static } from '@sinclair/typebox';

export const Reconnect = X.element(
  {
    enabled: X.reqAttr(X.yesNo()),
    /** Seconds between reconnection attempts; required when enabled, ignored (and not printed) otherwise. */
    timeout: X.attr(X.uint()),
  },
  {
    write(w, name, v, writeDefault) {
      // libvirt prints the timeout only when reconnecting is enabled.
      writeDefault(w, name, v.enabled === 'yes' ? v : { enabled: v.enabled });
    },
    check(v, el, ctx) {
      if (v.enabled === 'yes' && v.timeout === undefined) {
        ctx.fail(el, "missing required attribute 'timeout' in element 'reconnect'", { fix: "add timeout='SECONDS' to <reconnect enabled='yes'>" });
      }
    },
  },
);
export type Reconnect = Static<typeof Reconnect>;
