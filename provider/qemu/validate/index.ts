/**
 * libvirt's QEMU-driver validation (what `virsh define` / `virsh start` reject for this QEMU and
 * host before any process is started), run after the defaults: it throws QemuConfigError with
 * libvirt's exact message at the first problem, in libvirt's order (domain-wide rules, then the
 * devices).
 *
 * Each area's rules live in their own file; add a rule set to QEMU_RULES at its place.
 */
import type { Domain } from '../../../model/domain/domain';
import type { QemuCaps } from '../caps';
import type { ArgvContext } from '../argv/context';
import { validateGeneral } from './general';
import { validateStorage } from './storage';
import { validateDevices } from './devices';

export * from './errors';

/** A rule set: throws QemuConfigError for the first violation it finds. */
export type QemuRuleSet = (def: Domain, caps: QemuCaps, ctx: ArgvContext) => void;

export const QEMU_RULES: readonly QemuRuleSet[] = [validateGeneral, validateStorage, validateDevices];

/** Throws QemuConfigError (libvirt's message) when `def` cannot run on `caps` and `ctx.host`. */
export function validateQemuDomain(def: Domain, caps: QemuCaps, ctx: ArgvContext): void {
  for (const rules of QEMU_RULES) rules(def, caps, ctx);
}
