/**
 * Host discovery: reads a HostFacts snapshot in ONE round trip. A fixed POSIX sh script
 * (DISCOVERY_SCRIPT) walks sysfs/procfs, runs `qemu-system-* --version` and tries to open
 * /dev/kvm, and prints NUL-framed records; `parseHostSnapshot` (pure) turns them into facts.
 *
 * Invariants:
 * - One exec per discovery, whatever the number of devices. No user value is in the script:
 *   the host-root prefix is its only argument ($1). On this machine the same records are read
 *   with fs instead (local-host-snapshot.ts), and only the QEMU binaries' `--version` runs, in
 *   one exec.
 * - With a host-root prefix, /sys, /proc, /dev/kvm and the QEMU binary directories are read
 *   under it (a fixture tree stands in for the host); reported paths are host paths.
 * - Facts come only from what the kernel exposes; a missing file gives null or [], not a guess.
 *   The exception is a kernel without NUMA (no node directory): one node 0 then holds all
 *   online CPUs, /proc/meminfo's memory and the system-wide hugepage pools, which is what
 *   such a host is.
 * - QEMU capabilities are not probed here: pass a `capsProbe` (provider/qemu/caps*), which runs
 *   after the snapshot, once per binary, and fills `caps`.
 */
import * as path from 'path';
import { parseCpuList } from '../../model/cpu-list';
import type {
  CgroupFacts,
  CpuTopology,
  HostFacts,
  HugepagePool,
  HugetlbfsMount,
  MdevTypeFacts,
  NumaNodeFacts,
  PciDeviceFacts,
  QemuBinaryFacts,
  QemuCaps,
} from '../../model/host-facts';
import { detectCgroupLayout } from './cgroup-layout';
import { HostError } from './errors';
import { RecordReader } from './host-records';
import { readLocalHostSnapshot } from './local-host-snapshot';
import { LocalTransport } from './local-transport';
import type { Transport } from './transport';

/** The hook the QEMU capabilities probe (provider/qemu/caps*) plugs into. */
export type CapsProbe = (transport: Transport, binary: QemuBinaryFacts) => Promise<QemuCaps>;

export interface DiscoverOptions {
  /** Absolute directory standing in for `/` (fixture trees in tests). Default: none. */
  readonly hostRoot?: string;
  /** Fills QemuBinaryFacts.caps for each binary found. Default: none (caps stay absent). */
  readonly capsProbe?: CapsProbe;
  /** Default 60000 ms: the script also runs `qemu --version`, which can be slow on a loaded host. */
  readonly timeoutMs?: number;
}

/** Directories searched for QEMU binaries, in order of preference. */
export const QEMU_BINARY_DIRS = ['/usr/local/bin', '/usr/bin', '/bin', '/usr/libexec', '/usr/local/libexec'] as const;

/**
 * Records, each field NUL-terminated:
 *   F path status length content   a whole file read with cat (multi-line: meminfo, mounts)
 *   T path value                   the first line of a one-line sysfs attribute (no fork: `read`)
 *   L path name                    a symlink to a directory, by the name of the directory it
 *                                  resolves to (driver, iommu_group, physfn, virtfn; `cd -P`)
 *   D path                         a path that exists (a directory, an IOMMU group member, or
 *                                  a write-only attribute such as a PCI device's reset)
 *   X name code length output      a command's exit code and output
 *   Q path canonical-path          a QEMU binary
 *   V name value                   a computed value (kvm: usable | denied | absent)
 *
 * Speed: scalar sysfs attributes are one line, so they are read with the shell's own `read`
 * and links resolved with `cd -P`: no process per file. CPU/node lists go through cat (`F`):
 * they are binary attributes in recent kernels and answer dash's one-byte reads with nothing.
 * The forks left: a `cat` per list or multi-line file, one `od` per PCI device (header type),
 * and `--version` per QEMU binary.
 */
