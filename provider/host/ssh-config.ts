/**
 * The subset of ~/.ssh/config that SshTransport honours, so a `qemu+ssh://alias/system` URI
 * reaches the same machine `ssh alias` does.
 *
 * Supported keywords: Host, HostName, User, Port, IdentityFile, IdentitiesOnly,
 * UserKnownHostsFile, IdentityAgent. Tokens %h %r %u %d %% and a leading ~ are expanded in
 * paths. As in OpenSSH, the first value obtained for a keyword wins, except IdentityFile,
 * which accumulates; keyword names are case-insensitive; `key value` and `key=value` both work.
 *
 * Not supported (ignored, documented): Match blocks (their options are skipped), Include,
 * ProxyJump/ProxyCommand, certificates. Our own implementation: the whole subset is ~100 lines,
 * so it is not worth a dependency.
 */

export interface SshConfigBlock {
  /** Host patterns of this block; null for the lines before the first Host (apply to all). */
  readonly patterns: readonly string[] | null;
  readonly options: readonly { readonly key: string; readonly value: string }[];
}

export interface SshConfigResult {
  readonly hostName?: string;
  readonly user?: string;
  readonly port?: number;
  /** Expanded, in config order. */
  readonly identityFiles: readonly string[];
  readonly identitiesOnly: boolean;
  readonly userKnownHostsFiles?: readonly string[];
  /** `none` disables the agent; SSH_AUTH_SOCK means the environment's. */
  readonly identityAgent?: string;
}

export function parseSshConfig(text: string): SshConfigBlock[] {
  const blocks: { patterns: string[] | null; options: { key: string; value: string }[] }[] = [{ patterns: null, options: [] }];
  let skipping = false;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([A-Za-z]+)\s*(?:=\s*|\s+)(.*)$/.exec(line);
    if (!m) continue;
    const key = m[1].toLowerCase();
    const value = m[2].trim();
    if (key === 'host') {
      skipping = false;
      blocks.push({ patterns: splitArgs(value), options: [] });
    } else if (key === 'match') {
      skipping = true;
    } else if (!skipping) {
      blocks[blocks.length - 1].options.push({ key, value });
    }
  }
  return blocks;
}

/** Resolves options for `alias` as `ssh alias` would. `localUser`/`home` feed %u/%d and ~. */
export function resolveSshConfig(
  blocks: readonly SshConfigBlock[],
  alias: string,
  ctx: { readonly home: string; readonly localUser: string; readonly user?: string },
): SshConfigResult {
  const first = new Map<string, string>();
  const identityFiles: string[] = [];
  for (const b of blocks) {
    if (b.patterns && !hostMatches(b.patterns, alias)) continue;
    for (const { key, value } of b.options) {
      if (key === 'identityfile') identityFiles.push(value);
      else if (!first.has(key)) first.set(key, value);
    }
  }
  const hostName = first.get('hostname')?.replace(/%h/g, alias);
  const user = ctx.user ?? unquote(first.get('user'));
  const host = hostName ?? alias;
  const expand = (p: string): string => {
    let s = unquote(p) ?? '';
    s = s.replace(/%(.)/g, (all, c: string) =>
      c === 'h' ? host : c === 'r' ? user ?? ctx.localUser : c === 'u' ? ctx.localUser : c === 'd' ? ctx.home : c === '%' ? '%' : all,
    );
    if (s === '~' || s.startsWith('~/')) s = ctx.home + s.slice(1);
    return s;
  };
  const portText = first.get('port');
  const known = first.get('userknownhostsfile');
  return {
    ...(hostName ? { hostName } : {}),
    ...(user ? { user } : {}),
    ...(portText && /^\d+$/.test(portText) ? { port: Number(portText) } : {}),
    identityFiles: identityFiles.map(expand),
    identitiesOnly: (first.get('identitiesonly') ?? '').toLowerCase() === 'yes',
    ...(known ? { userKnownHostsFiles: splitArgs(known).map(expand) } : {}),
    ...(first.has('identityagent') ? { identityAgent: expand(first.get('identityagent')!) } : {}),
  };
}

function hostMatches(patterns: readonly string[], alias: string): boolean {
  let hit = false;
  for (const p of patterns) {
    const neg = p.startsWith('!');
    const re = new RegExp('^' + (neg ? p.slice(1) : p).replace(/[.+^${}()|\\[\]]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$', 'i');
    if (re.test(alias)) {
      if (neg) return false;
      hit = true;
    }
  }
  return hit;
}

function splitArgs(s: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|(\S+)/g;
  for (let m = re.exec(s); m; m = re.exec(s)) out.push(m[1] ?? m[2]);
  return out;
}

function unquote(s: string | undefined): string | undefined {
  if (s === undefined) return undefined;
  return s.length >= 2 && s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1) : s;
}
