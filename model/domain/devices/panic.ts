/**
 * `<panic>`: a guest-crash notification device (pvpanic on x86 `isa`, `hyperv` synthetic MSRs,
 * `pseries` firmware, `s390` diagnose); the domain's `<on_crash>` decides what follows.
 *
 *   <panic model='isa'>
 *     <address type='isa' iobase='0x505'/>
 *   </panic>
 */
import * as X from '../../schema';
import type { Static } from '@sinclair/typebox';
import { deviceInfo } from './device-info';

const { alias, address } = deviceInfo();

export const Panic = X.element({
  /** Defaults per architecture (isa on x86). */
  model: X.attr(X.enumOf('isa', 'pseries', 'hyperv', 's390')),
  alias,
  address,
});
export type Panic = Static<typeof Panic>;
