/**
 * The virtform half of the oracle: a domain XML → started paused exactly the way `virtform apply`
 * starts a stored definition (provider/executor/apply/domain-executor.ts startDefinedDomain):
 * the production launch builder (provider/executor/domain/launch-builder.ts QemuLaunchBuilder,
 * with this machine's probed QEMU caps, its host facts and firmware descriptors) makes the
 * command line, the disks' backing chains, libvirt's start-time QMP commands and the host steps
 * (private files and master key, channel folder, UEFI variable store, hugepage folder, display
 * ports); the daemonless lifecycle (launchDomain) runs them, pins the threads with the planner's
 * pin plan and sends the start-time commands, without `cont` → QMP over our own client →
 * destroyDomain, whose release hook gives back what the host steps took.
 *
 * Nothing of the launch is done here: this file only opens the host like `virtform apply` does
 * for `qemu:///embed?root=ROOT`, and says which paths are virtform's own (pathTokens) and how its
 * one designed command-line difference reads (the console socket: consoleSocketAsPty).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseDomainXml, type Domain } from '../../model/domain/domain';
import type { HostFacts } from '../../model/host-facts';
import { startDefinedDomain } from '../../provider/executor/apply/domain-executor';
import { destroyDomain, launchDomainHost, QemuLaunchBuilder, type DomainHost, type LaunchResult } from '../../provider/executor/domain';
import { discoverHost } from '../../provider/host/host-discovery';
import { openTransport } from '../../provider/host/open-transport';
import { hostPaths, parseConnectionUri } from '../../provider/host/uri';
import { QemuCommandLine } from '../../provider/qemu/argv/command-line';
import { QmpClient, QmpCommandError } from '../../provider/qemu/qmp';
import type { QmpReply, QmpRequest } from '../support/libvirtd';
import { consoleSocketAsPty } from './fingerprint';

/** The QEMU the oracle's domains name (`<emulator>`). */
const QEMU = '/usr/bin/qemu-system-x86_64';

export interface VirtformHost {
  readonly facts: HostFacts;
  /** The lifecycle's host, with the release hook of the launch's host steps (as apply has it). */
  readonly domains: DomainHost;
  readonly launcher: QemuLaunchBuilder;
  /** State root of this run (`qemu:///embed?root=ROOT`): nvram/, run/. */
  readonly root: string;
  close(): Promise<void>;
}

/**
 * This machine as `virtform apply -c qemu:///embed?root=ROOT` opens it: transport, host paths,
 * host facts, the lifecycle's host and the launch builder. The caps of the domains' QEMU are
 * probed here (cached under `capsCacheDir`, per run) so that their time counts as setup.
 */
export async function openVirtformHost(root: string, capsCacheDir: string): Promise<VirtformHost> {
  const uri = parseConnectionUri(`qemu:///embed?root=${root}`);
  const paths = hostPaths(uri);
  const transport = await openTransport(uri);
  const launcher = new QemuLaunchBuilder({ transport, stateDir: paths.stateDir, capsCacheDir });
  await launcher.caps(QEMU);
  return {
    facts: await discoverHost(transport),
    domains: launchDomainHost(transport, paths.runDir),
    launcher,
    root,
    close: () => transport.close(),
  };
}

export interface VirtformDomain {
  readonly def: Domain;
  readonly launch: LaunchResult;
  /**
   * The command line the builder made, in libvirt's `.args` layout (the launcher adds -pidfile),
   * with the console socket chardev read as the pty it replaces (consoleSocketAsPty).
   */
  readonly argsFile: string;
  /** Path prefixes only this manager uses, each with the token the fingerprint shows instead. */
  readonly pathTokens: readonly (readonly [string, string])[];
  qmp(requests: readonly QmpRequest[]): Promise<QmpReply[]>;
  destroy(): Promise<void>;
}

/** Starts `xml` paused as apply would start it as a stored definition; see the file header. */
export async function startUnderVirtform(host: VirtformHost, xml: string, file: string): Promise<VirtformDomain> {
  const def = parseDomainXml(xml, file);
  const name = def.name;
  const { parts, launch } = await startDefinedDomain({ host: host.domains, launcher: host.launcher, facts: host.facts }, name, xml, { paused: true });

  const cmd = new QemuCommandLine(parts.argv[0]);
  for (const [k, v] of Object.entries(parts.env ?? {})) cmd.setEnv(k, v);
  cmd.args.push(...parts.argv.slice(1));
  const args = cmd.toArgsFile();
  const runDir = launch.paths.dir;
  return {
    def,
    launch,
    argsFile: parts.consoleSocket === undefined ? args : consoleSocketAsPty(args, parts.consoleSocket),
    pathTokens: [
      // The builder's ArgvPaths: the private dir and the channel folder under the run dir.
      [`${runDir}/lib`, '<domain-lib>'],
      [`${runDir}/channel`, '<channels>'],
      [runDir, '<run>'],
      [path.join(host.root, 'nvram'), '<nvram>'],
      // The hugepage folders the hugepage step made (`<mount>/virtform/ID-NAME`).
      ...launch.record.hugepages.flatMap((h) => (h.memDir ? [[h.memDir, '<hugepages>'] as const] : [])),
    ],
    async qmp(requests) {
      const client = await QmpClient.connect(await host.domains.transport.connectUnix(launch.paths.qmpSocket), { label: `${name}'s QMP monitor` });
      try {
        const out: QmpReply[] = [];
        for (const r of requests) {
          try {
            out.push({ return: await client.execute(r.execute, r.arguments) });
          } catch (e) {
            if (!(e instanceof QmpCommandError)) throw e;
            out.push({ error: { class: e.errorClass, desc: e.desc } });
          }
        }
        return out;
      } finally {
        await client.close().catch(() => client.destroy());
      }
    },
    async destroy() {
      await destroyDomain(host.domains, name);
    },
  };
}

/** A temporary state root for virtform's side of the oracle. */
export function makeVirtformRoot(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'vf-oracle-'));
}
