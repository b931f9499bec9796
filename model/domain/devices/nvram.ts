/**
 * `<nvram>` in `<devices>`: the pSeries NVRAM device (spapr-nvram), placed by its spapr-vio
 * address. (Not the UEFI variable store, which is `<os><nvram>`.)
 *
 *   <nvram>
 *     <address type='spapr-vio' reg='0x00003000'/>
 *   </nvram>
 */
import * as X from '../../schema';
import type { Static } from '@sinclair/typebox';
import { deviceInfo } from './device-info';

const { alias, address } = deviceInfo();

export const NvramDevice = X.element({ alias, address });
export type NvramDevice = Static<typeof NvramDevice>;
