/**
 * Builds a QemuCaps from QMP answers: the questions are asked through {@link QmpAsk}, so the same
 * code runs against a live probe QEMU (./binary-probe.ts) and against a recorded transcript
 * (libvirt's `.replies` in the conformance corpus).
 *
 * Sessions: `main` is a QEMU started with `-machine none -accel kvm -accel tcg`; everything is
 * asked there. When KVM turned out enabled in it, its machines and CPU models are the KVM view and
 * an optional `tcg` session (a second QEMU with `-accel tcg`) supplies the TCG view. Otherwise the
 * main session is the TCG view and there is no KVM view.
 */
import { QmpCommandError } from '../qmp';
import { deriveFlags, ProbeEvidence } from './flag-rules';
import {
  AccelCaps,
  CpuModel,
  DEVICE_PROPERTY_TYPES,
  MachineType,
  OBJECT_PROPERTY_TYPES,
  QemuCaps,
  TypeProperty,
  versionNumber,
  versionString,
} from './qemu-caps';
import { QmpSchema, QmpSchemaEntity } from './qmp-schema';
import type { QmpAsk } from './qmp-transcript';

export interface ProbeSessions {
  readonly main: QmpAsk;
  /** A session under `-accel tcg`, asked only when the main session ran under KVM. */
  readonly tcg?: QmpAsk;
}

/** Everything asked in the main session, kept for deriving flags and for tests. */
export interface ProbeResult {
  readonly caps: QemuCaps;
  readonly evidence: ProbeEvidence;
}

interface QmpMachineInfo {
  name: string;
  alias?: string;
  'is-default'?: boolean;
  'cpu-max': number;
  'hotpluggable-cpus': boolean;
  'numa-mem-supported'?: boolean;
  deprecated?: boolean;
  'default-cpu-type'?: string;
  'default-ram-id'?: string;
}

interface QmpCpuDefinition {
  name: string;
  typename?: string;
  'unavailable-features'?: string[];
  'alias-of'?: string;
  deprecated?: boolean;
}

/** Runs the probe's questions and builds the caps. `emulator` is the binary path to record. */
export async function capsFromQmp(sessions: ProbeSessions, emulator: string): Promise<ProbeResult> {
  const ask = sessions.main;
  const version = (await ask('query-version')) as { qemu: { major: number; minor: number; micro: number }; package: string };
  const target = (await ask('query-target')) as { arch: string };
  const kvm = (await ask('query-kvm')) as { present: boolean; enabled: boolean };
  const qomTypes = new Set(((await ask('qom-list-types')) as { name: string }[]).map((t) => t.name));
  const schema = new QmpSchema((await ask('query-qmp-schema')) as QmpSchemaEntity[]);
  const commandLineOptions = new Map<string, Set<string>>();
  for (const o of (await ask('query-command-line-options')) as { option: string; parameters: { name: string }[] }[]) {
    commandLineOptions.set(o.option, new Set(o.parameters.map((p) => p.name)));
  }
  const deviceProps: Record<string, TypeProperty[]> = {};
  for (const t of DEVICE_PROPERTY_TYPES) {
    if (!qomTypes.has(t)) continue;
    const props = await askOptional(ask, 'device-list-properties', { typename: t });
    if (props) deviceProps[t] = toProperties(props);
  }
  const objectProps: Record<string, TypeProperty[]> = {};
  for (const t of OBJECT_PROPERTY_TYPES) {
    if (!qomTypes.has(t)) continue;
    const props = await askOptional(ask, 'qom-list-properties', { typename: t });
    if (props) objectProps[t] = toProperties(props);
  }
  const mainAccel = await accelFromQmp(ask);
  const kvmUsable = kvm.present && kvm.enabled;
  const tcgAccel = kvmUsable ? (sessions.tcg ? await accelFromQmp(sessions.tcg) : undefined) : mainAccel;

  const evidence: ProbeEvidence = { kvm, qomTypes, schema, deviceProps, objectProps, commandLineOptions };
  const v = versionNumber(version.qemu);
  const caps: QemuCaps = {
    emulator,
    arch: target.arch,
    version: v,
    versionString: versionString(v),
    package: version.package.trim(),
    kvmAvailable: kvmUsable,
    flags: new Set(deriveFlags(evidence)),
    qomTypes,
    deviceProps,
    objectProps,
    accel: { ...(kvmUsable ? { kvm: mainAccel } : {}), ...(tcgAccel ? { tcg: tcgAccel } : {}) },
  };
  return { caps, evidence };
}

async function accelFromQmp(ask: QmpAsk): Promise<AccelCaps> {
  const machines = ((await ask('query-machines')) as QmpMachineInfo[])
    // `none` is the probe's own empty board; libvirt leaves it out too.
    .filter((m) => m.name !== 'none')
    .map(machineFromQmp);
  const cpuModels = ((await askOptional(ask, 'query-cpu-definitions')) as QmpCpuDefinition[] | undefined ?? []).map(cpuFromQmp);
  return { machines, cpuModels };
}

export function machineFromQmp(m: QmpMachineInfo): MachineType {
  return {
    name: m.name,
    ...(m.alias ? { alias: m.alias } : {}),
    isDefault: m['is-default'] === true,
    maxCpus: m['cpu-max'],
    hotplugCpus: m['hotpluggable-cpus'] === true,
    deprecated: m.deprecated === true,
    ...(m['default-cpu-type'] ? { defaultCpuType: m['default-cpu-type'] } : {}),
    ...(m['default-ram-id'] ? { defaultRamId: m['default-ram-id'] } : {}),
    numaMemSupported: m['numa-mem-supported'] === true,
  };
}

function cpuFromQmp(c: QmpCpuDefinition): CpuModel {
  const unavailable = c['unavailable-features'];
  return {
    name: c.name,
    ...(c.typename ? { typename: c.typename } : {}),
    usable: unavailable === undefined ? 'unknown' : unavailable.length === 0 ? 'yes' : 'no',
    unavailableFeatures: unavailable ?? [],
    deprecated: c.deprecated === true,
    ...(c['alias-of'] ? { aliasOf: c['alias-of'] } : {}),
  };
}

function toProperties(list: unknown): TypeProperty[] {
  return (list as { name: string; type: string; description?: string; 'default-value'?: unknown }[]).map((p) => ({
    name: p.name,
    type: p.type,
    ...(p.description !== undefined ? { description: p.description } : {}),
    ...('default-value' in p ? { defaultValue: p['default-value'] } : {}),
  }));
}

/** Asks, mapping a QMP error (command or type missing in this build) to undefined. */
async function askOptional(ask: QmpAsk, command: string, args?: Record<string, unknown>): Promise<unknown> {
  try {
    return await ask(command, args);
  } catch (e) {
    if (e instanceof QmpCommandError) return undefined;
    throw e;
  }
}
