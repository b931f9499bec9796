/**
 * openTransport: -c URI → a connected Transport. embed and system run locally; qemu+ssh
 * connects (or joins the pooled connection) and verifies the host key before returning, so
 * a bad host key or credential fails here, before any command runs.
 *
 * ssh-transport (and ssh2, ~40 ms to load) is loaded only for an SSH URI.
 */
import { LocalTransport } from './local-transport';
import type { SshTransportOptions } from './ssh-transport';
import type { Transport } from './transport';
import { parseConnectionUri, type ConnectionUri, type ParseUriOptions } from './uri';

export type OpenTransportOptions = SshTransportOptions & ParseUriOptions;

export async function openTransport(uri: string | ConnectionUri | undefined, opts: OpenTransportOptions = {}): Promise<Transport> {
  const parsed = typeof uri === 'object' ? uri : parseConnectionUri(uri, opts);
  if (parsed.kind === 'ssh') {
    const { SshTransport } = await import('./ssh-transport');
    return SshTransport.open(parsed, opts);
  }
  return new LocalTransport(parsed.uri);
}
