/**
 * examples/hello for tests: a copy of the stack whose pool lives under the test's directory
 * instead of /var/lib/virtform-hello (the only host path in the example), so tests and the demo
 * never share a pool, and helpers that read what the stack made on a host.
 */
import * as fs from 'fs';
import * as path from 'path';

export const HELLO_DIR = path.join(__dirname, '..', '..', 'examples', 'hello');
/** The pool directory examples/hello names. */
export const HELLO_POOL_PATH = '/var/lib/virtform-hello';

/**
 * Copies examples/hello (or the stack at `from`: compiled code in dist/ passes the repository's
 * examples/hello) to `dest` with the pool's directory set to `poolDir`; returns `dest`.
 */
export function copyHelloStack(dest: string, poolDir: string, from: string = HELLO_DIR): string {
  fs.cpSync(from, dest, { recursive: true });
  const pool = path.join(dest, 'pools', 'hello.xml');
  const text = fs.readFileSync(pool, 'utf8');
  if (!text.includes(`<path>${HELLO_POOL_PATH}</path>`)) throw new Error(`${pool} no longer names ${HELLO_POOL_PATH}; update test/support/hello-stack.ts`);
  fs.writeFileSync(pool, text.replace(`<path>${HELLO_POOL_PATH}</path>`, `<path>${poolDir}</path>`));
  return dest;
}

/** Sets the domain's `<currentMemory>` in MiB (the balloon target). */
export function setHelloCurrentMemory(stack: string, mib: number): void {
  const file = path.join(stack, 'domains', 'hello.xml');
  const text = fs.readFileSync(file, 'utf8');
  const next = text.replace(/<currentMemory unit='MiB'>\d+<\/currentMemory>/, `<currentMemory unit='MiB'>${mib}</currentMemory>`);
  if (next === text) throw new Error(`${file} has no <currentMemory unit='MiB'> to change`);
  fs.writeFileSync(file, next);
}

/** The UUID virtform stored for domain `name` under state root `root`. */
export function storedUuid(root: string, name: string): string {
  return /<uuid>([^<]+)<\/uuid>/.exec(fs.readFileSync(path.join(root, 'domains', `${name}.xml`), 'utf8'))![1];
}
