/**
 * `<smartcard>`: a CCID smartcard reader: the host's reader (`host`), three NSS certificates
 * (`host-certificates`), or a remote reader over a character device (`passthrough`).
 *
 *   <smartcard mode='host-certificates'>
 *     <certificate>cert1</certificate>
 *     <certificate>cert2</certificate>
 *     <certificate>cert3</certificate>
 *     <database>/etc/pki/nssdb</database>
 *     <address type='ccid' controller='0' slot='0'/>
 *   </smartcard>
 */
import * as X from '../../schema';
import type { Static } from '@sinclair/typebox';
import { deviceInfo } from './device-info';
import { ChrType, chrSourceProps } from './chardev';

const { alias, acpi, address } = deviceInfo();

export const Smartcard = X.element({
  mode: X.attr(X.enumOf('host', 'host-certificates', 'passthrough')),
  /** passthrough: the character device to the remote reader. */
  type: X.attr(ChrType),
  /** host-certificates: exactly three NSS certificate nicknames. */
  certificates: X.textChildren(X.str(), { xml: 'certificate' }),
  /** host-certificates: NSS database directory (default /etc/pki/nssdb). */
  database: X.textChild(X.str()),
  ...chrSourceProps(),
  alias,
  acpi,
  address,
});
export type Smartcard = Static<typeof Smartcard>;
