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
import type { ModelIssue } from '../../errors';
import { deviceInfo } from './device-info';
import { deviceIssue } from './device-issue';
import { usbDisabled, type Controller } from './controller';

const { alias, acpi, address } = deviceInfo();

export const Hub = X.element({
  type: X.attr(X.enumOf('usb')),
  alias,
  acpi,
  address,
});
export type Hub = Static<typeof Hub>;

/** libvirt refuses a USB hub when USB is turned off (`<controller type='usb' model='none'/>`). */
export function validateHubs(hubs: readonly Hub[], controllers: readonly Controller[], label?: string): ModelIssue[] {
  if (!usbDisabled(controllers)) return [];
  const i = hubs.findIndex((h) => (h.type ?? 'usb') === 'usb');
  if (i < 0) return [];
  return [deviceIssue(hubs[i], "Can't add USB hub: USB is disabled for this domain", { label: label ? `${label}/${i}` : undefined, fix: "remove the hub or the USB controller with model='none'" })];
}
