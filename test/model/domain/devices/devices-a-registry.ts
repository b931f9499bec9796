/** Element name → schema for the part-A devices the corpus tests exercise. */
import type { TObject } from '@sinclair/typebox';
import { Disk } from '../../../../model/domain/devices/disk';
import { Controller } from '../../../../model/domain/devices/controller';
import { Lease } from '../../../../model/domain/devices/lease';
import { Filesystem } from '../../../../model/domain/devices/filesystem';
import { Interface } from '../../../../model/domain/devices/interface';
import { Hostdev } from '../../../../model/domain/devices/hostdev';
import { Redirdev } from '../../../../model/domain/devices/redirdev';
import { Redirfilter } from '../../../../model/domain/devices/redirfilter';
import { Smartcard } from '../../../../model/domain/devices/smartcard';
import { Hub } from '../../../../model/domain/devices/hub';

export const DEVICES_A: Record<string, TObject> = {
  disk: Disk,
  controller: Controller,
  lease: Lease,
  filesystem: Filesystem,
  interface: Interface,
  hostdev: Hostdev,
  redirdev: Redirdev,
  redirfilter: Redirfilter,
  smartcard: Smartcard,
  hub: Hub,
};
