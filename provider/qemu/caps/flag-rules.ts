/**
 * How a probe derives libvirt's capability flag names from what QEMU answered.
 *
 * Each rule names one flag and the evidence that sets it. The evidence kinds, in the order of how
 * direct they are:
 * - `type`: the QOM type exists (qom-list-types). Most device flags are named after their type.
 * - `prop` / `propDefault`: a device (device-list-properties) or object (qom-list-properties)
 *   type has a property, or reports a given default for it.
 * - `command`: the QMP command exists (from query-qmp-schema).
 * - `schema`: a path into query-qmp-schema holds (see ./qmp-schema.ts for the path language).
 * - `option`: a command-line option (and optionally one of its parameters) is listed by
 *   query-command-line-options.
 * - `kvm`: query-kvm under `-accel kvm` says KVM is present and enabled.
 * - `all` / `any` / `not`: combinations.
 *
 * The rules were written from QEMU's QAPI documentation and its replies, and are checked by the
 * tests against libvirt 9.0's own probe results for QEMU 7.2.0 and 7.2.50 (the conformance corpus):
 * for every flag listed here, the derived value equals libvirt's. Flags libvirt has that are not
 * listed here (migration, SEV/SGX, CPU-expansion details, ...) are not derived; see
 * {@link UNDERIVED_FLAGS}.
 */
import type { TypeProperty } from './qemu-caps';
import { QmpSchema } from './qmp-schema';

export type FlagEvidence =
  | { readonly kind: 'type'; readonly type: string }
  | { readonly kind: 'prop'; readonly type: string; readonly prop: string }
  | { readonly kind: 'propDefault'; readonly type: string; readonly prop: string; readonly value: unknown }
  | { readonly kind: 'command'; readonly command: string }
  | { readonly kind: 'schema'; readonly path: string }
  | { readonly kind: 'option'; readonly option: string; readonly param?: string }
  | { readonly kind: 'kvm' }
  | { readonly kind: 'all'; readonly of: readonly FlagEvidence[] }
  | { readonly kind: 'any'; readonly of: readonly FlagEvidence[] }
  | { readonly kind: 'not'; readonly evidence: FlagEvidence };

export interface FlagRule {
  readonly flag: string;
  readonly when: FlagEvidence;
}

/** Everything a probe learned that flags are derived from. */
export interface ProbeEvidence {
  readonly kvm?: { readonly present: boolean; readonly enabled: boolean };
  readonly qomTypes: ReadonlySet<string>;
  readonly schema?: QmpSchema;
  readonly deviceProps: Readonly<Record<string, readonly TypeProperty[]>>;
  readonly objectProps: Readonly<Record<string, readonly TypeProperty[]>>;
  /** query-command-line-options: option name → its parameter names. */
  readonly commandLineOptions: ReadonlyMap<string, ReadonlySet<string>>;
}

const type = (t: string): FlagEvidence => ({ kind: 'type', type: t });
const prop = (t: string, p: string): FlagEvidence => ({ kind: 'prop', type: t, prop: p });
const command = (c: string): FlagEvidence => ({ kind: 'command', command: c });
const schema = (path: string): FlagEvidence => ({ kind: 'schema', path });
const option = (o: string, param?: string): FlagEvidence => ({ kind: 'option', option: o, param });

/** Flags named exactly like the QOM type whose existence they record. */
const TYPE_NAMED_FLAGS: readonly string[] = [
  'hda-duplex', 'piix3-usb-uhci', 'piix4-usb-uhci', 'usb-ehci', 'ich9-usb-ehci1', 'pci-ohci', 'usb-redir',
  'usb-hub', 'ich9-ahci', 'scsi-block', 'hda-micro', 'nec-usb-xhci', 'virtio-scsi-pci', 'qxl', 'VGA',
  'cirrus-vga', 'vmware-svga', 'usb-serial', 'rng-random', 'rng-egd', 'megasas', 'tpm-passthrough', 'tpm-tis',
  'pci-bridge', 'vfio-pci', 'usb-storage', 'virtio-mmio', 'ich9-intel-hda', 'pvpanic', 'usb-kbd', 'usb-audio',
  'iothread', 'pc-dimm', 'pci-serial', 'gpex-pcihost', 'ioh3420', 'x3130-upstream', 'xio3130-downstream',
  'rtl8139', 'e1000', 'mptsas1068', 'pxb', 'pxb-pcie', 'intel-iommu', 'virtio-vga', 'ivshmem-plain',
  'ivshmem-doorbell', 'vhost-scsi', 'nvdimm', 'pcie-root-port', 'qemu-xhci', 'vmcoreinfo', 'isa-serial',
  'pcie-pci-bridge', 'tpm-crb', 'pr-manager-helper', 'hda-output', 'vmgenid', 'tpm-emulator', 'mch',
  'memory-backend-memfd', 'bochs-display', 'dbus-vmstate', 'vhost-user-gpu', 'vhost-user-vga', 'ramfb', 'i8042',
  'rng-builtin', 'pvscsi', 'dc390', 'am53c974', 'virtio-pmem-pci', 'vhost-user-blk', 'input-linux',
  'virtio-gpu-gl-pci', 'virtio-vga-gl', 'virtio-mem-pci', 'virtio-iommu-pci', 'thread-context',
];

