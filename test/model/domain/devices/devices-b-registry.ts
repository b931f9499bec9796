/** Element name → schema for the part-B devices the corpus tests exercise. */
import type { TObject } from '@sinclair/typebox';
import { Serial } from '../../../../model/domain/devices/serial';
import { Parallel } from '../../../../model/domain/devices/parallel';
import { Console } from '../../../../model/domain/devices/console';
import { Channel } from '../../../../model/domain/devices/channel';
import { Input } from '../../../../model/domain/devices/input';
import { Tpm } from '../../../../model/domain/devices/tpm';
import { Graphics } from '../../../../model/domain/devices/graphics';
import { Video } from '../../../../model/domain/devices/video';
import { Sound } from '../../../../model/domain/devices/sound';
import { Audio } from '../../../../model/domain/devices/audio';
import { Watchdog } from '../../../../model/domain/devices/watchdog';
import { Memballoon } from '../../../../model/domain/devices/memballoon';
import { Rng } from '../../../../model/domain/devices/rng';
import { NvramDevice } from '../../../../model/domain/devices/nvram';
import { Panic } from '../../../../model/domain/devices/panic';
import { Shmem } from '../../../../model/domain/devices/shmem';
import { MemoryDevice } from '../../../../model/domain/devices/memory';
import { Iommu } from '../../../../model/domain/devices/iommu';
import { Vsock } from '../../../../model/domain/devices/vsock';

export const DEVICES_B: Record<string, TObject> = {
  serial: Serial,
  parallel: Parallel,
  console: Console,
  channel: Channel,
  input: Input,
  tpm: Tpm,
  graphics: Graphics,
  video: Video,
  sound: Sound,
  audio: Audio,
  watchdog: Watchdog,
  memballoon: Memballoon,
  rng: Rng,
  nvram: NvramDevice,
  panic: Panic,
  shmem: Shmem,
  memory: MemoryDevice,
  iommu: Iommu,
  vsock: Vsock,
};
