/**
 * Serial ports: each port's `-chardev`, then its frontend device:
 *
 *   {"driver":"isa-serial","chardev":"charserial0","id":"serial0","index":0}     (x86 default)
 *   {"driver":"pci-serial","chardev":"charserial0","id":"serial0","bus":"pci.0","addr":"0x3"}
 *   {"driver":"usb-serial",...,"bus":"usb.0","port":"1"}, spapr-vty, sclpconsole, isa-debugcon
 *
 * Ports of platform UARTs (pl011, 16550a) are not `-device`s: `-serial chardev:charserial0`.
 * A `spiceport` serial without SPICE graphics has nothing to talk to and is left out.
 *
 * Owner: devices engineer.
 */
import type { Domain } from '../../../../model/domain/domain';
import type { Serial } from '../../../../model/domain/devices/serial';
import type { QemuCommandLine } from '../command-line';
import type { ArgvContext } from '../context';
import type { ArgvState } from '../build';
import { addChardev } from '../chardev-backend';
import { addAddressProps } from '../device-address';
import { addDeviceJson } from '../device-json';
import { unsupported } from '../../validate/errors';

type SerialModel = NonNullable<NonNullable<Serial['target']>['model']>['name'];

/** The device model QEMU uses for a serial target type (libvirt's per-type default). */
export function serialTargetModel(def: Domain, serial: Serial): SerialModel {
  const m = serial.target?.model?.name;
  if (m) return m;
  switch (serial.target?.type) {
    case 'usb-serial':
      return 'usb-serial';
    case 'pci-serial':
      return 'pci-serial';
    case 'spapr-vio-serial':
      return 'spapr-vty';
    case 'sclp-serial':
      return 'sclpconsole';
    case 'isa-debug':
      return 'isa-debugcon';
    case 'system-serial':
      return def.os?.type.arch === 'riscv64' || def.os?.type.arch === 'riscv32' ? '16550a' : 'pl011';
    case 'isa-serial':
      return 'isa-serial';
    default: {
      const arch = def.os?.type.arch;
      const machine = def.os?.type.machine ?? '';
      if (arch === 'ppc64' || arch === 'ppc64le') return machine.startsWith('pseries') ? 'spapr-vty' : 'isa-serial';
      if (arch === 's390x') return 'sclpconsole';
      if (arch === 'aarch64' || arch === 'armv7l') return 'pl011';
      if (arch === 'riscv64' || arch === 'riscv32') return '16550a';
      return 'isa-serial';
    }
  }
}

/** QEMU capability flag a serial device model needs, when it is not always there. */
const MODEL_FLAG: Partial<Record<SerialModel, string>> = {
  'isa-serial': 'isa-serial',
  'usb-serial': 'usb-serial',
  'pci-serial': 'pci-serial',
  'spapr-vty': 'spapr-vty',
  sclpconsole: 'sclpconsole',
  sclplmconsole: 'sclplmconsole',
};

/** Whether the domain has SPICE graphics (spiceport chardevs need a SPICE server). */
export function hasSpiceGraphics(def: Domain): boolean {
  return (def.devices?.graphics ?? []).some((g) => g.type === 'spice');
}

export function buildSerials(cmd: QemuCommandLine, def: Domain, ctx: ArgvContext, state: ArgvState): void {
  const serials = def.devices?.serials ?? [];
  serials.forEach((serial, i) => {
    if (serial.type === 'spiceport' && !hasSpiceGraphics(def)) return;
    const alias = serial.alias?.name ?? `serial${i}`;
    const charId = `char${alias}`;
    addChardev(cmd, serial, charId, ctx, state, { deviceAlias: alias, passFds: true, tlsAllowed: true });
    const model = serialTargetModel(def, serial);
    if (model === 'pl011' || model === '16550a') {
      cmd.add('-serial', `chardev:${charId}`);
      return;
    }
    const flag = MODEL_FLAG[model];
    if (flag && !ctx.caps.flags.has(flag)) {
      throw unsupported(`'${model}' is not supported in this QEMU binary`);
    }
    const props: Record<string, unknown> = { driver: model, chardev: charId, id: alias };
    if (model === 'isa-serial') props.index = serial.target?.port ?? i;
    addDeviceJson(cmd, def, addAddressProps(props, def, serial));
  });
}
