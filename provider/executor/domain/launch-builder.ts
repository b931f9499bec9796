/**
 * The real domain launch path: a desired Domain (its stored, canonical definition) → the parts of
 * a LaunchSpec for one host (DomainLaunchBuilder, used by DomainExecutor for apply and by the
 * demo).
 *
 *  1. caps of the domain's QEMU on the host (`<emulator>`, else /usr/bin/qemu-system-ARCH),
 *     probed over the Transport and cached on the machine running virtform, keyed by host and
 *     binary identity (loadQemuCapsCached; once per builder in memory as well);
 *  2. prepareDomain(launch) with the host's architecture, the host's firmware descriptors (only
 *     read for firmware autoselection), fresh UUID/genid randomness, validated against the
 *     ArgvContext below;
 *  3. launch-time substitutions on the prepared copy: the first pty serial/console becomes the
 *     unix socket `<run>/NAME/console.sock` (console-socket.ts); autoport VNC/SPICE displays get
 *     free host ports (display-ports.ts); network/bridge interfaces get their tap's name
 *     (`<target dev>`, so the argv has `-netdev tap,ifname=...,script=no,downscript=no`);
 *     `<disk type='volume'>` resolves through the host's stored pools (volumeDiskPools, shared
 *     with domxml-to-native; volumes need no stored definition yet);
 *  4. the disks' backing chains, read from their images with `qemu-img info --backing-chain` on
 *     the host (storage/disk-chain.ts), as libvirt does at every start: file and block disks,
 *     and volume disks of local pools once their volume is resolved to its path; the layers
 *     found go to the argv builder as `detectedBackingStores` (their nodes are numbered last);
 *  5. buildQemuCommandLine with an ArgvContext of the host's real facts (argvHostFromFacts) and
 *     paths: QEMU's private dir `<run>/NAME/lib` (HOME, master key), channels under
 *     `<run>/NAME/channel`, file-backed memory under `<run>/NAME/ram`, NVRAM stores under
 *     `<stateDir>/nvram`, hugepage files under `<mount>/virtform/ID-NAME`, the QMP monitor on
 *     `<run>/NAME/qmp.sock`, `fdPassing: 'none'` (QEMU opens paths and taps itself);
 *  6. before `cont`, libvirt's start-time QMP commands in libvirt's order (startupQmpCommands in
 *     qemu/argv/startup-actions.ts): display passwords (`set_password`), NIC links taken down
 *     (`set_link`), the balloon's stats
 *     period (`qom-set`) and target (`balloon`), disk I/O limits (`block_set_io_throttle`),
 *     `set-action` (on_reboot=destroy), `object-del` of the preallocation thread contexts;
 *  7. host steps run by the launcher before QEMU starts (launch-host-steps.ts): private files,
 *     UEFI variable store on first start, hugepages, VFIO devices (with `rlimits.memlockBytes`
 *     for QEMU), taps. Their release is `domainResourceReleaseHook`, which the DomainHost of
 *     every command must carry (`launchDomainHost`).
 *
 * Nothing here changes the host: it reads files, runs `getconf`, `qemu-img info` and, on a caps
 * cache miss, QEMU's caps probe (the cache is on the machine running virtform). Building twice is
 * harmless (DomainExecutor builds before it clears a leftover run dir), and `virtform
 * domxml-to-native` builds without launching to print the command line apply would run (it never
 * runs the host steps). Secrets (the master key, display passwords) never reach status.json,
 * messages or a command line in clear.
 */
