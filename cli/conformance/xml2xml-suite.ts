/**
 * libvirt's qemuxml2xmltest for the x86_64 "latest" capabilities: each input
 * `tests/qemuxml2argvdata/NAME.xml` goes through the QEMU pipeline up to the defined domain
 * (provider/qemu/prepare.ts: parse, generic defaults, QEMU defaults) and is printed as inactive
 * XML; the result must equal `tests/qemuxml2xmloutdata/NAME.x86_64-latest.xml` byte for byte.
 * Where the corpus has separate `NAME-active` / `NAME-inactive` outputs, both forms are checked
 * (the active form keeps runtime values the input carries: the domain id, backing-chain
 * indexes).
 *
 * Harness facts (test fakes, never in the product):
 *  - caps: tests/qemucapabilitiesdata/caps_8.0.0.x86_64.xml with machine aliases removed (libvirt's
 *    harness strips them from "latest" caps, so `pc`/`q35` stay as written);
 *  - qemu.conf settings and environment per case from the index (`state_changes_in_effect`),
 *    on top of the harness base settings (fake-host.ts);
 *  - `<genid/>` gets the id libvirt's mocked random generator produces;
 *  - the driver's state directory is /tmp/lib, channel sockets are generated in /tmp/channel.
 */
import * as path from 'path';
import { formatDomainXml, parseDomainXml, validateDomain } from '../../model/domain/domain';
import { ModelError } from '../../model/errors';
import { loadLibvirtCapsFile, type QemuCaps } from '../../provider/qemu/caps';
import { asInactive, prepareDomain } from '../../provider/qemu/prepare';
import type { QemuDriverConfig } from '../../provider/qemu/defaults';
import type { Corpus } from './corpus';
import type { CaseRun, ConformanceSuite, SuiteCase } from './suite';
import { parseStateChanges } from './fake-host';

const INDEX = 'index/qemuxml2xml-tests.tsv';
const IN = 'tests/qemuxml2argvdata';
const OUT = 'tests/qemuxml2xmloutdata';
const LATEST_X86_64_CAPS = 'tests/qemucapabilitiesdata/caps_8.0.0.x86_64.xml';

/** The QEMU driver's state directory in libvirt's test harness. */
export const TEST_LIB_DIR = '/tmp/lib';

/** Where libvirt's test harness generates guest-agent channel sockets. */
export const TEST_CHANNEL_TARGET_DIR = '/tmp/channel';

/** The generation id libvirt's test harness generates (its random bytes are 0x00, 0x01, ...). */
export const TEST_GENID = '00010203-0405-4607-8809-0a0b0c0d0e0f';

/**
 * libvirt's harness removes machine aliases from "latest" caps (virQEMUCapsStripMachineAliases):
 * each alias becomes a machine of its own with the aliased machine's properties, so `pc` and
 * `q35` are known machines that are never rewritten to a versioned name.
 */
export function stripMachineAliases(caps: QemuCaps): QemuCaps {
  type Accel = NonNullable<QemuCaps['accel']['kvm']>;
  const strip = (a: Accel): Accel => {
    const machines = a.machines.map(({ alias: _alias, ...m }) => m);
    for (const { alias, ...m } of a.machines) if (alias) machines.push({ ...m, name: alias });
    return { ...a, machines };
  };
  const accel: { kvm?: Accel; tcg?: Accel } = {};
  if (caps.accel.kvm) accel.kvm = strip(caps.accel.kvm);
  if (caps.accel.tcg) accel.tcg = strip(caps.accel.tcg);
  return { ...caps, accel };
}

/**
 * The cases of the index rows `keep` accepts that are in the corpus. libvirt checks a case's
 * inactive form against `NAME-inactive<suffix>.xml` and its active form against
 * `NAME-active<suffix>.xml`, either falling back to `NAME<suffix>.xml`; a form whose file does not
 * exist is not checked.
 */
function indexCases(corpus: Corpus, keep: (row: Record<string, string>) => boolean, suffix: string): SuiteCase[] {
  const out: SuiteCase[] = [];
  for (const row of corpus.tsv(INDEX)) {
    if (row.in_corpus !== 'yes' || !keep(row)) continue;
    const params = { state_changes_in_effect: row.state_changes_in_effect, extra_args: row.extra_args, fake_caps_flags: row.fake_caps_flags };
    const file = (form: string) => `${OUT}/${row.name}${form}${suffix}.xml`;
    const input = `${IN}/${row.name}.xml`;
    const errorPath = `${OUT}/${row.name}${suffix}.err`;
    const inactive = corpus.has(file('-inactive')) ? file('-inactive') : corpus.has(file('')) ? file('') : undefined;
    const active = corpus.has(file('-active')) ? file('-active') : corpus.has(file('')) ? file('') : undefined;
    if (inactive && active === inactive) {
      out.push({ name: row.name, input, expect: 'output', outputPath: inactive, errorPath, params: { ...params, form: 'inactive' } });
      continue;
    }
    if (inactive) out.push({ name: `${row.name} (inactive)`, input, expect: 'output', outputPath: inactive, errorPath, params: { ...params, form: 'inactive' } });
    if (active) out.push({ name: `${row.name} (active)`, input, expect: 'output', outputPath: active, errorPath, params: { ...params, form: 'active' } });
  }
  return out;
}

