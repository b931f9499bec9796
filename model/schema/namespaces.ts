/** XML namespaces libvirt documents use, by the prefix libvirt prints them with. */
export const NAMESPACES: Readonly<Record<string, string>> = {
  qemu: 'http://libvirt.org/schemas/domain/qemu/1.0',
  dnsmasq: 'http://libvirt.org/schemas/network/dnsmasq/1.0',
  fs: 'http://libvirt.org/schemas/storagepool/fs/1.0',
  rbd: 'http://libvirt.org/schemas/storagepool/rbd/1.0',
  lxc: 'http://libvirt.org/schemas/domain/lxc/1.0',
  bhyve: 'http://libvirt.org/schemas/domain/bhyve/1.0',
  xen: 'http://libvirt.org/schemas/domain/xen/1.0',
  vmware: 'http://libvirt.org/schemas/domain/vmware/1.0',
};

const PREFIX_BY_URI = new Map(Object.entries(NAMESPACES).map(([p, u]) => [u, p]));

export function prefixForUri(uri: string): string | undefined {
  return PREFIX_BY_URI.get(uri);
}