import { randomBytes, randomUUID } from 'crypto';
import * as os from 'os';
import * as path from 'path';
import type { Domain } from '../../../model/domain/domain';
import type { Disk } from '../../../model/domain/devices/disk';
import type { BackingStore } from '../../../model/domain/devices/storage-source';
import type { HostFacts } from '../../../model/host-facts';
import { orderHugetlbfsMounts, unmountedConfiguredHugetlbfs } from '../../../model/hugetlbfs-mount-choice';
import { MEMORY_UNLIMITED_KIB } from '../../../model/domain/memory';
import { applyNetworkDefaults, parseNetworkXml, type Network } from '../../../model/network';
import type { MdevDeclaration, SriovDeclaration } from '../../../planner/hostdev-check';
import { hostdevDemand } from '../../../planner/hostdev-demand';
import { hugepageDemand } from '../../../planner/hugepage-demand';
import type { Transport } from '../../host/transport';
import { buildQemuCommandLine } from '../../qemu/argv/build';
import type { ArgvContext, ArgvPaths } from '../../qemu/argv/context';
import { domainShortName } from '../../qemu/argv/guest-memory';
import { masterKeyPath } from '../../qemu/argv/sections/master-key';
import { startupQmpCommands } from '../../qemu/argv/startup-actions';
import { resolveVolume, type ArgvStoragePools } from '../../qemu/argv/storage/pool-volume';
import { argvHostFromFacts } from '../../qemu/argv-host-from-facts';
import { loadQemuCapsCached, type QemuCaps } from '../../qemu/caps';
import { prepareDomain } from '../../qemu/prepare';
import type { HostContext } from '../host-context';
import { tapName } from '../network/host-names';
import { detectDiskChains } from '../storage/disk-chain';
import { volumeDiskPools } from '../storage/volume-disk-pools';
import { vfioMemlockLimit } from '../vfio/memlock';
import type { DefinitionStore } from '../apply/definition-store';
import type { DomainLaunchBuilder, DomainLaunchParts } from '../apply/domain-executor';
import { attachConsoleSocket } from './console-socket';
import { assignDisplayPorts, graphicsPasswordCommands, listeningTcpPorts, recordedDisplayPorts } from './display-ports';
import { listRunDirNames, readRunDir } from './domain-host';
import { readHostFirmwareDescriptors } from './host-firmware';
import { hostdevsStep, hugepagesStep, nvramStep, privateFilesStep, tapsStep, type TapRequest } from './launch-host-steps';
import type { LaunchHostStep, LaunchSpec, QmpCommand } from './launch-spec';
import type { DomainRunPaths } from './run-paths';
import type { DisplayRecord, DomainStatusRecord } from './status-record';

/** What a host allows virtform to change for a launch (host declarations; all off by default). */
export interface LaunchHostPolicy {
  /** Grow hugepage pools that are short (per node nr_hugepages), shrinking them back at release. */
  readonly growHugepagePools?: boolean;
  /** Mount hugetlbfs under `<runDir>/.hugetlbfs/hugepages-SIZEkB` for page sizes no mount has. */
  readonly mountHugetlbfs?: boolean;
  /** Move the other members of a passed-through device's IOMMU group to vfio-pci. */
  readonly detachGroupPeers?: boolean;
  readonly sriov?: readonly SriovDeclaration[];
  readonly mdevs?: readonly MdevDeclaration[];
}

export interface QemuLaunchBuilderOptions {
  readonly transport: Transport;
  /** HostPaths of the connection URI: NVRAM stores live under `<stateDir>/nvram`. */
  readonly stateDir: string;
  /** Networks (`<interface type='network'>`) and pools (`<disk type='volume'>`) stored on the host. */
  readonly store?: Pick<DefinitionStore, 'get'>;
  /**
   * `<disk type='volume'>` also needs the volume's stored definition, not only its pool's
   * (volumeDiskPools `requireVolumes`). Off for apply, which builds a domain before the volumes
   * it creates in the same run are stored; on for `virtform domxml-to-native`, where nothing
   * will create them before the launch it shows.
   */
  readonly requireVolumes?: boolean;
  /** Where probed caps are cached on this machine. Default `$XDG_CACHE_HOME/virtform/qemu-caps`. */
  readonly capsCacheDir?: string;
  /** Caps to use instead of probing (tests, `--caps`). */
  readonly caps?: QemuCaps;
  readonly policy?: LaunchHostPolicy;
  /** sysfs/procfs for the hugepage and VFIO steps; default the transport's (tests: a fake sysfs). Give the same to launchDomainHost. */
  readonly hostContext?: HostContext;
  /**
   * qemu.conf-style settings for the QEMU defaults and the argv builder (libvirt's names:
   * vncListen, seccompSandbox...). `hugetlbfsMount` (qemu.conf `hugetlbfs_mount`; one path or a
   * list): the only hugetlbfs mount points guest memory may use, in order of preference
   * (model/hugetlbfs-mount-choice.ts; docs/domain-launch.md).
   */
  readonly qemuConfig?: Readonly<Record<string, string | number | boolean | readonly string[]>>;
  /** Randomness (UUIDs of new domains and genids, the master key, secret IVs). */
  readonly random?: { readonly uuid: () => string; readonly bytes: (n: number) => Buffer };
  /** Current time in seconds since the epoch (`<clock offset='variable'>`). */
  readonly nowEpochSeconds?: () => number;
}

