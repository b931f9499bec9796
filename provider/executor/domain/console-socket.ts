/**
 * `virtform console NAME` talks to `<run>/NAME/console.sock`. A libvirt domain asks for its
 * console as a pty (`<serial type='pty'>`, `<console type='pty'>`): libvirt hands the pty to
 * `virsh console` through its daemon, virtform has no daemon, so at launch the first pty-backed
 * serial port, else the first pty-backed console device (virtio, sclp), becomes a unix socket
 * chardev QEMU listens on (`-chardev socket,id=charserial0,path=<run>/NAME/console.sock,
 * server=on,wait=off`). Done on the prepared domain, right before the argv is built; the stored
 * definition keeps `pty`. Pure (mutates `def` in place).
 */
import type { Domain } from '../../../model/domain/domain';

export interface ConsoleSocketChoice {
  /** `serial0`, `console1`: the device whose chardev became the socket. */
  readonly device: string;
}

const isSerialAlias = (t: string | undefined) => t === undefined || t === 'serial';

export function attachConsoleSocket(def: Domain, socketPath: string): ConsoleSocketChoice | undefined {
  const devices = def.devices;
  if (!devices) return undefined;
  const socketSource = () => [{ mode: 'bind' as const, path: socketPath }];
  const serials = devices.serials ?? [];
  const si = serials.findIndex((s) => (s.type ?? 'pty') === 'pty');
  if (si >= 0) {
    const serial = serials[si];
    serial.type = 'unix';
    serial.sources = socketSource();
    // The first console of an HVM guest is serial[0] under another name: keep it in step.
    const first = devices.consoles?.[0];
    if (si === 0 && first && isSerialAlias(first.target?.type)) {
      first.type = 'unix';
      first.sources = socketSource();
    }
    return { device: serial.alias?.name ?? `serial${si}` };
  }
  const consoles = devices.consoles ?? [];
  const ci = consoles.findIndex((c) => !isSerialAlias(c.target?.type) && (c.type ?? 'pty') === 'pty');
  if (ci >= 0) {
    consoles[ci].type = 'unix';
    consoles[ci].sources = socketSource();
    return { device: consoles[ci].alias?.name ?? `console${ci}` };
  }
  return undefined;
}
