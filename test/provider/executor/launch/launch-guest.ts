/**
 * Shared parts of the launch-builder tests: the test domain's XML (the test guest booted
 * directly under TCG, 2 vCPUs in 2 guest NUMA cells, pins for every kind of thread), reading
 * the guest's serial console through `virtform console`, and /proc helpers.
 */
import * as fs from 'fs';
import { PassThrough } from 'stream';
import { main, type CliIo } from '../../../../cli/main';
import type { TestGuest } from '../../../support/guest';
import { REPORT_END } from '../../../support/guest';

export const CELL_MIB = 256;

export interface GuestXmlOptions {
  readonly name: string;
  readonly uuid: string;
  readonly guest: TestGuest;
  /** Extra kernel command line (e.g. `virtform.dhcp=eth0`). */
  readonly cmdlineExtra?: string;
  /** `<disk>`, `<interface>` and other devices. */
  readonly devices?: string;
  /** Extra top-level elements (`<memoryBacking>`, `<on_reboot>`). */
  readonly extra?: string;
  readonly cellMiB?: number;
}

/**
 * ACPI is on: without it the guest kernel finds neither the second vCPU (MADT) nor the NUMA
 * layout (SRAT). vCPU 0 on host CPU 0, vCPU 1 on CPU 1, the emulator threads on CPU 1, I/O thread 1 on CPU 0:
 * every thread kind pinned, each to a set /proc can tell apart from the default (0-1).
 */
export function guestDomainXml(o: GuestXmlOptions): string {
  const cell = o.cellMiB ?? CELL_MIB;
  return `<domain type='qemu'>
  <name>${o.name}</name>
  <uuid>${o.uuid}</uuid>
  <memory unit='MiB'>${2 * cell}</memory>
  <vcpu placement='static'>2</vcpu>
  <iothreads>1</iothreads>
  <cputune>
    <vcpupin vcpu='0' cpuset='0'/>
    <vcpupin vcpu='1' cpuset='1'/>
    <emulatorpin cpuset='1'/>
    <iothreadpin iothread='1' cpuset='0'/>
  </cputune>
  ${o.extra ?? ''}
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>${o.guest.kernel}</kernel>
    <initrd>${o.guest.initrd}</initrd>
    <cmdline>${o.guest.cmdline}${o.cmdlineExtra ? ` ${o.cmdlineExtra}` : ''}</cmdline>
  </os>
  <features><acpi/><apic/></features>
  <cpu>
    <numa>
      <cell id='0' cpus='0' memory='${cell}' unit='MiB'/>
      <cell id='1' cpus='1' memory='${cell}' unit='MiB'/>
    </numa>
  </cpu>
  <devices>
    ${o.devices ?? ''}
    <serial type='pty'><target port='0'/></serial>
    <console type='pty'><target type='serial' port='0'/></console>
  </devices>
</domain>
`;
}

export function capture(stdin?: NodeJS.ReadableStream): CliIo & { text(): string; errText(): string } {
  let out = '';
  let err = '';
  return {
    out: (s: string) => void (out += s),
    err: (s: string) => void (err += s),
    ...(stdin ? { stdin } : {}),
    exitCode: 0,
    text: () => out,
    errText: () => err,
  };
}

export async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Attaches `virtform console NAME -c URI`, runs `start` (resume the paused guest), and returns
 * everything the console printed until `endMarker` (then detaches with ^]).
 */
export async function consoleUntil(uri: string, name: string, start: () => Promise<void>, endMarker = REPORT_END, timeoutMs = 120000): Promise<string> {
  const stdin = new PassThrough();
  const io = capture(stdin);
  const exit = main(['console', name, '-c', uri], io);
  await until('the console to connect', () => (io.errText().includes('Escape character is ^]') ? true : undefined), 20000);
  await start();
  await until(`'${endMarker}' on the console`, () => (io.text().includes(endMarker) ? true : undefined), timeoutMs);
  stdin.write(Buffer.from([0x1d]));
  const code = await exit;
  if (code !== 0) throw new Error(`virtform console exited ${code}: ${io.errText()}`);
  return io.text();
}

/** Pids of live processes whose command line carries `uuid`. */
export function pidsWithUuid(uuid: string): number[] {
  const out: number[] = [];
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${e}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2)[0] === 'Z') continue;
      if (fs.readFileSync(`/proc/${e}/cmdline`, 'utf8').split('\0').includes(uuid)) out.push(Number(e));
    } catch {
      /* exited meanwhile */
    }
  }
  return out;
}

/** Every thread of `pid`: comm and Cpus_allowed_list, read with fs. */
export function procThreads(pid: number): { tid: number; comm: string; cpus: string }[] {
  const out: { tid: number; comm: string; cpus: string }[] = [];
  for (const t of fs.readdirSync(`/proc/${pid}/task`)) {
    try {
      const status = fs.readFileSync(`/proc/${pid}/task/${t}/status`, 'utf8');
      out.push({ tid: Number(t), comm: fs.readFileSync(`/proc/${pid}/task/${t}/comm`, 'utf8').trim(), cpus: /^Cpus_allowed_list:\s*(\S+)$/m.exec(status)![1] });
    } catch {
      /* a thread that exited */
    }
  }
  return out.sort((a, b) => a.tid - b.tid);
}

/** A field of /proc/PID/status (`Seccomp`, `VmRSS`...). */
export function procStatus(pid: number, field: string): string | undefined {
  return new RegExp(`^${field}:\\s*(.*)$`, 'm').exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1].trim();
}
