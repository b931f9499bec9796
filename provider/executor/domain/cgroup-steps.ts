/**
 * cgroup file-system work as a list of steps, run in order on the host by one fixed sh
 * interpreter (CGROUP_STEPS_FUNCTION) in one exec. The cpuset layouts (./cpuset-layout.ts) are
 * such lists; tests run the same lists against a kernel simulator (test/support/fake-cgroup2.ts)
 * through the CgroupRunner port, as FakeSysfs stands in for HostFs.
 *
 * Semantics (the simulator implements the same):
 * - Steps run in order; the first failing step that is not `optional` stops the run, and then
 *   every `undo` step runs; an undo step that fails is reported and the next one runs.
 * - A step with `ifExists` is skipped when that path does not exist.
 * - A failure's message is the kernel's complaint (strerror text: `Operation not supported`),
 *   or `not empty: ID ...` for a failed `empty` step.
 *
 * Invariants: paths are absolute host paths without tab or newline (the encoding is one line
 * per step, tab-separated); values have neither. Nothing of a step is ever part of the script.
 */
import type { Transport } from '../../host/transport';

export type CgroupStep =
  /** Create a cgroup; fails when it exists (File exists). */
  | { readonly op: 'mkdir'; readonly path: string; readonly optional?: boolean; readonly ifExists?: string }
  /** Create a cgroup unless it exists (a shared parent, made by whichever launch comes first). */
  | { readonly op: 'ensure'; readonly path: string; readonly optional?: boolean; readonly ifExists?: string }
  /** Write `value` and a newline to an interface file, in one write. */
  | { readonly op: 'write'; readonly path: string; readonly value: string; readonly optional?: boolean; readonly ifExists?: string }
  /** Write the content of interface file `from` to `path` (v1: a child's cpus/mems as its parent's). */
  | { readonly op: 'copy'; readonly path: string; readonly from: string; readonly optional?: boolean; readonly ifExists?: string }
  /** Read an interface file; its content (whitespace runs as one space, trimmed) is in the result. */
  | { readonly op: 'read'; readonly path: string; readonly optional?: boolean; readonly ifExists?: string }
  /** Fail unless the file is empty (a cgroup.procs that must list no process). */
  | { readonly op: 'empty'; readonly path: string; readonly optional?: boolean; readonly ifExists?: string }
  /**
   * Remove a cgroup and the cgroups below it, bottom-up, with rmdir only (cgroupfs removes the
   * interface files itself). A missing path is success. A busy cgroup (EBUSY: threads still
   * exiting) is retried for up to 5 s.
   */
  | { readonly op: 'rmtree'; readonly path: string; readonly optional?: boolean; readonly ifExists?: string };

export interface CgroupRunResult {
  /** Content of every `read` step that ran, by path. */
  readonly reads: ReadonlyMap<string, string>;
  /** The first failing non-optional step (undo has run), or undefined when all went through. */
  readonly failed?: { readonly index: number; readonly step: CgroupStep; readonly message: string };
  /** Undo steps that failed too (after `failed`), in order. */
  readonly undoFailed?: readonly { readonly step: CgroupStep; readonly message: string }[];
}

/** Runs step lists on one host. Production: ShellCgroupRunner; tests: the cgroup2 kernel simulator. */
export interface CgroupRunner {
  readonly hostLabel: string;
  run(steps: readonly CgroupStep[], undo: readonly CgroupStep[]): Promise<CgroupRunResult>;
}

/**
 * sh functions: `cg_steps ROOT` reads steps from stdin (cgroupStepsInput), runs them and prints
 * records on stdout: `C<TAB>read<TAB>PATH<TAB>VALUE`, `C<TAB>fail<TAB>INDEX<TAB>MESSAGE`,
 * `C<TAB>undo-fail<TAB>UNDO-INDEX<TAB>MESSAGE`, `C<TAB>done`. ROOT is a host-root prefix ('' on
 * a real host).
 *
 * Speed (it runs inside every launch): no subshell per step; writes and reads are shell
 * builtins (`printf >`, `read <`: interface files are one line, and `read` gives the first).
 * Only a failure costs forks: a refused write is repeated through `cat` to learn the kernel's
 * errno text (dash's printf reports every write error as "I/O error"; the kernel refuses the
 * repeat the same way, cgroup writes being all-or-nothing).
 */