/** Flags named `TYPE.PROP` that record a property of a device or object type. */
const PROP_NAMED_FLAGS: readonly string[] = [
  'virtio-blk-pci.scsi', 'usb-redir.filter', 'usb-storage.removable', 'VGA.vgamem_mb', 'vmware-svga.vgamem_mb',
  'qxl.vgamem_mb', 'virtio-balloon-pci.deflate-on-oom', 'qxl.vram64_size_mb', 'intel-iommu.intremap',
  'intel-iommu.caching-mode', 'intel-iommu.eim', 'intel-iommu.device-iotlb', 'intel-iommu.aw-bits',
  'mch.extended-tseg-mbytes', 'vfio-pci.display', 'memory-backend-memfd.hugetlb', 'memory-backend-file.pmem',
  'memory-backend-file.reserve', 'memory-backend-file.prealloc-threads',
  'memory-backend-file.x-use-canonical-path-for-ramblock-id', 'nvdimm.unarmed', 'pcie-root-port.hotplug',
  'usb-host.hostdevice', 'usb-host.guest-resets-all', 'virtio-mem-pci.prealloc',
];

/** Flags named exactly like the QMP command whose existence they record. */
const COMMAND_NAMED_FLAGS: readonly string[] = [
  'query-hotpluggable-cpus', 'query-cpu-model-expansion', 'query-cpu-definitions', 'blockdev-reopen',
  'block-export-add', 'set-action', 'query-dirty-rate', 'calc-dirty-rate', 'query-stats', 'query-stats-schemas',
];

