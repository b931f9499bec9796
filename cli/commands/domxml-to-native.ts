/**
 * `virtform domxml-to-native qemu-argv FILE [-c URI] [--caps FILE]`: prints the QEMU command line
 * virtform would start for a domain XML, in libvirt's `.args` layout (environment, binary, one
 * option per line).
 *
 * The QEMU capabilities come from `--caps` (libvirt's `<qemuCaps>` XML, or a virtform caps JSON)
 * or else from probing the domain's emulator on this machine (cached per binary). Host facts
 * (NUMA nodes, hugetlbfs mounts) are this machine's. Only local URIs are supported here: a remote
 * host's caps and facts come through its transport.
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

interface DomxmlToNativeOpts {
  readonly connect?: string;
  readonly caps?: string;
}

/** Where a local URI keeps state (`<root>`) and runtime files (`<run>`). */
export interface LocalLayout {
  readonly root: string;
  readonly run: string;
}

/** The default embedded root: `$XDG_DATA_HOME/virtform` (`~/.local/share/virtform`). */
export function defaultEmbedRoot(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.XDG_DATA_HOME ?? path.join(os.homedir(), '.local', 'share'), 'virtform');
}

/** Reads a local connection URI (`qemu:///embed?root=DIR`, `qemu:///system`). */
export function localLayout(uri: string | undefined): LocalLayout {
  if (uri === undefined) {
    const root = defaultEmbedRoot();
    return { root, run: path.join(root, 'run') };
  }
  if (uri === 'qemu:///system') return { root: '/var/lib/virtform', run: '/run/virtform' };
  const m = /^qemu:\/\/\/embed\?(.*)$/.exec(uri);
  if (m) {
    const root = new URLSearchParams(m[1]).get('root');
    if (!root) throw new VirtformError(`URI '${uri}' has no root (fix: qemu:///embed?root=/path/to/dir)`);
    return { root: path.resolve(root), run: path.join(path.resolve(root), 'run') };
  }
  if (/^qemu\+ssh:\/\//.test(uri)) {
    throw new VirtformError(`domxml-to-native reads this machine's QEMU and host facts; '${uri}' names a remote host (fix: run it on that host, or pass --caps FILE for an offline command line)`);
  }
  throw new VirtformError(`unsupported connection URI '${uri}' (fix: use qemu:///embed?root=DIR, qemu:///system or qemu+ssh://user@host/system)`);
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
    .option('-c, --connect <uri>', 'connection URI (local: qemu:///embed?root=DIR, qemu:///system); default: the embedded URI')
    .option('--caps <file>', "QEMU capabilities to build for (libvirt's qemuCaps XML or a virtform caps JSON) instead of probing this machine's QEMU")
    .action(async (format: string, file: string, opts: DomxmlToNativeOpts) => {
      if (format !== 'qemu-argv') throw new VirtformError(`unsupported native format '${format}' (fix: use qemu-argv)`);
      if (!fs.existsSync(file)) throw new VirtformError(`domain XML file '${file}' does not exist`);
      io.out(await domxmlToQemuArgv(fs.readFileSync(file, 'utf8'), file, opts));
    });
}
