/**
 * `<redirdev>`: a USB device redirected from a remote client over a character device (SPICE
 * `spicevmc`, or a usbredir TCP/unix socket).
 *
 *   <redirdev bus='usb' type='spicevmc'>
 *     <address type='usb' bus='0' port='3'/>
 *   </redirdev>
 */
import * as X from '../../schema';
import type { Static } from '@sinclair/typebox';
import { deviceInfo } from './device-info';
import { ChrType, chrSourceProps } from './chardev';

const { boot, alias, acpi, address } = deviceInfo();

export const Redirdev = X.element({
  bus: X.attr(X.enumOf('usb')),
  /** The character device carrying the usbredir protocol. */
  type: X.attr(ChrType),
  ...chrSourceProps(),
  boot,
  alias,
  acpi,
  address,
});
export type Redirdev = Static<typeof Redirdev>;
