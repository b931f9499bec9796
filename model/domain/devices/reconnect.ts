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
        ctx.fail(el, 'missing timeout for chardev with reconnect enabled', { fix: "add timeout='SECONDS' to <reconnect enabled='yes'>" });
      }
      if (v.enabled === 'yes' && v.timeout === 0) {
        ctx.fail(el, "chardev reconnect source timeout cannot be '0'", { attr: 'timeout', fix: 'use a timeout of at least 1 second' });
      }
    },
  },
);
export type Reconnect = Static<typeof Reconnect>;
