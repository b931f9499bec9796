/**
 * The oracle: each of the project's domain XMLs in test/oracle/domains is started paused under
 * libvirt 9.0 (a private libvirtd, test/support/libvirtd.ts) and under virtform (the production
 * path of `virtform apply`: QemuLaunchBuilder with this machine's caps and host facts, launched by
 * the daemonless lifecycle: test/oracle/virtform-side.ts), one after the other, and what each QEMU shows over QMP must be
 * the same (test/oracle/fingerprint.ts), as must the CPUs and memory nodes each thread may use
 * and the command line (normalised: normalizeCommandLine). Each domain's purpose is also checked
 * on libvirt's side with exact values (FACTS). docs/conformance.md "Oracle" describes it all.
 *
 * The XMLs name their disk images as `@IMAGES@/FILE`; the test creates them (qemu-img) in a
 * temporary folder and substitutes its path. Hugepage-backed domains get 2 MiB pages the test
 * reserves and mounts (hugetlbfs) before libvirtd starts, and gives back afterwards.
 *
 * Needs root, libvirt (libvirt-daemon-system, libvirt-clients), QEMU and qemu-img; skips with the
 * reason otherwise. Run alone: `npx jest test/oracle`.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { describeIf } from '../support/skip';
import { Libvirtd, libvirtdSkipReason } from '../support/libvirtd';
import { QEMU_IMG, QEMU_X86_64, missingBinaryReason } from '../support/qemu';
import { createOracleImages, withImages } from './oracle-images';
import { normalizeCommandLine, takeFingerprint, threadPlacement, type Fingerprint, type ThreadPlacement } from './fingerprint';
import { makeVirtformRoot, openVirtformHost, startUnderVirtform, type VirtformHost } from './virtform-side';

const DOMAINS_DIR = path.join(__dirname, 'domains');
const DOMAIN_FILES = fs.readdirSync(DOMAINS_DIR).filter((f) => f.endsWith('.xml')).sort();

/** 2 MiB pages the test adds to the pool: the largest hugepage domain (256 MiB) twice over, plus slack. */
const HUGEPAGES = 300;
const NR_HUGEPAGES = '/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages';

type Side = { fingerprint: Fingerprint; placement: ThreadPlacement; commandLine: string[] };
type J = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const types = (fp: Fingerprint): Record<string, string> => Object.fromEntries(Object.entries(fp.peripherals as J).map(([id, d]) => [id, d.type]));
const prop = (fp: Fingerprint, name: string): Record<string, unknown> =>
  Object.fromEntries(Object.entries(fp.peripherals as J).filter(([, d]) => name in d.props).map(([id, d]) => [id, d.props[name]]));

/**
 * What each domain is there to show, read from libvirt's side with exact values: the
 * comparison alone would also pass if both managers lost a feature the same way.
 */
