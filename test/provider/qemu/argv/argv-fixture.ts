/**
 * A small, hand-written QEMU 8.0-like capability set and a fixed host for argv builder tests, so
 * they run without the libvirt corpus. Values are the ones libvirt's x86_64-latest caps report
 * for the machines and flags used here.
 */
import type { QemuCaps, MachineType } from '../../../../provider/qemu/caps';
import type { ArgvContext } from '../../../../provider/qemu/argv/context';
import { ARGV_SECTIONS, ArgvState } from '../../../../provider/qemu/argv/build';
import { QemuCommandLine } from '../../../../provider/qemu/argv/command-line';
import { parseDomainXml, type Domain } from '../../../../model/domain/domain';
import { applyDomainDefaults } from '../../../../model/domain/defaults';

const machine = (name: string, extra: Partial<MachineType> = {}): MachineType => ({
  name,
  isDefault: false,
  maxCpus: 255,
  hotplugCpus: true,
  deprecated: false,
  defaultCpuType: 'qemu64-x86_64-cpu',
  defaultRamId: 'pc.ram',
  numaMemSupported: false,
  ...extra,
});

const MACHINES: MachineType[] = [
  machine('pc'),
  machine('q35', { maxCpus: 288 }),
  machine('pc-i440fx-5.0', { numaMemSupported: true }),
];

export const FIXTURE_CAPS: QemuCaps = {
  emulator: '/usr/bin/qemu-system-x86_64',
  arch: 'x86_64',
  version: 7002050,
  versionString: '7.2.50',
  package: '',
  kvmAvailable: true,
  flags: new Set([
    'kvm', 'tcg', 'no-acpi', 'seccomp-sandbox', 'set-action', 'machine-hpet', 'smp-dies', 'thread-context',
    'kvm-pit-lost-tick-policy', 'compat-deprecated', 'confidential-guest-support', 'virtio-mem-pci.prealloc',
    'ich9-disable-s3', 'ich9-disable-s4', 'cpu-cache', 'memory-backend-file.prealloc-threads',
  ]),
  qomTypes: new Set(),
  deviceProps: {},
  objectProps: {},
  accel: { kvm: { machines: MACHINES, cpuModels: [] }, tcg: { machines: MACHINES, cpuModels: [] } },
};

export function fixtureContext(name: string, over: Partial<ArgvContext> = {}): ArgvContext {
  const lib = `/var/lib/vf/domain--1-${name}`;
  return {
    caps: FIXTURE_CAPS,
    host: {
      numaNodes: [0, 1, 2, 3],
      hugetlbfs: [
        { path: '/dev/hugepages', pageSizeKiB: 2048, isDefault: true },
        { path: '/dev/hugepages1G', pageSizeKiB: 1048576, isDefault: false },
      ],
      systemPageSizeKiB: 4,
    },
    paths: {
      domainLibDir: lib,
      channelTargetDir: `/run/vf/${name}/channels`,
      hugepageSubdir: 'virtform',
      memoryBackingDir: '/var/lib/vf/ram',
      nvramDir: '/var/lib/vf/nvram',
      runDir: `/run/vf/${name}`,
    },
    monitor: { kind: 'socket', path: `/run/vf/${name}/qmp.sock` },
    launchEnv: { PATH: '/usr/bin:/bin', USER: 'vf', LOGNAME: 'vf' },
    domainId: -1,
    fdPassing: 'none',
    ...over,
  };
}

/** The argv-core sections (general options, machine, CPU, memory, NUMA, firmware, boot, ...). */
export const CORE_SECTIONS = new Set([
  'environment', 'name', 'compat', 'freeze', 'master-key', 'pflash-blockdevs', 'machine', 'accel', 'tseg', 'cpu',
  'loader', 'memory', 'smp', 'iothreads', 'numa', 'uuid', 'genid', 'smbios', 'sysinfo-fw-cfg', 'display-none',
  'no-defaults', 'monitor', 'clock', 'power-management', 'boot', 'memory-devices', 'vmcoreinfo',
  'launch-security', 'qemu-commandline', 'sandbox', 'msg',
]);

export function parseDomain(xml: string): Domain {
  return applyDomainDefaults(parseDomainXml(xml, 'test.xml'));
}

/** Runs only the argv-core sections on `def` (so device sections do not change these tests). */
export function coreArgs(def: Domain, ctx: ArgvContext): string {
  const cmd = new QemuCommandLine(def.devices?.emulator ?? ctx.caps.emulator);
  const state = new ArgvState();
  for (const [name, section] of ARGV_SECTIONS) if (CORE_SECTIONS.has(name)) section(cmd, def, ctx, state);
  return cmd.toArgsFile();
}
