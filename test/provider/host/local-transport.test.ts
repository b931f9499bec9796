import { LocalTransport } from '../../../provider/host/local-transport';
import { openTransport } from '../../../provider/host/open-transport';
import { transportContract } from './transport-contract';

describe('LocalTransport', () => {
  const t = new LocalTransport('qemu:///system');
  transportContract(() => t);

  it('is what openTransport gives for embed and system URIs', async () => {
    const e = await openTransport('qemu:///embed?root=/tmp/vf', {});
    expect(e).toBeInstanceOf(LocalTransport);
    expect(e.uri).toBe('qemu:///embed?root=/tmp/vf');
    expect(e.hostLabel).toBe('localhost');
    expect((await openTransport('qemu:///system')).uri).toBe('qemu:///system');
  });
});
