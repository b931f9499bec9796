/**
 * Errors of the domain lifecycle. Every message names the host, the domain and the step that
 * failed, then what happened (QEMU's own stderr verbatim when it has something to say) and the
 * fix. `code` lets callers branch without parsing messages.
 */

export type DomainErrorCode =
  | 'BAD_SPEC' // the LaunchSpec contradicts itself or the run-dir layout (name, argv options)
  | 'ALREADY_RUNNING' // a live QEMU already runs under this name
  | 'PREFLIGHT' // the host cannot honour the spec (pins to offline CPUs, ...) — nothing was started
  | 'SPAWN' // QEMU did not start (its stderr is in the message)
  | 'MONITOR' // the QMP monitor could not be reached or answered with an error
  | 'PIN' // affinity or cpuset could not be applied, or did not read back as planned
  | 'NOT_RUNNING' // the domain has no live QEMU
  | 'MONITOR_BUSY' // another client holds the QMP monitor (it serves one at a time)
  | 'TIMEOUT' // QEMU did not exit (or answer) in time
  | 'STATE'; // status.json is unreadable or from an unknown format version

export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    /** The host label (`localhost`, `root@h1:22`). */
    readonly host: string,
    /** The domain name. */
    readonly domain: string,
    /** The lifecycle step, e.g. `launch: spawn QEMU`, `shutdown: wait for exit`. */
    readonly step: string,
    /** What happened and the fix; the prefix `host: domain 'NAME': STEP:` is added. */
    detail: string,
  ) {
    super(`${host}: domain '${domain}': ${step}: ${detail}`);
    this.name = 'DomainError';
  }
}
