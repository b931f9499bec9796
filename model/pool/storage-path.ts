/**
 * File paths in storage documents. libvirt cleans pool paths when it parses them
 * (`///var//lib/images/` becomes `/var/lib/images`), so virtform stores the cleaned form.
 */
import { Type, type TString } from '@sinclair/typebox';
import { CodecError, type ValueCodec } from '../schema';

/**
 * Collapses repeated slashes and drops a trailing one. A path starting with exactly two
 * slashes keeps them (POSIX leaves `//` implementation-defined); three or more become one.
 * An empty result is `/`.
 */
export function sanitizePath(path: string): string {
  let out = '';
  let i = 0;
  if (path.startsWith('//') && path[2] !== '/') {
    out = '//';
    i = 2;
  }
  while (i < path.length) {
    if (path[i] === '/') {
      while (path[i] === '/') i++;
      if (i >= path.length) break;
      out += '/';
    } else {
      out += path[i++];
    }
  }
  return out === '' ? '/' : out;
}

export interface PathOpts {
  /** Require an absolute path (`/...`). */
  readonly absolute?: boolean;
}

/** A path attribute or text, stored cleaned by sanitizePath. */
export function storagePath(opts: PathOpts = {}): ValueCodec<TString> {
  const what = opts.absolute ? 'an absolute path' : 'a path';
  return {
    schema: Type.String({ minLength: 1, ...(opts.absolute ? { pattern: '^/' } : {}) }),
    describe: what,
    parse(raw) {
      if (raw === '') throw new CodecError(`must be ${what}`);
      if (opts.absolute && !raw.startsWith('/')) throw new CodecError(`must be ${what}`, `write it from the root, e.g. /var/lib/libvirt/images`);
      return sanitizePath(raw);
    },
    format: (v) => v,
  };
}
