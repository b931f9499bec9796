/**
 * `<watchdog>`: a hardware watchdog timer and what the host does when the guest stops petting it.
 *
 *   <watchdog model='i6300esb' action='poweroff'/>
 */
import * as X from '../../schema';
import type { Static } from '@sinclair/typebox';
import { deviceInfo } from './device-info';

const { alias, acpi, address } = deviceInfo();

export const Watchdog = X.element({
  model: X.reqAttr(X.enumOf('i6300esb', 'ib700', 'diag288')),
  /** What happens when the timer expires; libvirt's default is `reset`. */
  action: X.attr(X.enumOf('reset', 'shutdown', 'poweroff', 'pause', 'none', 'dump', 'inject-nmi')),
  alias,
  acpi,
  address,
});
export type Watchdog = Static<typeof Watchdog>;
