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
import type { ModelIssue } from '../../errors';
import { deviceInfo } from './device-info';
import { deviceIssue } from './device-issue';
import { ChrType, chrSourceProps, validateChrSource } from './chardev';

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

/** The rules libvirt enforces for a smartcard whatever the hypervisor (messages as libvirt words them). */
export function validateSmartcard(card: Smartcard, label?: string): ModelIssue[] {
  if (card.address && card.address.type !== 'ccid') {
    return [deviceIssue(card, "Controllers must use the 'ccid' address type", { label, prop: 'address', xmlName: 'address', fix: "use <address type='ccid' controller='0' slot='0'/>" })];
  }
  if (card.mode === 'host-certificates' && (card.certificates?.length ?? 0) !== 3) {
    return [deviceIssue(card, 'host-certificates mode needs exactly three certificates', { label, fix: 'list three <certificate> nicknames' })];
  }
  if (card.mode === 'passthrough') return validateChrSource(card, { label });
  return [];
}

/**
 * libvirt's generic default for smartcards without an address: the next free slot of CCID
 * controller 0 (in place). The CCID controllers they need are added by applyControllerDefaults.
 */
export function applySmartcardDefaults(cards: Smartcard[]): void {
  for (const card of cards) {
    if (card.address) continue;
    let max = -1;
    for (const c of cards) {
      if (c.address?.type === 'ccid' && (c.address.controller ?? 0) === 0) max = Math.max(max, c.address.slot ?? 0);
    }
    card.address = { type: 'ccid', controller: 0, slot: max + 1 };
  }
}
