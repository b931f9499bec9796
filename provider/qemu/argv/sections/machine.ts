/**
 * `-machine TYPE,usb=off,...`: the board and its options, in libvirt's order: usb=off (devices
 * are all explicit), vmport, smm, kernel_irqchip (`<ioapic driver>`), dump-guest-core,
 * mem-merge (`<nosharepages/>`), nvdimm, hmat, memory-backend (the initial RAM object when the
 * guest has no NUMA cells), confidential-guest-support (`<launchSecurity>`), hpet (the HPET
 * timer), pflash0/pflash1 (firmware block nodes).
 *
 * Owner: argv-core engineer.
 */
import type { Domain } from '../../../../model/domain/domain';
import type { QemuCommandLine } from '../command-line';
import type { ArgvContext } from '../context';
import type { ArgvState } from '../build';
import { defaultRamId, isX86 } from '../machine-options';
import { memoryDevices, numaCells } from '../guest-memory';
import { pflashNodeNames } from './firmware';
import { LAUNCH_SECURITY_ID } from './launch-security';

/** True when the guest NUMA topology has HMAT data (memory-side caches or interconnects). */
export function hasHmat(def: Domain): boolean {
  const numa = def.cpu?.numa;
  if (!numa) return false;
  const ic = numa.interconnects;
  return (numa.cells ?? []).some((c) => (c.caches ?? []).length > 0) || (ic?.latencies ?? []).length > 0 || (ic?.bandwidths ?? []).length > 0;
}

export function buildMachine(cmd: QemuCommandLine, def: Domain, ctx: ArgvContext, _state: ArgvState): void {
  const f = def.features;
  const opts: string[] = [def.os?.type.machine ?? 'pc', 'usb=off'];
  if (f?.vmport !== undefined && isX86(def)) opts.push(`vmport=${f.vmport}`);
  if (f?.smm?.state !== undefined) opts.push(`smm=${f.smm.state}`);
  if (f?.ioapic) opts.push(`kernel_irqchip=${f.ioapic.driver === 'qemu' ? 'split' : 'on'}`);
  const dumpCore = def.memory?.dumpCore ?? (ctx.config?.dumpGuestCore === true ? 'on' : 'off');
  opts.push(`dump-guest-core=${dumpCore}`);
  if (def.memoryBacking?.nosharepages) opts.push('mem-merge=off');
  if (memoryDevices(def).some((m) => m.model === 'nvdimm')) opts.push('nvdimm=on');
  if (hasHmat(def)) opts.push('hmat=on');
  const ramId = defaultRamId(def, ctx);
  if (ramId !== undefined && numaCells(def).length === 0) opts.push(`memory-backend=${ramId}`);
  if (def.launchSecurity && ctx.caps.flags.has('confidential-guest-support')) opts.push(`confidential-guest-support=${LAUNCH_SECURITY_ID}`);
  if (ctx.caps.flags.has('machine-hpet')) {
    const hpet = def.clock?.timers?.find((t) => t.name === 'hpet');
    if (hpet?.present !== undefined) opts.push(`hpet=${hpet.present === 'yes' ? 'on' : 'off'}`);
  }
  const pflash = pflashNodeNames(def);
  if (pflash.pflash0) opts.push(`pflash0=${pflash.pflash0}`);
  if (pflash.pflash1) opts.push(`pflash1=${pflash.pflash1}`);
  cmd.add('-machine', opts.join(','));
}
