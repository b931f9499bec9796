/**
 * Errors raised by the host state layer (definitions store, ownership, lock, journal) and by
 * storage. Messages are written for the user: they name the host, the resource, who owns or
 * holds it, the rule, and the fix. `code` lets callers branch without parsing messages.
 */

export type StateErrorCode =
  | 'BAD_NAME' // a resource, stack or volume name cannot be used as a file name on the host
  | 'NOT_OWNED' // the resource exists on the host but virtform has no ownership record for it
  | 'OTHER_STACK' // the resource is owned by another stack
  | 'CORRUPT' // an ownership record, holder file or journal line cannot be read
  | 'LOCKED' // another virtform command holds the host lock
  | 'LOCK_NOT_HELD' // a write was attempted without holding the host lock (or after losing it)
  | 'LOCK_FAILED' // the lock could not be taken for a reason other than another holder
  | 'ESCAPES_POOL' // a volume path would leave its pool directory
  | 'EXISTS' // the target of a create already exists
  | 'NOT_FOUND' // the volume, pool directory or file does not exist
  | 'SHRINK_REFUSED' // a resize would shrink a volume without allowShrink
  | 'UNSAFE_IMAGE' // an imported image refers to files outside the pool (backing file, data file)
  | 'CHECKSUM' // an uploaded or downloaded image does not match its expected digest
  | 'DOWNLOAD' // an HTTP(S) download failed
  | 'COMMAND_FAILED'; // a host command (qemu-img, mkdir, ...) exited non-zero

export class StateError extends Error {
  constructor(
    readonly code: StateErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'StateError';
  }
}
