/**
 * `<console>`: the guest's interactive console, backed by a host character device.
 *
 * libvirt keeps a historical alias between the first console and the first serial port of an
 * HVM guest: `<console>` with target type `serial` (or no target type) IS `serial[0]`, and when
 * formatting, that console repeats serial[0]'s source, address and alias:
 *
 *   <serial type='pty'>                       <console type='pty'>
 *     <target type='isa-serial' port='0'>       <target type='serial' port='0'/>
 *       <model name='isa-serial'/>            </console>
 *     </target>
 *   </serial>
 *
 * `applyConsoleCompat` does what libvirt does after parsing (hypervisor independent) and
 * `consoleAsFormatted` gives the console as libvirt prints it.
 */
import * as X from '../../schema';
import type { Static } from '@sinclair/typebox';
import type { ModelIssue } from '../../errors';
import { deviceInfo } from './device-info';
import { deviceIssue } from './device-issue';
import { ChrType, chrSourceProps, validateChrSource } from './chardev';
import type { Serial } from './serial';

export const ConsoleTargetType = X.enumOf('xen', 'serial', 'uml', 'virtio', 'lxc', 'openvz', 'sclp', 'sclplm');

export const ConsoleTarget = X.element({
  /** `serial` aliases serial[0] (HVM guests); `virtio` is a virtio-console port. */
  type: X.attr(ConsoleTargetType),
  port: X.attr(X.uint()),
});
export type ConsoleTarget = Static<typeof ConsoleTarget>;

const { alias, acpi, address } = deviceInfo();

export const Console = X.element(
  {
    type: X.attr(ChrType),
    /** Host pty path of a running guest; libvirt prints it for pty consoles (legacy syntax). */
    tty: X.attr(X.str()),
    ...chrSourceProps(),
    target: X.child(ConsoleTarget),
    alias,
    acpi,
    address,
  },
  { neverSelfClose: true },
);
export type Console = Static<typeof Console>;

function isSerialAlias(c: Console): boolean {
  const t = c.target?.type;
  return t === undefined || t === 'serial';
}

/**
 * The rules libvirt enforces for every hypervisor on the console list: only the first console
 * can alias a serial port, and each console's source must be usable.
 */
export function validateConsoles(consoles: readonly Console[], label?: string): ModelIssue[] {
  const issues: ModelIssue[] = [];
  consoles.forEach((c, i) => {
    if (i > 0 && c.target?.type === 'serial') {
      issues.push(deviceIssue(c, 'Only the first console can be a serial port', {
        label: label && `${label}/consoles/${i}`,
        fix: "give the extra console another target type (e.g. <target type='virtio'/>) or make it a <serial>",
      }));
    }
    issues.push(...validateChrSource(c, { label: label && `${label}/consoles/${i}` }));
  });
  return issues;
}

/**
 * libvirt's post-parse console/serial alias for HVM guests (returns new arrays, inputs untouched):
 *  - a first console targeting `serial` (or nothing) with no serial ports becomes serial[0]
 *    and is replaced by a console stub aliasing it;
 *  - with serial ports present, the first console becomes a stub aliasing serial[0]
 *    (its own source is dropped if it differs: serial[0] wins);
 *  - with no serial-alias console but an isa serial[0] (a serial without target type counts as
 *    isa, the x86 default), a stub console aliasing it is added first.
 * A stub is `{ type, target: { type: 'serial', port } }` copied from serial[0]; see
 * `consoleAsFormatted` for the full printed form.
 */
export function applyConsoleCompat(
  consoles: readonly Console[],
  serials: readonly Serial[],
  isHvm: boolean,
): { consoles: Console[]; serials: Serial[] } {
  const cons = [...consoles];
  const sers = [...serials];
  if (!isHvm) return { consoles: cons, serials: sers };
  if (cons.length > 0 && isSerialAlias(cons[0])) {
    if (sers.length === 0) {
      const { tty: _tty, target, ...rest } = cons[0];
      // The target type (isa-serial on x86) is the hypervisor driver's choice.
      sers.push({ ...rest, target: { port: target?.port ?? 0 } } as Serial);
    }
    cons[0] = consoleAsFormatted({ target: { type: 'serial' } }, 0, sers, true);
  } else if (sers.length > 0 && (sers[0].target?.type ?? 'isa-serial') === 'isa-serial' && !cons.some(isSerialAlias)) {
    cons.unshift(consoleAsFormatted({ target: { type: 'serial' } }, 0, sers, true));
  }
  return { consoles: cons, serials: sers };
}

/**
 * The console at `index` as libvirt prints it: a serial-alias console of an HVM guest repeats
 * serial[index]'s host side, target port, alias and address, with target type `serial`.
 */
export function consoleAsFormatted(console: Console, index: number, serials: readonly Serial[], isHvm: boolean): Console {
  if (!isHvm || !isSerialAlias(console) || index >= serials.length) return console;
  const s = serials[index];
  const out: Console = {};
  if (s.type !== undefined) out.type = s.type;
  if (console.tty !== undefined && (s.type ?? 'pty') === 'pty') out.tty = console.tty;
  if (s.sources) out.sources = s.sources;
  if (s.protocol) out.protocol = s.protocol;
  if (s.log) out.log = s.log;
  out.target = { type: 'serial', port: s.target?.port ?? 0 };
  if (s.alias) out.alias = s.alias;
  if (s.acpi) out.acpi = s.acpi;
  if (s.address) out.address = s.address;
  return out;
}