export const DISCOVERY_SCRIPT = `
R=$1
T=$(mktemp) && E=$(mktemp) || exit 90
trap 'rm -f "$T" "$E"' EXIT
f() {
  for p do
    [ -f "$p" ] || continue
    if cat -- "$p" >"$T" 2>"$E"; then s=0; else s=EIO; cat "$E" >"$T"; fi
    printf 'F\\0%s\\0%s\\0%s\\0' "\${p#"$R"}" "$s" "$(($(wc -c <"$T")))"
    cat "$T"
  done
}
t() {
  for p do
    [ -f "$p" ] || continue
    v=
    if { IFS= read -r v || :; } <"$p" 2>/dev/null; then
      # dash reads one byte at a time, and sysfs binary attributes (cpumap lists) answer such
      # reads with nothing: an empty answer is re-read with cat.
      [ -n "$v" ] || v=$(cat -- "$p" 2>/dev/null)
      printf 'T\\0%s\\0%s\\0' "\${p#"$R"}" "$v"
    else
      printf 'T\\0%s\\0\\0' "\${p#"$R"}"
    fi
  done
}
l() {
  for p do
    [ -L "$p" ] && cd -P -- "$p" 2>/dev/null && printf 'L\\0%s\\0%s\\0' "\${p#"$R"}" "\${PWD##*/}"
  done
  cd /
}
dirs() {
  for p do [ -d "$p" ] && printf 'D\\0%s\\0' "\${p#"$R"}"; done
}
x() {
  n=$1; shift
  "$@" >"$T" 2>&1; c=$?
  printf 'X\\0%s\\0%s\\0%s\\0' "$n" "$c" "$(($(wc -c <"$T")))"
  cat "$T"
}
x uname uname -m
x date date -u +%Y-%m-%dT%H:%M:%SZ
t "$R"/proc/sys/kernel/hostname "$R"/proc/sys/kernel/osrelease
f "$R"/proc/meminfo "$R"/proc/mounts "$R"/proc/cgroups "$R"/proc/self/mountinfo
S=$R/sys/devices/system
f "$S"/node/online "$S"/node/node*/cpulist "$S"/node/node*/distance "$S"/node/node*/meminfo
t "$S"/node/node*/hugepages/hugepages-*/nr_hugepages "$S"/node/node*/hugepages/hugepages-*/free_hugepages
f "$S"/cpu/online "$S"/cpu/isolated
for c in "$S"/cpu/cpu[0-9]*; do
  t "$c"/topology/physical_package_id "$c"/topology/die_id "$c"/topology/core_id
  f "$c"/topology/thread_siblings_list
done
t "$R"/sys/kernel/mm/hugepages/hugepages-*/nr_hugepages "$R"/sys/kernel/mm/hugepages/hugepages-*/free_hugepages
for d in "$R"/sys/bus/pci/devices/*; do
  [ -e "$d" ] || continue
  t "$d"/vendor "$d"/device "$d"/class "$d"/numa_node "$d"/driver_override "$d"/sriov_totalvfs "$d"/sriov_numvfs \\
    "$d"/reset_method "$d"/mdev_supported_types/*/name "$d"/mdev_supported_types/*/available_instances \\
    "$d"/mdev_supported_types/*/device_api
  [ -e "$d"/reset ] && printf 'D\\0%s\\0' "\${d#"$R"}/reset"
  dirs "$d"/mdev_supported_types/*
  l "$d"/driver "$d"/iommu_group "$d"/physfn "$d"/virtfn*
  [ -f "$d"/config ] && x "header:\${d#"$R"}" od -An -tx1 -j14 -N1 "$d"/config
done
dirs "$R"/sys/kernel/iommu_groups/* "$R"/sys/kernel/iommu_groups/*/devices/*
if [ -e "$R"/dev/kvm ]; then
  if (: <>"$R"/dev/kvm) 2>/dev/null; then k=usable; else k=denied; fi
else k=absent; fi
printf 'V\\0kvm\\0%s\\0' "$k"
if [ -f "$R"/proc/mounts ]; then
  while read -r dev mnt type opts rest; do
    [ "$type" = cgroup2 ] && t "$R$mnt"/cgroup.controllers
  done <"$R"/proc/mounts
fi
if [ -f "$R"/proc/self/mountinfo ]; then
  while read -r id parent mm root mnt rest; do
    case " $rest " in *" - cgroup2 "*) t "$R$mnt"/cgroup.controllers "$R$mnt"/cgroup.type ;; esac
  done <"$R"/proc/self/mountinfo
fi
for dir in ${QEMU_BINARY_DIRS.join(' ')}; do
  for b in "$R$dir"/qemu-system-* "$R$dir"/qemu-kvm; do
    [ -f "$b" ] && [ -x "$b" ] || continue
    printf 'Q\\0%s\\0%s\\0' "\${b#"$R"}" "$(readlink -f -- "$b")"
    x "version:\${b#"$R"}" "$b" --version
  done
done
exit 0
`;

