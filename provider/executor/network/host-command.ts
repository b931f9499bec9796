/**
 * Runs one host command for the network code and turns a failure into a NetworkError that
 * names the host, what was being done, the command and its error output. Commands are argv
 * arrays (Transport.exec); nothing here builds a shell line.
 */
import type { ExecOptions, ExecResult, Transport } from '../../host';
import { NetworkError } from './network-error';

/** Programs a network needs, with the Debian package that ships each (for MISSING messages). */
export const PROGRAM_PACKAGES: Readonly<Record<string, string>> = {
  ip: 'iproute2',
  nft: 'nftables',
  dnsmasq: 'dnsmasq-base',
};

/** Runs argv; resolves with the result when it exits 0, throws COMMAND_FAILED (or MISSING for 127) otherwise. */
export async function runHostCommand(t: Transport, argv: readonly string[], what: string, opts: ExecOptions = {}): Promise<ExecResult> {
  const r = await t.exec(argv, opts);
  if (r.code === 0) return r;
  throw commandError(t, argv, what, r);
}

export function commandError(t: Transport, argv: readonly string[], what: string, r: ExecResult): NetworkError {
  const err = r.stderr.toString('utf8').trim() || r.stdout.toString('utf8').trim();
  if (r.code === 127) {
    const pkg = PROGRAM_PACKAGES[argv[0].split('/').pop()!];
    return new NetworkError('MISSING', `${t.hostLabel}: ${what}: '${argv[0]}' is not installed${pkg ? ` (Debian package ${pkg})` : ''}. Install it on the host.`);
  }
  const status = r.code === null ? `was killed by ${r.signal ?? 'a signal'}` : `exited with status ${r.code}`;
  return new NetworkError('COMMAND_FAILED', `${t.hostLabel}: ${what}: \`${argv.join(' ')}\` ${status}${err ? `: ${err}` : ''}`);
}
