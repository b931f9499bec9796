/**
 * libvirt accepted every domain in its test corpus that is not an expected failure, so none of
 * the part-B device rules may fire on them; and for the expected parse errors in our area, our
 * rules must report libvirt's message. Skips when the corpus is absent.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseDomainXml, type Domain } from '../../../../model/domain/domain';
import { formatIssue, type ModelIssue } from '../../../../model/errors';
import { validateSerial } from '../../../../model/domain/devices/serial';
import { validateParallel } from '../../../../model/domain/devices/parallel';
import { Console, validateConsoles, consoleAsFormatted } from '../../../../model/domain/devices/console';
import { XmlWriter } from '../../../../model/xml/writer';
import * as X from '../../../../model/schema';
import { validateChannel } from '../../../../model/domain/devices/channel';
import { validateInput } from '../../../../model/domain/devices/input';
import { validateTpm } from '../../../../model/domain/devices/tpm';
import { validateGraphics } from '../../../../model/domain/devices/graphics';
import { validateVideos } from '../../../../model/domain/devices/video';
import { validateAudios, type AudioUser } from '../../../../model/domain/devices/audio';
import { validateRng } from '../../../../model/domain/devices/rng';
import { validateShmem } from '../../../../model/domain/devices/shmem';
import { validateMemoryDevice } from '../../../../model/domain/devices/memory';
import { validateIommu } from '../../../../model/domain/devices/iommu';
import { validateVsock } from '../../../../model/domain/devices/vsock';

const ROOT = process.env.VIRTFORM_CORPUS ?? path.resolve(__dirname, '../../../../../shared/libvirt-9.0-tests');
const d = fs.existsSync(ROOT) ? describe : describe.skip;

/** All part-B device rules for one domain (what model/domain/validate.ts is expected to run). */
function partBIssues(dom: Domain): ModelIssue[] {
  const dev = dom.devices ?? {};
  const osType = dom.os.type.type;
  const out: ModelIssue[] = [];
  for (const s of dev.serials ?? []) out.push(...validateSerial(s));
  for (const p of dev.parallels ?? []) out.push(...validateParallel(p));
  out.push(...validateConsoles(dev.consoles ?? []));
  for (const c of dev.channels ?? []) out.push(...validateChannel(c));
  for (const i of dev.inputs ?? []) out.push(...validateInput(i, { osType }));
  for (const t of dev.tpms ?? []) out.push(...validateTpm(t));
  for (const g of dev.graphics ?? []) out.push(...validateGraphics(g));
  out.push(...validateVideos(dev.videos ?? []));
  const users: AudioUser[] = [...(dev.sounds ?? []), ...(dev.graphics ?? [])];
  out.push(...validateAudios(dev.audios ?? [], users));
  for (const r of dev.rngs ?? []) out.push(...validateRng(r));
  for (const s of dev.shmems ?? []) out.push(...validateShmem(s));
  const numaNodes = dom.cpu?.numa?.cells?.length ?? 0;
  for (const m of dev.memories ?? []) out.push(...validateMemoryDevice(m, { numaNodes, arch: dom.os.type.arch }));
  if (dev.iommu) out.push(...validateIommu(dev.iommu, { features: { ioapicDriver: dom.features?.ioapic?.driver } }));
  if (dev.vsock) out.push(...validateVsock(dev.vsock));
  return out;
}

interface Case {
  name: string;
  outcome: string;
  file: string;
  /** The .err/.args file libvirt's test compares against. */
  expected: string;
}

function cases(): Case[] {
  const rows = fs.readFileSync(path.join(ROOT, 'index/qemuxml2argv-tests.tsv'), 'utf8').trim().split('\n').slice(1);
  const out: Case[] = [];
  for (const r of rows) {
    const [name, , , , outcome, expected, , , , location] = r.split('\t');
    const file = path.join(ROOT, location, `${name}.xml`);
    if (fs.existsSync(file)) out.push({ name, outcome, file, expected: path.join(ROOT, location, expected) });
  }
  return out;
}

d('part-B device rules on the corpus', () => {
  it('report nothing for domains libvirt accepts', () => {
    const noise: string[] = [];
    const files = [
      ...cases().filter((c) => c.outcome !== 'parse-error').map((c) => c.file),
      ...fs.readdirSync(path.join(ROOT, 'tests/qemuxml2xmloutdata')).map((f) => path.join(ROOT, 'tests/qemuxml2xmloutdata', f)),
    ];
    let checked = 0;
    for (const file of files) {
      let dom: Domain;
      try {
        dom = parseDomainXml(fs.readFileSync(file, 'utf8'), path.basename(file));
      } catch {
        continue; // not ours: parse failures are covered by the round-trip tests
      }
      checked++;
      noise.push(...partBIssues(dom).map(formatIssue));
    }
    expect(checked).toBeGreaterThan(1150);
    expect(noise).toEqual([]);
  });

  it("report libvirt's message for the expected parse errors in our area", () => {
    const ours: Record<string, string> = {
      'video-invalid-multiple-devices': "a 'none' video type must be the only video device defined for the domain",
      'video-multiple-primaries': 'Only one primary video device is supported',
      'virtio-rng-egd-crash': 'Missing source path attribute for char device',
      'memory-hotplug-invalid-targetnode': "can't add memory backend for guest node '1' as the guest has only '1' NUMA nodes configured",
    };
    const byName = new Map(cases().map((c) => [c.name, c]));
    for (const [name, message] of Object.entries(ours)) {
      const c = byName.get(name);
      if (!c) continue; // optional part of the corpus
      expect(c.outcome).toBe('parse-error');
      expect(fs.readFileSync(c.expected, 'utf8')).toContain(message);
      const problems = partBIssues(parseDomainXml(fs.readFileSync(c.file, 'utf8'), `${name}.xml`)).map((i) => i.problem);
      expect(problems).toContain(message);
    }
  });

  it('derives every console of the canonical outputs from serial[n] the way libvirt prints it', () => {
    const fmt = (c: unknown) => {
      const w = new XmlWriter();
      X.writeObject(w, 'console', Console, c as Record<string, unknown>);
      return w.toString();
    };
    const mismatches: string[] = [];
    let derived = 0;
    const dir = path.join(ROOT, 'tests/qemuxml2xmloutdata');
    for (const f of fs.readdirSync(dir)) {
      let dom: Domain;
      try {
        dom = parseDomainXml(fs.readFileSync(path.join(dir, f), 'utf8'), f);
      } catch {
        continue;
      }
      const serials = dom.devices?.serials ?? [];
      (dom.devices?.consoles ?? []).forEach((c, i) => {
        const view = consoleAsFormatted(c, i, serials, dom.os.type.type === 'hvm');
        if (view !== c) derived++;
        if (fmt(view) !== fmt(c)) mismatches.push(`${f}: console[${i}]\n${fmt(c)}vs\n${fmt(view)}`);
      });
    }
    expect(derived).toBeGreaterThan(20);
    expect(mismatches).toEqual([]);
  });
});
