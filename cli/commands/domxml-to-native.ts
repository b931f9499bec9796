/**
 * `virtform domxml-to-native qemu-argv FILE [-c URI] [--caps FILE]`: prints the QEMU command line
 * virtform would start for a domain XML, in libvirt's `.args` layout (environment, binary, one
 * option per line).
 *
 * -c is parsed like every other verb's (provider/host/uri.ts); without it, the embedded default
 * `qemu:///embed?root=./.virtform`. The URI's state directory is where per-domain paths (monitor
 * socket, private dir) point, and where `<disk type='volume'>` pools and volumes are read from
 * (the stored definitions, as apply reads them; provider/executor/storage/volume-disk-pools.ts).
 * Nothing is written there.
 *
 * The QEMU capabilities come from `--caps` (libvirt's `<qemuCaps>` XML, or a virtform caps JSON)
 * or else from probing the domain's emulator on this machine (cached per binary). Host facts
 * (NUMA nodes, hugetlbfs mounts) are this machine's, so only local URIs (embed, system) are
 * taken: a remote host's caps and facts would have to come through its transport.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { randomBytes } from 'crypto';
import type { Command } from 'commander';
import type { CliIo } from '../main';
import { VirtformError } from '../errors';
import { parseDomainXml } from '../../model/domain/domain';
import { capsFromJson, loadLibvirtCapsFile, loadQemuCapsCached, type QemuCaps, type QemuCapsJson } from '../../provider/qemu/caps';
import { prepareDomain } from '../../provider/qemu/prepare';
import { loadFirmwareDescriptors } from '../../provider/qemu/defaults';
import { buildQemuCommandLine } from '../../provider/qemu/argv/build';
import type { ArgvContext } from '../../provider/qemu/argv/context';
import { domainShortName } from '../../provider/qemu/argv/guest-memory';
import { localProbeHost, readLocalArgvHost } from '../../provider/qemu/local-argv-host';
import { StateStore } from '../../provider/executor/state/state-store';
import { volumeDiskPools } from '../../provider/executor/storage/volume-disk-pools';
import { openTransport } from '../../provider/host/open-transport';
import { hostPaths, parseConnectionUri } from '../../provider/host/uri';

interface DomxmlToNativeOpts {
  readonly connect?: string;
  readonly caps?: string;
}

/** Where a local URI keeps state (`<root>`) and runtime files (`<run>`). */
export interface LocalLayout {
  readonly root: string;
  readonly run: string;
}

/**
 * The state and runtime directories of a local connection URI (undefined: the embedded default,
 * `qemu:///embed?root=./.virtform`). A qemu+ssh URI is refused: see the header.
 */
export function localLayout(uri: string | undefined): LocalLayout {
  const parsed = parseConnectionUri(uri);
  if (parsed.kind === 'ssh') {
    throw new VirtformError(`domxml-to-native reads this machine's QEMU and host facts; '${parsed.uri}' names a remote host (fix: run it on that host, or pass --caps FILE for an offline command line)`);
  }
  const p = hostPaths(parsed);
  return { root: p.stateDir, run: p.runDir };
}

/** Loads `--caps FILE`: libvirt's caps XML (with its .replies beside it) or virtform's caps JSON. */
export async function loadCapsFile(file: string): Promise<QemuCaps> {
  if (!fs.existsSync(file)) throw new VirtformError(`caps file '${file}' does not exist (fix: pass a libvirt qemuCaps XML or a virtform caps JSON)`);
  if (file.endsWith('.json')) {
    const j = JSON.parse(fs.readFileSync(file, 'utf8')) as QemuCapsJson | { caps: QemuCapsJson };
    return capsFromJson('caps' in j ? j.caps : j);
  }
  return loadLibvirtCapsFile(file);
}

/** Firmware descriptor folders QEMU's firmware.json spec defines, most important first. */
function firmwareDirs(): string[] {
  const xdg = process.env.XDG_CONFIG_HOME ?? path.join(os.homedir(), '.config');
  return [path.join(xdg, 'qemu', 'firmware'), '/etc/qemu/firmware', '/usr/share/qemu/firmware'];
}

