/**
 * Which host devices a domain takes: PCI functions (`<hostdev type='pci'>` and `<interface
 * type='hostdev'>`, the SR-IOV VF form) and mediated devices (`<hostdev type='mdev'>`). Pure.
 */
import type { Domain } from '../model/domain/domain';

export interface PciHostdevNeed {
  /** `dddd:bb:ss.f`, lower-case hex, as sysfs names it. */
  readonly address: string;
  /** managed='yes': virtform binds it to vfio-pci and gives it back afterwards. libvirt's default is 'no'. */
  readonly managed: boolean;
  /** `/domain/devices/hostdev[2]` or `/domain/devices/interface[1]`. */
  readonly path: string;
}

export interface MdevHostdevNeed {
  /** Lower-case UUID. */
  readonly uuid: string;
  /** vfio-pci, vfio-ccw or vfio-ap. */
  readonly model: string;
  readonly path: string;
}

export interface HostdevDemand {
  readonly domain: string;
  readonly pci: readonly PciHostdevNeed[];
  readonly mdevs: readonly MdevHostdevNeed[];
}

/** The sysfs name of a PCI address. */
export function pciAddress(a: { domain?: number; bus?: number; slot?: number; function?: number }): string {
  const h = (n: number | undefined, w: number) => (n ?? 0).toString(16).padStart(w, '0');
  return `${h(a.domain, 4)}:${h(a.bus, 2)}:${h(a.slot, 2)}.${h(a.function, 1)}`;
}

/** `0000:01:00.1` as a hostdev `<address>` element. */
export function pciAddressXml(address: string): string {
  const m = /^([0-9a-f]{4}):([0-9a-f]{2}):([0-9a-f]{2})\.([0-7])$/.exec(address);
  if (!m) return address;
  return `<address domain='0x${m[1]}' bus='0x${m[2]}' slot='0x${m[3]}' function='0x${m[4]}'/>`;
}

export function hostdevDemand(domain: Domain): HostdevDemand {
  const pci: PciHostdevNeed[] = [];
  const mdevs: MdevHostdevNeed[] = [];
  (domain.devices?.hostdevs ?? []).forEach((h, i) => {
    if ((h.mode ?? 'subsystem') !== 'subsystem') return;
    const path = `/domain/devices/hostdev[${i + 1}]`;
    if (h.type === 'pci' && h.source?.address) pci.push({ address: pciAddress(h.source.address), managed: h.managed === 'yes', path });
    if (h.type === 'mdev' && h.source?.address?.uuid) mdevs.push({ uuid: h.source.address.uuid.toLowerCase(), model: h.model ?? 'vfio-pci', path });
  });
  (domain.devices?.interfaces ?? []).forEach((n, i) => {
    if (n.type !== 'hostdev' || !n.source?.hostAddress) return;
    if (n.source.hostAddress.type === 'usb') return;
    pci.push({ address: pciAddress(n.source.hostAddress), managed: n.managed === 'yes', path: `/domain/devices/interface[${i + 1}]` });
  });
  return { domain: domain.name, pci, mdevs };
}