/** The default client-side caps cache folder (shared with domxml-format and domxml-to-native). */
export function defaultCapsCacheDir(): string {
  return path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'virtform', 'qemu-caps');
}

/** libvirt's name for an architecture → the QEMU system binary suffix. */
function qemuArchSuffix(arch: string): string {
  return arch === 'i686' ? 'i386' : arch;
}

/** PATH QEMU gets (it spawns nothing under the sandbox, but helpers QEMU execs before it need one). */
const QEMU_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The folder mountHugetlbfs mounts under: a dot name, which no domain can have (state rules). */
export function hugetlbfsMountRoot(runDir: string): string {
  return `${runDir.replace(/\/+$/, '')}/.hugetlbfs`;
}

/**
 * The domain id in per-domain host paths (`<mount>/virtform/ID-NAME`): libvirt uses the running
 * id; virtform has none, so a number from the UUID, which keeps two domains whose names share
 * the first 20 characters apart.
 */
export function launchDomainId(uuid: string): number {
  return parseInt(uuid.replace(/-/g, '').slice(0, 6), 16) + 1;
}

/**
 * The `hugetlbfsMount` setting as a list of mount points (qemu.conf takes one path or a list),
 * or undefined when it is not set. Throws TypeError for another type of value.
 */
export function hugetlbfsMountSetting(config: QemuLaunchBuilderOptions['qemuConfig']): readonly string[] | undefined {
  const v = config?.hugetlbfsMount;
  if (v === undefined) return undefined;
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v;
  throw new TypeError(`the qemuConfig setting hugetlbfsMount is ${JSON.stringify(v)}; give a mount point or a list of them`);
}

/** Thrown by build: names the host, the domain and what cannot be launched. */
export class LaunchBuildError extends Error {}

export class QemuLaunchBuilder implements DomainLaunchBuilder {
  private readonly capsMemo = new Map<string, Promise<QemuCaps>>();
  private pageSizeKiB?: Promise<number>;

  constructor(private readonly o: QemuLaunchBuilderOptions) {}

  /** The caps of `binary` on the host (memoised; probed and cached on a miss). */
  caps(binary: string): Promise<QemuCaps> {
    if (this.o.caps) return Promise.resolve(this.o.caps);
    let p = this.capsMemo.get(binary);
    if (!p) {
      p = loadQemuCapsCached(this.o.transport, binary, { cacheDir: this.o.capsCacheDir ?? defaultCapsCacheDir() }).then((c) => c.caps);
      p.catch(() => this.capsMemo.delete(binary));
      this.capsMemo.set(binary, p);
    }
    return p;
  }

  private systemPageSizeKiB(): Promise<number> {
    this.pageSizeKiB ??= this.o.transport.exec(['getconf', 'PAGESIZE'], { timeoutMs: 30000 }).then((r) => {
      const n = Number(r.stdout.toString('utf8').trim());
      if (r.code !== 0 || !Number.isInteger(n) || n <= 0) throw new Error(`${this.o.transport.hostLabel}: getconf PAGESIZE failed: ${r.stderr.toString('utf8').trim() || `output '${r.stdout.toString('utf8').trim()}'`}`);
      return n / 1024;
    });
    return this.pageSizeKiB;
  }

