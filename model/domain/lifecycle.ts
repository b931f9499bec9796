/**
 * What happens when the guest powers off, reboots, crashes or loses its disk locks
 * (`<on_poweroff>`, `<on_reboot>`, `<on_crash>`, `<on_lockfailure>`), power management
 * (`<pm>`) and perf events (`<perf>`).
 */
import type { Static } from '@sinclair/typebox';
import * as X from '../schema';

export const LifecycleAction = X.enumOf('destroy', 'restart', 'preserve', 'rename-restart');
export const CrashAction = X.enumOf('destroy', 'restart', 'preserve', 'rename-restart', 'coredump-destroy', 'coredump-restart');
export const LockFailureAction = X.enumOf('poweroff', 'restart', 'pause', 'ignore');

export const SuspendState = X.element({ enabled: X.attr(X.yesNo()) });
export const Pm = X.element({
  suspendToMem: X.child(SuspendState, { xml: 'suspend-to-mem' }),
  suspendToDisk: X.child(SuspendState, { xml: 'suspend-to-disk' }),
});
export type Pm = Static<typeof Pm>;

export const PerfEventName = X.enumOf(
  'cmt', 'mbmt', 'mbml', 'cpu_cycles', 'instructions', 'cache_references', 'cache_misses', 'branch_instructions',
  'branch_misses', 'bus_cycles', 'stalled_cycles_frontend', 'stalled_cycles_backend', 'ref_cpu_cycles', 'cpu_clock',
  'task_clock', 'page_faults', 'context_switches', 'cpu_migrations', 'page_faults_min', 'page_faults_maj',
  'alignment_faults', 'emulation_faults',
);
export const PerfEvent = X.element({
  name: X.reqAttr(PerfEventName),
  enabled: X.reqAttr(X.yesNo()),
});
const PERF_ORDER: readonly string[] = PerfEventName.schema.anyOf.map((l) => l.const as string);

/** libvirt prints the events in its own order, whatever order they were written in. */
export const Perf = X.element(
  { events: X.children(PerfEvent, { xml: 'event' }) },
  {
    write(w, name, v, writeDefault) {
      const events = [...((v.events as Static<typeof PerfEvent>[] | undefined) ?? [])];
      events.sort((a, b) => PERF_ORDER.indexOf(a.name) - PERF_ORDER.indexOf(b.name));
      writeDefault(w, name, { ...v, events });
    },
  },
);
export type Perf = Static<typeof Perf>;
