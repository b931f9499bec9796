import { execFileSync } from 'child_process';
import { writeCpioNewc } from './cpio-newc';

const haveCpio = (() => {
  try {
    execFileSync('cpio', ['--version']);
    return true;
  } catch {
    return false;
  }
})();

describe('newc cpio writer', () => {
  const archive = writeCpioNewc([
    { type: 'dir', path: 'bin' },
    { type: 'file', path: '/bin/hello', data: Buffer.from('hi\n'), mode: 0o755 },
    { type: 'symlink', path: 'bin/sh', target: 'hello' },
    { type: 'char', path: 'dev/console', major: 5, minor: 1 },
  ]);

  it('starts each header with the newc magic and aligns to 4 bytes', () => {
    expect(archive.subarray(0, 6).toString()).toBe('070701');
    expect(archive.length % 4).toBe(0);
    expect(archive.includes(Buffer.from('TRAILER!!!\0'))).toBe(true);
  });

  (haveCpio ? it : it.skip)('is read back by GNU cpio with types, modes, sizes and device numbers', () => {
    const listing = execFileSync('cpio', ['-itv', '--quiet'], { input: archive, encoding: 'utf8' })
      .trim()
      .split('\n')
      .map((l) => l.split(/\s+/));
    // Fields: mode, links, owner, group, size (or "major," minor for devices), month, day, year/time, name...
    expect(listing.map((f) => [f[0], f[f.length - 1]])).toEqual([
      ['drwxr-xr-x', 'bin'],
      ['-rwxr-xr-x', 'bin/hello'],
      ['lrwxrwxrwx', 'hello'],
      ['crw-------', 'dev/console'],
    ]);
    expect(listing[1][4]).toBe('3');
    expect(listing[2].slice(-3)).toEqual(['bin/sh', '->', 'hello']);
    expect(listing[3].slice(4, 6)).toEqual(['5,', '1']);
    const content = execFileSync('cpio', ['-i', '--quiet', '--to-stdout', 'bin/hello'], { input: archive, encoding: 'utf8' });
    expect(content).toBe('hi\n');
  });
});
