/**
 * `<parallel>`: a guest parallel port backed by a host character device (see chardev.ts).
 *
 *   <parallel type='file'>
 *     <source path='/tmp/lpt.log'/>
 *     <target port='0'/>
 *   </parallel>
 */
import * as X from '../../schema';
import type { Static } from '@sinclair/typebox';
import type { ModelIssue } from '../../errors';
import { deviceInfo } from './device-info';
import { ChrType, chrSourceProps, validateChrSource } from './chardev';

export const ParallelTarget = X.element({
  /** Guest port number; libvirt numbers ports from 0 when absent. */
  port: X.attr(X.uint()),
});

const { alias, acpi, address } = deviceInfo();

export const Parallel = X.element(
  {
    /** Host side; libvirt assumes `pty` when absent. */
    type: X.attr(ChrType),
    tty: X.attr(X.str()),
    ...chrSourceProps(),
    target: X.child(ParallelTarget),
    alias,
    acpi,
    address,
  },
  { neverSelfClose: true },
);
export type Parallel = Static<typeof Parallel>;

export function validateParallel(parallel: Parallel, label?: string): ModelIssue[] {
  return validateChrSource(parallel, { label });
}
