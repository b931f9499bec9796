/**
 * `<serial>`: a guest serial port backed by a host character device (see chardev.ts).
 *
 *   <serial type='pty'>
 *     <target type='isa-serial' port='0'>
 *       <model name='isa-serial'/>
 *     </target>
 *   </serial>
 */
import * as X from '../../schema';
import type { Static } from '@sinclair/typebox';
import type { ModelIssue } from '../../errors';
import { deviceInfo } from './device-info';
import { ChrType, chrSourceProps, validateChrSource } from './chardev';

/** How the port is attached to the guest. */
export const SerialTargetType = X.enumOf(
  'isa-serial', 'usb-serial', 'pci-serial', 'spapr-vio-serial', 'system-serial', 'sclp-serial', 'isa-debug',
);

/** The device model emulating the port; libvirt picks one per target type when absent. */
export const SerialTargetModel = X.element({
  name: X.reqAttr(X.enumOf(
    'isa-serial', 'usb-serial', 'pci-serial', 'spapr-vty', 'pl011', '16550a', 'sclpconsole', 'sclplmconsole', 'isa-debugcon',
  )),
});

export const SerialTarget = X.element({
  type: X.attr(SerialTargetType),
  /** Guest port number (ttyS<port>); libvirt numbers ports from 0 when absent. */
  port: X.attr(X.uint()),
  model: X.child(SerialTargetModel),
});
export type SerialTarget = Static<typeof SerialTarget>;

const { alias, acpi, address } = deviceInfo();

export const Serial = X.element(
  {
    /** Host side; libvirt assumes `pty` when absent. */
    type: X.attr(ChrType),
    /** Host pty path of a running guest (legacy output attribute). */
    tty: X.attr(X.str()),
    ...chrSourceProps(),
    target: X.child(SerialTarget),
    alias,
    acpi,
    address,
  },
  { neverSelfClose: true },
);
export type Serial = Static<typeof Serial>;

/** Rules libvirt enforces for every hypervisor. */
export function validateSerial(serial: Serial, label?: string): ModelIssue[] {
  return validateChrSource(serial, { label });
}