  async build(domain: Domain, bctx: { readonly paths: DomainRunPaths; readonly facts: HostFacts; readonly hostLabel: string }): Promise<DomainLaunchParts> {
    const { paths, facts } = bctx;
    const t = this.o.transport;
    const where = `${bctx.hostLabel}: domain '${domain.name}'`;
    const fail = (what: string, e: unknown): LaunchBuildError => new LaunchBuildError(`${where}: ${what}: ${(e as Error).message ?? String(e)}`);
    const random = this.o.random ?? { uuid: randomUUID, bytes: randomBytes };
    const policy = this.o.policy ?? {};
    if (!domain.uuid) throw new LaunchBuildError(`${where}: the definition has no <uuid>; launch a stored definition (the UUID identifies its QEMU process later)`);
    const def = structuredClone(domain);

    const arch = def.os?.type?.arch ?? facts.kernel.machine;
    const binary = def.devices?.emulator ?? `/usr/bin/qemu-system-${qemuArchSuffix(arch)}`;
    let caps: QemuCaps;
    try {
      caps = await this.caps(binary);
    } catch (e) {
      throw fail(`cannot get the capabilities of ${binary}`, e);
    }
    const firmware = def.os?.firmware ? await readHostFirmwareDescriptors(t).catch((e) => Promise.reject(fail('cannot read the firmware descriptors', e))) : [];

    // Hugepages: the mounts the argv may use (the configured ones, else the conventional ones
    // first), including ones the launch will make.
    const demand = hugepageDemand(def, facts, bctx.hostLabel);
    const configuredMounts = hugetlbfsMountSetting(this.o.qemuConfig);
    if (configuredMounts && demand.mountSizesKiB.length) {
      const missing = unmountedConfiguredHugetlbfs(facts.hugepages.mounts, configuredMounts);
      if (missing.length) {
        const have = facts.hugepages.mounts.length ? `hugetlbfs is mounted on ${facts.hugepages.mounts.map((m) => `${m.path} (${m.pageSizeKiB} KiB)`).join(', ')}` : 'no hugetlbfs is mounted';
        throw new LaunchBuildError(`${where}: the qemuConfig setting hugetlbfsMount names ${missing.join(', ')}, which ${missing.length > 1 ? 'are not hugetlbfs mounts' : 'is not a hugetlbfs mount'} on the host (${have}); mount hugetlbfs there or remove it from the setting`);
      }
    }
    const usableMounts = orderHugetlbfsMounts(facts.hugepages.mounts, configuredMounts);
    const mountRoot = policy.mountHugetlbfs ? hugetlbfsMountRoot(path.posix.dirname(paths.dir)) : undefined;
    const planned = mountRoot === undefined ? [] : demand.mountSizesKiB.filter((s) => !usableMounts.some((m) => m.pageSizeKiB === s)).map((s) => ({ path: `${mountRoot}/hugepages-${s}kB`, pageSizeKiB: s }));
    const host = argvHostFromFacts(facts, { systemPageSizeKiB: await this.systemPageSizeKiB(), plannedMounts: planned, ...(configuredMounts ? { hugetlbfsMount: configuredMounts } : {}) });

    const libDir = `${paths.dir}/lib`;
    const argvPaths: ArgvPaths = {
      domainLibDir: libDir,
      channelTargetDir: `${paths.dir}/channel`,
      hugepageSubdir: 'virtform',
      memoryBackingDir: `${paths.dir}/ram`,
      nvramDir: `${this.o.stateDir.replace(/\/+$/, '')}/nvram`,
      runDir: paths.dir,
    };
    const masterKey = random.bytes(32);
    const pools = await this.storagePools(def).catch((e) => Promise.reject(fail('cannot read the storage pools of its volume disks', e)));
    const config = { ...(this.o.qemuConfig ?? {}) };
    const ctxFor = (id: number, detectedBackingStores?: ReadonlySet<BackingStore>): ArgvContext => ({
      caps,
      host,
      paths: argvPaths,
      monitor: { kind: 'socket', path: paths.qmpSocket },
      launchEnv: { PATH: QEMU_PATH },
      nowEpochSeconds: this.o.nowEpochSeconds ? this.o.nowEpochSeconds() : Math.floor(Date.now() / 1000),
      domainId: id,
      fdPassing: 'none',
      hostEnv: {},
      config,
      secrets: { masterKey, iv: () => random.bytes(16), lookup: () => undefined },
      storagePools: pools,
      ...(detectedBackingStores ? { detectedBackingStores } : {}),
    });

    try {
      prepareDomain(def, caps, {
        hostArch: facts.kernel.machine,
        config: { libDir: paths.dir, channelTargetDir: argvPaths.channelTargetDir, nvramDir: argvPaths.nvramDir },
        firmware,
        newUuid: random.uuid,
        launch: true,
        validateWith: ctxFor(launchDomainId(domain.uuid)),
      });
    } catch (e) {
      throw fail('the definition cannot run on this QEMU', e);
    }
    const domainId = launchDomainId(domain.uuid);

    // Launch-time substitutions on the prepared copy.
    const consoleDevice = attachConsoleSocket(def, paths.consoleSocket);
    const used = listeningTcpPorts(...[...(await t.readFiles(['/proc/net/tcp', '/proc/net/tcp6'])).values()].map((b) => b?.toString('utf8') ?? ''));
    const others = await this.otherRecords(bctx.paths, def.name);
    for (const p of recordedDisplayPorts(others)) used.add(p);
    let displays: DisplayRecord[];
    try {
      displays = assignDisplayPorts(def, used, String(config.vncListen ?? '127.0.0.1'));
    } catch (e) {
      throw fail('cannot give its display a port', e);
    }
    const taps = await this.tapRequests(def).catch((e) => Promise.reject(fail('cannot connect its interfaces', e)));

    // The backing chains of the disks the definition leaves open, read on the host. A volume that
    // cannot be resolved is left to the argv builder, which names the pool or volume missing.
    const volumeSource = (disk: Disk): { type: 'file' | 'block'; path: string } | undefined => {
      if (!disk.source) return undefined;
      try {
        const r = resolveVolume(disk.source, { storagePools: pools });
        if (r.type === 'file' && r.source.file !== undefined) return { type: 'file', path: r.source.file };
        if (r.type === 'block' && r.source.dev !== undefined) return { type: 'block', path: r.source.dev };
      } catch {
        /* reported by buildQemuCommandLine */
      }
      return undefined;
    };
    const detected = await detectDiskChains(t, def, { volumeSource }).catch((e) => Promise.reject(fail('cannot read the backing chains of its disks', e)));

    let argv: string[];
    let env: Record<string, string>;
    let preallocThreadContexts: string[];
    try {
      const cmd = buildQemuCommandLine(def, ctxFor(domainId, detected));
      argv = cmd.toArgv();
      env = Object.fromEntries(cmd.env);
      preallocThreadContexts = cmd.preallocThreadContexts;
    } catch (e) {
      throw fail('cannot build the QEMU command line', e);
    }

    const beforeCont: QmpCommand[] = startupQmpCommands(def, caps, { displayPasswords: graphicsPasswordCommands(def), preallocThreadContexts });

    const hostSteps: LaunchHostStep[] = [privateFilesStep([libDir, argvPaths.channelTargetDir, argvPaths.memoryBackingDir], masterKeyPath(libDir), masterKey)];
    const nvram = def.os?.nvram;
    if (nvram?.path !== undefined && nvram.template !== undefined) hostSteps.push(nvramStep(nvram.path, nvram.template));
    if (demand.needs.length) {
      if (demand.issues.some((i) => i.severity === 'error')) {
        throw new LaunchBuildError(`${where}: ${demand.issues.filter((i) => i.severity === 'error').map((i) => `${i.problem}${i.detail ? `; ${i.detail}` : ''} (fix: ${i.fix})`).join('; ')}`);
      }
      const expected = new Map(demand.mountSizesKiB.map((s) => [s, host.hugetlbfs.find((m) => m.pageSizeKiB === s)?.path ?? '']));
      hostSteps.push(
        hugepagesStep({
          domain: def.name,
          demand,
          expectedMounts: expected,
          memDir: `${argvPaths.hugepageSubdir}/${domainShortName(def, domainId)}`,
          ...(policy.growHugepagePools ? { growPools: true } : {}),
          ...(mountRoot !== undefined ? { mountMissingUnder: mountRoot } : {}),
          ...(this.o.hostContext ? { hostContext: this.o.hostContext } : {}),
        }),
      );
    }
    const devs = hostdevDemand(def);
    if (devs.pci.length || devs.mdevs.length) {
      hostSteps.push(
        hostdevsStep({
          domain: def.name,
          demand: devs,
          ...(policy.detachGroupPeers ? { detachGroupPeers: true } : {}),
          ...(policy.sriov ? { sriov: policy.sriov } : {}),
          ...(policy.mdevs ? { mdevs: policy.mdevs } : {}),
          ...(this.o.hostContext ? { hostContext: this.o.hostContext } : {}),
        }),
      );
    }
    if (taps.length) hostSteps.push(tapsStep(def.name, taps));

    return {
      argv,
      env,
      ...(consoleDevice ? { consoleSocket: paths.consoleSocket } : {}),
      beforeCont,
      hostSteps,
      ...rlimitsFor(def, devs.pci.length + devs.mdevs.length),
      displays,
      lifecycle: {
        onPoweroff: def.onPoweroff === 'preserve' ? 'preserve' : 'destroy',
        onCrash: def.onCrash === 'preserve' ? 'preserve' : 'destroy',
      },
    };
  }