/** Flags whose name does not spell out their evidence. */
const OTHER_RULES: readonly FlagRule[] = [
  { flag: 'kvm', when: { kind: 'kvm' } },
  { flag: 'tcg', when: type('tcg-accel') },
  { flag: 'lsi', when: type('lsi53c895a') },
  { flag: 'ccid-emulated', when: type('ccid-card-emulated') },
  { flag: 'ccid-passthru', when: type('ccid-card-passthru') },
  { flag: 'dmi-to-pci-bridge', when: type('i82801b11-bridge') },
  { flag: 'virtio-rng', when: type('virtio-rng-pci') },
  { flag: 'virtio-net', when: type('virtio-net-pci') },
  { flag: 'virtio-gpu', when: type('virtio-gpu-pci') },
  { flag: 'virtio-keyboard', when: type('virtio-keyboard-pci') },
  { flag: 'virtio-mouse', when: type('virtio-mouse-pci') },
  { flag: 'virtio-tablet', when: type('virtio-tablet-pci') },
  { flag: 'virtio-input-host', when: type('virtio-input-host-pci') },
  { flag: 'vhost-vsock', when: type('vhost-vsock-pci') },
  { flag: 'vhost-user-fs', when: type('vhost-user-fs-device') },
  { flag: 'virtio-pci-non-transitional', when: type('virtio-blk-pci-non-transitional') },
  { flag: 'x86-max-cpu', when: type('max-x86_64-cpu') },
  { flag: 'rtc-reset-reinjection', when: command('rtc-reset-reinjection') },
  { flag: 'sev-inject-launch-secret', when: command('sev-inject-launch-secret') },
  // device and object properties
  { flag: 'disable-s3', when: prop('PIIX4_PM', 'disable_s3') },
  { flag: 'disable-s4', when: prop('PIIX4_PM', 'disable_s4') },
  { flag: 'ich9-disable-s3', when: prop('ICH9-LPC', 'disable_s3') },
  { flag: 'ich9-disable-s4', when: prop('ICH9-LPC', 'disable_s4') },
  { flag: 'piix4.acpi-root-pci-hotplug', when: prop('PIIX4_PM', 'acpi-root-pci-hotplug') },
  { flag: 'kvm-pit-lost-tick-policy', when: prop('kvm-pit', 'lost_tick_policy') },
  { flag: 'scsi-disk.channel', when: prop('scsi-hd', 'channel') },
  { flag: 'scsi-disk.wwn', when: prop('scsi-hd', 'wwn') },
  { flag: 'ide-drive.wwn', when: prop('ide-hd', 'wwn') },
  { flag: 'rotation-rate', when: prop('scsi-hd', 'rotation_rate') },
  { flag: 'virtio-blk.queue-size', when: prop('virtio-blk-pci', 'queue-size') },
  {
    flag: 'virtio-blk-pci.scsi.default.disabled',
    when: { kind: 'propDefault', type: 'virtio-blk-pci', prop: 'scsi', value: false },
  },
  { flag: 'virtio-net.rss', when: prop('virtio-net-pci', 'rss') },
  { flag: 'acpi-index', when: prop('virtio-net-pci', 'acpi-index') },
  { flag: 'virtio-balloon.free-page-reporting', when: prop('virtio-balloon-pci', 'free-page-reporting') },
  { flag: 'virtio-iommu.boot-bypass', when: prop('virtio-iommu-pci', 'boot-bypass') },
  { flag: 'vhost-user-fs.bootindex', when: prop('vhost-user-fs-device', 'bootindex') },
  { flag: 'cpu.migratable', when: prop('max-x86_64-cpu', 'migratable') },
  { flag: 'cpu-unavailable-features', when: prop('max-x86_64-cpu', 'unavailable-features') },
  // command-line options
  { flag: 'seccomp-sandbox', when: option('sandbox') },
  { flag: 'vnc', when: option('vnc') },
  { flag: 'spice', when: option('spice') },
  { flag: 'spice-gl', when: option('spice', 'gl') },
  { flag: 'spice-rendernode', when: option('spice', 'rendernode') },
  { flag: 'fsdev.multidevs', when: option('fsdev', 'multidevs') },
  // QEMU 7.2 lists only generic -machine parameters; the vmport device's presence implies pc/q35's vmport=.
  { flag: 'machine-vmport-opt', when: { kind: 'any', of: [option('machine', 'vmport'), type('vmport')] } },
  { flag: 'machine-hpet', when: option('machine', 'hpet') },
  { flag: 'no-hpet', when: { kind: 'all', of: [type('hpet'), { kind: 'not', evidence: option('machine', 'hpet') }] } },
  { flag: 'confidential-guest-support', when: prop('none-machine', 'confidential-guest-support') },
  { flag: 'vnc-power-control', when: option('vnc', 'power-control') },
  // QMP schema
  { flag: 'chardev-reconnect', when: schema('chardev-add/arg-type/backend/+socket/data/reconnect') },
  { flag: 'chardev.qemu-vdagent', when: schema('chardev-add/arg-type/backend/+qemu-vdagent') },
  { flag: 'nbd-tls', when: schema('nbd-server-start/arg-type/tls-creds') },
  { flag: 'screendump_device', when: schema('screendump/arg-type/device') },
  { flag: 'screenshot-format-png', when: schema('screendump/arg-type/format/^png') },
  { flag: 'iothread.poll-max-ns', when: schema('query-iothreads/ret-type/poll-max-ns') },
  { flag: 'egl-headless', when: schema('query-display-options/ret-type/type/^egl-headless') },
  { flag: 'egl-headless.rendernode', when: schema('query-display-options/ret-type/+egl-headless/rendernode') },
  { flag: 'display-dbus', when: schema('query-display-options/ret-type/type/^dbus') },
  { flag: 'sdl', when: schema('query-display-options/ret-type/type/^sdl') },
  { flag: 'drive-nvme', when: schema('blockdev-add/arg-type/+nvme') },
  { flag: 'aio.io_uring', when: schema('blockdev-add/arg-type/+file/aio/^io_uring') },
  { flag: 'rbd-encryption', when: schema('blockdev-add/arg-type/+rbd/encrypt') },
  { flag: 'blockdev.nbd.tls-hostname', when: schema('blockdev-add/arg-type/+nbd/tls-hostname') },
  { flag: 'smp-dies', when: schema('query-hotpluggable-cpus/ret-type/props/die-id') },
  { flag: 'query-named-block-nodes.flat', when: schema('query-named-block-nodes/arg-type/flat') },
  { flag: 'blockdev-snapshot.allow-write-only-overlay', when: schema('blockdev-snapshot/$allow-write-only-overlay') },
  { flag: 'numa.hmat', when: schema('set-numa-node/arg-type/+hmat-lb') },
  { flag: 'netdev.vhost-vdpa', when: schema('netdev_add/arg-type/+vhost-vdpa') },
  { flag: 'netdev.stream', when: schema('netdev_add/arg-type/+stream') },
  { flag: 'netdev.json', when: schema('netdev_add/arg-type/+user') },
  { flag: 'object.qapified', when: schema('object-add/arg-type/+secret/data') },
  { flag: 'iothread.thread-pool-max', when: schema('object-add/arg-type/+iothread/thread-pool-max') },
  { flag: 'nbd-bitmap', when: schema('nbd-server-add/arg-type/bitmap') },
  { flag: 'migration-file-drop-cache', when: schema('blockdev-add/arg-type/+file/drop-cache') },
  { flag: 'device.json+hotplug', when: schema('device_add/$json-cli-hotplug') },
  { flag: 'migration-param.block-bitmap-mapping', when: schema('migrate-set-parameters/arg-type/block-bitmap-mapping') },
  { flag: 'migration.blocked-reasons', when: schema('query-migrate/ret-type/blocked-reasons') },
  { flag: 'dirtyrate-param.mode', when: schema('calc-dirty-rate/arg-type/mode') },
];

