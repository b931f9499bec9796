/**
 * The virtform half of the oracle: a domain XML → the QEMU command line virtform builds on this
 * machine (provider/qemu/prepare.ts in launch mode + provider/qemu/argv/build.ts, with this
 * machine's probed QEMU caps, its host facts and firmware descriptors) → started paused through
 * the daemonless lifecycle (provider/executor/domain launchDomain: -daemonize, QMP, pinning with
 * the planner's pin plan) → QMP over our own client → destroyDomain.
 *
 * The disks' backing chains are read from their images first (provider/executor/storage
 * disk-chain.ts), as libvirt does at start. What the executor's launch step will own and does
 * not exist as product code yet is done here, plainly: a VNC port for an auto-allocated display
 * (the first free one from 5900, as libvirt allocates), the per-domain master key file, the channel socket folder, the hugepage folder on the
 * hugetlbfs mount and the UEFI variable store copied from its template.
 *
 * The QMP commands libvirt sends before `cont` (balloon period and target, deleting the
 * preallocation thread contexts) come from
 * provider/qemu/argv/startup-actions.ts and run as the launch's `beforeCont`.
 */
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { parseDomainXml, type Domain } from '../../model/domain/domain';
import type { BackingStore } from '../../model/domain/devices/storage-source';
import type { HostFacts } from '../../model/host-facts';
import { planPins } from '../../planner/pin-plan';
import { loadQemuCapsCached, type QemuCaps } from '../../provider/qemu/caps';
import { prepareDomain } from '../../provider/qemu/prepare';
import { loadFirmwareDescriptors, type FirmwareDescriptor } from '../../provider/qemu/defaults';
import { buildQemuCommandLine } from '../../provider/qemu/argv/build';
import { startupQmpCommands } from '../../provider/qemu/argv/startup-actions';
import type { ArgvContext } from '../../provider/qemu/argv/context';
import { localProbeHost, readLocalArgvHost } from '../../provider/qemu/local-argv-host';
import { QmpClient, QmpCommandError } from '../../provider/qemu/qmp';
import { destroyDomain, launchDomain, type DomainHost, type LaunchResult } from '../../provider/executor/domain';
import { LocalTransport } from '../../provider/host/local-transport';
import { discoverHost } from '../../provider/host/host-discovery';
import { detectDiskChains } from '../../provider/executor/storage/disk-chain';
import type { QmpReply, QmpRequest } from '../support/libvirtd';

/** Firmware descriptor folders in QEMU's order of importance (as libvirt reads them for root). */
export const FIRMWARE_DIRS = ['/etc/qemu/firmware', '/usr/share/qemu/firmware'];

export interface VirtformHost {
  readonly caps: QemuCaps;
  readonly facts: HostFacts;
  readonly firmware: readonly FirmwareDescriptor[];
  readonly domains: DomainHost;
  /** State root of this run: lib/, nvram/, run/. */
  readonly root: string;
  close(): Promise<void>;
}

/** This machine as virtform sees it: probed caps (cached under `cacheDir`), host facts, firmware. */
export async function openVirtformHost(root: string, cacheDir: string): Promise<VirtformHost> {
  const transport = new LocalTransport(`qemu:///embed?root=${root}`);
  const caps = (await loadQemuCapsCached(localProbeHost(), '/usr/bin/qemu-system-x86_64', { cacheDir })).caps;
  const facts = await discoverHost(transport);
  return {
    caps,
    facts,
    firmware: loadFirmwareDescriptors(FIRMWARE_DIRS),
    domains: { transport, runDir: path.join(root, 'run') },
    root,
    close: () => transport.close(),
  };
}

export interface VirtformDomain {
  readonly def: Domain;
  readonly launch: LaunchResult;
  /** The command line the argv builder made, in libvirt's `.args` layout (the launcher adds -pidfile). */
  readonly argsFile: string;
  /** Path prefixes only this manager uses, each with the token the fingerprint shows instead. */
  readonly pathTokens: readonly (readonly [string, string])[];
  qmp(requests: readonly QmpRequest[]): Promise<QmpReply[]>;
  destroy(): Promise<void>;
}

