/**
 * USB redirection: the chardev carrying usbredir (SPICE `spicevmc` name=usbredir, or a socket),
 * then a `usb-redir` device with the domain's redirection filter:
 *
 *   -chardev spicevmc,id=charredir0,name=usbredir
 *   -device {"driver":"usb-redir","chardev":"charredir0","id":"redir0",
 *            "filter":"0x08:0x15E1:0x2007:0x0109:1|-1:-1:-1:-1:0","bus":"usb.0","port":"1"}
 *
 * Owner: devices engineer.
 */
import type { Domain } from '../../../../model/domain/domain';
import type { Redirfilter } from '../../../../model/domain/devices/redirfilter';
import type { QemuCommandLine } from '../command-line';
import type { ArgvContext } from '../context';
import type { ArgvState } from '../build';
import { addChardev } from '../chardev-backend';
import { addAddressProps } from '../device-address';
import { addDeviceJson } from '../device-json';

const hex = (n: number, width: number): string => `0x${n.toString(16).toUpperCase().padStart(width, '0')}`;

/** `M.mm` (a USB release) as the 16-bit BCD number usbredir filters compare. */
function usbVersion(v: string): string {
  const [major, minor] = v.split('.');
  return `0x${(major.padStart(2, '0') + (minor ?? '00')).toUpperCase()}`;
}

/** usbredir's filter string: `class:vendor:product:version:allow` rules joined with `|` (-1 = any). */
export function redirFilterString(filter: Redirfilter | undefined): string | undefined {
  const rules = filter?.usbdevs ?? [];
  if (!rules.length) return undefined;
  return rules
    .map((r) => {
      const cls = r.class === undefined || r.class < 0 ? '-1' : hex(r.class, 2);
      const vendor = r.vendor === undefined || r.vendor < 0 ? '-1' : hex(r.vendor, 4);
      const product = r.product === undefined || r.product < 0 ? '-1' : hex(r.product, 4);
      const version = r.version === undefined || r.version === '-1' ? '-1' : usbVersion(r.version);
      return `${cls}:${vendor}:${product}:${version}:${r.allow === 'yes' ? 1 : 0}`;
    })
    .join('|');
}

export function buildRedirdevs(cmd: QemuCommandLine, def: Domain, ctx: ArgvContext, state: ArgvState): void {
  const filter = redirFilterString(def.devices?.redirfilter);
  (def.devices?.redirdevs ?? []).forEach((dev, i) => {
    const alias = dev.alias?.name ?? `redir${i}`;
    const charId = `char${alias}`;
    addChardev(cmd, dev, charId, ctx, state, { deviceAlias: alias, passFds: true, spicevmc: 'usbredir', tlsAllowed: true });
    const props: Record<string, unknown> = { driver: 'usb-redir', chardev: charId, id: alias };
    if (filter) props.filter = filter;
    if (dev.boot?.order !== undefined) props.bootindex = dev.boot.order;
    addDeviceJson(cmd, def, addAddressProps(props, def, dev));
  });
}