/** The command line for `xml` on this machine, in the `.args` layout. */
export async function domxmlToQemuArgv(xml: string, file: string, opts: DomxmlToNativeOpts): Promise<string> {
  const layout = localLayout(opts.connect);
  const def = parseDomainXml(xml, file);
  const storagePools = await storedVolumePools(def, opts.connect, layout.root).catch((e: Error) => {
    throw new VirtformError(`${file}: ${e.message}`);
  });
  let caps: QemuCaps;
  if (opts.caps !== undefined) {
    caps = await loadCapsFile(opts.caps);
  } else {
    const binary = def.devices?.emulator ?? '/usr/bin/qemu-system-x86_64';
    const cacheDir = path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'virtform', 'qemu-caps');
    caps = (await loadQemuCapsCached(localProbeHost(), binary, { cacheDir })).caps;
  }
  const id = -1;
  const short = domainShortName(def, id);
  const runDir = path.join(layout.run, def.name);
  const masterKey = randomBytes(32);
  const ctx: ArgvContext = {
    caps,
    host: readLocalArgvHost(),
    paths: {
      domainLibDir: path.join(layout.root, 'lib', `domain-${short}`),
      channelTargetDir: path.join(runDir, 'channels'),
      hugepageSubdir: 'virtform',
      memoryBackingDir: path.join(layout.root, 'ram'),
      nvramDir: path.join(layout.root, 'nvram'),
      runDir,
    },
    monitor: { kind: 'socket', path: path.join(runDir, 'qmp.sock') },
    launchEnv: {
      ...(process.env.PATH !== undefined ? { PATH: process.env.PATH } : {}),
      ...(process.env.USER !== undefined ? { USER: process.env.USER } : {}),
      ...(process.env.LOGNAME !== undefined ? { LOGNAME: process.env.LOGNAME } : {}),
    },
    nowEpochSeconds: Math.floor(Date.now() / 1000),
    domainId: id,
    fdPassing: 'none',
    hostEnv: {},
    config: {},
    secrets: { masterKey, iv: () => randomBytes(16), lookup: () => undefined },
    ...(storagePools ? { storagePools } : {}),
  };
  prepareDomain(def, caps, {
    hostArch: os.arch() === 'x64' ? 'x86_64' : os.arch(),
    firmware: loadFirmwareDescriptors(firmwareDirs()),
    launch: true,
    validateWith: ctx,
    newUuid: () => randomUuid(),
  });
  return buildQemuCommandLine(def, ctx).toArgsFile();
}

/** The stored pools and volumes behind the volume disks of `def`; the state is only read when there are some. */
async function storedVolumePools(def: ReturnType<typeof parseDomainXml>, uri: string | undefined, stateDir: string): Promise<ArgvContext['storagePools']> {
  if (!(def.devices?.disks ?? []).some((d) => d.type === 'volume')) return undefined;
  const transport = await openTransport(uri);
  try {
    return await volumeDiskPools(def, new StateStore(transport, stateDir), { requireVolumes: true, stateDir });
  } finally {
    await transport.close();
  }
}

function randomUuid(): string {
  const b = randomBytes(16);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export function register(program: Command, io: CliIo): void {
  program
    .command('domxml-to-native')
    .description("print the native configuration for a domain XML: 'qemu-argv' is the QEMU command line in libvirt's .args layout")
    .argument('<format>', "the native format; only 'qemu-argv'")
    .argument('<file>', 'the domain XML file')
    .option('-c, --connect <uri>', 'connection URI, local: qemu:///embed?root=DIR or qemu:///system (default: qemu:///embed?root=./.virtform)')
    .option('--caps <file>', "QEMU capabilities to build for (libvirt's qemuCaps XML or a virtform caps JSON) instead of probing this machine's QEMU")
    .action(async (format: string, file: string, opts: DomxmlToNativeOpts) => {
      if (format !== 'qemu-argv') throw new VirtformError(`unsupported native format '${format}' (fix: use qemu-argv)`);
      if (!fs.existsSync(file)) throw new VirtformError(`domain XML file '${file}' does not exist`);
      io.out(await domxmlToQemuArgv(fs.readFileSync(file, 'utf8'), file, opts));
    });
}
