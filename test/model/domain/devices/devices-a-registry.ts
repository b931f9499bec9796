/** Element name → schema for the part-A devices the corpus tests exercise. */
import type { TObject } from '@sinclair/typebox';
import { Disk } from '../../../../model/domain/devices/disk';

export const DEVICES_A: Record<string, TObject> = {
  disk: Disk,
};
