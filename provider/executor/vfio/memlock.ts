/**
 * RLIMIT_MEMLOCK for a QEMU with VFIO devices. VFIO pins all guest RAM for DMA, and QEMU maps
 * it into the IOMMU when the devices are realized, i.e. at startup, before `-S` returns control
 * to the monitor. So the limit must be in place BEFORE QEMU runs: `memlockLaunchPrefix` wraps
 * the QEMU argv in `prlimit --memlock=N:N --` (prlimit sets the limit and execs QEMU, so the
 * daemonized process and its cmdline are QEMU's own). `raiseMemlock` (`prlimit --pid`) is for
 * a running QEMU before a VFIO device is hot-plugged.
 *
 * The lifecycle applies it through `LaunchSpec.rlimits.memlockBytes` (detachedLaunchCommand in
 * provider/executor/domain/launch-spec.ts puts this prefix in front of the QEMU argv).
 *
 * The size follows libvirt's rule (learned from its behaviour): a `<memtune><hard_limit>` wins;
 * `<memoryBacking><locked/>` means unlimited; otherwise guest memory (maxMemory when memory
 * hotplug is configured) times the number of VFIO devices when the guest has a vIOMMU (each
 * device may map all of RAM separately), else once, plus 1 GiB for QEMU's own mappings.
 */
import type { Domain } from '../../../model/domain/domain';
import { MEMORY_UNLIMITED_KIB } from '../../../model/domain/memory';
import { HostError } from '../../host/errors';
import type { HostFs } from '../../host/host-fs';
import type { Transport } from '../../host/transport';

export type MemlockLimit = number | 'unlimited';

/** Bytes of locked memory a QEMU with `vfioDevices` VFIO devices needs; 0 devices gives 0 (no change needed). */
export function vfioMemlockLimit(domain: Domain, vfioDevices: number): MemlockLimit {
  if (vfioDevices === 0) return 0;
  const hard = domain.memtune?.hardLimit;
  if (hard !== undefined && hard < MEMORY_UNLIMITED_KIB) return hard * 1024;
  if (domain.memoryBacking?.locked) return 'unlimited';
  const memKiB = domain.maxMemory?.value ?? domain.memory?.value ?? 0;
  const factor = domain.devices?.iommu ? vfioDevices : 1;
  return (factor * memKiB + 1024 * 1024) * 1024;
}

const limitArg = (l: MemlockLimit) => (l === 'unlimited' ? 'unlimited' : String(l));

/** `['prlimit', '--memlock=N:N', '--']`: put in front of the QEMU argv. */
export function memlockLaunchPrefix(limit: MemlockLimit): string[] {
  return ['prlimit', `--memlock=${limitArg(limit)}:${limitArg(limit)}`, '--'];
}

/** Soft and hard `Max locked memory` of a process from /proc/PID/limits, bytes or 'unlimited'. */
export function parseMemlock(limits: string): { soft: MemlockLimit; hard: MemlockLimit } | null {
  const line = limits.split('\n').find((l) => l.startsWith('Max locked memory'));
  if (!line) return null;
  const f = line.slice('Max locked memory'.length).trim().split(/\s+/);
  const v = (s: string): MemlockLimit => (s === 'unlimited' ? 'unlimited' : Number(s));
  return { soft: v(f[0]), hard: v(f[1]) };
}

export async function readMemlock(fs: HostFs, pid: number): Promise<{ soft: MemlockLimit; hard: MemlockLimit } | null> {
  return parseMemlock((await fs.read(`/proc/${pid}/limits`)).toString('utf8'));
}

/** Sets a running process's memlock limit (soft = hard = limit) with prlimit, then reads it back. */
export async function raiseMemlock(transport: Transport, fs: HostFs, pid: number, limit: MemlockLimit): Promise<void> {
  const r = await transport.exec(['prlimit', '--pid', String(pid), `--memlock=${limitArg(limit)}:${limitArg(limit)}`], { timeoutMs: 10000 });
  if (r.code !== 0) {
    throw new HostError(
      r.code === 127 ? 'NOT_FOUND' : 'IO',
      `${transport.hostLabel}: raising the locked-memory limit of pid ${pid} to ${limitArg(limit)} bytes failed: ${r.stderr.toString('utf8').trim() || `exit ${r.code}`}. ` +
        'VFIO pins all guest memory; run virtform as root (CAP_SYS_RESOURCE) and install util-linux (prlimit).',
    );
  }
  const now = await readMemlock(fs, pid);
  if (!now || now.soft !== limit || now.hard !== limit) {
    throw new HostError('IO', `${transport.hostLabel}: pid ${pid} has a locked-memory limit of ${now ? `${now.soft}:${now.hard}` : 'unknown'} after prlimit, wanted ${limitArg(limit)}`);
  }
}
