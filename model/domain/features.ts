/**
 * `<features>`: hypervisor features (ACPI, APIC, PAE, Hyper-V enlightenments, KVM and Xen
 * options, SMM, IOAPIC, pSeries options, TCG...). Printed in libvirt's feature order.
 *
 * Plain switches written `<x/>` or `<x state='on|off'/>` are stored as 'on' | 'off'; libvirt
 * prints them with an explicit state. The old boolean markers (`<acpi/>`, `<pae/>`) are `true`.
 */
import { Type, type Static, type TInteger } from '@sinclair/typebox';
import * as X from '../schema';
import { featureSwitch } from './feature-switch';

const sw = () => X.childValue(featureSwitch());
/** A switch whose `state` libvirt requires (`<relaxed state='on'/>`). */
const rsw = (xml?: string) => X.childValue(featureSwitch({ stateRequired: true }), xml ? { xml } : {});
const state = () => X.reqAttr(X.onOff());

/** `<stimer state='on'><direct state='on'/></stimer>`. */
export const HypervStimer = X.element({
  state: X.attr(X.onOff()),
  direct: rsw(),
});

/** Hyper-V enlightenments; `mode='passthrough'` hands all of them to the guest. */
export const Hyperv = X.element(
  {
    mode: X.attr(X.enumOf('custom', 'passthrough')),
    relaxed: rsw(),
    vapic: rsw(),
    /** Spinlock retry count (at least 4095) before notifying the hypervisor. */
    spinlocks: X.child(X.element({ state: state(), retries: X.attr(X.uint()) }), {}),
    vpindex: rsw(),
    runtime: rsw(),
    synic: rsw(),
    stimer: X.child(HypervStimer),
    reset: rsw(),
    /** Hyper-V vendor id, up to 12 characters. */
    vendorId: X.child(X.element({ state: state(), value: X.attr(X.str({ pattern: '^[^,]{0,12}$', describe: 'at most 12 characters without commas' })) }), { xml: 'vendor_id' }),
    frequencies: rsw(),
    reenlightenment: rsw(),
    tlbflush: rsw(),
    ipi: rsw(),
    evmcs: rsw(),
    avic: rsw(),
  },
  { neverSelfClose: true },
);
export type Hyperv = Static<typeof Hyperv>;

export const KvmFeatures = X.element({
  hidden: rsw(),
  hintDedicated: rsw('hint-dedicated'),
  pollControl: rsw('poll-control'),
  pvIpi: rsw('pv-ipi'),
  /** KVM dirty ring; `size` is a power of two in [1024, 65536] entries. */
  dirtyRing: X.child(X.element({ state: state(), size: X.attr(X.uint()) }), { xml: 'dirty-ring' }),
});
export type KvmFeatures = Static<typeof KvmFeatures>;

export const XenFeatures = X.element({
  e820Host: rsw('e820_host'),
  passthrough: X.child(X.element({ state: state(), mode: X.attr(X.enumOf('sync_pt', 'share_pt')) })),
});
export type XenFeatures = Static<typeof XenFeatures>;

const CAPABILITY_NAMES = [
  'audit_control', 'audit_write', 'block_suspend', 'chown', 'dac_override', 'dac_read_search', 'fowner', 'fsetid',
  'ipc_lock', 'ipc_owner', 'kill', 'lease', 'linux_immutable', 'mac_admin', 'mac_override', 'mknod', 'net_admin',
  'net_bind_service', 'net_broadcast', 'net_raw', 'setgid', 'setfcap', 'setpcap', 'setuid', 'sys_admin', 'sys_boot',
  'sys_chroot', 'sys_module', 'sys_nice', 'sys_pacct', 'sys_ptrace', 'sys_rawio', 'sys_resource', 'sys_time',
  'sys_tty_config', 'syslog', 'wake_alarm',
] as const;
type CapabilityName = (typeof CAPABILITY_NAMES)[number];

const capabilityProps = Object.fromEntries(CAPABILITY_NAMES.map((n) => [n, rsw()])) as Record<CapabilityName, ReturnType<typeof rsw>>;

/** Container process capabilities (LXC); kept so such documents round-trip. */
export const CapabilitiesFeature = X.element({
  policy: X.reqAttr(X.enumOf('default', 'allow', 'deny')),
  ...capabilityProps,
});

export const Apic = X.element({ eoi: X.attr(X.onOff()) });

/**
 * `<tseg>`: kept in KiB (any unit on input, MiB by default) so that a size that is not whole
 * MiB survives parsing for validation to reject; printed in whole MiB with `unit='MiB'` as
 * libvirt does.
 */
function tsegCodec(): X.ElementCodec<ReturnType<typeof X.scaled>['schema']> {
  const kib = X.scaled({ canonical: 'KiB', defaultUnit: 'MiB' });
  return {
    ...kib,
    write(w, name, v) {
      w.text(name, Math.floor(v / 1024), [['unit', 'MiB']]);
    },
  };
}

/** System Management Mode; `tseg` (KiB) sizes the extended TSEG on q35. */
export const Smm = X.element({
  state: X.attr(X.onOff()),
  tseg: X.childValue(tsegCodec()),
});
export type Smm = Static<typeof Smm>;

export const Hpt = X.element({
  resizing: X.attr(X.enumOf('enabled', 'disabled', 'required')),
  /** KiB. */
  maxpagesize: X.childValue(X.scaled({ canonical: 'KiB' })),
});

const fixState = (...values: [string, ...string[]]) => X.element({ value: X.reqAttr(X.enumOf(...values)) });

export const Features = X.element({
  acpi: X.flag(),
  apic: X.child(Apic),
  pae: X.flag(),
  hap: sw(),
  viridian: X.flag(),
  privnet: X.flag(),
  hyperv: X.child(Hyperv),
  kvm: X.child(KvmFeatures),
  pvspinlock: sw(),
  capabilities: X.child(CapabilitiesFeature),
  pmu: sw(),
  vmport: sw(),
  gic: X.child(X.element({ version: X.attr(X.enumOf('host', '2', '3')) })),
  smm: X.child(Smm),
  ioapic: X.child(X.element({ driver: X.reqAttr(X.enumOf('qemu', 'kvm')) })),
  hpt: X.child(Hpt),
  vmcoreinfo: sw(),
  htm: rsw(),
  nestedHv: rsw('nested-hv'),
  msrs: X.child(X.element({ unknown: X.reqAttr(X.enumOf('ignore', 'fault')) })),
  ccfAssist: rsw('ccf-assist'),
  xen: X.child(XenFeatures),
  cfpc: X.child(fixState('broken', 'workaround', 'fixed')),
  sbbc: X.child(fixState('broken', 'workaround', 'fixed')),
  ibs: X.child(fixState('broken', 'workaround', 'fixed-ibs', 'fixed-ccd', 'fixed-na')),
  /** TCG translation block cache size, KiB. */
  tcg: X.child(X.element({ tbCache: X.childValue(X.scaled({ canonical: 'KiB' }), { xml: 'tb-cache' }) })),
});
export type Features = Static<typeof Features>;