  private async otherRecords(paths: DomainRunPaths, name: string): Promise<DomainStatusRecord[]> {
    const h = { transport: this.o.transport, runDir: path.posix.dirname(paths.dir) };
    const out: DomainStatusRecord[] = [];
    for (const n of await listRunDirNames(h)) {
      if (n === name) continue;
      const r = await readRunDir(h, n).catch(() => undefined);
      if (r?.record && r.record.phase !== 'exited') out.push(r.record);
    }
    return out;
  }

  /** Tap names into the prepared interfaces, and what the taps step must make. */
  private async tapRequests(def: Domain): Promise<TapRequest[]> {
    const out: TapRequest[] = [];
    const ifaces = def.devices?.interfaces ?? [];
    for (let index = 0; index < ifaces.length; index++) {
      const iface = ifaces[index];
      const type = iface.type ?? 'user';
      const at = `the interface at /domain/devices/interface[${index + 1}]`;
      if (type === 'direct') throw new Error(`${at} is type 'direct' (macvtap), which virtform cannot launch yet; use type 'network' or 'bridge'`);
      if (type !== 'network' && type !== 'bridge') continue;
      let source: TapRequest['source'];
      if (type === 'bridge') {
        const bridge = iface.source?.bridge;
        if (!bridge) throw new Error(`${at} is type 'bridge' without <source bridge='...'/>; name the host bridge`);
        source = { bridge };
      } else {
        source = await this.network(iface.source?.network ?? '', at);
      }
      iface.target = { ...iface.target, dev: tapName(def.name, index) };
      const queues = iface.driver?.queues ?? 1;
      out.push({
        index,
        source,
        ...(iface.mac?.address ? { guestMac: iface.mac.address } : {}),
        ...(iface.mtu?.size !== undefined ? { mtu: iface.mtu.size } : {}),
        ...(queues > 1 ? { multiQueue: true } : {}),
      });
    }
    return out;
  }

