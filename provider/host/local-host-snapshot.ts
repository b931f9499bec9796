/**
 * Host discovery on this machine: the same HostSnapshot as host-discovery.ts's DISCOVERY_SCRIPT
 * gives, read with node's fs instead of a shell.
 *
 * Over SSH the script is one round trip, but locally it was about 90 processes (cat, wc, od,
 * mktemp, command substitutions: ~250 ms on a 2-core VM) to read files node reads in a few
 * milliseconds. This module replays the script step by step, in the same order, with the same
 * rules, so that parseHostSnapshot turns either into the same HostFacts (test: the script's
 * snapshot and this one are compared on the fixture trees and on this machine):
 *   f  whole file (`[ -f ]`, then read; status 0, or EIO with the error text)
 *   t  first line of a one-line attribute; an empty first line is re-read whole, trailing
 *      newlines stripped (the script's `read`, then `$(cat)`); an unreadable file gives ''
 *   l  a symlink to a directory, by the name of the directory it resolves to
 *   dirs / [ -e ] / [ -d ]: paths that exist, following symlinks
 *   globs: `*`, `?` and `[...]` per path component, no dot files, every word's matches sorted
 *      by bytes (dash), a pattern that matches nothing gives nothing
 * What needs a process still does, in ONE exec for all of them, run in parallel: `--version` of
 * each QEMU binary (once per canonical file; its other paths get the same output) and, only for
 * a PCI config space too short to hold the header byte, `od` itself.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { HostError } from './errors';
import { RecordReader } from './host-records';
import type { HostSnapshot } from './host-discovery';
import type { Transport } from './transport';

type FileEntry = { ok: boolean; content: Buffer };

/** `[ -f p ]`, `[ -d p ]`, `[ -e p ]`: following symlinks. */
function statOf(p: string): fs.Stats | undefined {
  try {
    return fs.statSync(p);
  } catch {
    return undefined;
  }
}

const META = /[*?[]/;

/** One path component's glob as a RegExp: `*`, `?`, `[a-z]`, `[!x]`; a leading dot must be literal. */
function componentPattern(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end < 0) {
        re += '\\[';
        continue;
      }
      let body = glob.slice(i + 1, end);
      if (body.startsWith('!')) body = '^' + body.slice(1);
      re += `[${body.replace(/\\/g, '\\\\')}]`;
      i = end;
    } else re += c.replace(/[.+^${}()|\\\]]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** The paths an sh word `pattern` (absolute) expands to, sorted by bytes; [] when nothing matches. */
