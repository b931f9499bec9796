/**
 * What the argv builder needs from this machine when no host discovery is at hand (tests that
 * build a command line here; `virtform domxml-to-native` now goes through the launch builder and
 * HostFacts): host NUMA nodes from sysfs, hugetlbfs mounts from /proc/mounts with their page
 * sizes, and a QEMU probe host (exec + unix sockets) for the caps probe (also domxml-format's). Deliberately small: provider/host's HostFacts discovery supersedes it where present,
 * and its parsers (mounts, sizes, CPU lists) are the ones used here.
 */
import * as fs from 'fs';
import { parseCpuList } from '../../model/cpu-list';
import { parseMounts, parseSizeKiB } from '../host/host-discovery';
import { LocalTransport } from '../host/local-transport';
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

/**
 * hugetlbfs mounts in a /proc/mounts text, each mount point once. A mount without `pagesize=`
 * uses the system default huge page size (`Hugepagesize:` of /proc/meminfo, KiB), which also
 * marks the default mount; a mount whose size cannot be told is left out.
 */
export function hugetlbfsMountsFrom(mounts: string, defaultPageKiB: number | undefined): HugetlbfsMount[] {
  const out: HugetlbfsMount[] = [];
  for (const m of parseMounts(mounts)) {
    if (m.type !== 'hugetlbfs') continue;
    const opt = m.options.find((o) => o.startsWith('pagesize='));
    const size = opt ? parseSizeKiB(opt.slice('pagesize='.length)) ?? undefined : defaultPageKiB;
    if (size === undefined) continue;
    if (!out.some((x) => x.path === m.mountPoint)) out.push({ path: m.mountPoint, pageSizeKiB: size, isDefault: size === defaultPageKiB });
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
    numaNodes: online !== undefined ? parseCpuList(online) : [0],
    hugetlbfs: hugetlbfsMountsFrom(readText('/proc/mounts') ?? '', defaultPage),
    systemPageSizeKiB: 4,
  };
}

/** A QEMU probe host on this machine: the local transport (argv exec without a shell, unix sockets). */
export function localProbeHost(): QemuProbeHost {
  return new LocalTransport('qemu:///embed');
}
