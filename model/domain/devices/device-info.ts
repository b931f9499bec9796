/**
 * What every device carries at its end, in libvirt's order: boot order, alias, USB master,
 * ROM, ACPI index, and the bus address. Spread `...deviceInfo()` as the LAST properties of a
 * device element so the output order matches libvirt.
 */
import * as X from '../../schema';
import type { Static } from '@sinclair/typebox';

export const AddressType = X.enumOf(
  'pci', 'drive', 'virtio-serial', 'ccid', 'usb', 'spapr-vio', 'ccw', 'virtio-mmio', 'isa', 'dimm', 'unassigned', 's390',
);

/** zPCI extension of a PCI address (s390). */
export const Zpci = X.element({
  uid: X.attr(X.hex(4)),
  fid: X.attr(X.hex(8)),
});

const num = () => X.uint({ anyBase: true });
const hexStr = (n: number | undefined, width = 0) => (n === undefined ? undefined : '0x' + n.toString(16).padStart(width, '0'));

/**
 * A device address. One element covers every `type`; which attributes apply depends on it.
 * Numbers are parsed in any base (libvirt uses strtol base 0 for these) and printed the way
 * libvirt prints each type: PCI in fixed-width hex, drive/virtio-serial/usb in decimal.
 */
export const Address = X.element(
  {
    type: X.reqAttr(AddressType),
    domain: X.attr(num()),
    controller: X.attr(num()),
    bus: X.attr(num()),
    slot: X.attr(num()),
    function: X.attr(num()),
    target: X.attr(num()),
    unit: X.attr(num()),
    /** virtio-serial port number, or a USB port path such as `1.2`. */
    port: X.attr(X.str()),
    multifunction: X.attr(X.onOff()),
    reg: X.attr(num()),
    cssid: X.attr(num()),
    ssid: X.attr(num()),
    devno: X.attr(num()),
    iobase: X.attr(num()),
    irq: X.attr(num()),
    base: X.attr(num()),
    zpci: X.child(Zpci),
  },
  {
    write(w, name, a: Record<string, any>, writeDefault) {
      let attrs: [string, string | number | undefined][];
      switch (a.type) {
        case 'pci':
          attrs = [
            ['domain', hexStr(a.domain, 4)],
            ['bus', hexStr(a.bus, 2)],
            ['slot', hexStr(a.slot, 2)],
            ['function', hexStr(a.function, 1)],
            ['multifunction', a.multifunction],
          ];
          break;
        case 'drive':
          attrs = [['controller', a.controller], ['bus', a.bus], ['target', a.target], ['unit', a.unit]];
          break;
        case 'virtio-serial':
          attrs = [['controller', a.controller], ['bus', a.bus], ['port', a.port]];
          break;
        case 'ccid':
          attrs = [['controller', a.controller], ['slot', a.slot]];
          break;
        case 'usb':
          attrs = [['bus', a.bus], ['port', a.port]];
          break;
        case 'spapr-vio':
          attrs = [['reg', hexStr(a.reg, 8)]];
          break;
        case 'ccw':
          attrs = [['cssid', hexStr(a.cssid)], ['ssid', hexStr(a.ssid)], ['devno', hexStr(a.devno, 4)]];
          break;
        case 'isa':
          attrs = [['iobase', hexStr(a.iobase)], ['irq', hexStr(a.irq)]];
          break;
        case 'dimm':
          attrs = [['slot', a.slot], ['base', hexStr(a.base)]];
          break;
        default:
          return writeDefault(w, name, { type: a.type });
      }
      const all: [string, string | number | undefined][] = [['type', a.type], ...attrs];
      if (a.zpci) {
        w.start(name, all);
        X.writeObject(w, 'zpci', Zpci, a.zpci);
        w.end();
      } else {
        w.empty(name, all);
      }
    },
  },
);
export type Address = Static<typeof Address>;

export const Boot = X.element({
  order: X.reqAttr(X.uint({ min: 1 })),
  loadparm: X.attr(X.str()),
});

export const Alias = X.element({ name: X.reqAttr(X.str()) });

export const UsbMaster = X.element({ startport: X.attr(X.uint()) });

export const Rom = X.element({
  bar: X.attr(X.onOff()),
  file: X.attr(X.str()),
  enabled: X.attr(X.yesNo()),
});

export const AcpiIndex = X.element({ index: X.reqAttr(X.uint({ min: 1 })) });

/** The trailing device-info properties; spread them last in a device element. */
export function deviceInfo() {
  return {
    boot: X.child(Boot),
    alias: X.child(Alias),
    master: X.child(UsbMaster),
    rom: X.child(Rom),
    acpi: X.child(AcpiIndex),
    address: X.child(Address),
  };
}
