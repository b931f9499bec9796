/**
 * The oracle: each of the project's domain XMLs in test/oracle/domains is started paused under
 * libvirt 9.0 (a private libvirtd, test/support/libvirtd.ts) and under virtform (argv pipeline
 * with this machine's caps and host facts, launched by the daemonless lifecycle:
 * test/oracle/virtform-side.ts), one after the other, and what each QEMU shows over QMP must be
 * the same (test/oracle/fingerprint.ts), as must the CPUs and memory nodes each thread may use.
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
import { takeFingerprint, threadPlacement } from './fingerprint';
import { makeVirtformRoot, openVirtformHost, startUnderVirtform, type VirtformHost } from './virtform-side';

const DOMAINS_DIR = path.join(__dirname, 'domains');
const DOMAIN_FILES = fs.readdirSync(DOMAINS_DIR).filter((f) => f.endsWith('.xml')).sort();

/** The disk images the XMLs name: file → [format, size]. */
const IMAGES: Readonly<Record<string, readonly ['qcow2' | 'raw', string]>> = {
  'pinning-vda.qcow2': ['qcow2', '64M'],
  'disks-vda.qcow2': ['qcow2', '64M'],
  'disks-sda.raw': ['raw', '16M'],
  'disks-sdb.qcow2': ['qcow2', '32M'],
  'disks-cd.iso': ['raw', '4M'],
  'pcdisks-hda.qcow2': ['qcow2', '64M'],
  'pcdisks-cd.iso': ['raw', '4M'],
  'pcdisks-vda.raw': ['raw', '16M'],
};

/** 2 MiB pages the test adds to the pool: the largest hugepage domain (256 MiB) twice over, plus slack. */
const HUGEPAGES = 300;
const NR_HUGEPAGES = '/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages';

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
  let hugepagesBefore: number | undefined;
  let libvirtd: Libvirtd | undefined;
  let vf: VirtformHost | undefined;
  const timings: Record<string, Record<string, number>> = {};
  const t0 = Date.now();

  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'vf-oracle-work-'));
    fs.chmodSync(work, 0o755);
    images = path.join(work, 'images');
    fs.mkdirSync(images, { mode: 0o755 });
    for (const [file, [format, size]] of Object.entries(IMAGES)) execFileSync(QEMU_IMG, ['create', '-q', '-f', format, path.join(images, file), size]);

    hugepagesBefore = Number(fs.readFileSync(NR_HUGEPAGES, 'utf8').trim());
    const freeBefore = freeHugepages();
    fs.writeFileSync(NR_HUGEPAGES, String(hugepagesBefore + HUGEPAGES));
    if (freeHugepages() < freeBefore + HUGEPAGES) {
      throw new Error(`the kernel gave ${freeHugepages() - freeBefore} of the ${HUGEPAGES} 2 MiB hugepages asked for (memory too fragmented?)`);
    }
    hugeMount = path.join(work, 'hugepages');
    fs.mkdirSync(hugeMount);
    execFileSync('mount', ['-t', 'hugetlbfs', '-o', 'pagesize=2M', 'vf-oracle', hugeMount]);
    hugeMounted = true;

    const started = Date.now();
    libvirtd = await Libvirtd.start({ hugetlbfsMounts: [hugeMount] });
    timings['(setup)'] = { libvirtdStart: Date.now() - started };
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
    if (hugepagesBefore !== undefined) fs.writeFileSync(NR_HUGEPAGES, String(hugepagesBefore));
    if (work) fs.rmSync(work, { recursive: true, force: true });
    timings['(total)'] = { ms: Date.now() - t0 };
    // The run time of the oracle, per domain and step (docs/conformance.md quotes it).
    console.log(`libvirt oracle timings (ms):\n${Object.entries(timings).map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`).join('\n')}`);
  }, 120_000);

  it.each(DOMAIN_FILES)('%s', async (file) => {
    const lv = libvirtd!;
    const host = vf!;
    const xml = fs.readFileSync(path.join(DOMAINS_DIR, file), 'utf8').split('@IMAGES@').join(images);
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
    let libvirtSide;
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
      libvirtSide = { fingerprint: await takeFingerprint(run, { pathTokens: tokens }), placement: await threadPlacement(lv.qemuPid(name), run) };
      lap('libvirtFingerprint');
    } finally {
      await lv.destroy(name);
    }
    lap('libvirtDestroy');

    const dom = await startUnderVirtform(host, xml, file);
    let virtformSide;
    try {
      lap('virtformStart');
      virtformSide = {
        fingerprint: await takeFingerprint((r) => dom.qmp(r), { pathTokens: dom.pathTokens }),
        placement: await threadPlacement(dom.launch.record.pid!, (r) => dom.qmp(r)),
      };
      lap('virtformFingerprint');
    } finally {
      await dom.destroy();
    }
    lap('virtformDestroy');
    timings[name] = t;

    expect(virtformSide).toEqual(libvirtSide);
  }, 180_000);
});