/** The raw records of one discovery run, keyed by host path. */
export interface HostSnapshot {
  readonly files: ReadonlyMap<string, { readonly ok: boolean; readonly content: Buffer }>;
  /** Symlink path → name of the directory it resolves to. */
  readonly links: ReadonlyMap<string, string>;
  /** Paths that exist (D records). */
  readonly dirs: ReadonlySet<string>;
  readonly commands: ReadonlyMap<string, { readonly code: number; readonly output: string }>;
  /** QEMU binaries as found: host path and canonical path (symlinks resolved), in search order. */
  readonly qemuBinaries: readonly { readonly path: string; readonly canonical: string }[];
  readonly values: ReadonlyMap<string, string>;
}

/**
 * Reads the host and builds HostFacts (plus one caps probe per binary if given). Over SSH: the
 * discovery script, one exec. On this machine (LocalTransport): the same snapshot read with fs
 * (local-host-snapshot.ts), with at most one exec, for the QEMU binaries' `--version`.
 */
export async function discoverHost(transport: Transport, opts: DiscoverOptions = {}): Promise<HostFacts> {
  const root = (opts.hostRoot ?? '').replace(/\/+$/, '');
  if (root !== '' && !root.startsWith('/')) throw new TypeError(`hostRoot '${root}' must be an absolute path`);
  const timeoutMs = opts.timeoutMs ?? 60000;
  const snapshot =
    transport instanceof LocalTransport
      ? await readLocalHostSnapshot(transport, root, QEMU_BINARY_DIRS, timeoutMs)
      : await runDiscoveryScript(transport, root, timeoutMs);
  const facts = parseHostSnapshot(snapshot);
  if (!opts.capsProbe) return facts;
  const binaries: QemuBinaryFacts[] = [];
  for (const b of facts.qemu.binaries) binaries.push({ ...b, caps: await opts.capsProbe(transport, b) });
  return { ...facts, qemu: { binaries } };
}

/** Runs DISCOVERY_SCRIPT on the host (any transport) and decodes its records. */
export async function runDiscoveryScript(transport: Transport, root = '', timeoutMs = 60000): Promise<HostSnapshot> {
  const r = await transport.exec(['sh', '-c', DISCOVERY_SCRIPT, 'sh', root], { timeoutMs });
  if (r.code !== 0) {
    throw new HostError(
      'IO',
      `${transport.hostLabel}: host discovery failed (exit ${r.code}): ${r.stderr.toString('utf8').trim() || 'no message'}. ` +
        'It needs sh, cat, od, wc, readlink and a writable temp dir (mktemp) on the host.',
    );
  }
  return readSnapshot(r.stdout, transport.hostLabel, root);
}

