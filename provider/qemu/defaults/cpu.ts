/**
 * The guest CPU defaults of libvirt's QEMU driver: the machine's default CPU model written out
 * explicitly, the `check` mode per CPU mode, and vCPUs missing from every NUMA cell given to
 * cell 0.
 */
import type { Domain } from '../../../model/domain/domain';
import { formatCpuList } from '../../../model/cpu-list';
import { parseCpuset } from '../../../model/domain/cpuset';
import type { QemuCaps } from '../caps';
import { findMachine, hasFlag } from '../caps';
import { domainAccel, isX86 } from './machine';

/** The CPU model QEMU uses for the domain's machine when none is given (`qemu64`), if the caps say. */
export function machineDefaultCpuModel(def: Domain, caps: QemuCaps): string | undefined {
  const machine = def.os.type.machine;
  if (machine === undefined) return undefined;
  const m = findMachine(caps, domainAccel(def), machine);
  const type = m?.defaultCpuType;
  if (!type) return undefined;
  // The CPU model whose QOM type it is; else the type without its `-ARCH-cpu` suffix.
  const named = caps.accel[domainAccel(def)]?.cpuModels.find((c) => c.typename === type);
  if (named) return named.name;
  const suffix = /-[a-z0-9_]+-cpu$/.exec(type);
  return suffix ? type.slice(0, suffix.index) : type;
}

/**
 * A guest without a CPU model gets the machine's default model spelled out
 * (`<cpu mode='custom' match='exact' check='none'><model fallback='forbid'>qemu64</model>`), so
 * the guest ABI no longer depends on which QEMU runs it. Only x86, s390 and ppc64 take the
 * default under KVM; other architectures only under TCG.
 */
export function applyDefaultCpu(def: Domain, caps: QemuCaps): void {
  const cpu = def.cpu;
  if (cpu && ((cpu.mode !== undefined && cpu.mode !== 'custom') || cpu.model?.name !== undefined)) return;
  const arch = def.os.type.arch ?? '';
  const archTakesDefault = isX86(def) || arch.startsWith('s390') || arch.startsWith('ppc64');
  if (!archTakesDefault && def.type !== 'qemu') return;
  const model = machineDefaultCpuModel(def, caps);
  if (!model) return;
  if (model === 'host') {
    if (def.type !== 'kvm') return;
    def.cpu = { ...(cpu ?? {}), mode: 'host-passthrough' };
    return;
  }
  const c = (def.cpu ??= {});
  c.mode = 'custom';
  c.match = 'exact';
  c.check = 'none';
  c.model = { ...(c.model ?? {}), fallback: 'forbid', name: model };
}

/**
 * The CPU `check` libvirt records when none is given: none for host-passthrough and for custom
 * CPUs under TCG (they are not compared with the host), partial for host-model and for custom
 * CPUs under KVM. A host-passthrough (or maximum) CPU is migratable only when QEMU can say which
 * features are (`cpu.migratable`).
 */
export function applyCpuCheckDefault(def: Domain, caps: QemuCaps): void {
  const cpu = def.cpu;
  if (!cpu) return;
  const mode = cpu.mode ?? 'custom';
  if ((mode === 'host-passthrough' || mode === 'maximum') && cpu.migratable === undefined) cpu.migratable = hasFlag(caps, 'cpu.migratable') ? 'on' : 'off';
  if (cpu.check !== undefined) return;
  if (mode === 'host-passthrough' || mode === 'maximum') cpu.check = 'none';
  else if (mode === 'host-model') cpu.check = 'partial';
  else if (mode === 'custom' && cpu.model?.name !== undefined) cpu.check = def.type === 'qemu' ? 'none' : 'partial';
}

/** vCPUs that no NUMA cell lists are added to cell 0 (QEMU would do so silently). */
export function applyNumaCpusDefault(def: Domain): void {
  const cells = def.cpu?.numa?.cells;
  const max = def.vcpu?.count;
  if (!cells?.length || max === undefined) return;
  const used = new Set<number>();
  for (const c of cells) if (c.cpus !== undefined) for (const id of parseCpuset(c.cpus)) used.add(id);
  const missing: number[] = [];
  for (let i = 0; i < max; i++) if (!used.has(i)) missing.push(i);
  if (!missing.length) return;
  const first = cells[0];
  first.cpus = formatCpuList([...(first.cpus !== undefined ? parseCpuset(first.cpus) : []), ...missing].sort((a, b) => a - b));
}
