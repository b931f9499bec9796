/**
 * Resuming a domain that was launched paused (LaunchSpec.paused, like `virsh start --paused`)
 * or paused later: QMP `cont`. The monitor is held only for the command.
 */
import { QmpClient } from '../../qemu/qmp';
import type { DomainHost } from './domain-host';
import { DomainError } from './errors';
import { reconnectDomain } from './reconnect';

export async function resumeDomain(h: DomainHost, name: string): Promise<void> {
  const t = h.transport;
  const fail = (code: DomainError['code'], detail: string): DomainError => new DomainError(code, t.hostLabel, name, 'resume', detail);
  const rt = await reconnectDomain(h, name);
  if (rt.state === 'running') return;
  if (rt.state !== 'paused') throw fail(rt.state === 'shutoff' ? 'NOT_RUNNING' : 'MONITOR', `the domain is ${rt.state} (${rt.reason}); only a paused domain can be resumed`);
  const qmp = await QmpClient.connect(await t.connectUnix(rt.qmpSocket), { label: `the QMP monitor ${rt.qmpSocket} on ${t.hostLabel}`, timeoutMs: 10000 });
  try {
    await qmp.execute('cont', undefined, { timeoutMs: 10000 });
  } catch (e) {
    throw fail('MONITOR', (e as Error).message);
  } finally {
    await qmp.close();
  }
}