/** Decodes the script's records. `root` is stripped from canonical binary paths. */
export function readSnapshot(out: Buffer, hostLabel: string, root = ''): HostSnapshot {
  const r = new RecordReader(out, hostLabel);
  const files = new Map<string, { ok: boolean; content: Buffer }>();
  const links = new Map<string, string>();
  const dirs = new Set<string>();
  const commands = new Map<string, { code: number; output: string }>();
  const qemuBinaries: { path: string; canonical: string }[] = [];
  const values = new Map<string, string>();
  while (!r.done) {
    const tag = r.field();
    if (tag === 'F') {
      const p = r.field();
      const status = r.field();
      files.set(p, { ok: status === '0', content: r.blob() });
    } else if (tag === 'T') {
      const p = r.field();
      files.set(p, { ok: true, content: Buffer.from(r.field() + '\n', 'utf8') });
    } else if (tag === 'L') {
      const p = r.field();
      links.set(p, r.field());
    } else if (tag === 'D') {
      dirs.add(r.field());
    } else if (tag === 'X') {
      const name = r.field();
      const code = Number(r.field());
      commands.set(name, { code, output: r.blob().toString('utf8') });
    } else if (tag === 'Q') {
      const p = r.field();
      const canonical = r.field();
      qemuBinaries.push({ path: p, canonical: root && canonical.startsWith(root + '/') ? canonical.slice(root.length) : canonical });
    } else if (tag === 'V') {
      const name = r.field();
      values.set(name, r.field());
    } else {
      throw new HostError('PROTOCOL', `${hostLabel}: host discovery printed an unknown record type '${tag.slice(0, 20)}'.`);
    }
  }
  return { files, links, dirs, commands, qemuBinaries, values };
}