export function expandGlob(pattern: string): string[] {
  if (!META.test(pattern)) return [pattern];
  let found = [''];
  for (const part of pattern.split('/').slice(1)) {
    if (!META.test(part)) {
      found = found.map((p) => `${p}/${part}`);
      continue;
    }
    const re = componentPattern(part);
    const next: string[] = [];
    for (const dir of found) {
      let names: string[];
      try {
        names = fs.readdirSync(dir === '' ? '/' : dir);
      } catch {
        continue;
      }
      for (const n of names) if (!(n.startsWith('.') && !part.startsWith('.')) && re.test(n)) next.push(`${dir}/${n}`);
    }
    found = next;
  }
  // A literal component after the last glob (`.../nr_hugepages`) must exist for sh to list it.
  return found.filter((p) => fs.existsSync(p) || isSymlink(p)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function isSymlink(p: string): boolean {
  try {
    return fs.lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

/** `date -u +%Y-%m-%dT%H:%M:%SZ`. */
function utcNow(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Runs several commands at once (in parallel: a QEMU's `--version` takes ~25 ms, mostly loading
 * its libraries) in one exec and reports each one's exit code and exact output (stdout and
 * stderr together; trailing newlines kept, since the code is printed after them inside the same
 * command substitution). Arguments, per command: the number of its argv words, then the words.
 * No argument is ever part of the script: it is only referred to as "${N}". Prints, in argument
 * order, `code \0 output \0` per command (a shell variable holds no NUL, so NUL ends the output).
 * Exit status 90 if no temp dir could be made.
 */
export const COMMANDS_SCRIPT = `
d=$(mktemp -d) || exit 90
trap 'rm -rf "$d"' EXIT
k=0
while [ $# -gt 0 ]; do
  n=$1; shift
  c=; i=1
  while [ "$i" -le "$n" ]; do c="$c \\"\\\${$i}\\""; i=$((i + 1)); done
  k=$((k + 1))
  eval "$c" >"$d/$k" 2>&1 </dev/null &
  eval "p$k=\\$!"
  shift "$n"
done
i=0
while [ "$i" -lt "$k" ]; do
  i=$((i + 1))
  eval "wait \\$p$i"; c=$?
  o=$(cat "$d/$i"; printf '\\n%s' "$c")
  printf '%s\\0%s\\0' "\${o##*
}" "\${o%
*}"
done
`;

/** Runs `commands` (name → argv) with COMMANDS_SCRIPT in one exec; name → { code, output }. */
async function runCommands(
  transport: Transport,
  commands: ReadonlyArray<readonly [name: string, argv: readonly string[]]>,
  timeoutMs: number,
): Promise<Map<string, { code: number; output: string }>> {
  const out = new Map<string, { code: number; output: string }>();
  if (commands.length === 0) return out;
  const args = commands.flatMap(([, argv]) => [String(argv.length), ...argv]);
  const r = await transport.exec(['sh', '-c', COMMANDS_SCRIPT, 'sh', ...args], { timeoutMs });
  if (r.code !== 0) {
    throw new HostError(
      'IO',
      `${transport.hostLabel}: host discovery could not run ${commands.map(([, a]) => a[0]).join(', ')} (exit ${r.code}): ${r.stderr.toString('utf8').trim() || 'no message'}`,
    );
  }
  const reader = new RecordReader(r.stdout, transport.hostLabel);
  for (const [name] of commands) {
    const code = Number(reader.field());
    out.set(name, { code, output: reader.field() });
  }
  return out;
}

/**
 * Reads this machine (under `root`, the tests' host-root prefix) as DISCOVERY_SCRIPT would.
 * `transport` runs the commands (QEMU `--version`); it must be the local one.
 */
export async function readLocalHostSnapshot(transport: Transport, root: string, qemuBinaryDirs: readonly string[], timeoutMs: number): Promise<HostSnapshot> {
  const R = root;
  const strip = (p: string): string => (R !== '' && p.startsWith(R) ? p.slice(R.length) : p);
  const files = new Map<string, FileEntry>();
  const links = new Map<string, string>();
  const dirs = new Set<string>();
  const commands = new Map<string, { code: number; output: string }>();
  const qemuBinaries: { path: string; canonical: string }[] = [];
  const values = new Map<string, string>();

  const f = (...patterns: string[]): void => {
    for (const p of patterns.flatMap(expandGlob)) {
      if (!statOf(p)?.isFile()) continue;
      try {
        files.set(strip(p), { ok: true, content: fs.readFileSync(p) });
      } catch (e) {
        files.set(strip(p), { ok: false, content: Buffer.from(`cat: ${p}: ${(e as Error).message}\n`) });
      }
    }
  };
  const t = (...patterns: string[]): void => {
    for (const p of patterns.flatMap(expandGlob)) {
      if (!statOf(p)?.isFile()) continue;
      let v = '';
      try {
        const text = fs.readFileSync(p, 'utf8');
        const nl = text.indexOf('\n');
        v = nl < 0 ? text : text.slice(0, nl);
        if (v === '') v = text.replace(/\n+$/, '');
      } catch {
        v = '';
      }
      files.set(strip(p), { ok: true, content: Buffer.from(v + '\n', 'utf8') });
    }
  };
  const l = (...patterns: string[]): void => {
    for (const p of patterns.flatMap(expandGlob)) {
      if (!isSymlink(p)) continue;
      try {
        const real = fs.realpathSync(p);
        if (fs.statSync(real).isDirectory()) links.set(strip(p), path.posix.basename(real));
      } catch {
        // `cd -P` fails: no record
      }
    }
  };
  const d = (...patterns: string[]): void => {
    for (const p of patterns.flatMap(expandGlob)) if (statOf(p)?.isDirectory()) dirs.add(strip(p));
  };

  // Commands run last, in one exec; each keeps its place in the record order (a placeholder now).
  const pending: [name: string, argv: string[]][] = [];
  const later = (name: string, argv: string[]): void => {
    commands.set(name, { code: -1, output: '' });
    pending.push([name, argv]);
  };

  commands.set('uname', { code: 0, output: `${os.machine()}\n` });
  commands.set('date', { code: 0, output: `${utcNow()}\n` });
  t(`${R}/proc/sys/kernel/hostname`, `${R}/proc/sys/kernel/osrelease`);
  f(`${R}/proc/meminfo`, `${R}/proc/mounts`, `${R}/proc/cgroups`, `${R}/proc/self/mountinfo`);
  const S = `${R}/sys/devices/system`;
  f(`${S}/node/online`, `${S}/node/node*/cpulist`, `${S}/node/node*/distance`, `${S}/node/node*/meminfo`);
  t(`${S}/node/node*/hugepages/hugepages-*/nr_hugepages`, `${S}/node/node*/hugepages/hugepages-*/free_hugepages`);
  f(`${S}/cpu/online`, `${S}/cpu/isolated`);
  for (const c of expandGlob(`${S}/cpu/cpu[0-9]*`)) {
    t(`${c}/topology/physical_package_id`, `${c}/topology/die_id`, `${c}/topology/core_id`);
    f(`${c}/topology/thread_siblings_list`);
  }
  t(`${R}/sys/kernel/mm/hugepages/hugepages-*/nr_hugepages`, `${R}/sys/kernel/mm/hugepages/hugepages-*/free_hugepages`);
  for (const dev of expandGlob(`${R}/sys/bus/pci/devices/*`)) {
    if (!statOf(dev)) continue;
    t(
      ...['vendor', 'device', 'class', 'numa_node', 'driver_override', 'sriov_totalvfs', 'sriov_numvfs', 'reset_method'].map((n) => `${dev}/${n}`),
      `${dev}/mdev_supported_types/*/name`,
      `${dev}/mdev_supported_types/*/available_instances`,
      `${dev}/mdev_supported_types/*/device_api`,
    );
    if (statOf(`${dev}/reset`)) dirs.add(`${strip(dev)}/reset`);
    d(`${dev}/mdev_supported_types/*`);
    l(`${dev}/driver`, `${dev}/iommu_group`, `${dev}/physfn`, `${dev}/virtfn*`);
    if (statOf(`${dev}/config`)?.isFile()) {
      // `od -An -tx1 -j14 -N1 config`: the header type byte as ' xx\n'.
      const name = `header:${strip(dev)}`;
      let byte: number | undefined;
      try {
        const b = fs.readFileSync(`${dev}/config`);
        if (b.length > 14) byte = b[14];
      } catch {
        byte = undefined;
      }
      if (byte !== undefined) commands.set(name, { code: 0, output: ` ${byte.toString(16).padStart(2, '0')}\n` });
      else later(name, ['od', '-An', '-tx1', '-j14', '-N1', `${dev}/config`]);
    }
  }
  d(`${R}/sys/kernel/iommu_groups/*`, `${R}/sys/kernel/iommu_groups/*/devices/*`);
  let kvm = 'absent';
  if (statOf(`${R}/dev/kvm`)) {
    try {
      fs.closeSync(fs.openSync(`${R}/dev/kvm`, 'r+'));
      kvm = 'usable';
    } catch {
      kvm = 'denied';
    }
  }
  values.set('kvm', kvm);
  if (statOf(`${R}/proc/mounts`)?.isFile()) {
    let text = '';
    try {
      text = fs.readFileSync(`${R}/proc/mounts`, 'utf8');
    } catch {
      text = '';
    }
    // `while read -r dev mnt type opts rest`: whole lines only (read fails on a last line without a newline).
    for (const line of text.split('\n').slice(0, -1)) {
      const [, mnt, type] = line.trim().split(/[ \t]+/);
      if (type === 'cgroup2') t(`${R}${mnt}/cgroup.controllers`);
    }
  }
  if (statOf(`${R}/proc/self/mountinfo`)?.isFile()) {
    let text = '';
    try {
      text = fs.readFileSync(`${R}/proc/self/mountinfo`, 'utf8');
    } catch {
      text = '';
    }
    // `while read -r id parent mm root mnt rest` + `case " $rest " in *" - cgroup2 "*)`.
    for (const line of text.split('\n').slice(0, -1)) {
      const fields = line.trim().split(/[ \t]+/);
      const rest = fields.slice(5).join(' ');
      if (` ${rest} `.includes(' - cgroup2 ')) t(`${R}${fields[4]}/cgroup.controllers`, `${R}${fields[4]}/cgroup.type`);
    }
  }
  const versionOf = new Map<string, string>(); // canonical path → the command name that runs it
  const aliases: [name: string, canonical: string][] = [];
  for (const dir of qemuBinaryDirs) {
    for (const b of [...expandGlob(`${R}${dir}/qemu-system-*`), `${R}${dir}/qemu-kvm`]) {
      if (!statOf(b)?.isFile()) continue;
      try {
        fs.accessSync(b, fs.constants.X_OK);
      } catch {
        continue;
      }
      let canonical: string;
      try {
        canonical = fs.realpathSync(b);
      } catch {
        canonical = '';
      }
      qemuBinaries.push({ path: strip(b), canonical: R && canonical.startsWith(R + '/') ? canonical.slice(R.length) : canonical });
      const name = `version:${strip(b)}`;
      commands.set(name, { code: -1, output: '' });
      if (canonical && versionOf.has(canonical)) aliases.push([name, canonical]);
      else {
        versionOf.set(canonical, name);
        later(name, [b, '--version']);
      }
    }
  }
  const ran = await runCommands(transport, pending, timeoutMs);
  for (const [name, result] of ran) commands.set(name, result);
  for (const [name, canonical] of aliases) commands.set(name, commands.get(versionOf.get(canonical)!)!);
  return { files, links, dirs, commands, qemuBinaries, values };
}
