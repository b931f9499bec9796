/**
 * Disk ordering helpers for the QEMU driver. libvirt's order itself is defined once, in
 * disk.ts (`libvirtDiskOrder`), and the generic defaults already apply it.
 */
import { diskNameToIndex, libvirtDiskOrder } from './disk';

export { libvirtDiskOrder };

/** The index of a disk target name (`vda` → 0, `vdaa` → 26), or -1 when it has none. */
export function diskNameIndex(dev: string | undefined): number {
  return diskNameToIndex(dev ?? '')?.index ?? -1;
}
