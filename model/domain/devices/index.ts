/**
 * `<devices>`: the emulator binary and every device list, in libvirt's output order (disk,
 * controller, lease, filesystem, interface, smartcard, serial, parallel, console, channel,
 * input, tpm, graphics, sound, audio, video, hostdev, redirdev, redirfilter, hub, watchdog,
 * memballoon, rng, nvram, panic, shmem, memory, iommu, vsock). Input order across kinds does
 * not matter; within one kind it is kept.
 *
 * Each device kind lives in its own file in this folder; add its list here, at its place in
 * the order above, when it exists.
 */
import type { Static } from '@sinclair/typebox';
import * as X from '../../schema';
import { Disk } from './disk';
import { Controller } from './controller';
import { Lease } from './lease';
import { Filesystem } from './filesystem';
import { Interface } from './interface';
import { Smartcard } from './smartcard';
import { Serial } from './serial';
import { Parallel } from './parallel';
import { Console } from './console';
import { Channel } from './channel';
import { Input } from './input';
import { Tpm } from './tpm';
import { Graphics } from './graphics';
import { Sound } from './sound';
import { Audio } from './audio';
import { Video } from './video';
import { Hostdev } from './hostdev';
import { Redirdev } from './redirdev';
import { Redirfilter } from './redirfilter';
import { Hub } from './hub';
import { Watchdog } from './watchdog';
import { Memballoon } from './memballoon';
import { Rng } from './rng';
import { NvramDevice } from './nvram';
import { Panic } from './panic';
import { Shmem } from './shmem';
import { MemoryDevice } from './memory';
import { Iommu } from './iommu';
import { Vsock } from './vsock';

export const Devices = X.element({
  /** Absolute path of the QEMU (or other emulator) binary. */
  emulator: X.textChild(X.str({ trim: true })),
  disks: X.children(Disk, { xml: 'disk' }),
  controllers: X.children(Controller, { xml: 'controller' }),
  leases: X.children(Lease, { xml: 'lease' }),
  filesystems: X.children(Filesystem, { xml: 'filesystem' }),
  interfaces: X.children(Interface, { xml: 'interface' }),
  smartcards: X.children(Smartcard, { xml: 'smartcard' }),
  serials: X.children(Serial, { xml: 'serial' }),
  parallels: X.children(Parallel, { xml: 'parallel' }),
  consoles: X.children(Console, { xml: 'console' }),
  channels: X.children(Channel, { xml: 'channel' }),
  inputs: X.children(Input, { xml: 'input' }),
  tpms: X.children(Tpm, { xml: 'tpm' }),
  graphics: X.children(Graphics, { xml: 'graphics' }),
  sounds: X.children(Sound, { xml: 'sound' }),
  audios: X.children(Audio, { xml: 'audio' }),
  videos: X.children(Video, { xml: 'video' }),
  hostdevs: X.children(Hostdev, { xml: 'hostdev' }),
  redirdevs: X.children(Redirdev, { xml: 'redirdev' }),
  /** At most one: libvirt keeps a single USB redirection filter. */
  redirfilter: X.child(Redirfilter),
  hubs: X.children(Hub, { xml: 'hub' }),
  watchdog: X.child(Watchdog),
  memballoon: X.child(Memballoon),
  rngs: X.children(Rng, { xml: 'rng' }),
  nvram: X.child(NvramDevice),
  panics: X.children(Panic, { xml: 'panic' }),
  shmems: X.children(Shmem, { xml: 'shmem' }),
  /** Memory devices (DIMM, NVDIMM, virtio-pmem, virtio-mem, SGX EPC) beyond the base memory. */
  memories: X.children(MemoryDevice, { xml: 'memory' }),
  iommu: X.child(Iommu),
  vsock: X.child(Vsock),
});
export type Devices = Static<typeof Devices>;
