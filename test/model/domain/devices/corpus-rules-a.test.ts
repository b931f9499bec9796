/**
 * The part-A device rules over libvirt 9.0's test inputs: no rule fires on an input libvirt
 * accepts, and each expected error of our area (`.err` files) is produced with libvirt's exact
 * text. Skips when the corpus is absent.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseXml, elementChildren } from '../../../../model/xml/dom';
import * as X from '../../../../model/schema';
import type { ModelIssue } from '../../../../model/errors';
import { Disk, validateDisks } from '../../../../model/domain/devices/disk';
import { Controller, validateControllers } from '../../../../model/domain/devices/controller';
import { Lease, validateLease } from '../../../../model/domain/devices/lease';
import { Filesystem, validateFilesystems } from '../../../../model/domain/devices/filesystem';
import { Interface, validateInterfaces, validateTapBackend } from '../../../../model/domain/devices/interface';
import { Hostdev, validateHostdevs } from '../../../../model/domain/devices/hostdev';
import { Redirdev, validateRedirdevs } from '../../../../model/domain/devices/redirdev';
import { Smartcard, validateSmartcard } from '../../../../model/domain/devices/smartcard';
import { Hub, validateHubs } from '../../../../model/domain/devices/hub';

const ROOT = process.env.VIRTFORM_CORPUS ?? path.resolve(__dirname, '../../../../../shared/libvirt-9.0-tests');
const d = fs.existsSync(ROOT) ? describe : describe.skip;

/** Every part-A rule over one input's devices. */
function partARules(file: string): ModelIssue[] {
  const root = parseXml(fs.readFileSync(file, 'utf8'), file);
  const devs = elementChildren(root).find((e) => e.name === 'devices');
  const all = devs ? elementChildren(devs) : [];
  const of = <T>(name: string, shape: X.ElementMeta | object) =>
    all.filter((e) => e.name === name).map((e) => X.bindElementOf(e, shape as never) as T);
  const disks = of<Disk>('disk', Disk);
  const controllers = of<Controller>('controller', Controller);
  const hostdevs = of<Hostdev>('hostdev', Hostdev);
  return [
    ...validateControllers(controllers),
    ...of<Lease>('lease', Lease).flatMap((l) => validateLease(l)),
    ...of<Smartcard>('smartcard', Smartcard).flatMap((s) => validateSmartcard(s)),
    ...validateHubs(of<Hub>('hub', Hub), controllers),
    ...validateDisks(disks, { hostdevs }),
    ...validateInterfaces(of<Interface>('interface', Interface)),
    ...validateHostdevs(hostdevs, { disks }),
    ...validateRedirdevs(of<Redirdev>('redirdev', Redirdev), controllers),
    ...validateFilesystems(of<Filesystem>('filesystem', Filesystem)),
  ];
}

/** Tests whose every run expects a parse error: the only inputs our define-time rules may reject. */
const PARSE_ERRORS: ReadonlySet<string> = (() => {
  const index = path.join(ROOT, 'index/qemuxml2argv-tests.tsv');
  if (!fs.existsSync(index)) return new Set<string>();
  const outcomes = new Map<string, string[]>();
  for (const row of fs.readFileSync(index, 'utf8').trim().split('\n').slice(1).map((l) => l.split('\t'))) {
    outcomes.set(row[0], [...(outcomes.get(row[0]) ?? []), row[4]]);
  }
  return new Set([...outcomes].filter(([, o]) => o.every((x) => x === 'parse-error')).map(([n]) => n));
})();

function errOf(file: string): string | undefined {
  const base = file.replace(/\.xml$/, '');
  for (const f of [`${base}.x86_64-latest.err`, `${base}.err`]) if (fs.existsSync(f)) return fs.readFileSync(f, 'utf8').trim();
  return undefined;
}

function inputs(): string[] {
  const dirs = ['tests/qemuxml2argvdata', 'extra-fakecaps/tests/qemuxml2argvdata'].map((x) => path.join(ROOT, x)).filter((x) => fs.existsSync(x));
  return dirs.flatMap((dir) => fs.readdirSync(dir).filter((f) => f.endsWith('.xml')).sort().map((f) => path.join(dir, f)));
}

/** libvirt's message without its error-class prefix ("unsupported configuration: ", "XML error: "...). */
const PREFIXES = ['unsupported configuration: ', 'XML error: ', 'internal error: ', 'invalid argument: '];
const bare = (msg: string) => PREFIXES.reduce((m, p) => (m.startsWith(p) ? m.slice(p.length) : m), msg);

/** Expected errors of libvirt 9.0's tests that these rules own. */
const OURS = [
  'disk-missing-target-invalid',
  'disk-same-targets',
  'disk-address-conflict',
  'disk-hostdev-scsi-address-conflict',
  'hostdevs-drive-address-conflict',
  'disk-device-lun-type-invalid',
  'disk-fdc-incompatible-address',
  'disk-ide-incompatible-address',
  'disk-sata-incompatible-address',
  'disk-scsi-incompatible-address',
  'disk-network-iscsi-auth-secrettype-invalid',
  'disk-network-iscsi-auth-wrong-secrettype',
  'disk-network-source-auth-both',
  'luks-disk-invalid',
  'luks-disks-source-both',
  'hostdev-mdev-display-ramfb-multiple',
  'hostdev-mdev-duplicate',
  'hostdev-pci-duplicate',
  'hostdev-scsi-duplicate',
  'hostdev-usb-duplicate',
  'hostdev-mdev-invalid-target-address',
  'hostdev-mdev-src-address-invalid',
  'pci-bridge-duplicate-index',
  'pci-root-address',
  'pci-root-nonzero-index',
  'q35-dmi-bad-address1',
  'usb-none-other',
  'usb-ich9-no-companion',
  'usb-none-hub',
];

/** Expected errors libvirt raises when it starts the domain (DO_TEST_FAILURE), not at define time. */
const AT_START = ['net-hostdev-fail', 'net-vhostuser-fail'];

d('part-A device rules over the corpus inputs', () => {
  const files = inputs();

  it('fire on no input that libvirt accepts at define time', () => {
    const falsePositives: string[] = [];
    for (const f of files) {
      if (PARSE_ERRORS.has(path.basename(f, '.xml'))) continue;
      const issues = partARules(f);
      if (issues.length) falsePositives.push(`${path.basename(f)}: ${issues.map((i) => i.problem).join(' | ')}`);
    }
    expect(falsePositives).toEqual([]);
  });

  it.each(OURS)("reproduce libvirt's error for %s", (name) => {
    const f = files.find((x) => path.basename(x) === `${name}.xml`);
    if (!f) return; // that part of the corpus is not installed
    const want = bare(errOf(f)!);
    expect(partARules(f).map((i) => i.problem)).toContain(want);
  });

  it.each(AT_START)("leaves %s to start time, where the tap rule reproduces libvirt's error", (name) => {
    const f = files.find((x) => path.basename(x) === `${name}.xml`);
    if (!f) return;
    expect(partARules(f)).toEqual([]);
    const root = parseXml(fs.readFileSync(f, 'utf8'), f);
    const devs = elementChildren(elementChildren(root).find((e) => e.name === 'devices')!);
    const nets = devs.filter((e) => e.name === 'interface').map((e) => X.bindElementOf(e, Interface));
    expect(nets.flatMap((n) => validateTapBackend(n)).map((i) => i.problem)).toContain(bare(errOf(f)!));
  });
});
