/**
 * Change effects: which attribute changes are live, definition-only, need a restart or a
 * replacement, and the fallback when the executor cannot make a live change.
 */
import { classifyChange, LIVE_UPDATE_KINDS, strongestEffect, type LiveUpdateKind } from '../../planner/change-effect';
import type { ResourceKind } from '../../planner/resource-address';

const ALL = new Set<LiveUpdateKind>(LIVE_UPDATE_KINDS);
const NONE = new Set<LiveUpdateKind>();

describe('classifyChange', () => {
  it.each<[ResourceKind, string, string | undefined, string | undefined, string | undefined, string, string, string | undefined]>([
    // kind, path, before, after, element, effect, note, liveKind
    ['domain', '/domain/uuid', 'a', 'b', undefined, 'replace', 'forces replacement: the UUID identifies the domain', undefined],
    ['domain', '/domain/title', undefined, 'web', '/domain/title', 'definition', 'metadata only', undefined],
    ['domain', '/domain/metadata/app:x/@v', '1', '2', undefined, 'definition', 'metadata only', undefined],
    ['domain', '/domain/currentMemory', '524288', '262144', undefined, 'live', 'balloon target, set live', 'balloon'],
    ['domain', '/domain/vcpu/@current', '1', '2', undefined, 'live', 'vCPUs plugged or unplugged live', 'vcpu-count'],
    ['domain', "/domain/cputune/vcpupin[@vcpu='1']/@cpuset", '1', '0', undefined, 'live', 'threads re-pinned live', 'pins'],
    ['domain', '/domain/cputune/emulatorpin/@cpuset', undefined, '1', '/domain/cputune/emulatorpin', 'live', 'threads re-pinned live', 'pins'],
    ['domain', "/domain/devices/disk[target/@dev='vdb']/source/@file", undefined, '/b', "/domain/devices/disk[target/@dev='vdb']", 'live', 'disk hot-plugged live', 'disk-hotplug'],
    ['domain', "/domain/devices/disk[target/@dev='vdb']/source/@file", '/a', '/b', undefined, 'restart', 'needs a restart of the domain', undefined],
    ['domain', '/domain/devices/interface/source/@network', undefined, 'n', '/domain/devices/interface', 'live', 'interface hot-plugged live', 'nic-hotplug'],
    ['domain', '/domain/memory', '524288', '1048576', undefined, 'restart', 'needs a restart of the domain', undefined],
    ['domain', 'runtime.state', 'shutoff', 'running', undefined, 'restart', 'the domain is not running: apply starts it', undefined],
    ['domain', 'runtime.definition', 'older definition', 'current definition', undefined, 'restart', 'QEMU runs an older definition: apply restarts it', undefined],
    ['domain', 'runtime.affinity[vcpu 0]', '0-1', '0', undefined, 'live', 'affinity drifted from the plan: re-pinned live', 'pins'],
    ['network', '/network/uuid', 'a', 'b', undefined, 'replace', 'forces replacement: the UUID identifies the network', undefined],
    ['network', "/network/ip[@address='10.0.0.1']/dhcp/host[1]/@mac", undefined, '52:54:00:00:00:01', "/network/ip[@address='10.0.0.1']/dhcp/host[1]", 'live', 'DHCP host entry updated live', 'dhcp-host'],
    ['network', '/network/forward/@mode', 'nat', 'route', undefined, 'restart', 'needs a restart of the network (its bridge and dnsmasq)', undefined],
    ['pool', '/pool/target/path', '/a', '/b', undefined, 'replace', 'forces replacement', undefined],
    ['pool', '/pool/target/permissions/mode', '0711', '0755', undefined, 'live', "directory's owner and mode changed in place", 'permissions'],
    ['volume', '/volume/capacity', '1024', '2048', undefined, 'live', 'grown in place', 'volume-resize'],
    ['volume', '/volume/capacity', '2048', '1024', undefined, 'replace', 'forces replacement: shrinking from 2048 to 1024 bytes would cut the image; it is deleted with its data and created again', undefined],
    ['volume', '/volume/allocation', '0', '1024', undefined, 'definition', 'applies when an image is created', undefined],
    ['volume', '/volume/target/format/@type', 'raw', 'qcow2', undefined, 'replace', 'forces replacement: the image is deleted with its data and created again', undefined],
  ])('%s %s (%s → %s) is %s', (kind, path, before, after, element, effect, note, liveKind) => {
    const c = classifyChange(kind, { path, ...(before !== undefined ? { before } : {}), ...(after !== undefined ? { after } : {}), ...(element ? { element } : {}) }, ALL);
    expect([c.effect, c.note, c.liveKind]).toEqual([effect, note, liveKind]);
  });

  it('falls back to a restart (domains, networks) or a replacement (storage) when the executor cannot make the change live', () => {
    expect(classifyChange('domain', { path: '/domain/currentMemory', before: '2', after: '1' }, NONE)).toEqual({
      path: '/domain/currentMemory',
      before: '2',
      after: '1',
      effect: 'restart',
      liveKind: 'balloon',
      note: 'needs a restart of the domain (virtform cannot make this change live yet: balloon)',
      sensitive: false,
    });
    expect(classifyChange('volume', { path: '/volume/capacity', before: '1', after: '2' }, NONE).effect).toBe('replace');
  });

  it('marks passwords and cookie values sensitive', () => {
    expect(classifyChange('domain', { path: '/domain/devices/graphics/@passwd', before: 'a', after: 'b' }, ALL).sensitive).toBe(true);
    expect(classifyChange('domain', { path: "/domain/devices/disk[target/@dev='vda']/source/cookies/cookie[2]", after: 'c' }, ALL).sensitive).toBe(true);
    expect(classifyChange('domain', { path: '/domain/devices/graphics/@port', before: '1', after: '2' }, ALL).sensitive).toBe(false);
  });
});

describe('strongestEffect', () => {
  it('orders definition < live < restart < replace', () => {
    expect(strongestEffect([])).toBeUndefined();
    expect(strongestEffect([{ effect: 'live' }, { effect: 'definition' }])).toBe('live');
    expect(strongestEffect([{ effect: 'live' }, { effect: 'restart' }, { effect: 'definition' }])).toBe('restart');
    expect(strongestEffect([{ effect: 'replace' }, { effect: 'restart' }])).toBe('replace');
  });
});
