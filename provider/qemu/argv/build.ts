/**
 * Builds the QEMU command line for a prepared domain (defaults applied, validated), in the
 * order libvirt 9.0 emits options: the order is part of the contract because libvirt's test
 * corpus compares whole `.args` files, and because some options depend on earlier ones (a
 * `-device` may name a `-blockdev`, `-chardev` or `-object` that must come first).
 *
 * Each section lives in ./sections/<name>.ts with the signature {@link ArgvSection}; this file
 * only calls them in order. Sections never read the host or the clock: everything comes from
 * the domain and the {@link ArgvContext}.
 */
import type { Domain } from '../../../model/domain/domain';
import { QemuCommandLine } from './command-line';
import type { ArgvContext } from './context';

import { buildEnvironment } from './sections/environment';
import { buildName } from './sections/name';
import { buildCompat } from './sections/compat';
import { buildFreeze } from './sections/freeze';
import { buildMasterKey } from './sections/master-key';
import { buildManagedPr } from './sections/managed-pr';
import { buildPflashBlockdevs, buildLoader } from './sections/firmware';
import { buildMachine } from './sections/machine';
import { buildAccel } from './sections/accel';
import { buildTseg } from './sections/tseg';
import { buildCpu } from './sections/cpu';
import { buildMemory } from './sections/memory';
import { buildSmp } from './sections/smp';
import { buildIothreads } from './sections/iothreads';
import { buildNuma } from './sections/numa';
import { buildUuid } from './sections/uuid';
import { buildVmGenId } from './sections/genid';
import { buildSmbios } from './sections/smbios';
import { buildSysinfoFwCfg } from './sections/sysinfo-fw-cfg';
import { buildDisplayNone, buildNoDefaults } from './sections/defaults-off';
import { buildMonitor } from './sections/monitor';
import { buildClock } from './sections/clock';
import { buildPowerManagement } from './sections/power-management';
import { buildBoot } from './sections/boot';
import { buildIommu } from './sections/iommu';
import { buildControllers, buildCcidControllers } from './sections/controllers';
import { buildMemoryDevices } from './sections/memory-devices';
import { buildHubs } from './sections/hubs';
import { buildDisks } from './sections/disks';
import { buildFilesystems } from './sections/filesystems';
import { buildNetworks } from './sections/networks';
import { buildSmartcards } from './sections/smartcards';
import { buildSerials } from './sections/serials';
import { buildParallels } from './sections/parallels';
import { buildChannels } from './sections/channels';
import { buildConsoles } from './sections/consoles';
import { buildTpms } from './sections/tpms';
import { buildInputs } from './sections/inputs';
import { buildAudio } from './sections/audio';
import { buildGraphics } from './sections/graphics';
import { buildVideos } from './sections/videos';
import { buildSounds } from './sections/sounds';
import { buildWatchdogs } from './sections/watchdogs';
import { buildRedirdevs } from './sections/redirdevs';
import { buildHostdevs } from './sections/hostdevs';
import { buildMemballoon } from './sections/memballoon';
import { buildRngs } from './sections/rngs';
import { buildNvram } from './sections/nvram';
import { buildVmCoreInfo } from './sections/vmcoreinfo';
import { buildLaunchSecurity } from './sections/launch-security';
import { buildQemuCommandlineArgs } from './sections/qemu-commandline';
import { buildSandbox } from './sections/sandbox';
import { buildPanics } from './sections/panics';
import { buildShmems } from './sections/shmems';
import { buildVsock } from './sections/vsock';
import { buildMsgTimestamp } from './sections/msg';

/**
 * State shared by the sections of one build: counters that continue across sections (fd sets,
 * chardev numbering, blockdev node indexes) and facts one section leaves for a later one.
 * A fresh state is made per build, so building twice gives the same command line.
 */
export class ArgvState {
  private readonly counters = new Map<string, number>();

  /** Ids given to `-chardev`, `-object`, `-netdev`, `-blockdev` nodes so far (for duplicate checks). */
  readonly usedIds = new Set<string>();