/** Builds HostFacts from a snapshot. Pure. */
export function parseHostSnapshot(s: HostSnapshot): HostFacts {
  const text = (p: string): string | null => {
    const f = s.files.get(p);
    return f && f.ok ? f.content.toString('utf8') : null;
  };
  const int = (p: string): number | null => {
    const t = text(p)?.trim();
    return t !== undefined && /^-?\d+$/.test(t) ? Number(t) : null;
  };
  const base = (p: string | undefined): string | null => (p === undefined ? null : path.posix.basename(p));

  const meminfo = parseMeminfo(text('/proc/meminfo') ?? '');
  const mounts = parseMounts(text('/proc/mounts') ?? '');
  const online = parseCpuList(text('/sys/devices/system/cpu/online') ?? '');
  const isolated = parseCpuList(text('/sys/devices/system/cpu/isolated') ?? '');

  // Hugepage pools: /sys/kernel/mm/hugepages/hugepages-<size>kB and per node under node<N>/hugepages.
  const pools = (dir: string): HugepagePool[] => {
    const sizes = new Set<number>();
    const re = new RegExp(`^${escapeRe(dir)}/hugepages-(\\d+)kB/nr_hugepages$`);
    for (const p of s.files.keys()) {
      const m = re.exec(p);
      if (m) sizes.add(Number(m[1]));
    }
    return [...sizes]
      .sort((a, b) => a - b)
      .map((sizeKiB) => ({
        sizeKiB,
        total: int(`${dir}/hugepages-${sizeKiB}kB/nr_hugepages`) ?? 0,
        free: int(`${dir}/hugepages-${sizeKiB}kB/free_hugepages`) ?? 0,
      }));
  };
  const systemPools = pools('/sys/kernel/mm/hugepages');

  // NUMA nodes.
  const nodeIds = [...s.files.keys()]
    .map((p) => /^\/sys\/devices\/system\/node\/node(\d+)\/cpulist$/.exec(p))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
  let nodes: NumaNodeFacts[];
  if (nodeIds.length === 0) {
    nodes = [
      {
        id: 0,
        cpus: online,
        memory: { totalKiB: meminfo.get('MemTotal') ?? 0, freeKiB: meminfo.get('MemFree') ?? 0 },
        distances: { 0: 10 },
        hugepages: systemPools,
      },
    ];
  } else {
    nodes = nodeIds.map((id) => {
      const dir = `/sys/devices/system/node/node${id}`;
      const mi = parseMeminfo(text(`${dir}/meminfo`) ?? '');
      const dist = (text(`${dir}/distance`) ?? '').trim().split(/\s+/).filter(Boolean).map(Number);
      const distances: Record<number, number> = {};
      dist.forEach((d, i) => {
        if (i < nodeIds.length) distances[nodeIds[i]] = d;
      });
      return {
        id,
        cpus: parseCpuList(text(`${dir}/cpulist`) ?? ''),
        memory: { totalKiB: mi.get('MemTotal') ?? 0, freeKiB: mi.get('MemFree') ?? 0 },
        distances,
        hugepages: pools(`${dir}/hugepages`),
      };
    });
  }
  const nodeOfCpu = new Map<number, number>();
  for (const n of nodes) for (const c of n.cpus) nodeOfCpu.set(c, n.id);

  // CPU topology.
  const topology: CpuTopology[] = [];
  for (const p of s.files.keys()) {
    const m = /^\/sys\/devices\/system\/cpu\/cpu(\d+)\/topology\/core_id$/.exec(p);
    if (!m) continue;
    const id = Number(m[1]);
    const dir = `/sys/devices/system/cpu/cpu${id}/topology`;
    topology.push({
      id,
      socket: int(`${dir}/physical_package_id`) ?? 0,
      die: int(`${dir}/die_id`) ?? 0,
      core: int(`${dir}/core_id`) ?? 0,
      siblings: parseCpuList(text(`${dir}/thread_siblings_list`) ?? `${id}`),
      node: nodeOfCpu.get(id) ?? 0,
    });
  }
  topology.sort((a, b) => a.id - b.id);

  // PCI devices.
  const addresses = new Set<string>();
  for (const p of s.files.keys()) {
    const m = /^\/sys\/bus\/pci\/devices\/([^/]+)\/vendor$/.exec(p);
    if (m) addresses.add(m[1]);
  }
  const devices: PciDeviceFacts[] = [...addresses].sort().map((address) => {
    const d = `/sys/bus/pci/devices/${address}`;
    const hex = (name: string, digits: number): string => (text(`${d}/${name}`) ?? '').trim().replace(/^0x/, '').toLowerCase().padStart(digits, '0');
    const numa = int(`${d}/numa_node`);
    const group = base(s.links.get(`${d}/iommu_group`));
    const total = int(`${d}/sriov_totalvfs`);
    const virtfns = [...s.links.keys()]
      .map((p) => new RegExp(`^${escapeRe(d)}/virtfn(\\d+)$`).exec(p))
      .filter((m): m is RegExpExecArray => m !== null)
      .sort((a, b) => Number(a[1]) - Number(b[1]))
      .map((m) => base(s.links.get(m[0]))!);
    const mdevTypes: MdevTypeFacts[] = [...s.dirs]
      .filter((p) => p.startsWith(`${d}/mdev_supported_types/`))
      .sort()
      .map((p) => {
        const id = path.posix.basename(p);
        const avail = int(`${p}/available_instances`);
        return { id, name: text(`${p}/name`)?.trim() ?? null, availableInstances: avail, deviceApi: text(`${p}/device_api`)?.trim() ?? null };
      });
    const override = text(`${d}/driver_override`)?.trim();
    const header = s.commands.get(`header:${d}`);
    const headerByte = header && header.code === 0 ? parseInt(header.output.trim(), 16) : NaN;
    const headerType = Number.isNaN(headerByte) ? 'unknown' : (['endpoint', 'bridge', 'cardbus'] as const)[headerByte & 0x7f] ?? 'unknown';
    return {
      address,
      vendor: hex('vendor', 4),
      device: hex('device', 4),
      class: hex('class', 6),
      driver: base(s.links.get(`${d}/driver`)),
      driverOverride: override && override !== '(null)' ? override : null,
      numaNode: numa === null || numa < 0 ? null : numa,
      iommuGroup: group === null ? null : Number(group),
      headerType,
      sriov: total === null ? null : { totalVfs: total, numVfs: int(`${d}/sriov_numvfs`) ?? 0, virtfns },
      physfn: base(s.links.get(`${d}/physfn`)),
      mdevTypes,
      resetMethods: (text(`${d}/reset_method`) ?? '').trim().split(/\s+/).filter(Boolean),
      resettable: s.dirs.has(`${d}/reset`),
    };
  });
  const groupIds = [...s.dirs]
    .map((p) => /^\/sys\/kernel\/iommu_groups\/(\d+)$/.exec(p))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
  const iommuGroups = groupIds.map((id) => ({
    id,
    devices: [...s.dirs]
      .filter((p) => p.startsWith(`/sys/kernel/iommu_groups/${id}/devices/`))
      .map((p) => path.posix.basename(p))
      .sort(),
  }));

  // hugetlbfs mounts and cgroups, from /proc/mounts.
  const defaultSizeKiB = meminfo.get('Hugepagesize') ?? null;
  const hugetlbfs: HugetlbfsMount[] = mounts
    .filter((m) => m.type === 'hugetlbfs')
    .map((m) => {
      const opt = m.options.find((o) => o.startsWith('pagesize='));
      const size = opt ? parseSizeKiB(opt.slice('pagesize='.length)) : defaultSizeKiB;
      return { path: m.mountPoint, pageSizeKiB: size ?? 0 };
    });
  const mountinfo = text('/proc/self/mountinfo');
  const cgroups = mountinfo !== null ? cgroupFacts(mountinfo, text('/proc/cgroups') ?? '', (p) => text(p)) : parseCgroups(mounts, text('/proc/cgroups') ?? '', (p) => text(p));

  const qemuBinaries: QemuBinaryFacts[] = [];
  const seen = new Set<string>();
  const machine = (s.commands.get('uname')?.output ?? '').trim();
  for (const b of s.qemuBinaries) {
    if (seen.has(b.canonical)) continue;
    seen.add(b.canonical);
    const name = path.posix.basename(b.path);
    const m = /^qemu-system-([a-z0-9_]+)(?:-(.+))?$/.exec(name);
    const out = s.commands.get(`version:${b.path}`);
    const firstLine = (out?.output ?? '').split('\n')[0].trim();
    const v = out && out.code === 0 ? /version (\d+)\.(\d+)(?:\.(\d+))?/.exec(firstLine) : null;
    qemuBinaries.push({
      path: b.path,
      arch: m ? m[1] : machine,
      variant: m && m[2] ? m[2] : null,
      version: v ? { major: Number(v[1]), minor: Number(v[2]), micro: Number(v[3] ?? 0) } : null,
      versionText: firstLine,
    });
  }

  const kvm = s.values.get('kvm') ?? 'absent';
  return {
    takenAt: (s.commands.get('date')?.output ?? '').trim(),
    hostname: (text('/proc/sys/kernel/hostname') ?? '').trim(),
    kernel: { release: (text('/proc/sys/kernel/osrelease') ?? '').trim(), machine },
    cpus: { online, isolated, topology },
    numa: { nodes },
    memory: {
      totalKiB: meminfo.get('MemTotal') ?? 0,
      freeKiB: meminfo.get('MemFree') ?? 0,
      availableKiB: meminfo.get('MemAvailable') ?? null,
    },
    hugepages: { defaultSizeKiB, pools: systemPools, mounts: hugetlbfs },
    pci: { devices, iommuEnabled: groupIds.length > 0, iommuGroups },
    kvm: { path: '/dev/kvm', exists: kvm !== 'absent', usable: kvm === 'usable' },
    qemu: { binaries: qemuBinaries },
    cgroups,
  };
}

