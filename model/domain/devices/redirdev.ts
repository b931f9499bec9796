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
import type { ModelIssue } from '../../errors';
import { deviceInfo } from './device-info';
import { deviceIssue } from './device-issue';
import { ChrType, chrSourceProps, validateChrSource } from './chardev';
import { usbDisabled, type Controller } from './controller';

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

/**
 * The rules libvirt enforces for redirected devices whatever the hypervisor: USB must not be
 * turned off (`<controller type='usb' model='none'/>`), and the character device source must be
 * complete (messages as libvirt words them).
 */
export function validateRedirdevs(redirdevs: readonly Redirdev[], controllers: readonly Controller[], label?: string): ModelIssue[] {
  for (const [i, r] of redirdevs.entries()) {
    const lab = label ? `${label}/${i}` : undefined;
    if ((r.bus ?? 'usb') === 'usb' && usbDisabled(controllers)) {
      return [deviceIssue(r, 'cannot add redirected USB device: USB is disabled for this domain', { label: lab, fix: "remove the redirdev or the USB controller with model='none'" })];
    }
    const src = validateChrSource(r, { label: lab });
    if (src.length) return src;
  }
  return [];
}
