/**
 * Validation rules for net, chardevs, input, graphics, video, sound, watchdog, rng, memballoon,
 * tpm, panic, iommu, vsock, shmem, smartcard, redirdev and nvram devices (libvirt's messages).
 *
 * Owner: devices engineer.
 */
import type { Domain } from '../../../model/domain/domain';
import type { QemuCaps } from '../caps';
import type { ArgvContext } from '../argv/context';

export function validateDevices(_def: Domain, _caps: QemuCaps, _ctx: ArgvContext): void {
  // not written yet
}
