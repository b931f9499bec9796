/**
 * An ApplySessionFactory for end-to-end tests of plan/apply/destroy: the production wiring
 * (cli/apply-session.ts createApplySession: state store, host lock, journal, network, pool and
 * volume executors, real QEMU through the daemonless lifecycle) with a short ACPI shutdown
 * timeout, and `testLaunchBuilder` (a hand-built QEMU argv) unless the test gives a launcher.
 */
import { createApplySession, type ApplySessionFactory, type ApplySessionOptions } from '../../cli/apply-session';
import type { DomainLaunchBuilder } from '../../provider/executor/apply/domain-executor';
import { testLaunchBuilder } from './test-launch-builder';

export function testApplySession(opts: { readonly shutdownTimeoutMs?: number; readonly launcher?: DomainLaunchBuilder } & Omit<ApplySessionOptions, 'launcher' | 'shutdownTimeoutMs'> = {}): ApplySessionFactory {
  const { launcher, shutdownTimeoutMs, ...rest } = opts;
  return (uri) => createApplySession(uri, { ...rest, launcher: () => launcher ?? testLaunchBuilder, shutdownTimeoutMs: shutdownTimeoutMs ?? 1000 });
}
