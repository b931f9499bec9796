/**
 * The one place where argv becomes a shell line. SSH exec hands the remote side a single
 * string that the login shell parses, so every command we run over SSH passes through here.
 *
 * Invariants:
 * - `sh -c "$(shellQuoteArgv(argv))"` runs argv[0] with exactly the bytes of argv[1..] (UTF-8),
 *   under any POSIX shell (dash, bash, busybox sh, ksh, zsh in sh or native mode).
 * - A word is left bare only if it is made of characters no POSIX shell (nor zsh) treats
 *   specially: letters, digits and `_ - + . , / : @ %`. Everything else is single-quoted, and a
 *   single quote inside becomes `'\''`. No escape is interpreted inside single quotes, so this
 *   is total: `$()`, backticks, `\`, newlines, globs, `~`, `=` (zsh) stay literal.
 * - Strings that cannot reach a program byte-exact are refused, not mangled: NUL (argv strings
 *   are C strings) and lone UTF-16 surrogates (they have no UTF-8 encoding).
 * - The remote login shell must be POSIX-like (sh, bash, dash, ksh, zsh). fish and csh parse
 *   quotes differently; virtform does not support them as the SSH user's login shell.
 */

const BARE = /^[A-Za-z0-9_\-+.,/:@%]+$/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Quotes one argument for a POSIX shell. Throws a TypeError naming the argument for NUL or a lone surrogate. */
export function shellQuote(arg: string): string {
  if (typeof arg !== 'string') throw new TypeError(`shellQuote: expected a string, got ${typeof arg}`);
  if (arg.includes('\0')) {
    throw new TypeError(
      `shell argument ${JSON.stringify(arg)} contains a NUL byte: a program argument cannot carry NUL; ` +
        'pass binary data on stdin instead',
    );
  }
  if (LONE_SURROGATE.test(arg)) {
    throw new TypeError(
      `shell argument ${JSON.stringify(arg)} contains a lone UTF-16 surrogate, which has no UTF-8 encoding; ` +
        'fix the string before passing it to a host command',
    );
  }
  if (BARE.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** Quotes an argv array into one shell line: each element becomes exactly one word. */
export function shellQuoteArgv(argv: readonly string[]): string {
  if (argv.length === 0) throw new TypeError('shellQuoteArgv: argv is empty; a command needs at least argv[0]');
  return argv.map(shellQuote).join(' ');
}
