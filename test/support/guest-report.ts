/**
 * The report the test guest's /init prints on the serial console, and its parser.
 *
 * Format: lines between the sentinels, each `KEY ARGS...`:
 *   kernel 6.1.0-56-cloud-amd64
 *   uptime_s 2.31
 *   cpus.online 0-1
 *   nodes.online 0-1
 *   node 0 cpulist 0
 *   node 0 memtotal_kib 250748
 *   memtotal_kib 497912
 *   block vda 131072          (size in 512-byte sectors, as /sys/block/X/size counts)
 *   net eth0 52:54:00:12:34:56
 *   error insmod virtio_scsi
 * Lines that match none of these (kernel messages interleaved on the console) are ignored.
 */

export const REPORT_BEGIN = 'VIRTFORM-GUEST-REPORT-BEGIN';
export const REPORT_END = 'VIRTFORM-GUEST-REPORT-END';

/** Kernel command-line key: `virtform.dhcp=eth0` makes /init ask for a DHCP lease on eth0 after the report. */
export const DHCP_CMDLINE_KEY = 'virtform.dhcp';
export const DHCP_BEGIN = 'VIRTFORM-GUEST-DHCP-BEGIN';
export const DHCP_END = 'VIRTFORM-GUEST-DHCP-END';

/** A lease the guest's udhcpc obtained (`dhcp bound eth0 ip=... subnet=... router=... ...`). */
export interface GuestDhcpLease {
  readonly interface: string;
  readonly ip: string;
  readonly subnet: string;
  /** Absent when the server sent no router option (isolated networks). */
  readonly router?: string;
  readonly dns?: string;
  readonly mtu?: number;
  /** Lease time in seconds. */
  readonly leaseSeconds: number;
  readonly serverId: string;
}

/**
 * The lease from the DHCP section of a console log, or null when the guest got none (it then
 * printed `dhcp failed IFACE`). Throws, quoting the log's tail, when the section is missing.
 */
export function parseGuestDhcp(consoleLog: string): GuestDhcpLease | null {
  const text = consoleLog.replace(/\r/g, '');
  const begin = text.indexOf(DHCP_BEGIN);
  const end = text.indexOf(DHCP_END, begin);
  if (begin < 0 || end < 0) {
    throw new Error(`the guest printed no complete DHCP section (${DHCP_BEGIN} … ${DHCP_END}); console tail:\n${text.slice(-2000)}`);
  }
  for (const line of text.slice(begin, end).split('\n')) {
    const m = /^dhcp bound (\S+) (.*)$/.exec(line.trim());
    if (!m) continue;
    const f = new Map<string, string>();
    for (const kv of m[2].split(' ')) {
      const eq = kv.indexOf('=');
      if (eq > 0 && eq < kv.length - 1) f.set(kv.slice(0, eq), kv.slice(eq + 1));
    }
    return {
      interface: m[1],
      ip: f.get('ip') ?? '',
      subnet: f.get('subnet') ?? '',
      ...(f.has('router') ? { router: f.get('router')! } : {}),
      ...(f.has('dns') ? { dns: f.get('dns')! } : {}),
      ...(f.has('mtu') ? { mtu: Number(f.get('mtu')) } : {}),
      leaseSeconds: Number(f.get('lease') ?? NaN),
      serverId: f.get('serverid') ?? '',
    };
  }
  return null;
}

export interface GuestNode {
  readonly id: number;
  /** CPU list as the kernel prints it, e.g. `0` or `0-1`. */
  readonly cpulist: string;
  /** MemTotal of the node in KiB (what the guest kernel manages, less than the cell's size). */
  readonly memTotalKiB: number;
}

export interface GuestReport {
  readonly kernelRelease: string;
  /** Guest uptime when the report was written, in seconds. */
  readonly uptimeSeconds: number;
  readonly cpusOnline: string;
  readonly cpuCount: number;
  readonly nodesOnline: string;
  readonly nodes: readonly GuestNode[];
  readonly memTotalKiB: number;
  readonly blockDevices: readonly { readonly name: string; readonly sizeBytes: number }[];
  readonly netInterfaces: readonly { readonly name: string; readonly mac: string }[];
  /** Problems /init reported (a module that failed to load, ...). */
  readonly errors: readonly string[];
}

/** Number of CPUs in a kernel CPU list such as `0-3,8,10-11`. */
export function countCpuList(list: string): number {
  if (list.trim() === '') return 0;
  return list.split(',').reduce((n, part) => {
    const [a, b] = part.split('-').map(Number);
    return n + (b === undefined ? 1 : b - a + 1);
  }, 0);
}

/** Parses the report out of a whole console log. Throws, quoting the log's tail, when it is missing. */
export function parseGuestReport(consoleLog: string): GuestReport {
  const text = consoleLog.replace(/\r/g, '');
  const begin = text.indexOf(REPORT_BEGIN);
  const end = text.indexOf(REPORT_END, begin);
  if (begin < 0 || end < 0) {
    throw new Error(`the guest printed no complete report (${REPORT_BEGIN} … ${REPORT_END}); console tail:\n${text.slice(-2000)}`);
  }
  const r = {
    kernelRelease: '',
    uptimeSeconds: NaN,
    cpusOnline: '',
    cpuCount: 0,
    nodesOnline: '',
    nodes: [] as { id: number; cpulist: string; memTotalKiB: number }[],
    memTotalKiB: 0,
    blockDevices: [] as { name: string; sizeBytes: number }[],
    netInterfaces: [] as { name: string; mac: string }[],
    errors: [] as string[],
  };
  const node = (id: number) => {
    let n = r.nodes.find((x) => x.id === id);
    if (!n) r.nodes.push((n = { id, cpulist: '', memTotalKiB: 0 }));
    return n;
  };
  for (const line of text.slice(begin + REPORT_BEGIN.length, end).split('\n')) {
    const f = line.trim().split(/\s+/);
    switch (f[0]) {
      case 'kernel':
        r.kernelRelease = f[1] ?? '';
        break;
      case 'uptime_s':
        r.uptimeSeconds = Number(f[1]);
        break;
      case 'cpus.online':
        r.cpusOnline = f[1] ?? '';
        r.cpuCount = countCpuList(r.cpusOnline);
        break;
      case 'nodes.online':
        r.nodesOnline = f[1] ?? '';
        break;
      case 'node':
        if (f[2] === 'cpulist') node(Number(f[1])).cpulist = f[3] ?? '';
        else if (f[2] === 'memtotal_kib') node(Number(f[1])).memTotalKiB = Number(f[3]);
        break;
      case 'memtotal_kib':
        r.memTotalKiB = Number(f[1]);
        break;
      case 'block':
        r.blockDevices.push({ name: f[1], sizeBytes: Number(f[2]) * 512 });
        break;
      case 'net':
        r.netInterfaces.push({ name: f[1], mac: f[2] });
        break;
      case 'error':
        r.errors.push(f.slice(1).join(' '));
        break;
    }
  }
  r.nodes.sort((a, b) => a.id - b.id);
  return r;
}
