/**
 * The disk images the oracle's domain XMLs name as `@IMAGES@/FILE`: made with qemu-img in a
 * folder the caller owns, and substituted into the XML text. Shared by the oracle test and the
 * benchmarks in bench/, which start the same domains.
 */
import { execFileSync } from 'child_process';
import * as path from 'path';
import { QEMU_IMG } from '../support/qemu';

/** file → [format, size, backing file (made first)]. */
export const ORACLE_IMAGES: Readonly<Record<string, readonly ['qcow2' | 'raw', string, string?]>> = {
  'pinning-vda.qcow2': ['qcow2', '64M'],
  'disks-vda.qcow2': ['qcow2', '64M'],
  'disks-sda.raw': ['raw', '16M'],
  'disks-sdb.qcow2': ['qcow2', '32M'],
  'disks-cd.iso': ['raw', '4M'],
  'pcdisks-hda.qcow2': ['qcow2', '64M'],
  'pcdisks-cd.iso': ['raw', '4M'],
  'pcdisks-vda.raw': ['raw', '16M'],
  'overlay-base.qcow2': ['qcow2', '64M'],
  'overlay-top.qcow2': ['qcow2', '64M', 'overlay-base.qcow2'],
  'overlay-b-base.raw': ['raw', '32M'],
  'overlay-b-mid.qcow2': ['qcow2', '32M', 'overlay-b-base.raw'],
  'overlay-b-top.qcow2': ['qcow2', '32M', 'overlay-b-mid.qcow2'],
};

/** Creates every image of ORACLE_IMAGES in `dir` (which must exist), backing files first. */
export function createOracleImages(dir: string): void {
  for (const [file, [format, size, backing]] of Object.entries(ORACLE_IMAGES)) {
    const b = backing ? ['-b', path.join(dir, backing), '-F', ORACLE_IMAGES[backing][0]] : [];
    execFileSync(QEMU_IMG, ['create', '-q', '-f', format, ...b, path.join(dir, file), size]);
  }
}

/** The XML text with `@IMAGES@` replaced by the images folder. */
export function withImages(xml: string, dir: string): string {
  return xml.split('@IMAGES@').join(dir);
}
