/**
 * A QEMU command line being built: environment, binary and arguments, in order.
 * `toArgsFile()` prints libvirt's test layout (qemuxml2argvdata/*.args): one environment
 * variable per line, then the binary, then each option with its value on its own line, lines
 * joined with ` \` and values shell-quoted only where needed.
 */

export class QemuCommandLine {
  readonly env: [string, string][] = [];
  readonly args: string[] = [];
  /**
   * Ids of the `thread-context` objects the command line creates only to preallocate guest
   * memory on its host nodes (`prealloc-context`). Once QEMU has started they have served their
   * purpose, and libvirt deletes them (`object-del`) before the guest runs: see
   * startup-actions.ts.
   */
  readonly preallocThreadContexts: string[] = [];

  constructor(public binary: string) {}

  setEnv(name: string, value: string): this {
    const i = this.env.findIndex(([n]) => n === name);
    if (i >= 0) this.env[i] = [name, value];
    else this.env.push([name, value]);
    return this;
  }

  /** `-opt` or `-opt value`. */
  add(option: string, value?: string): this {
    this.args.push(option);
    if (value !== undefined) this.args.push(value);
    return this;
  }

  /** `-opt '{"json":...}'`: QEMU's JSON syntax, keys in insertion order (which is libvirt's order). */
  addJson(option: string, props: Record<string, unknown>): this {
    return this.add(option, jsonArg(props));
  }

  /** The argv to exec (binary first). */
  toArgv(): string[] {
    return [this.binary, ...this.args];
  }

  /** libvirt's `.args` layout used by qemuxml2argvtest, ending with a newline. */
  toArgsFile(): string {
    const lines: string[] = this.env.map(([k, v]) => `${k}=${shellEscape(v)}`);
    lines.push(shellEscape(this.binary));
    for (let i = 0; i < this.args.length; i++) {
      const a = this.args[i];
      const next = this.args[i + 1];
      if (a.startsWith('-') && next !== undefined && !next.startsWith('-')) {
        lines.push(`${shellEscape(a)} ${shellEscape(next)}`);
        i++;
      } else {
        lines.push(shellEscape(a));
      }
    }
    return lines.join(' \\\n') + '\n';
  }
}

/** JSON for a QEMU option value. Drops undefined properties; key order is insertion order. */
export function jsonArg(props: Record<string, unknown>): string {
  return jsonText(props);
}

/**
 * JSON text like JSON.stringify, plus `bigint` values printed as plain integers: QEMU takes
 * 64-bit unsigned properties (a disk's `wwn`) that a JS number cannot hold exactly.
 */
function jsonText(v: unknown): string {
  if (typeof v === 'bigint') return v.toString();
  if (Array.isArray(v)) return `[${v.map((e) => (e === undefined ? 'null' : jsonText(e))).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const parts: string[] = [];
    for (const [k, e] of Object.entries(v)) if (e !== undefined) parts.push(`${JSON.stringify(k)}:${jsonText(e)}`);
    return `{${parts.join(',')}}`;
  }
  return JSON.stringify(v);
}

/**
 * Quotes a word for a POSIX shell the way libvirt prints command lines: bare unless it holds a
 * shell metacharacter (whitespace, quotes, backslash, backquote or one of `!#$&()*;<>?[]^{|}~`),
 * else single-quoted with `'` written as `'\''`; the empty word is `''`. (`=`, `,`, `%`, `@`, `+`, `:` stay bare.)
 * This is for display only: virtform never runs command lines through a shell.
 */
export function shellEscape(word: string): string {
  if (word === '') return "''";
  if (!/[\r\t\n !"#$&'()*;<>?[\\\]^`{|}~]/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * QEMU's legacy `key=value,key=value` option syntax: a comma inside a value is written `,,`.
 */
export function qemuOptEscape(value: string): string {
  return value.replace(/,/g, ',,');
}