/** `Key: value kB` lines of /proc/meminfo or a node's meminfo (`Node N Key: value kB`), in KiB (or pages for counts). */
export function parseMeminfo(t: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of t.split('\n')) {
    const m = /^(?:Node \d+ )?([A-Za-z0-9_()]+):\s+(\d+)/.exec(line);
    if (m) out.set(m[1], Number(m[2]));
  }
  return out;
}

interface MountEntry {
  readonly mountPoint: string;
  readonly type: string;
  readonly options: readonly string[];
}

/** /proc/mounts lines; octal escapes (\040 for a space) in mount points are decoded. */
export function parseMounts(t: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of t.split('\n')) {
    const f = line.split(' ');
    if (f.length < 4) continue;
    const unescape = (x: string): string => x.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
    out.push({ mountPoint: unescape(f[1]), type: f[2], options: f[3].split(',') });
  }
  return out;
}

/** `2M`, `1G`, `1024M`, `2048k` or bytes → KiB. */
export function parseSizeKiB(v: string): number | null {
  const m = /^(\d+)([kKmMgG]?)$/.exec(v.trim());
  if (!m) return null;
  const n = Number(m[1]);
  switch (m[2].toLowerCase()) {
    case 'k':
      return n;
    case 'm':
      return n * 1024;
    case 'g':
      return n * 1024 * 1024;
    default:
      return Math.floor(n / 1024);
  }
}