let latestCaps: QemuCaps | undefined;
let latestCapsRoot: string | undefined;

/** Runs the define pipeline on `xml` with the harness settings of one case and prints it. */
export function xml2xml(xml: string, file: string, caps: QemuCaps, settings: { config: Readonly<Record<string, unknown>>; env: Readonly<Record<string, string>> }, active: boolean): string {
  const def = parseDomainXml(xml, file);
  prepareDomain(def, caps, {
    hostArch: 'x86_64',
    config: { libDir: TEST_LIB_DIR, channelTargetDir: TEST_CHANNEL_TARGET_DIR, ...settings.config } as QemuDriverConfig,
    env: settings.env,
    newGenid: () => TEST_GENID,
    inactive: !active,
  });
  const issues = validateDomain(def);
  if (issues.length) throw new ModelError(issues);
  if (!active) asInactive(def);
  return formatDomainXml(def);
}

export const xml2xmlSuite: ConformanceSuite = {
  name: 'xml2xml',
  description: 'domain XML after QEMU defaults (libvirt qemuxml2xmltest, x86_64-latest caps): qemuxml2argvdata NAME.xml -> qemuxml2xmloutdata NAME[-active|-inactive].x86_64-latest.xml',
  implemented: true,
  cases(corpus: Corpus): SuiteCase[] {
    return indexCases(corpus, (row) => row.caps_arch === 'x86_64' && row.caps_ver === 'latest', '.x86_64-latest');
  },
  async prepare(corpus: Corpus): Promise<void> {
    if (latestCaps && latestCapsRoot === corpus.root) return;
    latestCaps = stripMachineAliases(await loadLibvirtCapsFile(path.join(corpus.root, LATEST_X86_64_CAPS)));
    latestCapsRoot = corpus.root;
  },
  run(c: SuiteCase, corpus: Corpus): CaseRun {
    if (!latestCaps) return { error: 'xml2xml suite: capabilities not loaded (prepare() was not called)' };
    const p = c.params ?? {};
    try {
      const settings = parseStateChanges(p.state_changes_in_effect ?? '');
      return { output: xml2xml(corpus.read(c.input), c.input, latestCaps, settings, p.form === 'active') };
    } catch (e) {
      return { error: e instanceof Error ? e.message : String(e) };
    }
  },
};

/**
 * libvirt's capability enum names (QEMU_CAPS_X as the test index lists them) and the flag
 * strings QemuCaps uses, for the flags the fake-caps cases of qemuxml2xmltest name.
 */
export const FAKE_CAPS_FLAG: Readonly<Record<string, string>> = {
  KVM: 'kvm',
  VNC: 'vnc',
  SPICE: 'spice',
  SDL: 'sdl',
  DEVICE_CIRRUS_VGA: 'cirrus-vga',
  DEVICE_VGA: 'VGA',
  DEVICE_QXL: 'qxl',
  DEVICE_VIRTIO_GPU: 'virtio-gpu',
  VIRTIO_GPU_VIRGL: 'virtio-gpu.virgl',
  DEVICE_IOH3420: 'ioh3420',
  DEVICE_PCIE_ROOT_PORT: 'pcie-root-port',
  DEVICE_PCI_BRIDGE: 'pci-bridge',
  DEVICE_DMI_TO_PCI_BRIDGE: 'dmi-to-pci-bridge',
  DEVICE_X3130_UPSTREAM: 'x3130-upstream',
  DEVICE_XIO3130_DOWNSTREAM: 'xio3130-downstream',
  DEVICE_PXB: 'pxb',
  DEVICE_PXB_PCIE: 'pxb-pcie',
  ICH9_AHCI: 'ich9-ahci',
  ICH9_USB_EHCI1: 'ich9-usb-ehci1',
  PIIX3_USB_UHCI: 'piix3-usb-uhci',
  NEC_USB_XHCI: 'nec-usb-xhci',
  PCI_OHCI: 'pci-ohci',
  USB_HUB: 'usb-hub',
  USB_REDIR: 'usb-redir',
  USB_REDIR_FILTER: 'usb-redir.filter',
  DEVICE_USB_STORAGE: 'usb-storage',
  OBJECT_USB_AUDIO: 'usb-audio',
  VIRTIO_SCSI: 'virtio-scsi-pci',
  SCSI_LSI: 'lsi',
  SCSI_BLOCK: 'scsi-block',
  SCSI_DISK_WWN: 'scsi-disk.wwn',
  DEVICE_VHOST_SCSI: 'vhost-scsi',
  DEVICE_VFIO_PCI: 'vfio-pci',
  VFIO_PCI_DISPLAY: 'vfio-pci.display',
  DEVICE_NVDIMM: 'nvdimm',
  DEVICE_NVDIMM_UNARMED: 'nvdimm.unarmed',
  DEVICE_PC_DIMM: 'pc-dimm',
  DEVICE_VIRTIO_RNG: 'virtio-rng',
  OBJECT_RNG_RANDOM: 'rng-random',
  OBJECT_RNG_EGD: 'rng-egd',
  DEVICE_VIRTIO_NET: 'virtio-net',
  NETDEV_VHOST_VDPA: 'netdev.vhost-vdpa',
  VIRTIO_TABLET: 'virtio-tablet',
  VIRTIO_MOUSE: 'virtio-mouse',
  VIRTIO_KEYBOARD: 'virtio-keyboard',
  VIRTIO_INPUT_HOST: 'virtio-input-host',
  VIRTIO_PCI_TRANSITIONAL: 'virtio-pci-non-transitional',
  CCID_EMULATED: 'ccid-emulated',
  CCID_PASSTHRU: 'ccid-passthru',
  DISPLAY_DBUS: 'display-dbus',
  EGL_HEADLESS: 'egl-headless',
  EGL_HEADLESS_RENDERNODE: 'egl-headless.rendernode',
  SPICE_GL: 'spice-gl',
  SPICE_RENDERNODE: 'spice-rendernode',
  DEVICE_PANIC: 'pvpanic',
  PIIX_DISABLE_S3: 'disable-s3',
  PIIX_DISABLE_S4: 'disable-s4',
  HDA_DUPLEX: 'hda-duplex',
  HDA_OUTPUT: 'hda-output',
  HDA_MICRO: 'hda-micro',
  DEVICE_ICH9_INTEL_HDA: 'ich9-intel-hda',
  PR_MANAGER_HELPER: 'pr-manager-helper',
  OBJECT_IOTHREAD: 'iothread',
  NUMA_HMAT: 'numa.hmat',
  KVM_PIT_TICK_POLICY: 'kvm-pit-lost-tick-policy',
  DEVICE_VMCOREINFO: 'vmcoreinfo',
  DEVICE_IVSHMEM: 'ivshmem',
  DEVICE_IVSHMEM_PLAIN: 'ivshmem-plain',
  DEVICE_IVSHMEM_DOORBELL: 'ivshmem-doorbell',
  DEVICE_ISA_SERIAL: 'isa-serial',
};

