import { defaultConnectionUri, hostPaths, parseConnectionUri } from '../../../provider/host/uri';

const opts = { cwd: '/home/ann/proj', home: '/home/ann' };

describe('connection URIs', () => {
  it('defaults to embed under <cwd>/.virtform when no -c is given', () => {
    expect(defaultConnectionUri('/home/ann/proj')).toBe('qemu:///embed?root=/home/ann/proj/.virtform');
    expect(parseConnectionUri(undefined, opts)).toEqual({ kind: 'embed', root: '/home/ann/proj/.virtform', uri: 'qemu:///embed?root=/home/ann/proj/.virtform' });
    expect(parseConnectionUri('', opts)).toEqual(parseConnectionUri(undefined, opts));
  });

  it('resolves a relative or ~ embed root and normalises the URI', () => {
    expect(parseConnectionUri('qemu:///embed?root=state', opts)).toEqual({ kind: 'embed', root: '/home/ann/proj/state', uri: 'qemu:///embed?root=/home/ann/proj/state' });
    expect(parseConnectionUri('qemu:///embed?root=~/vms', opts).uri).toBe('qemu:///embed?root=/home/ann/vms');
    expect(parseConnectionUri('qemu:///embed?root=/a%20b', opts).uri).toBe('qemu:///embed?root=/a%20b');
    expect(parseConnectionUri('qemu:///embed', opts)).toEqual(parseConnectionUri(undefined, opts));
  });

  it('parses qemu:///system', () => {
    expect(parseConnectionUri('qemu:///system', opts)).toEqual({ kind: 'system', uri: 'qemu:///system' });
  });

  it('parses qemu+ssh with user, port and every parameter', () => {
    expect(parseConnectionUri('qemu+ssh://root@h1.example.com:2222/system?keyfile=keys/id&known_hosts=~/kh&no_verify=1&root=/srv/vf/', opts)).toEqual({
      kind: 'ssh',
      user: 'root',
      host: 'h1.example.com',
      port: 2222,
      keyfile: '/home/ann/proj/keys/id',
      knownHosts: '/home/ann/kh',
      noVerify: true,
      root: '/srv/vf/',
      uri: 'qemu+ssh://root@h1.example.com:2222/system?keyfile=/home/ann/proj/keys/id&known_hosts=/home/ann/kh&no_verify=1&root=/srv/vf/',
    });
  });

  it('parses a bare ssh alias and an IPv6 literal', () => {
    expect(parseConnectionUri('qemu+ssh://kvm1/system', opts)).toEqual({ kind: 'ssh', host: 'kvm1', noVerify: false, uri: 'qemu+ssh://kvm1/system' });
    const v6 = parseConnectionUri('qemu+ssh://root@[::1]:22/system?no_verify=0', opts);
    expect(v6).toEqual({ kind: 'ssh', user: 'root', host: '::1', port: 22, noVerify: false, uri: 'qemu+ssh://root@[::1]:22/system' });
  });

  it('gives each kind its host paths', () => {
    expect(hostPaths(parseConnectionUri('qemu:///system'))).toEqual({ stateDir: '/var/lib/virtform', runDir: '/run/virtform', cacheDir: '/var/cache/virtform' });
    expect(hostPaths(parseConnectionUri('qemu:///embed?root=/tmp/e'))).toEqual({ stateDir: '/tmp/e', runDir: '/tmp/e/run', cacheDir: '/tmp/e/cache' });
    expect(hostPaths(parseConnectionUri('qemu+ssh://h/system'))).toEqual({ stateDir: '/var/lib/virtform', runDir: '/run/virtform', cacheDir: '/var/cache/virtform' });
    expect(hostPaths(parseConnectionUri('qemu+ssh://h/system?root=/srv/v'))).toEqual({ stateDir: '/srv/v', runDir: '/srv/v/run', cacheDir: '/srv/v/cache' });
  });

  const bad: [string, string][] = [
    ['qemu+tcp://h/system', "invalid connection URI 'qemu+tcp://h/system': transport 'qemu+tcp' is not supported (virtform runs QEMU itself, locally or over SSH). Use one of: qemu:///embed?root=DIR, qemu:///system, or qemu+ssh://[user@]host[:port]/system[?keyfile=PATH&known_hosts=PATH&no_verify=1&root=DIR]."],
    ['qemu:///session', "invalid connection URI 'qemu:///session': virtform has no session mode. Use qemu:///embed?root=DIR for unprivileged local use, or qemu:///system."],
    ['qemu://h1/system', "invalid connection URI 'qemu://h1/system': a local qemu:// URI names no host, but this one names 'h1'. Write qemu+ssh://h1/system to reach that host over SSH, or qemu:///system for this machine."],
    ['qemu:///system?root=/x', "invalid connection URI 'qemu:///system?root=/x': parameter 'root' is not supported by qemu:///system. Remove the parameter."],
    ['qemu:///embed?rot=/x', "invalid connection URI 'qemu:///embed?rot=/x': parameter 'rot' is not supported by qemu:///embed. Supported parameters there: root."],
    ['qemu+ssh://h/system?knownhosts=/k', "invalid connection URI 'qemu+ssh://h/system?knownhosts=/k': parameter 'knownhosts' is not supported by qemu+ssh. Supported parameters there: keyfile, known_hosts, no_verify, root."],
    ['qemu+ssh://h/system?no_verify=yes', "invalid connection URI 'qemu+ssh://h/system?no_verify=yes': no_verify='yes' must be 1 (skip host key checks) or 0. Write no_verify=1 to opt out of host key verification, or leave it out."],
    ['qemu+ssh://h/system?root=rel', "invalid connection URI 'qemu+ssh://h/system?root=rel': root='rel' must be an absolute path on the remote host. Write root=/absolute/dir (for example root=/var/lib/virtform-test)."],
    ['qemu+ssh://h:99999/system', "invalid connection URI 'qemu+ssh://h:99999/system': port '99999' is not a number from 1 to 65535. Fix the port or leave it out for 22."],
    ['qemu+ssh://root@h', "invalid connection URI 'qemu+ssh://root@h': path '(empty)' must be /system. Write qemu+ssh://root@h/system; use root=DIR to relocate state."],
    ['qemu+ssh:///system', "invalid connection URI 'qemu+ssh:///system': qemu+ssh needs a host. Write qemu+ssh://user@host/system."],
    ['qemu+ssh://h/system?keyfile=/a&keyfile=/b', "invalid connection URI 'qemu+ssh://h/system?keyfile=/a&keyfile=/b': parameter 'keyfile' is given twice. Keep one of them."],
    ['qemu+ssh://h/system?keyfile=', "invalid connection URI 'qemu+ssh://h/system?keyfile=': parameter 'keyfile' has no value. Write keyfile=VALUE or remove it."],
    ['qemu:///embed?root=%zz', "invalid connection URI 'qemu:///embed?root=%zz': '%zz' has a malformed %-escape. Write %XX with two hex digits, for example %20 for a space."],
    ['/var/lib/virtform', "invalid connection URI '/var/lib/virtform': it is not of the form scheme://[user@]host[:port]/path[?params]. Use one of: qemu:///embed?root=DIR, qemu:///system, or qemu+ssh://[user@]host[:port]/system[?keyfile=PATH&known_hosts=PATH&no_verify=1&root=DIR]."],
  ];
  it.each(bad)('rejects %s with a message naming value, rule and fix', (uri, message) => {
    expect(() => parseConnectionUri(uri, opts)).toThrow(message);
    try {
      parseConnectionUri(uri, opts);
    } catch (e) {
      expect((e as { code: string }).code).toBe('BAD_URI');
    }
  });
});
