/**
 * The `bootindex` each device gets. A device's own `<boot order='N'/>` wins; otherwise the
 * legacy `<os><boot dev='...'/>` list is turned into per-device indexes the way libvirt does at
 * start: the position of `cdrom`, `hd`, `fd` and `network` in the list goes to the first CD-ROM,
 * the first disk (or LUN), the first floppy and the first interface respectively (a network
 * interface backed by a host device passes it on to the first PCI host device).
 *
 * Device sections call {@link bootIndexOf} with the device object from the domain.
 */
import type { Domain } from '../../../model/domain/domain';

function computeBootIndexes(def: Domain): Map<object, number> {
  const out = new Map<object, number>();
  const boots = def.os?.boots ?? [];
  if (boots.length === 0) return out;
  let cd = 0;
  let disk = 0;
  let floppy = 0;
  let net = 0;
  boots.forEach((b, i) => {
    if (b.dev === 'cdrom') cd = i + 1;
    else if (b.dev === 'hd') disk = i + 1;
    else if (b.dev === 'fd') floppy = i + 1;
    else if (b.dev === 'network') net = i + 1;
  });
  for (const d of def.devices?.disks ?? []) {
    const kind = d.device ?? 'disk';
    if (kind === 'cdrom') {
      if (cd) out.set(d, cd);
      cd = 0;
    } else if (kind === 'floppy') {
      if (floppy) out.set(d, floppy);
      floppy = 0;
    } else {
      if (disk) out.set(d, disk);
      disk = 0;
    }
  }
  const first = def.devices?.interfaces?.[0];
  if (first && net) {
    if (first.type === 'hostdev') {
      const hd = def.devices?.hostdevs?.find((h) => (h as { mode?: string }).mode !== 'capabilities');
      if (hd) out.set(hd, net);
    } else {
      out.set(first, net);
    }
  }
  return out;
}

/**
 * The boot index of `device` (an object from `def.devices`), or undefined when it does not
 * boot.
 */
export function bootIndexOf(def: Domain, device: object & { boot?: { order: number } }): number | undefined {
  if (device.boot) return device.boot.order;
  return computeBootIndexes(def).get(device);
}
