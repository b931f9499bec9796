/**
 * Consoles that are devices of their own: virtio consoles (`virtconsole` on the virtio-serial
 * bus) and s390 SCLP consoles (`sclpconsole`, `sclplmconsole`), each after its `-chardev`.
 * A `serial` console is the first serial port (see model/domain/devices/console.ts), which the
 * serial section already put on the command line.
 *
 * Owner: devices engineer.
 */
import type { Domain } from '../../../../model/domain/domain';
import type { QemuCommandLine } from '../command-line';
import type { ArgvContext } from '../context';
import type { ArgvState } from '../build';
import { addChardev } from '../chardev-backend';
import { addAddressProps } from '../device-address';
import { addDeviceJson } from '../device-json';
import { unsupported } from '../../validate/errors';
import { virtioSerialPortProps } from './channels';

export function buildConsoles(cmd: QemuCommandLine, def: Domain, ctx: ArgvContext, state: ArgvState): void {
  (def.devices?.consoles ?? []).forEach((con, i) => {
    const type = con.target?.type ?? 'serial';
    if (type === 'serial') return;
    const alias = con.alias?.name ?? `console${i}`;
    const charId = `char${alias}`;
    switch (type) {
      case 'virtio':
        addChardev(cmd, con, charId, ctx, state, { deviceAlias: alias, passFds: true, tlsAllowed: true });
        addDeviceJson(cmd, def, virtioSerialPortProps(def, con, 'virtconsole', alias));
        break;
      case 'sclp':
      case 'sclplm': {
        addChardev(cmd, con, charId, ctx, state, { deviceAlias: alias, passFds: true, tlsAllowed: true });
        const driver = type === 'sclp' ? 'sclpconsole' : 'sclplmconsole';
        addDeviceJson(cmd, def, addAddressProps({ driver, chardev: charId, id: alias }, def, con));
        break;
      }
      default:
        throw unsupported(`unsupported console target type ${type}`);
    }
  });
}
