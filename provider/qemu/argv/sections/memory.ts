/**
 * `-m` (boot memory in MiB, or `size=Nk,slots=S,maxmem=Mk` with memory hotplug), the initial RAM
 * backend object named after the machine's default RAM id (`pc.ram`, referenced by `-machine
 * memory-backend=`) when the guest has no NUMA cells, and `-overcommit mem-lock=on|off`
 * (`<memoryBacking><locked/>`).
 *
 * Owner: argv-core engineer.
 */
import type { Domain } from '../../../../model/domain/domain';
import type { QemuCommandLine } from '../command-line';
import type { ArgvContext } from '../context';
import type { ArgvState } from '../build';
import { alignedMemory, hasMemoryHotplug, memoryBackend, numaCells } from '../guest-memory';
import { defaultRamId } from '../machine-options';

export function buildMemory(cmd: QemuCommandLine, def: Domain, ctx: ArgvContext, _state: ArgvState): void {
  const mem = alignedMemory(def);
  if (hasMemoryHotplug(def)) {
    cmd.add('-m', `size=${mem.initialKiB}k,slots=${def.maxMemory?.slots ?? 0},maxmem=${mem.maxKiB}k`);
  } else {
    cmd.add('-m', String(Math.floor(mem.initialKiB / 1024)));
  }
  const ramId = defaultRamId(def, ctx);
  if (ramId !== undefined && numaCells(def).length === 0) {
    const backend = memoryBackend(def, ctx, { id: ramId, sizeKiB: mem.initialKiB, targetNode: -1, pathAlias: ramId, systemMemory: true });
    if (backend.threadContext) {
      cmd.addJson('-object', backend.threadContext);
      cmd.preallocThreadContexts.push(String(backend.threadContext.id));
    }
    cmd.addJson('-object', backend.props);
  }
  cmd.add('-overcommit', `mem-lock=${def.memoryBacking?.locked ? 'on' : 'off'}`);
}
