/**
 * The three Transport methods a QEMU probe needs, done with plain node child_process/net on this
 * machine. A test stand-in only: provider/host owns the real local and SSH transports.
 */
import { execFile } from 'child_process';
import type { QemuProbeHost } from '../../provider/qemu/caps/binary-probe';
import { connectUnix } from './qemu';

export function localProbeHost(): QemuProbeHost & { readonly commands: string[][] } {
  const commands: string[][] = [];
  return {
    hostLabel: 'localhost',
    commands,
    exec(argv, opts = {}) {
      commands.push([...argv]);
      return new Promise((resolve) => {
        const child = execFile(
          argv[0],
          argv.slice(1),
          { encoding: 'buffer', timeout: opts.timeoutMs, env: { ...process.env, ...opts.env }, cwd: opts.cwd },
          (err, stdout, stderr) => {
            const e = err as (Error & { code?: number | string; signal?: string }) | null;
            resolve({
              code: e ? (typeof e.code === 'number' ? e.code : null) : 0,
              ...(e?.signal ? { signal: e.signal } : {}),
              stdout: stdout as Buffer,
              stderr: typeof e?.code === 'string' ? Buffer.from(e.message) : (stderr as Buffer),
            });
          },
        );
        if (opts.stdin !== undefined) child.stdin?.end(opts.stdin);
      });
    },
    connectUnix: (p) => connectUnix(p),
  };
}
