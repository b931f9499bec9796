/**
 * `virtform domxml-to-native qemu-argv FILE [-c URI] [--caps FILE]`: prints the QEMU command line
 * `virtform apply` would start for a domain XML on the URI's host, in libvirt's `.args` layout
 * (environment, binary, one option per line).
 *
 * It goes through apply's own launch path: QemuLaunchBuilder.build (the host's facts, caps,
 * firmware, stored networks and pools, free display ports, disk backing chains, the console
 * socket, the per-domain paths under `<run>/NAME/`), then launchArgv, which adds what the
 * launcher owns (`-pidfile <run>/NAME/pid`), as `virsh domxml-to-native` prints the whole
 * command line libvirt would run. The builder's host steps (private files, hugepages, taps,
 * VFIO) are not run and nothing is written to the URI's state; the launcher's wrapper around
 * QEMU (setsid, and `prlimit --memlock` when QEMU needs a memlock limit) and the QMP commands
 * sent before `cont` are not part of the command line and are not printed.
 *
 * - A definition without `<uuid>` gets a random one, as libvirt makes one up for it.
 * - `<disk type='volume'>` needs its pool and volume stored in the URI's state (nothing will
 *   create them before the launch shown); a volume whose definition the same apply would create
 *   is not known here.
 * - -c is parsed like every other verb's (provider/host/uri.ts); without it, the embedded default
 *   `qemu:///embed?root=./.virtform`. Only local URIs (embed, system) are taken.
 * - The QEMU capabilities come from `--caps` (libvirt's `<qemuCaps>` XML, or a virtform caps
 *   JSON) or else from probing the domain's emulator on the host (cached per binary).
 */
import * as fs from 'fs';
import { randomUUID } from 'crypto';
import type { Command } from 'commander';
import type { CliIo } from '../main';
import { VirtformError } from '../errors';
import { parseDomainXml } from '../../model/domain/domain';
import { planPins } from '../../planner/pin-plan';
import { capsFromJson, loadLibvirtCapsFile, type QemuCaps, type QemuCapsJson } from '../../provider/qemu/caps';
import { QemuCommandLine } from '../../provider/qemu/argv/command-line';
import { LaunchBuildError, QemuLaunchBuilder } from '../../provider/executor/domain/launch-builder';
import { launchArgv } from '../../provider/executor/domain/launch-spec';
import { domainRunPaths } from '../../provider/executor/domain/run-paths';
import { StateStore } from '../../provider/executor/state/state-store';
import { discoverHost } from '../../provider/host/host-discovery';
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
    throw new VirtformError(`domxml-to-native reads this machine's QEMU and host facts; '${parsed.uri}' names a remote host (fix: run it on that host with a local URI)`);
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

/**
 * The command line apply would start for `xml` on the URI's host, in the `.args` layout:
 * QemuLaunchBuilder.build without its host steps, completed by launchArgv.
 */
export async function domxmlToQemuArgv(xml: string, file: string, opts: DomxmlToNativeOpts): Promise<string> {
  const layout = localLayout(opts.connect);
  const def = parseDomainXml(xml, file);
  def.uuid ??= randomUUID();
  const caps = opts.caps !== undefined ? await loadCapsFile(opts.caps) : undefined;
  const transport = await openTransport(opts.connect);
  try {
    const facts = await discoverHost(transport);
    const paths = domainRunPaths(layout.run, def.name);
    const pins = planPins(def, facts, transport.hostLabel);
    const builder = new QemuLaunchBuilder({
      transport,
      stateDir: layout.root,
      store: new StateStore(transport, layout.root),
      requireVolumes: true,
      ...(caps ? { caps } : {}),
    });
    const parts = await builder.build(def, { paths, facts, hostLabel: transport.hostLabel });
    const argv = launchArgv({ name: def.name, uuid: def.uuid, argv: parts.argv, pins, ...(parts.consoleSocket ? { consoleSocket: parts.consoleSocket } : {}) }, paths);
    const cmd = new QemuCommandLine(argv[0]);
    for (const [k, v] of Object.entries(parts.env ?? {})) cmd.setEnv(k, v);
    cmd.args.push(...argv.slice(1));
    return cmd.toArgsFile();
  } catch (e) {
    if (e instanceof LaunchBuildError) throw new VirtformError(`${file}: ${e.message}`);
    throw e;
  } finally {
    await transport.close();
  }
}

export function register(program: Command, io: CliIo): void {
  program
    .command('domxml-to-native')
    .summary("Print the QEMU command line apply would start for a domain XML, in libvirt's .args layout")
    .description(
      "Print the native configuration for a domain XML: 'qemu-argv' is the QEMU command line apply would start on the URI's host " +
        "(the launcher's -pidfile included; not its setsid/prlimit wrapper or the QMP commands sent before the guest runs), in libvirt's .args layout; " +
        'nothing is written and no host preparation (hugepages, taps, devices) is done',
    )
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