export const CGROUP_STEPS_FUNCTION = `
cg_flat() { printf '%s' "$1" | tr '\\n\\t' '  ' | sed 's/  */ /g; s/^ //; s/ $//'; }
cg_rmtree() {
  [ -d "$1" ] || return 0
  for cg_c in "$1"/*/; do
    [ -d "$cg_c" ] || continue
    cg_rmtree "\${cg_c%/}" || return 1
  done
  cg_i=0
  until cg_err=$(rmdir -- "$1" 2>&1); do
    [ -d "$1" ] || return 0
    case $cg_err in *busy*) ;; *) return 1 ;; esac
    [ "$cg_i" -ge 50 ] && return 1
    sleep 0.1
    cg_i=$((cg_i + 1))
  done
}
cg_line() {
  { IFS= read -r cg_x || [ -n "$cg_x" ]; } <"$1" 2>/dev/null && return 0
  # An empty file, or an error: cat tells them apart.
  cg_x=$(cat -- "$1" 2>/dev/null) && { cg_x=\${cg_x%%"$cg_nl"*}; return 0; }
  cg_err=$(cat -- "$1" 2>&1 >/dev/null)
  return 1
}
cg_write() {
  { printf '%s\\n' "$2" >"$1"; } 2>/dev/null && return 0
  cg_err=$( { printf '%s\\n' "$2" | cat >"$1"; } 2>&1 )
}
cg_step() {
  cg_err= cg_x=
  case $1 in
    mkdir) cg_err=$(mkdir -- "$2" 2>&1) ;;
    ensure) [ -d "$2" ] || cg_err=$(mkdir -p -- "$2" 2>&1) ;;
    write) cg_write "$2" "$3" ;;
    copy) cg_line "$3" && cg_write "$2" "$cg_x" ;;
    read) cg_line "$2" && printf 'C\\tread\\t%s\\t%s\\n' "$4" "$cg_x" ;;
    empty) cg_x=$(cat -- "$2" 2>/dev/null) || { cg_err=$(cat -- "$2" 2>&1 >/dev/null); return 1; }
      [ -z "$cg_x" ] || { cg_err="not empty: $(cg_flat "$cg_x")"; return 1; } ;;
    rmtree) cg_rmtree "$2" ;;
    *) cg_err="unknown step $1"; return 1 ;;
  esac
}
cg_steps() {
  cg_root=$1 cg_n=0 cg_failed= cg_undo= cg_tab=$(printf '\\t') cg_nl='
'
  while IFS=$cg_tab read -r cg_op cg_fl cg_if cg_p cg_v; do
    if [ "$cg_op" = undo ]; then
      [ -n "$cg_failed" ] || break
      cg_undo=1 cg_n=0
      continue
    fi
    if [ -n "$cg_failed" ] && [ -z "$cg_undo" ]; then continue; fi
    cg_if=\${cg_if#:} cg_v=\${cg_v#:} cg_p=\${cg_p#:}
    if [ -z "$cg_if" ] || [ -e "$cg_root$cg_if" ]; then
      [ "$cg_op" = copy ] && cg_v=$cg_root$cg_v
      if ! cg_step "$cg_op" "$cg_root$cg_p" "$cg_v" "$cg_p"; then
        if [ -n "$cg_undo" ]; then
          printf 'C\\tundo-fail\\t%s\\t%s\\n' "$cg_n" "$(cg_flat "$cg_err")"
        elif [ "$cg_fl" != :o ]; then
          cg_failed=$cg_n
          printf 'C\\tfail\\t%s\\t%s\\n' "$cg_n" "$(cg_flat "$cg_err")"
        fi
      fi
    fi
    cg_n=$((cg_n + 1))
  done
  printf 'C\\tdone\\n'
}
`;

