/**
 * What the argv builder needs from this machine when no host discovery is at hand (`virtform
 * domxml-to-native` run locally): host NUMA nodes from sysfs, hugetlbfs mounts from
 * /proc/mounts with their page sizes, and a QEMU probe host (exec + unix sockets) for the caps
 * probe. Deliberately small: provider/host's HostFacts discovery supersedes it where present.
 */
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import type { Duplex } from 'stream';
import type { ArgvHost, HugetlbfsMount } from './argv/context';
import type { QemuProbeHost } from './caps/binary-probe';

/** Reads a text file, or undefined when it cannot be read. */
function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** `2M`, `1G`, `2048k` (hugetlbfs `pagesize=` option) → KiB. */
export function parsePageSizeKiB(text: string): number | undefined {
  const m = /^(\d+)([kKmMgG]?)$/.exec(text.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  switch (m[2].toLowerCase()) {
    case 'g':
      return n * 1024 * 1024;
    case 'm':
      return n * 1024;
    case 'k':
      return n;
    default:
      return Math.floor(n / 1024);
  }
}

/**
 * hugetlbfs mounts in a /proc/mounts text. A mount without `pagesize=` uses the system default
 * huge page size (`Hugepagesize:` of /proc/meminfo, KiB), which also marks the default mount.
 */
export function hugetlbfsMountsFrom(mounts: string, defaultPageKiB: number | undefined): HugetlbfsMount[] {
  const out: HugetlbfsMount[] = [];
  for (const line of mounts.split('\n')) {
    const [, mountPoint, fsType, options] = line.split(' ');
    if (fsType !== 'hugetlbfs' || mountPoint === undefined) continue;
    const opt = (options ?? '').split(',').find((o) => o.startsWith('pagesize='));
    const size = opt ? parsePageSizeKiB(opt.slice('pagesize='.length)) : defaultPageKiB;
    if (size === undefined) continue;
    // /proc/mounts escapes spaces and such as octal (\040).
    const path = mountPoint.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
    if (!out.some((m) => m.path === path)) out.push({ path, pageSizeKiB: size, isDefault: size === defaultPageKiB });
  }
  return out;
}

/** Host NUMA node ids from a sysfs `node/online`-style list (`0-1,3`). */
export function parseNodeList(text: string): number[] {
  const out: number[] = [];
  for (const part of text.trim().split(',').filter((p) => p !== '')) {
    const [a, b] = part.split('-').map(Number);
    for (let i = a; i <= (b ?? a); i++) out.push(i);
  }
  return out;
}

/** This machine's facts for the argv builder. */
export function readLocalArgvHost(): ArgvHost {
  const online = readText('/sys/devices/system/node/online');
  const meminfo = readText('/proc/meminfo') ?? '';
  const m = /^Hugepagesize:\s+(\d+) kB/m.exec(meminfo);
  const defaultPage = m ? Number(m[1]) : undefined;
  return {
    numaNodes: online !== undefined ? parseNodeList(online) : [0],
    hugetlbfs: hugetlbfsMountsFrom(readText('/proc/mounts') ?? '', defaultPage),
    systemPageSizeKiB: 4,
  };
}

/** A QEMU probe host on this machine: argv exec (no shell) and unix socket connections. */
export function localProbeHost(): QemuProbeHost {
  return {
    hostLabel: 'localhost',
    exec(argv, opts = {}) {
      return new Promise((resolve) => {
        const child = execFile(
          argv[0],
          argv.slice(1),
          { encoding: 'buffer', timeout: opts.timeoutMs, env: { ...process.env, ...opts.env }, cwd: opts.cwd },
          (err, stdout, stderr) => {
            const e = err as (Error & { code?: number | string; signal?: string }) | null;
            resolve({
              code: e ? (typeof e.code === 'number' ? e.code : null) : 0,
              ...(e?.signal ? { signal: e.signal } : {}),
              stdout: stdout as Buffer,
              stderr: typeof e?.code === 'string' ? Buffer.from(e.message) : (stderr as Buffer),
            });
          },
        );
        if (opts.stdin !== undefined) child.stdin?.end(opts.stdin);
      });
    },
    connectUnix(path: string): Promise<Duplex> {
      return new Promise((resolve, reject) => {
        const sock = net.createConnection(path);
        sock.once('connect', () => resolve(sock));
        sock.once('error', reject);
      });
    },
  };
}
