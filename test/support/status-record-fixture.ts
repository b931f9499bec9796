/**
 * A status.json record as the launcher writes it before QEMU exists (phase `starting`, no pid,
 * nothing taken yet), for tests that fake a launch cut short or a record from an earlier run.
 * `over` sets what the test is about.
 */
import type { DomainStatusRecord } from '../../provider/executor/domain';
import { QEMU_X86_64 } from './qemu';

export function startingStatusRecord(name: string, uuid: string, over: Partial<DomainStatusRecord> = {}): DomainStatusRecord {
  return {
    format: 1,
    name,
    uuid,
    specHash: 'x',
    phase: 'starting',
    pid: null,
    pidStartTime: null,
    binary: QEMU_X86_64,
    qmpSocket: '',
    consoleSocket: null,
    startedAt: new Date().toISOString(),
    startedPaused: false,
    lifecycle: { onPoweroff: 'destroy', onCrash: 'destroy' },
    threads: null,
    pins: null,
    cgroup: null,
    vfio: [],
    hugepages: [],
    mdevs: [],
    sriov: [],
    taps: [],
    displays: [],
    ...over,
  };
}
