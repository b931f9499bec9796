/**
 * `-cpu MODEL,flag=on|off,...`: the guest CPU model (`host` for host-passthrough, `max` for
 * maximum, the named model for custom; host-model is expanded to a custom model before the
 * command line is built), the vendor and feature policies, then options from elsewhere in the
 * domain in libvirt's order: paravirtual timers (kvmclock, hv-time, tsc-frequency), APIC EOI,
 * PV spinlocks, Hyper-V enlightenments, the Hyper-V crash MSRs (a `hyperv` panic device), KVM
 * features, PMU, cache and physical address bits. Without a model but with options, x86 guests
 * get `qemu64` (`qemu32` for i686).
 *
 * Owner: argv-core engineer.
 */
import type { Domain } from '../../../../model/domain/domain';
import type { QemuCommandLine } from '../command-line';
import type { ArgvContext } from '../context';
import type { ArgvState } from '../build';
import { unsupported } from '../../validate/errors';

/** libvirt's x86 feature names that QEMU spells differently. */
const QEMU_FEATURE_NAMES: Readonly<Record<string, string>> = {
  cmp_legacy: 'cmp-legacy',
  ds_cpl: 'ds-cpl',
  fxsr_opt: 'fxsr-opt',
  kvm_pv_eoi: 'kvm-pv-eoi',
  kvm_pv_unhalt: 'kvm-pv-unhalt',
  lahf_lm: 'lahf-lm',
  nodeid_msr: 'nodeid-msr',
  pclmuldq: 'pclmulqdq',
  perfctr_core: 'perfctr-core',
  perfctr_nb: 'perfctr-nb',
  tsc_adjust: 'tsc-adjust',
};

/** QEMU's name for a libvirt CPU feature. */
export function qemuCpuFeatureName(name: string): string {
  return QEMU_FEATURE_NAMES[name] ?? name;
}

/** Hyper-V switches in libvirt's order, with their QEMU property names. */
const HYPERV_SWITCHES = [
  'relaxed', 'vapic', 'spinlocks', 'vpindex', 'runtime', 'synic', 'stimer', 'reset', 'vendorId',
  'frequencies', 'reenlightenment', 'tlbflush', 'ipi', 'evmcs', 'avic',
] as const;

function modelPart(def: Domain): string | undefined {
  const cpu = def.cpu;
  if (!cpu) return undefined;
  const mode = cpu.mode ?? 'custom';
  if (mode === 'custom' && cpu.model?.name === undefined) return undefined;
  let s: string;
  switch (mode) {
    case 'host-passthrough':
    case 'maximum':
      s = mode === 'maximum' ? 'max' : 'host';
      if (cpu.migratable !== undefined) s += `,migratable=${cpu.migratable}`;
      break;
    case 'host-model':
      throw unsupported(`unexpected host-model CPU for ${def.os?.type.arch ?? 'x86_64'} architecture`);
    default:
      s = cpu.model?.name ?? '';
  }
  if (cpu.model?.vendorId !== undefined) s += `,vendor=${cpu.model.vendorId}`;
  for (const f of cpu.features ?? []) {
    const policy = f.policy ?? 'require';
    if (policy === 'force' || policy === 'require') s += `,${qemuCpuFeatureName(f.name)}=on`;
    else if (policy === 'disable' || policy === 'forbid') s += `,${qemuCpuFeatureName(f.name)}=off`;
  }
  return s;
}

function flagsPart(def: Domain, ctx: ArgvContext): string {
  let s = '';
  for (const t of def.clock?.timers ?? []) {
    if (t.name === 'kvmclock' && t.present !== undefined) s += `,kvmclock=${t.present === 'yes' ? 'on' : 'off'}`;
    else if (t.name === 'hypervclock' && t.present === 'yes') s += ',hv-time=on';
    else if (t.name === 'tsc' && t.frequency) s += `,tsc-frequency=${t.frequency}`;
  }
  const f = def.features;
  if (f?.apic?.eoi !== undefined) s += `,kvm-pv-eoi=${f.apic.eoi}`;
  if (f?.pvspinlock !== undefined) s += `,kvm-pv-unhalt=${f.pvspinlock}`;
  const hv = f?.hyperv;
  if (hv) {
    if (hv.mode === 'passthrough') s += ',hv-passthrough=on';
    for (const name of HYPERV_SWITCHES) {
      switch (name) {
        case 'spinlocks':
          if (hv.spinlocks?.state === 'on') s += `,hv-spinlocks=0x${(hv.spinlocks.retries ?? 0).toString(16)}`;
          break;
        case 'stimer':
          if (hv.stimer && (hv.stimer.state ?? 'on') === 'on') s += ',hv-stimer=on';
          if (hv.stimer?.direct === 'on') s += ',hv-stimer-direct=on';
          break;
        case 'vendorId':
          if (hv.vendorId?.state === 'on') s += `,hv-vendor-id=${hv.vendorId.value ?? ''}`;
          break;
        default:
          if (hv[name] === 'on') s += `,hv-${name}=on`;
      }
    }
  }
  if ((def.devices?.panics ?? []).some((p) => p.model === 'hyperv')) s += ',hv-crash';
  const kvm = f?.kvm;
  if (kvm) {
    if (kvm.hidden === 'on') s += ',kvm=off';
    if (kvm.hintDedicated === 'on') s += ',kvm-hint-dedicated=on';
    if (kvm.pollControl === 'on') s += ',kvm-poll-control=on';
    if (kvm.pvIpi === 'off') s += ',kvm-pv-ipi=off';
  }
  const arch = def.os?.type.arch ?? 'x86_64';
  if (f?.pmu !== undefined && !arch.startsWith('ppc64')) s += `,pmu=${f.pmu}`;
  const cache = def.cpu?.cache;
  if (cache) {
    let hostOff = false;
    let l3Off = false;
    if (cache.mode === 'emulate') {
      s += ',l3-cache=on';
      hostOff = true;
    } else if (cache.mode === 'passthrough') {
      s += ',host-cache-info=on';
      l3Off = true;
    } else {
      hostOff = l3Off = true;
    }
    const hostish = def.cpu?.mode === 'host-passthrough' || def.cpu?.mode === 'maximum';
    if (hostOff && hostish && ctx.caps.flags.has('cpu-cache')) s += ',host-cache-info=off';
    if (l3Off && ctx.caps.flags.has('cpu-cache')) s += ',l3-cache=off';
  }
  const addr = def.cpu?.maxphysaddr;
  if (addr?.mode === 'passthrough') s += ',host-phys-bits=on';
  else if (addr?.mode === 'emulate' && addr.bits !== undefined) s += `,phys-bits=${addr.bits}`;
  return s;
}

export function buildCpu(cmd: QemuCommandLine, def: Domain, ctx: ArgvContext, _state: ArgvState): void {
  const arch = def.os?.type.arch ?? 'x86_64';
  let model = modelPart(def);
  if (model === undefined && arch === 'i686' && (def.devices?.emulator ?? ctx.caps.emulator).includes('x86_64')) model = 'qemu32';
  const flags = flagsPart(def, ctx);
  if (flags !== '' && model === undefined) {
    if (arch === 'i686') model = 'qemu32';
    else if (arch === 'x86_64') model = 'qemu64';
    else throw unsupported(`CPU flags requested but can't determine default CPU for arch ${arch}`);
  }
  if (model !== undefined) cmd.add('-cpu', model + flags);
}
