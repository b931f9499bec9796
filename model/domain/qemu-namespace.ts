/**
 * Elements of libvirt's QEMU namespace (`xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'`):
 * extra command-line arguments and environment, capability overrides, per-device property
 * overrides and the deprecation policy. They are the escape hatch for what the model lacks.
 */
import type { Static } from '@sinclair/typebox';
import * as X from '../schema';

export const QemuArg = X.element({ value: X.reqAttr(X.str()) });
export const QemuEnv = X.element({
  name: X.reqAttr(X.str({ pattern: '^[a-zA-Z0-9_]+$', describe: 'an environment variable name (letters, digits, _)' })),
  value: X.attr(X.str()),
});
export const QemuCommandline = X.element({
  args: X.children(QemuArg, { xml: 'qemu:arg' }),
  envs: X.children(QemuEnv, { xml: 'qemu:env' }),
});
export type QemuCommandline = Static<typeof QemuCommandline>;

export const QemuCapability = X.element({ capability: X.reqAttr(X.str()) });
export const QemuCapabilities = X.element({
  add: X.children(QemuCapability, { xml: 'qemu:add' }),
  del: X.children(QemuCapability, { xml: 'qemu:del' }),
});
export type QemuCapabilities = Static<typeof QemuCapabilities>;

export const QemuProperty = X.element({
  name: X.reqAttr(X.str()),
  type: X.reqAttr(X.enumOf('string', 'signed', 'unsigned', 'bool', 'remove')),
  value: X.attr(X.str()),
});
export const QemuFrontend = X.element({ properties: X.children(QemuProperty, { xml: 'qemu:property' }) });
export const QemuDeviceOverride = X.element({
  alias: X.reqAttr(X.str()),
  frontend: X.child(QemuFrontend, { xml: 'qemu:frontend' }),
});
export const QemuOverride = X.element({ devices: X.children(QemuDeviceOverride, { xml: 'qemu:device' }) });
export type QemuOverride = Static<typeof QemuOverride>;

export const QemuDeprecation = X.element({ behavior: X.reqAttr(X.enumOf('none', 'omit', 'reject', 'crash')) });
export type QemuDeprecation = Static<typeof QemuDeprecation>;
