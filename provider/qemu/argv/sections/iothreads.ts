/**
 * I/O thread objects: `iothread` per `<iothreadids>` entry (id `iothreadN`, with its worker pool
 * bounds), then the main loop's pool bounds from `<defaultiothread>` (`main-loop` object).
 *
 * Owner: argv-core engineer.
 */
import type { Domain } from '../../../../model/domain/domain';
import type { QemuCommandLine } from '../command-line';
import type { ArgvContext } from '../context';
import type { ArgvState } from '../build';

/** The domain's I/O thread ids, in document order (`<iothreads>N` alone means 1..N). */
export function iothreadIds(def: Domain): { id: number; threadPoolMin?: number; threadPoolMax?: number }[] {
  const ids = def.iothreadids?.iothreads;
  if (ids && ids.length) return ids;
  return Array.from({ length: def.iothreads ?? 0 }, (_, i) => ({ id: i + 1 }));
}

function poolProps(t: { threadPoolMin?: number; threadPoolMax?: number }): Record<string, number> {
  const p: Record<string, number> = {};
  if (t.threadPoolMin !== undefined) p['thread-pool-min'] = t.threadPoolMin;
  if (t.threadPoolMax !== undefined) p['thread-pool-max'] = t.threadPoolMax;
  return p;
}

export function buildIothreads(cmd: QemuCommandLine, def: Domain, _ctx: ArgvContext, _state: ArgvState): void {
  for (const t of iothreadIds(def)) cmd.addJson('-object', { 'qom-type': 'iothread', id: `iothread${t.id}`, ...poolProps(t) });
  if (def.defaultiothread) cmd.addJson('-object', { 'qom-type': 'main-loop', id: 'main-loop', ...poolProps(def.defaultiothread) });
}
