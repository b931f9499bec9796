import { execFileSync } from 'child_process';
import { shellQuote, shellQuoteArgv } from '../../../provider/host/quote';
import { hasBinary } from '../../support/skip';
import { HOSTILE } from './hostile-strings';

/** Runs the quoted line under `shell -c` and returns the arguments printf saw, NUL-split. */
function roundTrip(shell: readonly string[], args: readonly string[]): string[] {
  const line = shellQuoteArgv(['printf', '%s\\0', ...args]);
  const out = execFileSync(shell[0], [...shell.slice(1), '-c', line]);
  const parts = out.toString('utf8').split('\0');
  parts.pop(); // after the last terminator
  return parts;
}

describe('shellQuote', () => {
  it('leaves plain words bare and single-quotes everything else', () => {
    expect(shellQuote('qemu-system-x86_64')).toBe('qemu-system-x86_64');
    expect(shellQuote('/run/virtform/vm1/qmp.sock')).toBe('/run/virtform/vm1/qmp.sock');
    expect(shellQuote('a,b:c@d%e+f')).toBe('a,b:c@d%e+f');
    expect(shellQuote('')).toBe("''");
    expect(shellQuote('a b')).toBe("'a b'");
    expect(shellQuote("it's")).toBe("'it'\\''s'");
    expect(shellQuote('$(id)')).toBe("'$(id)'");
    expect(shellQuote('=ls')).toBe("'=ls'");
    expect(shellQuote('~')).toBe("'~'");
  });

  it('refuses a NUL byte, naming the argument and the fix', () => {
    expect(() => shellQuote('a\0b')).toThrow('shell argument "a\\u0000b" contains a NUL byte: a program argument cannot carry NUL; pass binary data on stdin instead');
  });

  it('refuses a lone UTF-16 surrogate but accepts a proper pair', () => {
    expect(() => shellQuote('x\uD800y')).toThrow(/lone UTF-16 surrogate/);
    expect(() => shellQuote('\uDC00')).toThrow(/lone UTF-16 surrogate/);
    expect(shellQuote('\uD83D\uDE00')).toBe("'\uD83D\uDE00'");
  });

  it('refuses an empty argv', () => {
    expect(() => shellQuoteArgv([])).toThrow('shellQuoteArgv: argv is empty; a command needs at least argv[0]');
  });

  const shells: [string, string[]][] = [
    ['/bin/sh', ['/bin/sh']],
    ['dash', ['dash']],
    ['bash', ['bash']],
    ['bash --posix', ['bash', '--posix']],
    ['busybox sh', ['busybox', 'sh']],
    ['zsh', ['zsh']],
    ['ksh', ['ksh']],
  ];
  for (const [name, argv] of shells) {
    const ok = hasBinary(argv[0]);
    (ok ? it : it.skip)(`passes every hostile string byte-exact through ${name} -c${ok ? '' : ` [skipped: ${argv[0]} not installed]`}`, () => {
      expect(roundTrip(argv, HOSTILE)).toEqual([...HOSTILE]);
      // One argument at a time too: a string must not merge with or split into its neighbours.
      for (const s of HOSTILE) expect(roundTrip(argv, ['<', s, '>'])).toEqual(['<', s, '>']);
    });
  }

  it('keeps $(...) from running: no file is created', () => {
    const marker = `/tmp/virtform-quote-${process.pid}`;
    roundTrip(['/bin/sh'], [`$(touch ${marker})`, `\`touch ${marker}\``]);
    expect(require('fs').existsSync(marker)).toBe(false);
  });
});
