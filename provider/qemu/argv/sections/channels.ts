/**
 * Channels: `-chardev`, then
 *  - virtio: a `virtserialport` on the virtio-serial bus, named for the guest
 *    {"driver":"virtserialport","bus":"virtio-serial0.0","nr":1,"chardev":"charchannel0",
 *     "id":"channel0","name":"org.qemu.guest_agent.0"};
 *  - guestfwd: a user-network netdev forwarding guest TCP connections to the chardev
 *    {"type":"user","guestfwd":[{"str":"tcp:10.0.2.1:4600-chardev:charchannel0"}],"id":"channel0"}.
 *
 * A virtio unix channel without a path gets one in the domain's channel directory, named after
 * its target.
 *
 * Owner: devices engineer.
 */
import type { Domain } from '../../../../model/domain/domain';
import type { Channel } from '../../../../model/domain/devices/channel';
import type { Console } from '../../../../model/domain/devices/console';
import type { QemuCommandLine } from '../command-line';
import type { ArgvContext } from '../context';
import type { ArgvState } from '../build';
import { addChardev } from '../chardev-backend';
import { addAddressProps } from '../device-address';
import { addDeviceJson } from '../device-json';
import { unsupported } from '../../validate/errors';

/** `virtserialport` (channels) or `virtconsole` (consoles) properties for a virtio-serial port. */
export function virtioSerialPortProps(def: Domain, dev: Channel | Console, driver: 'virtserialport' | 'virtconsole', alias: string): Record<string, unknown> {
  const at = dev.address?.type;
  if (at !== undefined && at !== 'virtio-serial' && at !== 'ccw') {
    throw unsupported('virtio serial device has invalid address type');
  }
  const props: Record<string, unknown> = { driver };
  // libvirt places virtio consoles on the bus without naming a port (QEMU picks one).
  if (at === 'virtio-serial' && driver === 'virtserialport') addAddressProps(props, def, { address: dev.address });
  props.chardev = `char${alias}`;
  props.id = alias;
  const name = driver === 'virtserialport' ? (dev as Channel).target?.name : undefined;
  if (name !== undefined) props.name = name;
  return props;
}

/** The channel as QEMU gets it: a virtio unix channel without a path gets a generated one. */
function effectiveChannel(ch: Channel, ctx: ArgvContext): Channel {
  if ((ch.type ?? 'pty') !== 'unix' || ch.target?.type !== 'virtio') return ch;
  const src = ch.sources?.[0];
  if (src?.path) return ch;
  const path = `${ctx.paths.channelTargetDir}/${ch.target.name ?? ''}`;
  return { ...ch, sources: [{ ...(src ?? {}), mode: src?.mode ?? 'bind', path }] };
}

export function buildChannels(cmd: QemuCommandLine, def: Domain, ctx: ArgvContext, state: ArgvState): void {
  (def.devices?.channels ?? []).forEach((raw, i) => {
    const ch = effectiveChannel(raw, ctx);
    const alias = ch.alias?.name ?? `channel${i}`;
    const charId = `char${alias}`;
    addChardev(cmd, ch, charId, ctx, state, { deviceAlias: alias, passFds: true, tlsAllowed: true });
    switch (ch.target?.type) {
      case 'guestfwd': {
        const str = `tcp:${ch.target.address ?? ''}:${ch.target.port ?? ''}-chardev:${charId}`;
        cmd.addJson('-netdev', { type: 'user', guestfwd: [{ str }], id: alias });
        break;
      }
      case 'virtio':
        addDeviceJson(cmd, def, virtioSerialPortProps(def, ch, 'virtserialport', alias));
        break;
      default:
        throw unsupported(`unsupported channel target type ${ch.target?.type ?? ''}`);
    }
  });
}
