/**
 * Loads libvirt's QEMU capabilities cache XML (`<qemuCaps>`, e.g. the conformance corpus's
 * tests/qemucapabilitiesdata/caps_8.0.0.x86_64.xml, which is what libvirt 9.0's "x86_64-latest"
 * means) into a QemuCaps.
 *
 * The XML holds the version, flags, machines and CPU models per accelerator, but not the QOM
 * type list nor device properties. Those come from the `.replies` transcript recorded beside it
 * when one is given (the same QMP answers libvirt built the XML from).
 */
import * as fs from 'fs';
import { SaxesParser } from 'saxes';
import { capsFromQmp } from './qmp-probe';
import { AccelCaps, CpuModel, MachineType, QemuCaps, TypeProperty, versionString } from './qemu-caps';
import { parseQmpTranscript, transcriptAsk } from './qmp-transcript';

/** Parses `<qemuCaps>` XML; `repliesText` (optional) supplies QOM types and device properties. */
export async function loadLibvirtCapsXml(xml: string, repliesText?: string, fileLabel = 'qemuCaps XML'): Promise<QemuCaps> {
  const parsed = parseCapsXml(xml, fileLabel);
  let qomTypes: ReadonlySet<string> = new Set();
  let deviceProps: Readonly<Record<string, readonly TypeProperty[]>> = {};
  let objectProps: Readonly<Record<string, readonly TypeProperty[]>> = {};
  if (repliesText !== undefined) {
    const sessions = parseQmpTranscript(repliesText);
    const probed = await capsFromQmp({ main: transcriptAsk(sessions[0]) }, parsed.emulator);
    qomTypes = probed.caps.qomTypes;
    deviceProps = probed.caps.deviceProps;
    objectProps = probed.caps.objectProps;
  }
  const accel: { kvm?: AccelCaps; tcg?: AccelCaps } = {};
  for (const a of ['kvm', 'tcg'] as const) {
    const machines = parsed.machines.get(a);
    const cpuModels = parsed.cpus.get(a);
    if (machines || cpuModels) accel[a] = { machines: machines ?? [], cpuModels: cpuModels ?? [] };
  }
  return {
    emulator: parsed.emulator,
    arch: parsed.arch,
    version: parsed.version,
    versionString: versionString(parsed.version),
    package: parsed.package,
    kvmAvailable: parsed.flags.has('kvm'),
    flags: parsed.flags,
    qomTypes,
    deviceProps,
    objectProps,
    accel,
  };
}

/**
 * Reads `PATH` (a caps XML file) and, when it exists, the transcript beside it
 * (`caps_8.0.0.x86_64.xml` → `caps_8.0.0.x86_64.replies`).
 */
export async function loadLibvirtCapsFile(xmlPath: string): Promise<QemuCaps> {
  const xml = fs.readFileSync(xmlPath, 'utf8');
  const repliesPath = xmlPath.replace(/\.xml$/, '.replies');
  const replies = repliesPath !== xmlPath && fs.existsSync(repliesPath) ? fs.readFileSync(repliesPath, 'utf8') : undefined;
  return loadLibvirtCapsXml(xml, replies, xmlPath);
}

interface ParsedCapsXml {
  emulator: string;
  arch: string;
  version: number;
  package: string;
  flags: Set<string>;
  machines: Map<string, MachineType[]>;
  cpus: Map<string, CpuModel[]>;
}

function parseCapsXml(xml: string, label: string): ParsedCapsXml {
  const out: ParsedCapsXml = { emulator: '', arch: '', version: 0, package: '', flags: new Set(), machines: new Map(), cpus: new Map() };
  const parser = new SaxesParser({ position: true });
  const stack: string[] = [];
  let text = '';
  let cpu: { accel: string; model: CpuModel & { unavailableFeatures: string[] } } | undefined;
  const fail = (msg: string): never => {
    throw new Error(`${label}:${parser.line}: ${msg}`);
  };
  parser.on('error', (e) => fail(e.message));
  parser.on('opentag', (node) => {
    const a = node.attributes as Record<string, string>;
    const parent = stack[stack.length - 1];
    stack.push(node.name);
    text = '';
    if (stack.length === 1 && node.name !== 'qemuCaps') fail(`expected <qemuCaps>, found <${node.name}>`);
    if (parent !== 'qemuCaps' && !(parent === 'cpu' && node.name === 'blocker')) return;
    switch (node.name) {
      case 'flag':
        out.flags.add(a.name ?? fail('<flag> without name'));
        break;
      case 'machine': {
        const accel = a.type ?? 'kvm';
        const list = out.machines.get(accel) ?? [];
        out.machines.set(accel, list);
        list.push({
          name: a.name ?? fail('<machine> without name'),
          ...(a.alias ? { alias: a.alias } : {}),
          isDefault: a.default === 'yes',
          maxCpus: Number(a.maxCpus ?? 0),
          hotplugCpus: a.hotplugCpus === 'yes',
          deprecated: a.deprecated === 'yes',
          ...(a.defaultCPU ? { defaultCpuType: a.defaultCPU } : {}),
          ...(a.defaultRAMid ? { defaultRamId: a.defaultRAMid } : {}),
          numaMemSupported: a.numaMemSupported === 'yes',
        });
        break;
      }
      case 'cpu': {
        const usable = a.usable === 'yes' ? 'yes' : a.usable === 'no' ? 'no' : 'unknown';
        cpu = {
          accel: a.type ?? 'kvm',
          model: {
            name: a.name ?? fail('<cpu> without name'),
            ...(a.typename ? { typename: a.typename } : {}),
            usable,
            unavailableFeatures: [],
            deprecated: a.deprecated === 'yes',
          },
        };
        break;
      }
      case 'blocker':
        cpu?.model.unavailableFeatures.push(a.name ?? fail('<blocker> without name'));
        break;
    }
  });
  parser.on('text', (t) => (text += t));
  parser.on('closetag', (node) => {
    stack.pop();
    if (stack.length !== 1) return;
    const value = text.trim();
    switch (node.name) {
      case 'emulator':
        out.emulator = value;
        break;
      case 'arch':
        out.arch = value;
        break;
      case 'version':
        out.version = Number(value);
        break;
      case 'package':
        out.package = value;
        break;
      case 'cpu':
        if (cpu) {
          const list = out.cpus.get(cpu.accel) ?? [];
          out.cpus.set(cpu.accel, list);
          list.push(cpu.model);
          cpu = undefined;
        }
        break;
    }
  });
  parser.write(xml).close();
  if (!out.version) fail('no <version> in <qemuCaps>');
  return out;
}