  /**
   * Facts a section records for later sections, by a key the two agree on (e.g. the id of the
   * default `-audiodev` that sound devices reference). Keep keys documented where they are set.
   */
  readonly notes = new Map<string, unknown>();

  /** Returns the counter's value and advances it; a new counter starts at `start`. */
  next(counter: string, start = 0): number {
    const v = this.counters.get(counter) ?? start;
    this.counters.set(counter, v + 1);
    return v;
  }

  /** The value `next` would return, without advancing. */
  peek(counter: string, start = 0): number {
    return this.counters.get(counter) ?? start;
  }
}

/** What every section exports: appends its options to `cmd`, or throws QemuConfigError. */
export type ArgvSection = (cmd: QemuCommandLine, def: Domain, ctx: ArgvContext, state: ArgvState) => void;

/**
 * libvirt 9.0's order of command-line sections (qemuBuildCommandLine). The environment comes
 * first (it is printed before the binary); `-S` is a section of its own (`buildFreeze`).
 */
export const ARGV_SECTIONS: readonly (readonly [string, ArgvSection])[] = [
  ['environment', buildEnvironment],
  ['name', buildName],
  ['compat', buildCompat],
  ['freeze', buildFreeze],
  ['master-key', buildMasterKey],
  ['managed-pr', buildManagedPr],
  ['pflash-blockdevs', buildPflashBlockdevs],
  ['machine', buildMachine],
  ['accel', buildAccel],
  ['tseg', buildTseg],
  ['cpu', buildCpu],
  ['loader', buildLoader],
  ['memory', buildMemory],
  ['smp', buildSmp],
  ['iothreads', buildIothreads],
  ['numa', buildNuma],
  ['uuid', buildUuid],
  ['genid', buildVmGenId],
  ['smbios', buildSmbios],
  ['sysinfo-fw-cfg', buildSysinfoFwCfg],
  ['display-none', buildDisplayNone],
  ['no-defaults', buildNoDefaults],
  ['monitor', buildMonitor],
  ['clock', buildClock],
  ['power-management', buildPowerManagement],
  ['boot', buildBoot],
  ['iommu', buildIommu],
  ['controllers', buildControllers],
  ['memory-devices', buildMemoryDevices],
  ['hubs', buildHubs],
  ['ccid-controllers', buildCcidControllers],
  ['disks', buildDisks],
  ['filesystems', buildFilesystems],
  ['networks', buildNetworks],
  ['smartcards', buildSmartcards],
  ['serials', buildSerials],
  ['parallels', buildParallels],
  ['channels', buildChannels],
  ['consoles', buildConsoles],
  ['tpms', buildTpms],
  ['inputs', buildInputs],
  ['audio', buildAudio],
  ['graphics', buildGraphics],
  ['videos', buildVideos],
  ['sounds', buildSounds],
  ['watchdogs', buildWatchdogs],
  ['redirdevs', buildRedirdevs],
  ['hostdevs', buildHostdevs],
  ['memballoon', buildMemballoon],
  ['rngs', buildRngs],
  ['nvram', buildNvram],
  ['vmcoreinfo', buildVmCoreInfo],
  ['launch-security', buildLaunchSecurity],
  ['qemu-commandline', buildQemuCommandlineArgs],
  ['sandbox', buildSandbox],
  ['panics', buildPanics],
  ['shmems', buildShmems],
  ['vsock', buildVsock],
  ['msg', buildMsgTimestamp],
];

/**
 * The command line for `def` (already through defaults and validation) on the QEMU and host
 * described by `ctx`. Throws QemuConfigError when the domain cannot be expressed (e.g. no
 * hugetlbfs mount for the requested page size).
 */
export function buildQemuCommandLine(def: Domain, ctx: ArgvContext): QemuCommandLine {
  const cmd = new QemuCommandLine(def.devices?.emulator ?? ctx.caps.emulator);
  const state = new ArgvState();
  for (const [, section] of ARGV_SECTIONS) section(cmd, def, ctx, state);
  return cmd;
}
