/**
 * The error the QEMU driver raises when a domain cannot run on this QEMU (or cannot be turned
 * into a command line). Its message is libvirt 9.0's text, including libvirt's category prefix
 * (`unsupported configuration: `, `internal error: `, `XML error: `), so a conformance run can
 * compare it byte for byte with the corpus `.err` files and users who know libvirt recognize it.
 */

/**
 * libvirt's error categories that reach users of the QEMU driver, each printed as a prefix
 * before the detail. `plain` has no prefix (libvirt reports some firmware and parse errors
 * that way).
 */
export type QemuErrorKind = 'unsupported-config' | 'internal' | 'xml' | 'operation-invalid' | 'operation-failed' | 'invalid-arg' | 'plain';

const PREFIX: Readonly<Record<QemuErrorKind, string>> = {
  'unsupported-config': 'unsupported configuration: ',
  internal: 'internal error: ',
  xml: 'XML error: ',
  'operation-invalid': 'Requested operation is not valid: ',
  'operation-failed': 'operation failed: ',
  'invalid-arg': 'invalid argument: ',
  plain: '',
};

export class QemuConfigError extends Error {
  /**
   * @param kind libvirt's error category (decides the message prefix)
   * @param detail the message after the prefix, naming the offending value and the rule
   */
  constructor(
    readonly kind: QemuErrorKind,
    readonly detail: string,
  ) {
    super(PREFIX[kind] + detail);
    this.name = 'QemuConfigError';
  }
}

/** `unsupported configuration: ...`: the domain asks for something this QEMU/host cannot do. */
export function unsupported(detail: string): QemuConfigError {
  return new QemuConfigError('unsupported-config', detail);
}

/** `internal error: ...`: libvirt's category for host facts that do not fit the domain. */
export function internalError(detail: string): QemuConfigError {
  return new QemuConfigError('internal', detail);
}

/** `XML error: ...`: inconsistent XML that libvirt's generic checks reject. */
export function xmlError(detail: string): QemuConfigError {
  return new QemuConfigError('xml', detail);
}