function knownControllers(procCgroups: string): Set<string> {
  return new Set(
    procCgroups
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => l.split(/\s+/)[0]),
  );
}

/** From /proc/self/mountinfo (./cgroup-layout.ts): the cgroup2 top's controllers, and whether it is nested (it has cgroup.type). */
function cgroupFacts(mountinfo: string, procCgroups: string, read: (p: string) => string | null): CgroupFacts {
  const known = knownControllers(procCgroups);
  const l = detectCgroupLayout(mountinfo, (m) => ({ controllers: read(`${m}/cgroup.controllers`), hasType: read(`${m}/cgroup.type`) !== null }), known.size ? known : undefined);
  return {
    mode: l.mode,
    v1: l.v1,
    v2: l.v2 ? { mountPoint: l.v2.mountPoint, controllers: l.v2.controllers, ...(l.v2.nested ? { nested: true as const } : {}) } : null,
    cpuset: l.cpuset ? { version: l.cpuset.version, mountPoint: l.cpuset.mountPoint } : null,
  };
}

/** Without mountinfo (old fixture trees): /proc/mounts. */
function parseCgroups(mounts: readonly MountEntry[], procCgroups: string, read: (p: string) => string | null): CgroupFacts {
  const known = knownControllers(procCgroups);
  const v1: { controller: string; mountPoint: string }[] = [];
  for (const m of mounts.filter((x) => x.type === 'cgroup')) {
    for (const o of m.options) {
      if (known.has(o) || o.startsWith('name=')) v1.push({ controller: o, mountPoint: m.mountPoint });
    }
  }
  const v2mount = mounts.find((x) => x.type === 'cgroup2');
  const v2 = v2mount
    ? {
        mountPoint: v2mount.mountPoint,
        controllers: (read(`${v2mount.mountPoint}/cgroup.controllers`) ?? '').trim().split(/\s+/).filter(Boolean),
      }
    : null;
  const v1cpuset = v1.find((x) => x.controller === 'cpuset');
  const cpuset = v1cpuset
    ? { version: 1 as const, mountPoint: v1cpuset.mountPoint }
    : v2 && v2.controllers.includes('cpuset')
      ? { version: 2 as const, mountPoint: v2.mountPoint }
      : null;
  const mode = v1.length && v2 ? 'hybrid' : v1.length ? 'v1' : v2 ? 'v2' : 'none';
  return { mode, v1, v2, cpuset };
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
