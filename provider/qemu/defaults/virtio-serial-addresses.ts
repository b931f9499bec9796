/**
 * virtio-serial port numbers for virtio channels. Each virtio-serial controller has `ports`
 * ports (31 by default); port 0 is kept for a virtio console. A device naming only its
 * controller gets the next free port there; others take the first free port on the first
 * controller that has one, and a new controller is added when all are full.
 */
import type { Domain } from '../../../model/domain/domain';
import type { Address } from '../../../model/domain/devices/device-info';
import { maybeAddController } from './device-list';

const DEFAULT_PORTS = 31;

interface PortSet {
  readonly index: number;
  readonly size: number;
  readonly used: Set<number>;
}

function portSets(def: Domain): PortSet[] {
  return (def.devices?.controllers ?? [])
    .filter((c) => c.type === 'virtio-serial')
    .map((c) => ({ index: c.index ?? 0, size: c.ports ?? DEFAULT_PORTS, used: new Set<number>() }))
    .sort((a, b) => a.index - b.index);
}

/** The port of a virtio-serial address, when it is a number. */
function portOf(a: Address | undefined): number | undefined {
  if (a?.type !== 'virtio-serial' || a.port === undefined) return undefined;
  const n = Number(a.port);
  return Number.isInteger(n) ? n : undefined;
}

function freePort(set: PortSet, allowZero: boolean): number | undefined {
  for (let p = allowZero ? 0 : 1; p < set.size; p++) if (!set.used.has(p)) return p;
  return undefined;
}

export class VirtioSerialAddressError extends Error {}

/**
 * Assigns ports to virtio channels without a complete address. (Virtio consoles keep none: QEMU
 * puts them on the first virtio-serial controller itself.)
 */
export function assignVirtioSerialAddresses(def: Domain): void {
  const d = def.devices;
  if (!d) return;
  const holders: { dev: { address?: Address }; allowZero: boolean }[] = [];
  for (const ch of d.channels ?? []) if (ch.target?.type === 'virtio') holders.push({ dev: ch, allowZero: false });
  if (!holders.length) return;
  const sets = portSets(def);
  for (const { dev } of holders) {
    const p = portOf(dev.address);
    if (p === undefined) continue;
    sets.find((s) => s.index === (dev.address?.controller ?? 0))?.used.add(p);
  }
  for (const { dev, allowZero } of holders) {
    if (portOf(dev.address) !== undefined) continue;
    const a = dev.address?.type === 'virtio-serial' ? dev.address : undefined;
    let index: number | undefined;
    let port: number | undefined;
    if (a?.controller !== undefined) {
      const set = sets.find((s) => s.index === a.controller);
      if (!set) throw new VirtioSerialAddressError(`virtio-serial controller ${a.controller} is missing`);
      port = freePort(set, allowZero);
      if (port === undefined) throw new VirtioSerialAddressError(`Unable to find a free port on virtio-serial controller ${a.controller}`);
      index = set.index;
    } else {
      for (const set of sets) {
        port = freePort(set, allowZero);
        if (port !== undefined) {
          index = set.index;
          break;
        }
      }
      if (index === undefined) {
        let i = 0;
        while (sets.some((s) => s.index === i)) i++;
        maybeAddController(def, 'virtio-serial', i);
        sets.push({ index: i, size: DEFAULT_PORTS, used: new Set<number>() });
        index = i;
        port = allowZero ? 0 : 1;
      }
    }
    sets.find((s) => s.index === index)?.used.add(port as number);
    dev.address = { type: 'virtio-serial', controller: index, bus: a?.bus ?? 0, port: String(port) };
  }
}
