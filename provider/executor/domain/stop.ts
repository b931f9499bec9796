/**
 * Stopping a domain. Both ways end with the run directory removed (sockets, pidfile,
 * status.json, qemu.log): a stop virtform was asked for needs no post-mortem. Before that, the
 * cgroup is removed and the release hooks run (VFIO devices back to their drivers, hugepages).
 *
 * - shutdownDomain: `system_powerdown` (ACPI power button), wait for the guest's SHUTDOWN
 *   event or QEMU's exit up to `timeoutMs`; after a guest shutdown QEMU is told to `quit`
 *   (it stays alive under -no-shutdown). A guest that ignores the button (no ACPI handling,
 *   paused) is then stopped like destroy: SIGTERM, then SIGKILL.
 * - destroyDomain: libvirt's "kill painfully": SIGTERM, up to `graceMs` (10 s), SIGKILL, up to
 *   `killWaitMs` (30 s). Needs no monitor, so it works while another client holds QMP.
 * Both check the PID-reuse guard before any signal, and are idempotent on a domain that is
 * already off (its leftover run dir is cleaned up).
 */
import { QmpClient, QmpTimeoutError } from '../../qemu/qmp';
import { readRunDir, removeRunDir, runPaths, type DomainHost } from './domain-host';
import { DomainError } from './errors';
import { killPainfully, waitForExit } from './qemu-process';
import { probeLiveness, reconnectDomain, releaseResources } from './reconnect';
import type { DomainStatusRecord } from './status-record';

export interface StopResult {
  /** guest: the guest shut down on request; sigterm/sigkill: the signal that ended QEMU; already-off: nothing was running. */
  readonly how: 'guest' | 'sigterm' | 'sigkill' | 'already-off';
  readonly ms: number;
}

export interface ShutdownOptions {
  /** How long the guest gets to power off after the ACPI request. Default 60000 ms. */
  readonly timeoutMs?: number;
  /** SIGTERM → SIGKILL delay when the guest did not power off. Default 10000 ms. */
  readonly graceMs?: number;
}

export async function shutdownDomain(h: DomainHost, name: string, opts: ShutdownOptions = {}): Promise<StopResult> {
  const t = h.transport;
  const t0 = Date.now();
  const fail = (code: DomainError['code'], step: string, detail: string): DomainError => new DomainError(code, t.hostLabel, name, `shutdown: ${step}`, detail);
  const rt = await reconnectDomain(h, name);
  if (rt.state === 'shutoff') {
    await finishStopped(h, rt.record);
    return { how: 'already-off', ms: Date.now() - t0 };
  }
  if (rt.state === 'unknown') throw fail('MONITOR_BUSY', 'connect to the QMP monitor', `${rt.reason}. Close the other monitor client, or use destroy.`);
  const pid = rt.pid!;
  const startTime = rt.record.pidStartTime;
  let qmp: QmpClient;
  try {
    qmp = await QmpClient.connect(await t.connectUnix(rt.qmpSocket), { label: `the QMP monitor ${rt.qmpSocket} on ${t.hostLabel}`, timeoutMs: 10000 });
  } catch (e) {
    throw fail('MONITOR', 'connect to the QMP monitor', (e as Error).message);
  }
  const timeoutMs = opts.timeoutMs ?? 60000;
  let how: StopResult['how'];
  try {
    const down = qmp.waitForEvent('SHUTDOWN', { timeoutMs }).then(
      () => 'event' as const,
      (e: Error) => (e instanceof QmpTimeoutError ? ('timeout' as const) : ('closed' as const)),
    );
    await qmp.execute('system_powerdown', undefined, { timeoutMs: 10000 });
    const outcome = await down;
    if (outcome === 'timeout') {
      await qmp.close();
      const k = await killPainfully(t, pid, startTime, { graceMs: opts.graceMs });
      how = k === 'gone' ? 'guest' : k;
    } else {
      // The guest powered off. Without -no-shutdown QEMU is exiting already; with it, ask it to quit.
      if (!qmp.isClosed) await qmp.execute('quit', undefined, { timeoutMs: 5000 }).catch(() => undefined);
      await qmp.close();
      if (!(await waitForExit(t, pid, startTime, 10000))) await killPainfully(t, pid, startTime, { graceMs: opts.graceMs });
      how = 'guest';
    }
  } catch (e) {
    qmp.destroy();
    if (e instanceof DomainError) throw e;
    throw fail('MONITOR', 'system_powerdown', (e as Error).message);
  }
  await finishStopped(h, rt.record);
  return { how, ms: Date.now() - t0 };
}

export interface DestroyOptions {
  /** SIGTERM → SIGKILL delay. Default 10000 ms. */
  readonly graceMs?: number;
  /** How long to wait after SIGKILL. Default 30000 ms. */
  readonly killWaitMs?: number;
}

export async function destroyDomain(h: DomainHost, name: string, opts: DestroyOptions = {}): Promise<StopResult> {
  const t = h.transport;
  const t0 = Date.now();
  const fail = (code: DomainError['code'], step: string, detail: string): DomainError => new DomainError(code, t.hostLabel, name, `destroy: ${step}`, detail);
  const run = await readRunDir(h, name);
  if (!run.dirExists) throw fail('NOT_RUNNING', 'read status.json', `no run directory ${run.paths.dir}: the domain is not running on this host`);
  if (!run.record) throw fail('STATE', 'read status.json', `${run.recordError ?? `${run.paths.statusFile} is missing`}. Remove ${run.paths.dir} once no QEMU of this domain runs`);
  let how: StopResult['how'] = 'already-off';
  if (run.record.phase !== 'exited') {
    const live = await probeLiveness(h, run.record, run.pidFromFile);
    if (live.alive) {
      try {
        const k = await killPainfully(t, live.pid!, run.record.pidStartTime, opts);
        how = k === 'gone' ? 'already-off' : k;
      } catch (e) {
        throw fail('TIMEOUT', 'kill QEMU', (e as Error).message);
      }
    }
  }
  await finishStopped(h, run.record);
  return { how, ms: Date.now() - t0 };
}

/** After a stop virtform carried out: release (unless already released) and remove the run dir. */
async function finishStopped(h: DomainHost, record: DomainStatusRecord): Promise<void> {
  const paths = runPaths(h, record.name);
  if (record.phase !== 'exited') {
    try {
      await releaseResources(h, record);
    } catch (e) {
      throw new DomainError('STATE', h.transport.hostLabel, record.name, 'release resources', `${(e as Error).message}; ${paths.statusFile} is kept so that the release can be retried (run destroy again)`);
    }
  }
  await removeRunDir(h, paths);
}
