/**
 * Adding a `-device` in JSON form, with the domain's `<qemu:override>` property overrides for the
 * device's alias applied first (`<qemu:device alias='ua-disk'><qemu:frontend><qemu:property
 * name='prop1' type='string' value='x'/>`): a property is set (string, signed, unsigned or bool)
 * or removed (`type='remove'`), in the order written; a new property goes at the end.
 *
 * Every device section adds its `-device` through here so overrides work for any device.
 */
import type { Domain } from '../../../model/domain/domain';
import type { QemuCommandLine } from './command-line';

/** Applies the `<qemu:override>` frontend properties for `props.id` to `props` (in place). */
export function applyDeviceOverrides(def: Domain, props: Record<string, unknown>): Record<string, unknown> {
  const id = props.id;
  if (typeof id !== 'string') return props;
  for (const dev of def.qemuOverride?.devices ?? []) {
    if (dev.alias !== id) continue;
    for (const p of dev.frontend?.properties ?? []) {
      switch (p.type) {
        case 'remove':
          delete props[p.name];
          break;
        case 'string':
          props[p.name] = p.value ?? '';
          break;
        case 'signed':
        case 'unsigned':
          props[p.name] = Number(p.value);
          break;
        case 'bool':
          props[p.name] = p.value === 'true';
          break;
      }
    }
  }
  return props;
}

/** `-device '{...}'` for `props`, after the domain's overrides for its id. */
export function addDeviceJson(cmd: QemuCommandLine, def: Domain, props: Record<string, unknown>): void {
  cmd.addJson('-device', applyDeviceOverrides(def, props));
}
