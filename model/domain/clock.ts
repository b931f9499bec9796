/**
 * `<clock>`: how the guest's RTC relates to host time (utc, localtime, a timezone, a variable
 * offset in seconds, or an absolute start time) and the guest timers (rtc, pit, hpet, tsc,
 * kvmclock, hypervclock...).
 */
import type { Static } from '@sinclair/typebox';
import * as X from '../schema';

export const TimerName = X.enumOf('platform', 'pit', 'rtc', 'hpet', 'tsc', 'kvmclock', 'hypervclock', 'armvtimer');

/** Catch-up tuning for `tickpolicy='catchup'`. */
export const TimerCatchup = X.element({
  threshold: X.attr(X.uint()),
  slew: X.attr(X.uint()),
  limit: X.attr(X.uint()),
});

export const Timer = X.element(
  {
    name: X.reqAttr(TimerName),
    present: X.attr(X.yesNo()),
    tickpolicy: X.attr(X.enumOf('delay', 'catchup', 'merge', 'discard')),
    /** What the RTC/platform timer follows (rtc and platform timers only). */
    track: X.attr(X.enumOf('boot', 'guest', 'wall', 'realtime')),
    /** TSC frequency in Hz (tsc only). */
    frequency: X.attr(X.uint()),
    mode: X.attr(X.enumOf('auto', 'native', 'emulate', 'paravirt', 'smpsafe')),
    catchup: X.child(TimerCatchup),
  },
  {
    check(v, el, ctx) {
      if (v.track !== undefined && v.name !== 'rtc' && v.name !== 'platform') {
        ctx.fail(el, `timer '${v.name}' does not take a track`, { attr: 'track', fix: 'track applies to the rtc and platform timers only' });
      }
      if ((v.frequency !== undefined || v.mode !== undefined) && v.name !== 'tsc') {
        ctx.fail(el, `timer '${v.name}' does not take ${v.frequency !== undefined ? 'a frequency' : 'a mode'}`, {
          attr: v.frequency !== undefined ? 'frequency' : 'mode',
          fix: 'frequency and mode apply to the tsc timer only',
        });
      }
      if (v.tickpolicy !== undefined && (v.name === 'kvmclock' || v.name === 'hypervclock')) {
        ctx.fail(el, `timer '${v.name}' does not take a tickpolicy`, { attr: 'tickpolicy' });
      }
      if (v.catchup !== undefined && v.tickpolicy !== 'catchup') {
        ctx.fail(el, "<catchup> needs tickpolicy='catchup'", { fix: "set tickpolicy='catchup' or remove <catchup>" });
      }
    },
  },
);
export type Timer = Static<typeof Timer>;

export const Clock = X.element(
  {
    offset: X.reqAttr(X.enumOf('utc', 'localtime', 'timezone', 'variable', 'absolute')),
    /**
     * Seconds added to the basis (`variable`), or `reset` (utc/localtime). A number on a
     * utc/localtime clock makes it a variable clock with that basis.
     */
    adjustment: X.attr(X.str({ pattern: '^(reset|[+-]?\\d+)$', describe: "'reset' or a number of seconds such as -3600" })),
    basis: X.attr(X.enumOf('utc', 'localtime')),
    timezone: X.attr(X.str({ pattern: '^[a-zA-Z0-9_.+\\-/]+$', describe: 'a timezone name such as Europe/Paris' })),
    /** Seconds since the epoch (`absolute`). */
    start: X.attr(X.uint()),
    timers: X.children(Timer, { xml: 'timer' }),
  },
  {
    check(v, el, ctx) {
      const off = v.offset as string;
      if (v.adjustment !== undefined && off !== 'utc' && off !== 'localtime' && off !== 'variable') {
        ctx.fail(el, `offset '${off}' does not take an adjustment`, { attr: 'adjustment' });
      }
      if (v.adjustment === 'reset' && off === 'variable') ctx.fail(el, "a variable clock's adjustment must be a number of seconds", { attr: 'adjustment' });
      if (v.basis !== undefined && off !== 'variable') ctx.fail(el, `offset '${off}' does not take a basis`, { attr: 'basis', fix: "basis applies to offset='variable'" });
      if (v.timezone !== undefined && off !== 'timezone') ctx.fail(el, `offset '${off}' does not take a timezone`, { attr: 'timezone' });
      if (off === 'absolute' && v.start === undefined) ctx.fail(el, "offset 'absolute' needs a start time", { fix: "add start='SECONDS-SINCE-EPOCH'" });
      if (v.start !== undefined && off !== 'absolute') ctx.fail(el, `offset '${off}' does not take a start time`, { attr: 'start' });
    },
    write(w, name, v, writeDefault) {
      // libvirt prints a variable adjustment as a plain integer ('+10' → '10').
      if (v.offset === 'variable' && typeof v.adjustment === 'string' && /^[+-]?\d+$/.test(v.adjustment)) {
        writeDefault(w, name, { ...v, adjustment: String(Number(v.adjustment)) });
      } else writeDefault(w, name, v);
    },
  },
);
export type Clock = Static<typeof Clock>;
