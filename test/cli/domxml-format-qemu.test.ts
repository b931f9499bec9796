/**
 * The QEMU half of `virtform domxml-format`: which binary's caps the defaults use, and that the
 * hook gives libvirt's output for libvirt's caps (corpus) and the real machine's QEMU.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { applyDomainDefaults } from '../../model/domain/defaults';
import { formatDomainXml, parseDomainXml } from '../../model/domain/domain';
import { capsForDomxmlFormat, emulatorFor, qemuDriverDefaults } from '../../cli/domxml-format-qemu';
import { CORPUS_DIR, QEMU_CAPS_DIR, missingCorpusReason } from '../support/corpus';
import { QEMU_X86_64, describeUnless, missingBinaryReason } from '../support/qemu';

function format(xml: string, hook: (d: ReturnType<typeof parseDomainXml>) => ReturnType<typeof parseDomainXml>): string {
  return formatDomainXml(hook(applyDomainDefaults(parseDomainXml(xml, 'in.xml'))));
}

describe('emulatorFor', () => {
  test('the domain names its binary, or the system one for its architecture is used', () => {
    expect(emulatorFor('<domain><devices><emulator>/opt/qemu/bin/qemu-system-x86_64</emulator></devices></domain>')).toBe('/opt/qemu/bin/qemu-system-x86_64');
    expect(emulatorFor("<domain><os><type arch='aarch64'>hvm</type></os></domain>")).toBe('/usr/bin/qemu-system-aarch64');
    expect(emulatorFor("<domain><os><type arch='i686'>hvm</type></os></domain>")).toBe('/usr/bin/qemu-system-i386');
  });

  test('no QEMU binary for the domain: no QEMU defaults', async () => {
    const xml = '<domain type="kvm"><devices><emulator>/nonexistent/qemu-system-x86_64</emulator></devices></domain>';
    expect(await capsForDomxmlFormat(xml, undefined)).toBeUndefined();
    const hook = qemuDriverDefaults(undefined);
    const def = parseDomainXml("<domain type='kvm'><name>g</name><os><type>hvm</type></os></domain>");
    expect(hook(def)).toBe(def);
  });
});

const noCorpus = missingCorpusReason();
describeUnless(noCorpus)('with --caps (libvirt caps XML from the corpus)', () => {
  test('a versioned machine comes out as libvirt prints it', async () => {
    const caps = await capsForDomxmlFormat('', path.join(QEMU_CAPS_DIR, 'caps_8.0.0.x86_64.xml'));
    const name = 'x86_64-default-cpu-kvm-q35-4.2';
    const xml = fs.readFileSync(path.join(CORPUS_DIR, 'tests/qemuxml2argvdata', `${name}.xml`), 'utf8');
    expect(format(xml, qemuDriverDefaults(caps))).toBe(fs.readFileSync(path.join(CORPUS_DIR, 'tests/qemuxml2xmloutdata', `${name}.x86_64-latest.xml`), 'utf8'));
  });
});

describeUnless(missingBinaryReason(QEMU_X86_64))("with this machine's QEMU", () => {
  let cache: string;
  const saved = process.env.XDG_CACHE_HOME;
  beforeAll(() => {
    cache = fs.mkdtempSync(path.join(os.tmpdir(), 'vf-caps-'));
    process.env.XDG_CACHE_HOME = cache;
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.XDG_CACHE_HOME;
    else process.env.XDG_CACHE_HOME = saved;
    fs.rmSync(cache, { recursive: true, force: true });
  });

  test('pc becomes the versioned i440FX machine of the installed QEMU, with its default devices', async () => {
    const xml = `<domain type='qemu'>
  <name>g</name>
  <memory unit='MiB'>256</memory>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
  </os>
  <devices>
    <emulator>${QEMU_X86_64}</emulator>
  </devices>
</domain>
`;
    const caps = await capsForDomxmlFormat(xml, undefined);
    expect(caps).toBeDefined();
    const pc = caps!.accel.tcg!.machines.find((m) => m.alias === 'pc')!.name;
    expect(pc).toMatch(/^pc-i440fx-\d+\.\d+$/);
    const out = format(xml, qemuDriverDefaults(caps));
    expect(out).toContain(`<type arch='x86_64' machine='${pc}'>hvm</type>`);
    expect(out).toContain(`  <devices>
    <emulator>${QEMU_X86_64}</emulator>
    <controller type='usb' index='0' model='piix3-uhci'>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x2'/>
    </controller>
    <controller type='pci' index='0' model='pci-root'/>
    <input type='mouse' bus='ps2'/>
    <input type='keyboard' bus='ps2'/>
    <audio id='1' type='none'/>
    <memballoon model='virtio'>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x0'/>
    </memballoon>
  </devices>`);
    // The probe is cached for the next run.
    expect(fs.readdirSync(path.join(cache, 'virtform', 'qemu-caps'))).toHaveLength(1);
  }, 120_000);
});
