/**
 * Skipping with a stated reason. Jest prints no reason for it.skip, so the reason goes into
 * the test's name: `… [skipped: needs root]` shows up in the run summary.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

export const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/** True when `name` is an executable on PATH (or an absolute path that exists). */
export function hasBinary(name: string): boolean {
  if (name.startsWith('/')) return fs.existsSync(name);
  return spawnSync('sh', ['-c', 'command -v "$1" >/dev/null 2>&1', 'sh', name]).status === 0;
}

/** The shared folder beside the repository (DESIGN.md: ../shared); null in a fresh clone. */
export function sharedDir(): string | null {
  const dir = path.resolve(__dirname, '..', '..', '..', 'shared');
  return fs.existsSync(dir) ? dir : null;
}

/** The reason a test cannot run here, or null when it can. First failing condition wins. */
export function missing(reqs: { root?: boolean; binaries?: readonly string[]; shared?: boolean }): string | null {
  if (reqs.root && !isRoot) return 'needs root';
  for (const b of reqs.binaries ?? []) if (!hasBinary(b)) return `needs ${b}, which is not installed`;
  if (reqs.shared && !sharedDir()) return 'needs ../shared (absent in a fresh clone)';
  return null;
}

/** `it` when reason is null, else an `it.skip` whose name carries the reason. */
export function itIf(reason: string | null): (name: string, fn: jest.ProvidesCallback, timeout?: number) => void {
  return reason === null ? it : (name, fn, timeout) => it.skip(`${name} [skipped: ${reason}]`, fn, timeout);
}

/** `describe` when reason is null, else `describe.skip` with the reason in its name. */
export function describeIf(reason: string | null): (name: string, fn: () => void) => void {
  return reason === null ? describe : (name, fn) => describe.skip(`${name} [skipped: ${reason}]`, fn);
}
