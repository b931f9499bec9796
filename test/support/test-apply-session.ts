/**
 * An ApplySessionFactory for end-to-end tests of plan/apply/destroy: the production transport,
 * host discovery, live-state reader and DomainExecutor (real QEMU through the daemonless
 * lifecycle), with the two parts whose modules are not merged yet replaced by test support:
 * FileDefinitionStore (for provider/executor/state) and testLaunchBuilder (for provider/qemu's
 * argv pipeline). Networks, pools and volumes refuse with NotWiredError as in production.
 */
import type { ApplySessionFactory } from '../../cli/apply-session';
import { RANDOM_GENERATORS } from '../../cli/apply-session';
import { KindRoutedExecutor, notWiredExecutor } from '../../provider/executor/apply/apply-executor';
import { DomainExecutor, type DomainLaunchBuilder } from '../../provider/executor/apply/domain-executor';
import { StoreLiveStateReader } from '../../provider/executor/apply/live-state-reader';
import { discoverHost } from '../../provider/host/host-discovery';
import { openTransport } from '../../provider/host/open-transport';
import { hostPaths, parseConnectionUri } from '../../provider/host/uri';
import { FileDefinitionStore } from './file-definition-store';
import { testLaunchBuilder } from './test-launch-builder';

export function testApplySession(opts: { readonly shutdownTimeoutMs?: number; readonly launcher?: DomainLaunchBuilder } = {}): ApplySessionFactory {
  return async (uri) => {
    const parsed = parseConnectionUri(uri);
    const transport = await openTransport(parsed);
    const paths = hostPaths(parsed);
    const facts = await discoverHost(transport);
    const store = new FileDefinitionStore(transport, paths.stateDir);
    await store.init();
    const domains = { transport, runDir: paths.runDir };
    return {
      hostLabel: transport.hostLabel,
      facts,
      reader: new StoreLiveStateReader({ store, stateDir: paths.stateDir, domains }),
      executor: new KindRoutedExecutor({
        domain: new DomainExecutor({ host: domains, store, launcher: opts.launcher ?? testLaunchBuilder, facts, generators: RANDOM_GENERATORS, shutdownTimeoutMs: opts.shutdownTimeoutMs ?? 1000 }),
        network: notWiredExecutor('network', 'provider/executor/network', 'netexec'),
        pool: notWiredExecutor('pool', 'provider/executor/storage', 'netexec'),
        volume: notWiredExecutor('volume', 'provider/executor/storage', 'netexec'),
      }),
      lock: async () => ({ assertHeld: () => undefined, release: async () => undefined }),
      notes: [],
      close: () => transport.close(),
    };
  };
}
