/**
 * Controllers (`-device` for PCI/USB/SCSI/IDE/SATA/virtio-serial controllers, `-global` for controller options) and CCID (smartcard) controllers, which libvirt emits after hubs.
 *
 * Owner: storage engineer.
 */
import type { Domain } from '../../../../model/domain/domain';
import type { QemuCommandLine } from '../command-line';
import type { ArgvContext } from '../context';
import type { ArgvState } from '../build';

export function buildControllers(_cmd: QemuCommandLine, _def: Domain, _ctx: ArgvContext, _state: ArgvState): void {
  // not written yet
}

export function buildCcidControllers(_cmd: QemuCommandLine, _def: Domain, _ctx: ArgvContext, _state: ArgvState): void {
  // not written yet
}
