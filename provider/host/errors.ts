/**
 * Errors raised by the host layer. Each message is written for the user: it names the host,
 * the path or value, the rule that failed and the fix. `code` lets callers branch without
 * parsing messages.
 */

export type HostErrorCode =
  | 'BAD_URI' // a connection URI does not follow DESIGN.md's forms
  | 'HOST_KEY_UNKNOWN' // the server's host key is not in known_hosts
  | 'HOST_KEY_MISMATCH' // known_hosts has a different key for this host
  | 'AUTH_FAILED' // no key, agent identity or config key was accepted
  | 'CONNECT_FAILED' // TCP connect or SSH handshake failed
  | 'CONNECTION_LOST' // an established connection dropped while an operation was running
  | 'TIMEOUT' // a command ran longer than its timeoutMs
  | 'NOT_FOUND' // a host file or socket does not exist
  | 'IO' // a host file could not be read or written
  | 'PROTOCOL'; // a host script produced output we could not parse

export class HostError extends Error {
  constructor(
    readonly code: HostErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'HostError';
  }
}
