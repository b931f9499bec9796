/**
 * Apply order: dependencies first, ties broken by kind (creates forward, deletes backward) and
 * address, cycles refused with the resources named.
 */
import { applyOrder, DependencyCycleError, type OrderNode } from '../../planner/apply-order';

const n = (address: string, action: OrderNode['action'], after: string[] = []): OrderNode => ({ address, action, after });

describe('applyOrder', () => {
  it('creates pools, volumes, networks, then domains, and deletes in reverse kind order after them', () => {
    const order = applyOrder([
      n('domain.b', 'create'),
      n('domain.old', 'delete'),
      n('pool.p', 'delete'),
      n('network.n', 'update'),
      n('volume.p/v', 'create'),
      n('domain.a', 'create'),
    ]);
    expect(order.map((x) => x.address)).toEqual(['volume.p/v', 'network.n', 'domain.a', 'domain.b', 'domain.old', 'pool.p']);
  });

  it('waits for dependencies whatever their kind', () => {
    const order = applyOrder([n('pool.p', 'delete', ['volume.p/v']), n('volume.p/v', 'delete', ['domain.d']), n('domain.d', 'update')]);
    expect(order.map((x) => x.address)).toEqual(['domain.d', 'volume.p/v', 'pool.p']);
  });

  it('ignores edges to addresses outside the list', () => {
    expect(applyOrder([n('domain.d', 'create', ['network.gone'])]).map((x) => x.address)).toEqual(['domain.d']);
  });

  it('refuses a cycle, naming the resources in it', () => {
    expect(() => applyOrder([n('volume.p/a', 'create', ['volume.p/b']), n('volume.p/b', 'create', ['volume.p/a']), n('pool.p', 'create')])).toThrow(
      new DependencyCycleError('these resources depend on each other in a cycle and cannot be ordered: volume.p/a, volume.p/b; remove one of the references'),
    );
  });
});