/** Every flag a probe can derive, with its evidence. */
export const FLAG_RULES: readonly FlagRule[] = [
  ...TYPE_NAMED_FLAGS.map((f): FlagRule => ({ flag: f, when: type(f) })),
  ...PROP_NAMED_FLAGS.map((f): FlagRule => {
    const dot = f.lastIndexOf('.');
    return { flag: f, when: prop(f.slice(0, dot), f.slice(dot + 1)) };
  }),
  ...COMMAND_NAMED_FLAGS.map((f): FlagRule => ({ flag: f, when: command(f) })),
  ...OTHER_RULES,
];

/**
 * libvirt 9.0 flags (present for QEMU 7.2) that a probe does not derive, because the evidence is
 * something virtform does not ask for (migration capabilities, CPU model expansion, SEV details)
 * or libvirt decides them by architecture or version rather than by a reply.
 */
export const UNDERIVED_FLAGS: readonly string[] = [
  'no-acpi',
  'migrate-rdma',
  'cpu-cache',
  'canonical-cpu-features',
  'incremental-backup',
  'cpu-max',
  'sev-guest-kernel-hashes',
  'compat-deprecated',
];

export function evidenceHolds(e: FlagEvidence, ev: ProbeEvidence): boolean {
  switch (e.kind) {
    case 'type':
      return ev.qomTypes.has(e.type);
    case 'prop':
      return findProp(ev, e.type, e.prop) !== undefined;
    case 'propDefault': {
      const p = findProp(ev, e.type, e.prop);
      return p !== undefined && 'defaultValue' in p && p.defaultValue === e.value;
    }
    case 'command':
      return ev.schema !== undefined && ev.schema.has(e.command);
    case 'schema':
      return ev.schema !== undefined && ev.schema.holds(e.path);
    case 'option': {
      const params = ev.commandLineOptions.get(e.option);
      return params !== undefined && (e.param === undefined || params.has(e.param));
    }
    case 'kvm':
      return ev.kvm !== undefined && ev.kvm.present && ev.kvm.enabled;
    case 'all':
      return e.of.every((x) => evidenceHolds(x, ev));
    case 'any':
      return e.of.some((x) => evidenceHolds(x, ev));
    case 'not':
      return !evidenceHolds(e.evidence, ev);
  }
}

function findProp(ev: ProbeEvidence, typeName: string, propName: string): TypeProperty | undefined {
  const props = ev.deviceProps[typeName] ?? ev.objectProps[typeName];
  return props?.find((p) => p.name === propName);
}

/** The flags whose rules hold, sorted. */
export function deriveFlags(ev: ProbeEvidence, rules: readonly FlagRule[] = FLAG_RULES): string[] {
  return rules.filter((r) => evidenceHolds(r.when, ev)).map((r) => r.flag).sort();
}