const FACTS: Readonly<Record<string, { of: (s: Side) => unknown; are: unknown }>> = {
  'q35-minimal.xml': {
    of: (s) => [(s.fingerprint.machine as J).name, (s.fingerprint.kvm as J).enabled, types(s.fingerprint)],
    are: ['pc-q35-7.2', true, { balloon0: 'virtio-balloon-pci', 'pci.1': 'pcie-root-port', 'pci.2': 'pcie-root-port', 'pci.3': 'pcie-root-port', usb: 'qemu-xhci' }],
  },
  'pc-minimal.xml': {
    of: (s) => [(s.fingerprint.machine as J).name, (s.fingerprint.kvm as J).enabled, types(s.fingerprint)],
    are: ['pc-i440fx-7.2', true, { balloon0: 'virtio-balloon-pci', usb: 'piix3-usb-uhci' }],
  },
  'q35-numa-strict.xml': {
    of: (s) => [(s.fingerprint.cpus as J[]).map((c) => c.props['node-id']), (s.fingerprint.memdev as J[]).map((m) => [m.size, m.policy, m['host-nodes']])],
    are: [[0, 0, 1, 1], [[268435456, 'bind', [0]], [268435456, 'bind', [0]]]],
  },
  'q35-hugepages.xml': {
    of: (s) => (s.fingerprint.memdev as J[]).map((m) => [m.size, m.prealloc, m.policy, m['host-nodes']]).concat([(s.fingerprint.objects as J)['ram-node0']?.type]),
    are: [[268435456, true, 'bind', [0]], 'memory-backend-file'],
  },
  'q35-pinning.xml': {
    of: (s) => [s.placement, s.fingerprint.iothreads, prop(s.fingerprint, 'iothread')],
    are: [
      { emulator: { cpus: '1', mems: '0' }, vcpus: ['1', '0'], iothreads: { iothread1: '0', iothread2: '1' } },
      ['iothread1', 'iothread2'],
      { balloon0: '', 'virtio-disk0': '/objects/iothread1', scsi0: '/objects/iothread2' },
    ],
  },
  'q35-disks.xml': {
    of: (s) => [types(s.fingerprint), prop(s.fingerprint, 'bootindex'), (prop(s.fingerprint, 'serial') as J)['virtio-disk0']],
    are: [
      {
        balloon0: 'virtio-balloon-pci', 'pci.1': 'pcie-root-port', 'pci.2': 'pcie-root-port', 'pci.3': 'pcie-root-port', 'pci.4': 'pcie-root-port', 'pci.5': 'pcie-root-port',
        'sata0-0-1': 'ide-hd', 'sata0-0-2': 'ide-cd', 'sata0-0-3': 'ide-cd', scsi0: 'virtio-scsi-pci', 'scsi0-0-0-0': 'scsi-hd', usb: 'qemu-xhci', 'virtio-disk0': 'virtio-blk-pci',
      },
      { 'sata0-0-1': -1, 'sata0-0-2': 2, 'sata0-0-3': -1, 'scsi0-0-0-0': -1, 'virtio-disk0': 1 },
      'vfo-vda',
    ],
  },
  'pc-disks.xml': {
    of: (s) => [(s.fingerprint.kvm as J).enabled, prop(s.fingerprint, 'bootindex')],
    are: [false, { 'ide0-0-0': 2, 'ide0-1-0': 1, 'virtio-disk0': -1 }],
  },
  'q35-nics.xml': {
    of: (s) => [types(s.fingerprint), prop(s.fingerprint, 'mac'), (prop(s.fingerprint, 'bootindex') as J).net0],
    are: [
      {
        balloon0: 'virtio-balloon-pci', net0: 'virtio-net-pci', net1: 'e1000e', net2: 'e1000', net3: 'rtl8139', 'pci.1': 'pcie-root-port', 'pci.2': 'pcie-root-port',
        'pci.3': 'pcie-root-port', 'pci.4': 'pcie-pci-bridge', 'pci.5': 'pcie-root-port', 'pci.6': 'pcie-root-port', 'pci.7': 'pcie-root-port', usb: 'qemu-xhci',
      },
      { net0: '52:54:00:0f:7a:01', net1: '52:54:00:0f:7a:02', net2: '52:54:00:0f:7a:03', net3: '52:54:00:0f:7a:04' },
      1,
    ],
  },
  'q35-devices.xml': {
    of: (s) => [
      Object.fromEntries(Object.entries(types(s.fingerprint)).filter(([id]) => !id.startsWith('pci.'))),
      prop(s.fingerprint, 'name'),
      (prop(s.fingerprint, 'guest-stats-polling-interval') as J).balloon0,
      (s.fingerprint.objects as J).objrng0?.props.filename,
    ],
    are: [
      { balloon0: 'virtio-balloon-pci', channel0: 'virtserialport', channel1: 'virtserialport', rng0: 'virtio-rng-pci', serial0: 'isa-serial', usb: 'qemu-xhci', 'virtio-serial0': 'virtio-serial-pci', watchdog0: 'i6300esb' },
      { channel0: 'org.qemu.guest_agent.0', channel1: 'org.virtform.oracle.0' },
      10,
      '/dev/urandom',
    ],
  },
  'q35-efi.xml': {
    of: (s) => [(s.fingerprint.machineProps as J).smm, (s.fingerprint.blockNodes as J[]).filter((n) => n.node.startsWith('libvirt-pflash')).map((n) => [n.node, n.file, n.ro])],
    are: [
      'on',
      [
        ['libvirt-pflash0-format', '/usr/share/OVMF/OVMF_CODE_4M.ms.fd', true],
        ['libvirt-pflash0-storage', '/usr/share/OVMF/OVMF_CODE_4M.ms.fd', false],
        ['libvirt-pflash1-format', '<nvram>/vfo-q35-efi_VARS.fd', false],
        ['libvirt-pflash1-storage', '<nvram>/vfo-q35-efi_VARS.fd', false],
      ],
    ],
  },
  'q35-graphics.xml': {
    of: (s) => Object.fromEntries(Object.entries(types(s.fingerprint)).filter(([id]) => !id.startsWith('pci.'))),
    are: { balloon0: 'virtio-balloon-pci', input0: 'usb-tablet', sound0: 'ich9-intel-hda', 'sound0-codec0': 'hda-duplex', usb: 'qemu-xhci', video0: 'qxl-vga', video1: 'virtio-gpu-pci' },
  },
  'q35-hyperv.xml': {
    of: (s) => {
      const cpu = s.fingerprint.cpu0Props as J;
      const m = s.fingerprint.machineProps as J;
      return [cpu['hv-relaxed'], cpu['hv-spinlocks'], cpu['hv-vapic'], m.hpet, m.vmport];
    },
    are: [true, 8191, false, false, 'off'],
  },
  'q35-memhotplug.xml': {
    of: (s) => (s.fingerprint.memoryDevices as J[]).map((d) => [d.type, d.data.id, d.data.size, d.data.node, d.data.slot, d.data.memdev]),
    are: [['dimm', 'dimm0', 134217728, 0, 0, '/objects/memdimm0']],
  },
  'pc-tcg-legacy.xml': {
    of: (s) => [(s.fingerprint.kvm as J).enabled, s.fingerprint.cpuTypes, (s.fingerprint.cpu0Props as J).avx2, Object.fromEntries(Object.entries(types(s.fingerprint)))],
    are: [
      false,
      ['Haswell-noTSX-x86_64-cpu'],
      false,
      { balloon0: 'virtio-balloon-pci', input0: 'usb-tablet', net0: 'e1000', net1: 'rtl8139', sound0: 'AC97', usb: 'piix3-usb-uhci', video0: 'cirrus-vga' },
    ],
  },
  'q35-overlay.xml': {
    of: (s) => (s.fingerprint.block as J[]).map((b) => [b.qdev, b.inserted.node, b.inserted.backingDepth]),
    are: [
      ['/machine/peripheral/virtio-disk0/virtio-backend', 'libvirt-2-format', 1],
      ['sata0-0-0', 'libvirt-1-format', 2],
    ],
  },
  'q35-vcpu-hotplug.xml': {
    of: (s) => (s.fingerprint.hotpluggableCpus as J[]).map((c) => [c.props['core-id'], c.props['thread-id'], c.present]),
    are: [[0, 0, true], [0, 1, true], [1, 0, false], [1, 1, false]],
  },
};

