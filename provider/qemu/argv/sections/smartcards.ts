/**
 * The smartcard reader's card (QEMU has one CCID slot: controller 0, slot 0; the `usb-ccid`
 * controller is added with the controllers):
 *
 *   host               {"driver":"ccid-card-emulated","backend":"nss-emulated","id":"smartcard0","bus":"ccid0.0"}
 *   host-certificates  {"driver":"ccid-card-emulated","backend":"certificates","cert1":"a","cert2":"b","cert3":"c","db":"/etc/pki/nssdb",...}
 *   passthrough        -chardev ... + {"driver":"ccid-card-passthru","chardev":"charsmartcard0",...}
 *
 * Owner: devices engineer.
 */
import type { Domain } from '../../../../model/domain/domain';
import type { QemuCommandLine } from '../command-line';
import type { ArgvContext } from '../context';
import type { ArgvState } from '../build';
import { addChardev } from '../chardev-backend';
import { controllerAlias } from '../device-address';
import { addDeviceJson } from '../device-json';
import { unsupported } from '../../validate/errors';

/** NSS database of certificate-backed cards without `<database>`. */
export const DEFAULT_SMARTCARD_DATABASE = '/etc/pki/nssdb';

export function buildSmartcards(cmd: QemuCommandLine, def: Domain, ctx: ArgvContext, state: ArgvState): void {
  const cards = def.devices?.smartcards ?? [];
  if (!cards.length) return;
  const card = cards[0];
  const a = card.address;
  if (cards.length > 1 || a?.type !== 'ccid' || (a.controller ?? 0) !== 0 || (a.slot ?? 0) !== 0) {
    throw unsupported('this QEMU binary lacks multiple smartcard support');
  }
  const alias = card.alias?.name ?? 'smartcard0';
  let props: Record<string, unknown>;
  switch (card.mode ?? 'host') {
    case 'host':
      props = { driver: 'ccid-card-emulated', backend: 'nss-emulated' };
      break;
    case 'host-certificates': {
      const certs = card.certificates ?? [];
      props = {
        driver: 'ccid-card-emulated',
        backend: 'certificates',
        cert1: certs[0],
        cert2: certs[1],
        cert3: certs[2],
        db: card.database ?? DEFAULT_SMARTCARD_DATABASE,
      };
      break;
    }
    case 'passthrough':
      addChardev(cmd, card, `char${alias}`, ctx, state, { deviceAlias: alias, passFds: true, spicevmc: 'smartcard', tlsAllowed: true });
      props = { driver: 'ccid-card-passthru', chardev: `char${alias}` };
      break;
  }
  props.id = alias;
  props.bus = `${controllerAlias(def, 'ccid', a.controller ?? 0)}.0`;
  addDeviceJson(cmd, def, props);
}
