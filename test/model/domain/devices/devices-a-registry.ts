/** Element name → schema for the part-A devices the corpus tests exercise. */
import type { TObject } from '@sinclair/typebox';
import { Disk } from '../../../../model/domain/devices/disk';
import { Controller } from '../../../../model/domain/devices/controller';
import { Hostdev } from '../../../../model/domain/devices/hostdev';
import { Filesystem } from '../../../../model/domain/devices/filesystem';

export const DEVICES_A: Record<string, TObject> = {
  disk: Disk,
  filesystem: Filesystem,
  controller: Controller,
  hostdev: Hostdev,
};