/** The interpreter's stdin: one line per step (fields prefixed with ':' so that none is empty), `undo`, the undo steps. */
export function cgroupStepsInput(steps: readonly CgroupStep[], undo: readonly CgroupStep[]): string {
  const line = (s: CgroupStep, optional: boolean): string => {
    const value = s.op === 'write' ? s.value : s.op === 'copy' ? s.from : '';
    for (const f of [s.path, value, s.ifExists ?? '']) {
      if (/[\t\n]/.test(f)) throw new TypeError(`cgroup step ${s.op} ${JSON.stringify(s.path)}: a path or value holds a tab or newline`);
    }
    for (const p of [s.path, ...(s.op === 'copy' ? [s.from] : []), ...(s.ifExists ? [s.ifExists] : [])]) {
      if (!p.startsWith('/') || p.split('/').includes('..')) throw new TypeError(`cgroup step ${s.op}: '${p}' is not an absolute host path without '..'`);
    }
    return [s.op, optional || s.optional ? ':o' : ':', `:${s.ifExists ?? ''}`, `:${s.path}`, `:${value}`].join('\t') + '\n';
  };
  return steps.map((s) => line(s, false)).join('') + 'undo\n' + undo.map((s) => line(s, true)).join('');
}

/**
 * The interpreter's records (`C` lines of a larger output are picked out) as a result. Failure
 * messages are reduced to the kernel's errno text: the tools print `cat: write error: TEXT`,
 * `mkdir: cannot create directory 'P': TEXT`, `sh: 1: cannot create P: TEXT`.
 */
export function parseCgroupRecords(stdout: string, steps: readonly CgroupStep[], undo: readonly CgroupStep[]): CgroupRunResult & { readonly done: boolean } {
  const reads = new Map<string, string>();
  let failed: CgroupRunResult['failed'];
  const undoFailed: { step: CgroupStep; message: string }[] = [];
  let done = false;
  const errno = (step: CgroupStep, raw: string): string => {
    if (step.op === 'empty' && raw.startsWith('not empty: ')) return raw;
    const text = (raw.split(': ').pop() ?? '').trim() || raw;
    // dash words ENOENT of a redirection its own way.
    return text === 'Directory nonexistent' ? 'No such file or directory' : text;
  };
  for (const line of stdout.split('\n')) {
    const f = line.split('\t');
    if (f[0] !== 'C') continue;
    if (f[1] === 'read' && f.length >= 4) reads.set(f[2], f.slice(3).join('\t'));
    else if ((f[1] === 'fail' || f[1] === 'undo-fail') && f.length >= 4) {
      const index = Number(f[2]);
      const step = (f[1] === 'fail' ? steps : undo)[index];
      if (!step) continue;
      const message = errno(step, f.slice(3).join('\t').trim());
      if (f[1] === 'fail') failed = { index, step, message };
      else undoFailed.push({ step, message });
    } else if (f[1] === 'done') done = true;
  }
  return { reads, ...(failed ? { failed } : {}), ...(undoFailed.length ? { undoFailed } : {}), done };
}

/** The production runner: one `sh` exec per run over the host's transport. */
export class ShellCgroupRunner implements CgroupRunner {
  readonly hostLabel: string;
  private readonly root: string;
  private readonly timeoutMs: number;

  constructor(
    private readonly transport: Transport,
    opts: { readonly hostRoot?: string; readonly timeoutMs?: number } = {},
  ) {
    this.hostLabel = transport.hostLabel;
    const r = (opts.hostRoot ?? '').replace(/\/+$/, '');
    if (r !== '' && !r.startsWith('/')) throw new TypeError(`hostRoot '${r}' must be an absolute path`);
    this.root = r;
    this.timeoutMs = opts.timeoutMs ?? 60000;
  }

  async run(steps: readonly CgroupStep[], undo: readonly CgroupStep[]): Promise<CgroupRunResult> {
    const r = await this.transport.exec(['sh', '-c', `${CGROUP_STEPS_FUNCTION}\ncg_steps "$1"`, 'sh', this.root], {
      stdin: cgroupStepsInput(steps, undo),
      timeoutMs: this.timeoutMs,
    });
    const out = parseCgroupRecords(r.stdout.toString('utf8'), steps, undo);
    if (r.code !== 0 || !out.done) {
      throw new Error(`${this.hostLabel}: the cgroup step script failed (exit ${r.code ?? r.signal}): ${r.stderr.toString('utf8').trim() || 'no message'}`);
    }
    return { reads: out.reads, ...(out.failed ? { failed: out.failed } : {}), ...(out.undoFailed ? { undoFailed: out.undoFailed } : {}) };
  }
}
