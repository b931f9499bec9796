/**
 * `-rtc base=...[,clock=...][,driftfix=slew]` from `<clock>` and its `rtc` timer, `TZ` in the
 * environment for a timezone clock, and the PIT tick policy (`-global kvm-pit.lost_tick_policy`).
 * The kvmclock, hypervclock and tsc timers are `-cpu` options (see cpu.ts); the HPET is a
 * `-machine` option.
 *
 * Owner: argv-core engineer.
 */
import type { Domain } from '../../../../model/domain/domain';
import type { QemuCommandLine } from '../command-line';
import type { ArgvContext } from '../context';
import type { ArgvState } from '../build';
import { unsupported } from '../../validate/errors';

/** `YYYY-MM-DDTHH:MM:SS` (UTC) for seconds since the epoch. */
export function rtcTimestamp(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().slice(0, 19);
}

function rtcBase(def: Domain, ctx: ArgvContext): string {
  const clock = def.clock;
  switch (clock?.offset ?? 'utc') {
    case 'utc':
      return 'base=utc';
    case 'localtime':
    case 'timezone':
      return 'base=localtime';
    case 'absolute':
      return `base=${rtcTimestamp(clock?.start ?? 0)}`;
    case 'variable': {
      if (ctx.nowEpochSeconds === undefined) throw unsupported("a clock with offset='variable' needs the current time to start the RTC");
      if (clock?.basis === 'localtime') throw unsupported("a variable clock with basis='localtime' needs the host's UTC offset; use basis='utc'");
      return `base=${rtcTimestamp(ctx.nowEpochSeconds + Number(clock?.adjustment ?? 0))}`;
    }
  }
}

const TRACK: Readonly<Record<string, string>> = { guest: 'vm', wall: 'host', realtime: 'rt' };

export function buildClock(cmd: QemuCommandLine, def: Domain, ctx: ArgvContext, _state: ArgvState): void {
  let rtc = rtcBase(def, ctx);
  const timers = def.clock?.timers ?? [];
  const rtcTimer = timers.find((t) => t.name === 'rtc');
  if (rtcTimer) {
    if (rtcTimer.track === 'boot') throw unsupported("unsupported rtc timer track 'boot'");
    if (rtcTimer.track !== undefined) rtc += `,clock=${TRACK[rtcTimer.track]}`;
    if (rtcTimer.tickpolicy === 'catchup') rtc += ',driftfix=slew';
    else if (rtcTimer.tickpolicy === 'merge' || rtcTimer.tickpolicy === 'discard') throw unsupported(`unsupported rtc timer tickpolicy '${rtcTimer.tickpolicy}'`);
  }
  cmd.add('-rtc', rtc);
  if (def.clock?.offset === 'timezone' && def.clock.timezone !== undefined) cmd.setEnv('TZ', def.clock.timezone);

  const pitPolicy = ctx.caps.flags.has('kvm-pit-lost-tick-policy');
  for (const t of timers) {
    if (t.name === 'hpet') {
      // QEMU before 8.0 has no machine hpet property: a disabled HPET is -no-hpet.
      if (t.present === 'no' && !ctx.caps.flags.has('machine-hpet') && ctx.caps.flags.has('no-hpet')) cmd.add('-no-hpet');
      continue;
    }
    if (t.name !== 'pit') continue;
    if ((t.tickpolicy === undefined || t.tickpolicy === 'delay') && pitPolicy) cmd.add('-global', 'kvm-pit.lost_tick_policy=delay');
    else if (t.tickpolicy === 'discard' && pitPolicy) cmd.add('-global', 'kvm-pit.lost_tick_policy=discard');
    else if (t.tickpolicy === 'merge') throw unsupported("unsupported pit tickpolicy 'merge'");
  }
}
