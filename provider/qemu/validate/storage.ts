/**
 * Validation rules for disks, controllers, hostdevs and filesystems (libvirt's messages).
 *
 * Owner: storage engineer.
 */
import type { Domain } from '../../../model/domain/domain';
import type { QemuCaps } from '../caps';
import type { ArgvContext } from '../argv/context';

export function validateStorage(_def: Domain, _caps: QemuCaps, _ctx: ArgvContext): void {
  // not written yet
}
