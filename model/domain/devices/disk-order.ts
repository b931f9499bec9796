/**
 * The order libvirt keeps a domain's disks in. Its parser inserts each disk, as read, right
 * before the first disk on the same bus with a higher target index, or right after the last disk
 * on its bus, or at the end when its bus has no disk yet. So disks end up grouped by bus in
 * order of first appearance, and by target index within a bus (`hda` before `hdc`). Output
 * order, PCI address assignment, storage node numbering and boot order all follow it.
 */
import type { Disk } from './disk';

/**
 * The index of a disk target name: `hda`/`sda`/`vda`/`fda`/`xvda`/`ubda` → 0, `vdz` → 25,
 * `vdaa` → 26 (letters after the prefix, bijective base 26); -1 when the name has no such letters.
 */
export function diskNameIndex(dev: string | undefined): number {
  const m = /^(?:fd|hd|vd|sd|xvd|ubd)([a-z]+)\d*$/.exec(dev ?? '');
  if (!m) return -1;
  let idx = 0;
  for (const ch of m[1]) idx = idx * 26 + (ch.charCodeAt(0) - 96);
  return idx - 1;
}

/** `disks` in libvirt's order (a new array; already ordered disks keep their order). */
export function libvirtDiskOrder(disks: readonly Disk[]): Disk[] {
  const out: Disk[] = [];
  for (const disk of disks) {
    let insertAt = -1;
    for (let i = out.length - 1; i >= 0; i--) {
      if (out[i].target?.bus !== disk.target?.bus) continue;
      if (diskNameIndex(out[i].target?.dev) > diskNameIndex(disk.target?.dev)) insertAt = i;
      else if (insertAt === -1) insertAt = i + 1;
    }
    if (insertAt === -1) out.push(disk);
    else out.splice(insertAt, 0, disk);
  }
  return out;
}