/** `VIRTFORM_ORACLE_OUT=DIR` writes both sides of every domain there (NAME.libvirt.json, NAME.virtform.json) for `diff`. */
const OUT_DIR = process.env.VIRTFORM_ORACLE_OUT;

const skipReason =
  libvirtdSkipReason() ??
  missingBinaryReason(QEMU_X86_64) ??
  missingBinaryReason(QEMU_IMG) ??
  (fs.existsSync(NR_HUGEPAGES) ? null : `this kernel has no 2 MiB hugepage pool (${NR_HUGEPAGES})`);

function freeHugepages(): number {
  const m = /^HugePages_Free:\s+(\d+)/m.exec(fs.readFileSync('/proc/meminfo', 'utf8'));
  return m ? Number(m[1]) : 0;
}

describeIf(skipReason)('libvirt 9.0 as the oracle: same domain XML, same guest hardware', () => {
  let work = '';
  let images = '';
  let hugeMount = '';
  let hugeMounted = false;
  let hugepagesAdded = false;
  let libvirtd: Libvirtd | undefined;
  let vf: VirtformHost | undefined;
  const timings: Record<string, Record<string, number>> = {};
  const t0 = Date.now();

  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'vf-oracle-work-'));
    fs.chmodSync(work, 0o755);
    images = path.join(work, 'images');
    fs.mkdirSync(images, { mode: 0o755 });
    createOracleImages(images);

    const freeBefore = freeHugepages();
    fs.writeFileSync(NR_HUGEPAGES, String(Number(fs.readFileSync(NR_HUGEPAGES, 'utf8').trim()) + HUGEPAGES));
    hugepagesAdded = true;
    if (freeHugepages() < freeBefore + HUGEPAGES) {
      throw new Error(`the kernel gave ${freeHugepages() - freeBefore} of the ${HUGEPAGES} 2 MiB hugepages asked for (memory too fragmented?)`);
    }
    hugeMount = path.join(work, 'hugepages');
    fs.mkdirSync(hugeMount);
    execFileSync('mount', ['-t', 'hugetlbfs', '-o', 'pagesize=2M', 'vf-oracle', hugeMount]);
    hugeMounted = true;

    libvirtd = await Libvirtd.start({ hugetlbfsMounts: [hugeMount] });
    timings['(setup)'] = { libvirtdStart: libvirtd.startMs };
    const vfStart = Date.now();
    vf = await openVirtformHost(makeVirtformRoot(), path.join(work, 'caps-cache'));
    timings['(setup)'].virtformCapsAndFacts = Date.now() - vfStart;
  }, 180_000);

  afterAll(async () => {
    await libvirtd?.stop();
    if (vf) {
      await vf.close();
      fs.rmSync(vf.root, { recursive: true, force: true });
    }
    if (hugeMounted) execFileSync('umount', [hugeMount]);
    // Give back what was added (relative: the pool may have been changed by others meanwhile).
    if (hugepagesAdded) fs.writeFileSync(NR_HUGEPAGES, String(Math.max(0, Number(fs.readFileSync(NR_HUGEPAGES, 'utf8').trim()) - HUGEPAGES)));
    if (work) fs.rmSync(work, { recursive: true, force: true });
    timings['(total)'] = { ms: Date.now() - t0 };
    // The run time of the oracle, per domain and step (docs/conformance.md quotes it).
    console.log(`libvirt oracle timings (ms):\n${Object.entries(timings).map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`).join('\n')}`);
  }, 120_000);

  it.each(DOMAIN_FILES)('%s', async (file) => {
    const lv = libvirtd!;
    const host = vf!;
    const xml = withImages(fs.readFileSync(path.join(DOMAINS_DIR, file), 'utf8'), images);
    const xmlFile = path.join(work, file);
    fs.writeFileSync(xmlFile, xml);
    const name = /<name>([^<]+)<\/name>/.exec(xml)![1];
    const t: Record<string, number> = {};
    let mark = Date.now();
    const lap = (k: string): void => {
      t[k] = Date.now() - mark;
      mark = Date.now();
    };

    // libvirt first.
    await lv.createPaused(xmlFile);
    let libvirtSide: Side | undefined;
    try {
      lap('libvirtStart');
      const id = Number((await lv.virsh(['domid', name])).trim());
      const short = `${id}-${name.slice(0, 20)}`;
      const tokens = [
        [`/var/lib/libvirt/qemu/domain-${short}`, '<domain-lib>'],
        ['/var/lib/libvirt/qemu/nvram', '<nvram>'],
        [`/var/lib/libvirt/qemu/channel/target/domain-${short}`, '<channels>'],
        [path.join(hugeMount, 'libvirt', 'qemu', `${id}-${name}`), '<hugepages>'],
      ] as const;
      const run = (r: Parameters<Libvirtd['qmp']>[1]): ReturnType<Libvirtd['qmp']> => lv.qmp(name, r);
      libvirtSide = {
        fingerprint: await takeFingerprint(run, { pathTokens: tokens }),
        placement: await threadPlacement(lv.qemuPid(name), run),
        commandLine: normalizeCommandLine(lv.commandLine(name), tokens),
      };
      lap('libvirtFingerprint');
    } finally {
      await lv.destroy(name);
    }
    lap('libvirtDestroy');

    const dom = await startUnderVirtform(host, xml, file);
    let virtformSide: Side | undefined;
    try {
      lap('virtformStart');
      virtformSide = {
        fingerprint: await takeFingerprint((r) => dom.qmp(r), { pathTokens: dom.pathTokens }),
        placement: await threadPlacement(dom.launch.record.pid!, (r) => dom.qmp(r)),
        commandLine: normalizeCommandLine(dom.argsFile, dom.pathTokens),
      };
      lap('virtformFingerprint');
    } finally {
      await dom.destroy();
    }
    lap('virtformDestroy');
    timings[name] = t;
    if (OUT_DIR) {
      fs.mkdirSync(OUT_DIR, { recursive: true });
      fs.writeFileSync(path.join(OUT_DIR, `${name}.libvirt.json`), JSON.stringify(libvirtSide, null, 2) + '\n');
      fs.writeFileSync(path.join(OUT_DIR, `${name}.virtform.json`), JSON.stringify(virtformSide, null, 2) + '\n');
    }

    const facts = FACTS[file];
    expect(facts ? facts.of(libvirtSide!) : 'no FACTS entry for this domain').toEqual(facts?.are);
    expect(virtformSide).toEqual(libvirtSide);
  }, 180_000);
});
