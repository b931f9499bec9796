import { QemuCommandLine, shellEscape, qemuOptEscape } from '../../../../provider/qemu/argv/command-line';

describe('shellEscape (libvirt quotes only words with shell metacharacters)', () => {
  it.each([
    ['/usr/bin/qemu-system-x86_64', '/usr/bin/qemu-system-x86_64'],
    ['guest=foo=1,,bar=2,debug-threads=on', 'guest=foo=1,,bar=2,debug-threads=on'],
    ['user@host:5%', 'user@host:5%'],
    ['', "''"],
    ['a b', "'a b'"],
    ['{"a":1}', `'{"a":1}'`],
    ["it's", `'it'\\''s'`],
    ['x^y', "'x^y'"],
    ['~root', "'~root'"],
    ['a\\b', "'a\\b'"],
  ])('%j → %s', (word, quoted) => {
    expect(shellEscape(word)).toBe(quoted);
  });
});

describe('QemuCommandLine.toArgsFile', () => {
  it('prints env, binary, then options paired with their values, a value starting with - on its own line', () => {
    const cmd = new QemuCommandLine('/usr/bin/qemu-system-x86_64');
    cmd.setEnv('LC_ALL', 'C').setEnv('BAR', '');
    cmd.add('-S').add('-append', '-quiet').add('-name', 'guest=a b').addJson('-object', { 'qom-type': 'secret', id: 's0' });
    cmd.args.push('positional1', 'positional2');
    expect(cmd.toArgsFile()).toBe(
      [
        'LC_ALL=C \\',
        "BAR='' \\",
        '/usr/bin/qemu-system-x86_64 \\',
        '-S \\',
        '-append \\',
        '-quiet \\',
        "-name 'guest=a b' \\",
        `-object '{"qom-type":"secret","id":"s0"}' \\`,
        'positional1 \\',
        'positional2',
        '',
      ].join('\n'),
    );
    expect(cmd.toArgv()).toEqual(['/usr/bin/qemu-system-x86_64', '-S', '-append', '-quiet', '-name', 'guest=a b', '-object', '{"qom-type":"secret","id":"s0"}', 'positional1', 'positional2']);
  });

  it('setEnv replaces a variable in place', () => {
    const cmd = new QemuCommandLine('/q');
    cmd.setEnv('A', '1').setEnv('B', '2').setEnv('A', '3');
    expect(cmd.env).toEqual([['A', '3'], ['B', '2']]);
  });

  it('qemuOptEscape doubles commas', () => {
    expect(qemuOptEscape('a,b,,c')).toBe('a,,b,,,,c');
  });
});