/** Builds and starts `xml` paused; see the file header. */
export async function startUnderVirtform(host: VirtformHost, xml: string, file: string): Promise<VirtformDomain> {
  const def = parseDomainXml(xml, file);
  const name = def.name;
  const lib = path.join(host.root, 'lib', `domain-${name}`);
  const runDir = path.join(host.domains.runDir, name);
  const nvramDir = path.join(host.root, 'nvram');
  const channelDir = path.join(host.root, 'channel', name);
  const argvHost = readLocalArgvHost();
  const detectedBackingStores = new Set<BackingStore>();
  const ctx: ArgvContext = {
    detectedBackingStores,
    caps: host.caps,
    host: argvHost,
    paths: {
      domainLibDir: lib,
      channelTargetDir: channelDir,
      hugepageSubdir: 'virtform',
      memoryBackingDir: path.join(host.root, 'ram'),
      nvramDir,
      runDir,
    },
    monitor: { kind: 'socket', path: path.join(runDir, 'qmp.sock') },
    launchEnv: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin' },
    domainId: 1,
    fdPassing: 'none',
    hostEnv: {},
    secrets: { masterKey: randomBytes(32), iv: () => randomBytes(16), lookup: () => undefined },
  };
  prepareDomain(def, host.caps, {
    hostArch: 'x86_64',
    config: { nvramDir, channelTargetDir: path.join(host.root, 'channel'), libDir: path.join(host.root, 'lib') },
    firmware: [...host.firmware],
    launch: true,
    validateWith: ctx,
  });
  // libvirt allocates auto ports when it starts a domain: the first free one from 5900.
  for (const g of def.devices?.graphics ?? []) {
    if (g.type === 'vnc' && g.autoport === 'yes' && g.listens?.some((l) => l.type === 'address' || l.type === 'network')) {
      g.port = await firstFreePort(5900);
      g.autoport = 'no';
    }
  }
  // libvirt reads each image's backing chain when it starts a domain.
  for (const bs of await detectDiskChains(host.domains.transport, def)) detectedBackingStores.add(bs);
  const cmd = buildQemuCommandLine(def, ctx);

  // What the executor's launch step prepares (see the header).
  fs.mkdirSync(lib, { recursive: true, mode: 0o700 });
  fs.writeFileSync(path.join(lib, 'master-key.aes'), ctx.secrets!.masterKey, { mode: 0o600 });
  fs.mkdirSync(channelDir, { recursive: true, mode: 0o755 });
  const hugeDirs = argvHost.hugetlbfs.map((m) => path.join(m.path, 'virtform', `${ctx.domainId}-${name}`));
  for (const d of hugeDirs) fs.mkdirSync(d, { recursive: true, mode: 0o700 });
  const nvram = def.os?.nvram;
  if (nvram?.path && nvram.template && !fs.existsSync(nvram.path)) {
    fs.mkdirSync(path.dirname(nvram.path), { recursive: true });
    fs.copyFileSync(nvram.template, nvram.path);
  }

  const pins = planPins(def, host.facts, host.domains.transport.hostLabel);
  const launch = await launchDomain(host.domains, {
    name,
    uuid: def.uuid!,
    argv: [cmd.binary, ...cmd.args],
    env: Object.fromEntries(cmd.env),
    pins,
    paused: true,
    beforeCont: startupQmpCommands(def, host.caps, cmd.preallocThreadContexts),
  });
  const removeFiles = (): void => {
    fs.rmSync(lib, { recursive: true, force: true });
    fs.rmSync(channelDir, { recursive: true, force: true });
    for (const d of hugeDirs) fs.rmSync(d, { recursive: true, force: true });
    if (nvram?.path) fs.rmSync(nvram.path, { force: true });
  };
  return {
    def,
    launch,
    argsFile: cmd.toArgsFile(),
    pathTokens: [
      [lib, '<domain-lib>'],
      [runDir, '<run>'],
      [nvramDir, '<nvram>'],
      [channelDir, '<channels>'],
      ...hugeDirs.map((d) => [d, '<hugepages>'] as const),
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
      try {
        await destroyDomain(host.domains, name);
      } finally {
        removeFiles();
      }
    },
  };
}

/** The first TCP port from `from` that can be bound on every IPv4 address. */
async function firstFreePort(from: number): Promise<number> {
  for (let port = from; port < 65536; port++) {
    const free = await new Promise<boolean>((resolve) => {
      const srv = net.createServer();
      srv.once('error', () => resolve(false));
      srv.listen({ port, host: '0.0.0.0', exclusive: true }, () => srv.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error(`no free TCP port from ${from}`);
}

/** A temporary state root for virtform's side of the oracle. */
export function makeVirtformRoot(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'vf-oracle-'));
}