  private async network(name: string, at: string): Promise<Network> {
    if (!this.o.store) throw new Error(`${at} uses network '${name}', and this command has no access to the host's stored networks`);
    const e = await this.o.store.get({ kind: 'network', name });
    if (e.xml === null) throw new Error(`${at} uses network '${name}', which is not defined on the host; define and start it first`);
    return applyNetworkDefaults(parseNetworkXml(e.xml, `network '${name}' (stored definition)`));
  }

  /**
   * The stored pools behind `<disk type='volume'>` (volumeDiskPools, as domxml-to-native reads
   * them). Volumes need no stored definition: an apply builds a domain before the volumes it
   * creates in the same run have one.
   */
  private async storagePools(def: Domain): Promise<ArgvStoragePools | undefined> {
    if (!this.o.store) {
      const disks = def.devices?.disks ?? [];
      const i = disks.findIndex((d) => d.type === 'volume' && d.source?.pool);
      if (i >= 0) throw new Error(`${disks[i].target?.dev ? `disk '${disks[i].target!.dev}'` : `disk #${i + 1}`} uses pool '${disks[i].source!.pool}', and this command has no access to the host's stored pools`);
      return undefined;
    }
    return volumeDiskPools(def, this.o.store, { stateDir: this.o.stateDir, ...(this.o.requireVolumes ? { requireVolumes: true } : {}) });
  }
}

/**
 * RLIMIT_MEMLOCK for QEMU: VFIO devices pin guest RAM (vfioMemlockLimit), `<memoryBacking><locked/>`
 * makes QEMU mlock it (the hard limit, else unlimited). Nothing when neither applies.
 */
function rlimitsFor(def: Domain, vfioDevices: number): { rlimits?: NonNullable<LaunchSpec['rlimits']> } {
  const vfio = vfioMemlockLimit(def, vfioDevices);
  if (vfio !== 0) return { rlimits: { memlockBytes: vfio } };
  if (def.memoryBacking?.locked) {
    const hard = def.memtune?.hardLimit;
    return { rlimits: { memlockBytes: hard !== undefined && hard < MEMORY_UNLIMITED_KIB ? hard * 1024 : 'unlimited' } };
  }
  return {};
}
