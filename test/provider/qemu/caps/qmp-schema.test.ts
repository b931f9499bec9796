import { QmpSchema, QmpSchemaEntity } from '../../../../provider/qemu/caps/qmp-schema';

/** A hand-written miniature of query-qmp-schema output, in QEMU's shape (opaque type names). */
const ENTITIES: QmpSchemaEntity[] = [
  { name: 'blockdev-add', 'meta-type': 'command', 'arg-type': '1', 'ret-type': '0' },
  { name: 'query-iothreads', 'meta-type': 'command', 'arg-type': '0', 'ret-type': '[5]', features: ['x-test'] },
  { name: 'device_add', 'meta-type': 'command', 'arg-type': '0', 'ret-type': '0', features: ['json-cli', 'json-cli-hotplug'] },
  { name: 'SHUTDOWN', 'meta-type': 'event', 'arg-type': '8' },
  { name: '0', 'meta-type': 'object', members: [] },
  {
    name: '1',
    'meta-type': 'object',
    members: [{ name: 'driver', type: '2' }, { name: 'node-name', type: 'str' }],
    variants: [{ case: 'file', type: '3' }, { case: 'raw', type: '0' }],
  },
  { name: '2', 'meta-type': 'enum', values: ['file', 'raw'] },
  { name: '3', 'meta-type': 'object', members: [{ name: 'filename', type: 'str' }, { name: 'aio', type: '4', features: ['unstable'] }] },
  { name: '4', 'meta-type': 'enum', members: [{ name: 'threads' }, { name: 'native' }, { name: 'io_uring' }] },
  { name: '[5]', 'meta-type': 'array', 'element-type': '5' },
  { name: '5', 'meta-type': 'object', members: [{ name: 'id', type: 'str' }, { name: 'poll-max-ns', type: 'int' }] },
  { name: '8', 'meta-type': 'object', members: [{ name: 'guest', type: 'bool' }, { name: 'data', type: 'str' }] },
  { name: 'str', 'meta-type': 'builtin' },
];

describe('QmpSchema paths', () => {
  const schema = new QmpSchema(ENTITIES);
  it.each([
    ['blockdev-add', true],
    ['no-such-command', false],
    ['blockdev-add/arg-type/node-name', true],
    ['blockdev-add/arg-type/filename', true], // members of variants count
    ['blockdev-add/arg-type/+file/filename', true],
    ['blockdev-add/arg-type/+file/aio/^io_uring', true],
    ['blockdev-add/arg-type/+file/aio/^posix', false],
    ['blockdev-add/arg-type/+file/aio/$unstable', true],
    ['blockdev-add/arg-type/+file/aio/$deprecated', false],
    ['blockdev-add/arg-type/+nvme', false],
    ['blockdev-add/arg-type/driver/^raw', true],
    ['query-iothreads/ret-type/poll-max-ns', true], // the array is looked through
    ['query-iothreads/ret-type/poll-min-ns', false],
    ['query-iothreads/$x-test', true],
    ['device_add/$json-cli-hotplug', true],
    ['blockdev-add/$json-cli-hotplug', false],
    ['SHUTDOWN/data/guest', true],
    ['SHUTDOWN/data/data', true], // "data" after the first step is a member name
    ['SHUTDOWN/ret-type', false],
  ])('%s → %s', (path, expected) => {
    expect(schema.holds(path)).toBe(expected);
  });

  it('rejects a malformed path', () => {
    expect(() => schema.holds('')).toThrow("empty QMP schema path ''");
    expect(() => schema.holds('blockdev-add//x')).toThrow("empty step in QMP schema path 'blockdev-add//x'");
  });
});
