/**
 * A tiny Linux test guest for direct kernel boot (`-kernel -initrd -append`): Debian's cloud
 * kernel plus an initramfs of busybox-static and the virtio modules. Its /init prints what the
 * guest sees (CPUs, NUMA nodes, memory per node, disks, NICs) on the serial console between
 * sentinel lines, then powers off. Tests parse that with `parseGuestReport` (./guest-report).
 * With `virtform.dhcp=IFACE` on the kernel command line it then also asks for a DHCP lease on
 * IFACE with busybox udhcpc and prints it (`parseGuestDhcp`) before powering off.
 *
 * Built once and cached under test/.cache/guest (gitignored):
 * - the kernel comes from `apt-get download linux-image-cloud-amd64`, following the metapackage's
 *   dependency to the real `linux-image-<abi>-cloud-amd64`, unpacked with `dpkg -x` (never
 *   installed);
 * - the initramfs is a newc cpio written in node and gzipped.
 * Without apt access (and no cached guest) the guest is unavailable and the tests that need it skip
 * with the reason.
 */
import { execFileSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { CpioEntry, writeCpioNewc } from './cpio-newc';
import { DHCP_BEGIN, DHCP_CMDLINE_KEY, DHCP_END, REPORT_BEGIN, REPORT_END } from './guest-report';
import { KernelModule, readModule, resolveModules } from './kernel-modules';

export { parseGuestReport, parseGuestDhcp, countCpuList, REPORT_BEGIN, REPORT_END, DHCP_CMDLINE_KEY } from './guest-report';
export type { GuestReport, GuestNode, GuestDhcpLease } from './guest-report';

export interface TestGuest {
  /** Absolute path of the kernel image (bzImage). */
  readonly kernel: string;
  /** Absolute path of the gzipped newc initramfs. */
  readonly initrd: string;
  /** Kernel command line: serial console on ttyS0, reboot (= exit with -no-reboot) on panic. */
  readonly cmdline: string;
  /** `6.1.0-56-cloud-amd64`. */
  readonly kernelRelease: string;
  /** `linux-image-6.1.0-56-cloud-amd64 6.1.192-2`. */
  readonly kernelPackage: string;
  /** Modules /init loads, in order. */
  readonly modules: readonly string[];
  /** The downloaded kernel package, kept so that rebuilds need no network. */
  readonly kernelDeb: string;
}

export const GUEST_CACHE_DIR = path.join(__dirname, '..', '.cache', 'guest');

/** Drivers the guest loads: disks (virtio-blk, virtio-scsi + sd), NICs (virtio-net), their PCI transport. */
export const GUEST_MODULES: readonly string[] = ['virtio_pci', 'virtio_blk', 'virtio_net', 'virtio_scsi', 'sd_mod'];

const BUSYBOX = '/bin/busybox';

export const GUEST_CMDLINE = 'console=ttyS0 panic=-1 quiet';

/** /init: mount the API filesystems, load the modules, print the report, power off. */
function initScript(modules: readonly KernelModule[]): string {
  return `#!/bin/busybox sh
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in ${modules.map((m) => m.name).join(' ')}; do
  insmod /lib/modules/$m.ko || echo "error insmod $m" >> /tmp/errors
done
echo ${REPORT_BEGIN}
echo "kernel $(uname -r)"
echo "uptime_s $(cut -d' ' -f1 /proc/uptime)"
echo "cpus.online $(cat /sys/devices/system/cpu/online)"
echo "nodes.online $(cat /sys/devices/system/node/online)"
for n in /sys/devices/system/node/node[0-9]*; do
  id=\${n##*/node}
  echo "node $id cpulist $(cat $n/cpulist)"
  echo "node $id memtotal_kib $(sed -n 's/^Node [0-9]* MemTotal: *\\([0-9]*\\) kB$/\\1/p' $n/meminfo)"
done
echo "memtotal_kib $(sed -n 's/^MemTotal: *\\([0-9]*\\) kB$/\\1/p' /proc/meminfo)"
for b in /sys/block/*; do echo "block \${b##*/} $(cat $b/size)"; done
for i in /sys/class/net/*; do echo "net \${i##*/} $(cat $i/address)"; done
[ -f /tmp/errors ] && cat /tmp/errors
echo ${REPORT_END}
for a in $(cat /proc/cmdline); do
  case $a in ${DHCP_CMDLINE_KEY}=*) dhcp_if=\${a#${DHCP_CMDLINE_KEY}=};; esac
done
if [ -n "$dhcp_if" ]; then
  ip link set lo up
  ip link set "$dhcp_if" up
  echo ${DHCP_BEGIN}
  udhcpc -i "$dhcp_if" -n -q -f -t 15 -T 2 -O mtu -s /bin/dhcp-report 2>&1 || echo "dhcp failed $dhcp_if"
  echo ${DHCP_END}
fi
poweroff -f
`;
}

/** udhcpc's script: prints the lease it was given, one \`dhcp\` line per event. */
const DHCP_SCRIPT = `#!/bin/busybox sh
echo "dhcp $1 $interface ip=$ip subnet=$subnet router=$router dns=$dns mtu=$mtu lease=$lease serverid=$serverid"
[ "$1" = bound ] && ip addr add "$ip/$mask" dev "$interface"
exit 0
`;

/** Bumped or hashed into the cache key whenever the initramfs recipe changes. */
const RECIPE = createHash('sha256')
  .update(initScript([]) + DHCP_SCRIPT + GUEST_MODULES.join(',') + GUEST_CMDLINE + 'v1')
  .digest('hex')
  .slice(0, 12);

interface Manifest extends Omit<TestGuest, 'kernel' | 'initrd' | 'kernelDeb'> {
  readonly recipe: string;
  readonly kernelFile: string;
  readonly initrdFile: string;
  readonly kernelDebFile: string;
}

let memo: { guest?: TestGuest; reason?: string } | undefined;

/** Why the test guest cannot be had here, or undefined when it is ready (building it if needed). */
export function testGuestSkipReason(): string | undefined {
  ensureBuilt();
  return memo!.reason;
}

/** The cached test guest, built on first use. Rejects with the reason when it cannot be built. */
export async function buildTestGuest(): Promise<TestGuest> {
  ensureBuilt();
  if (memo!.guest) return memo!.guest;
  throw new Error(`test guest unavailable: ${memo!.reason}`);
}

/** Synchronous so that test files can decide to skip at load time. */
function ensureBuilt(): void {
  if (memo) return;
  try {
    memo = { guest: loadCached() ?? build() };
  } catch (e) {
    memo = { reason: (e as Error).message };
  }
}

function loadCached(): TestGuest | undefined {
  try {
    const m = JSON.parse(fs.readFileSync(path.join(GUEST_CACHE_DIR, 'current.json'), 'utf8')) as Manifest;
    if (m.recipe !== RECIPE) return undefined;
    const kernel = path.join(GUEST_CACHE_DIR, m.kernelFile);
    const initrd = path.join(GUEST_CACHE_DIR, m.initrdFile);
    const kernelDeb = path.join(GUEST_CACHE_DIR, m.kernelDebFile);
    if (![kernel, initrd, kernelDeb].every((f) => fs.existsSync(f))) return undefined;
    return { kernel, initrd, cmdline: m.cmdline, kernelRelease: m.kernelRelease, kernelPackage: m.kernelPackage, modules: m.modules, kernelDeb };
  } catch {
    return undefined;
  }
}

function run(argv: string[], cwd: string): string {
  try {
    return execFileSync(argv[0], argv.slice(1), { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    const out = (err.stderr || err.message).trim();
    // apt prints warnings (W:) before the error that matters (E:).
    const errors = out.split('\n').filter((l) => l.startsWith('E: '));
    throw new Error(`${argv.join(' ')} failed: ${errors.length > 0 ? errors.join(' ') : out}`);
  }
}

/** Downloads (apt-get download) one package into `dir` and returns the .deb's path. */
function download(pkg: string, dir: string): string {
  const tmp = fs.mkdtempSync(path.join(dir, 'dl-'));
  try {
    try {
      run(['apt-get', 'download', '-q', pkg], tmp);
    } catch (e) {
      throw new Error(`no apt access to download ${pkg}: ${(e as Error).message}`);
    }
    const [deb] = fs.readdirSync(tmp).filter((f) => f.endsWith('.deb'));
    if (!deb) throw new Error(`apt-get download ${pkg} left no .deb in ${tmp}`);
    fs.renameSync(path.join(tmp, deb), path.join(dir, deb));
    return path.join(dir, deb);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * The real kernel package: download the metapackage, read its Depends (the ABI-named package),
 * download that. Offline, a package downloaded earlier is used.
 */
function fetchKernelDeb(debs: string): string {
  try {
    const meta = download('linux-image-cloud-amd64', debs);
    const depends = run(['dpkg-deb', '--field', meta, 'Depends'], debs).trim();
    const m = /(linux-image-[0-9][^\s,(]*-cloud-amd64)(?:\s*\(=\s*([^)\s]+)\))?/.exec(depends);
    if (!m) throw new Error(`cannot find the kernel package in linux-image-cloud-amd64's Depends: ${depends}`);
    return download(m[2] ? `${m[1]}=${m[2]}` : m[1], debs);
  } catch (e) {
    const cached = fs.readdirSync(debs).filter((f) => /^linux-image-[0-9].*-cloud-amd64_.*\.deb$/.test(f)).sort().pop();
    if (cached) return path.join(debs, cached);
    throw e;
  }
}

function build(): TestGuest {
  for (const tool of ['/usr/bin/apt-get', '/usr/bin/dpkg-deb', '/usr/bin/dpkg']) {
    if (!fs.existsSync(tool)) throw new Error(`${tool} is missing: the test guest needs a Debian-based host with apt access`);
  }
  if (!fs.existsSync(BUSYBOX) || !isStaticElf(fs.readFileSync(BUSYBOX))) {
    throw new Error(`${BUSYBOX} is missing or not statically linked: apt-get install busybox-static`);
  }
  const debs = path.join(GUEST_CACHE_DIR, 'debs');
  fs.mkdirSync(debs, { recursive: true });
  const work = fs.mkdtempSync(path.join(GUEST_CACHE_DIR, 'build-'));
  try {
    const deb = fetchKernelDeb(debs);
    const pkg = run(['dpkg-deb', '--field', deb, 'Package'], work).trim();
    const version = run(['dpkg-deb', '--field', deb, 'Version'], work).trim();
    const root = path.join(work, 'root');
    run(['dpkg', '-x', deb, root], work);

    const releases = fs.readdirSync(path.join(root, 'lib', 'modules'));
    if (releases.length !== 1) throw new Error(`expected one kernel release in ${deb}, found: ${releases.join(', ')}`);
    const release = releases[0];
    const vmlinuz = path.join(root, 'boot', `vmlinuz-${release}`);
    const modules = resolveModules(path.join(root, 'lib', 'modules', release), GUEST_MODULES);
    const initrd = zlib.gzipSync(writeCpioNewc(initramfsEntries(modules)), { level: 6 });

    // A name of its own: parallel test workers may build at the same time; the last manifest wins
    // and every manifest written points to a complete directory.
    const outDir = `guest-${release}-${RECIPE}-${process.pid}`;
    const staged = path.join(work, outDir);
    fs.mkdirSync(staged);
    fs.copyFileSync(vmlinuz, path.join(staged, 'vmlinuz'));
    fs.writeFileSync(path.join(staged, 'initrd.gz'), initrd);
    fs.rmSync(path.join(GUEST_CACHE_DIR, outDir), { recursive: true, force: true });
    fs.renameSync(staged, path.join(GUEST_CACHE_DIR, outDir));
    const manifest: Manifest = {
      recipe: RECIPE,
      kernelFile: `${outDir}/vmlinuz`,
      initrdFile: `${outDir}/initrd.gz`,
      cmdline: GUEST_CMDLINE,
      kernelRelease: release,
      kernelPackage: `${pkg} ${version}`,
      modules: modules.map((x) => x.name),
      kernelDebFile: path.relative(GUEST_CACHE_DIR, deb),
    };
    const tmp = path.join(GUEST_CACHE_DIR, `current.json.${process.pid}`);
    fs.writeFileSync(tmp, JSON.stringify(manifest, null, 1) + '\n');
    fs.renameSync(tmp, path.join(GUEST_CACHE_DIR, 'current.json'));
    return loadCached() ?? (() => { throw new Error('the test guest cache was written but cannot be read back'); })();
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

function initramfsEntries(modules: readonly KernelModule[]): CpioEntry[] {
  const dirs = ['bin', 'sbin', 'usr', 'usr/bin', 'usr/sbin', 'dev', 'proc', 'sys', 'tmp', 'lib', 'lib/modules'];
  return [
    ...dirs.map((d): CpioEntry => ({ type: 'dir', path: d })),
    // The kernel opens /dev/console for init's stdio before devtmpfs is mounted.
    { type: 'char', path: 'dev/console', major: 5, minor: 1 },
    { type: 'file', path: 'bin/busybox', data: fs.readFileSync(BUSYBOX), mode: 0o755 },
    { type: 'symlink', path: 'bin/sh', target: 'busybox' },
    { type: 'file', path: 'init', data: Buffer.from(initScript(modules)), mode: 0o755 },
    { type: 'file', path: 'bin/dhcp-report', data: Buffer.from(DHCP_SCRIPT), mode: 0o755 },
    ...modules.map((m): CpioEntry => ({ type: 'file', path: `lib/modules/${m.name}.ko`, data: readModule(m.file) })),
  ];
}

/** True for an ELF executable without a PT_INTERP program header (no dynamic loader needed). */
function isStaticElf(elf: Buffer): boolean {
  if (elf.length < 64 || elf.readUInt32BE(0) !== 0x7f454c46 || elf[4] !== 2) return false;
  const phoff = Number(elf.readBigUInt64LE(0x20));
  const phentsize = elf.readUInt16LE(0x36);
  const phnum = elf.readUInt16LE(0x38);
  for (let i = 0; i < phnum; i++) {
    if (elf.readUInt32LE(phoff + i * phentsize) === 3) return false; // PT_INTERP
  }
  return true;
}