/**
 * The synthetic QEMU libvirt's harness uses for its fake-caps cases: only the listed flags, and
 * the machines of its fake x86 guests (`pc`, `q35`... unversioned, without default CPU models,
 * so nothing is canonicalized and no CPU is added).
 */
export function fakeCaps(arch: string, flagNames: readonly string[]): QemuCaps {
  const machine = (name: string, isDefault = false) => ({ name, isDefault, maxCpus: 255, hotplugCpus: true, deprecated: false, numaMemSupported: true });
  const machines = arch === 'i686' ? [machine('pc', true), machine('isapc')] : [machine('pc', true), machine('pc-0.11'), machine('q35'), machine('isapc')];
  const accel = { machines, cpuModels: [] };
  return {
    emulator: arch === 'i686' ? '/usr/bin/qemu-system-i386' : '/usr/bin/qemu-system-x86_64',
    arch,
    version: 0,
    versionString: '0.0.0',
    package: '',
    kvmAvailable: true,
    flags: new Set(flagNames.map((f) => FAKE_CAPS_FLAG[f] ?? f)),
    qomTypes: new Set(),
    deviceProps: {},
    objectProps: {},
    accel: { kvm: accel, tcg: accel },
  };
}

const FAKE_MACROS = new Set(['DO_TEST', 'DO_TEST_NOCAPS', 'DO_TEST_FULL']);

/**
 * The fake-caps cases of libvirt's qemuxml2xmltest (DO_TEST with a flag list, DO_TEST_NOCAPS):
 * same pipeline as the xml2xml suite, with the synthetic binary of fakeCaps; outputs
 * `tests/qemuxml2xmloutdata/NAME[-active|-inactive].xml`.
 */
export const xml2xmlFakeCapsSuite: ConformanceSuite = {
  name: 'xml2xml-fakecaps',
  description: 'domain XML after QEMU defaults (libvirt qemuxml2xmltest, fake caps): qemuxml2argvdata NAME.xml -> qemuxml2xmloutdata NAME[-active|-inactive].xml',
  implemented: true,
  cases(corpus: Corpus): SuiteCase[] {
    return indexCases(corpus, (row) => row.caps_arch === '(fake-caps)' && FAKE_MACROS.has(row.macro), '');
  },
  run(c: SuiteCase, corpus: Corpus): CaseRun {
    const p = c.params ?? {};
    try {
      const xml = corpus.read(c.input);
      const arch = /<type[^>]*arch=['"]i686['"]/.test(xml) ? 'i686' : 'x86_64';
      const caps = fakeCaps(arch, (p.fake_caps_flags ?? '').split(/\s+/).filter((f) => f !== ''));
      const settings = parseStateChanges(p.state_changes_in_effect ?? '');
      return { output: xml2xml(xml, c.input, caps, settings, p.form === 'active') };
    } catch (e) {
      return { error: e instanceof Error ? e.message : String(e) };
    }
  },
};
