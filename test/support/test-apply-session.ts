/**
 * An ApplySessionFactory for end-to-end tests of plan/apply/destroy: the production wiring
 * (cli/apply-session.ts createApplySession: state store, host lock, journal, QemuLaunchBuilder,
 * network, pool and volume executors, real QEMU through the daemonless lifecycle) with a short
 * ACPI shutdown timeout (the test guests boot no OS, so they never answer the power button), and
 * another DomainLaunchBuilder when a test gives one (`testLaunchBuilder`, a hand-built argv).
 */
import { createApplySession, type ApplySessionFactory, type ApplySessionOptions } from '../../cli/apply-session';
import type { DomainLaunchBuilder } from '../../provider/executor/apply/domain-executor';

export function testApplySession(opts: { readonly shutdownTimeoutMs?: number; readonly launcher?: DomainLaunchBuilder } & Omit<ApplySessionOptions, 'launcher' | 'shutdownTimeoutMs'> = {}): ApplySessionFactory {
  const { launcher, shutdownTimeoutMs, ...rest } = opts;
  // A verb's --shutdown-timeout wins over the test's default.
  return (uri, o) => createApplySession(uri, { ...rest, ...(launcher ? { launcher: () => launcher } : {}), shutdownTimeoutMs: o?.shutdownTimeoutMs ?? shutdownTimeoutMs ?? 1000 });
}
