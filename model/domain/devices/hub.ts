/**
 * `<hub type='usb'>`: a USB hub, giving the guest more USB ports (devices behind it use port
 * paths such as `1.1`, `1.2`).
 *
 *   <hub type='usb'>
 *     <address type='usb' bus='0' port='1'/>
 *   </hub>
 */
import * as X from '../../schema';
import type { Static } from '@sinclair/typebox';
import { deviceInfo } from './device-info';

const { alias, acpi, address } = deviceInfo();

export const Hub = X.element({
  type: X.attr(X.enumOf('usb')),
  alias,
  acpi,
  address,
});
export type Hub = Static<typeof Hub>;
