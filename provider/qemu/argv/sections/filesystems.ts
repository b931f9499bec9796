/**
 * Filesystems shared with the guest, in domain order:
 *   virtio-9p  `-fsdev local,security_model=...,id=fsdev-<alias>,path=<dir>` and
 *              `virtio-9p-pci` with `fsdev` and `mount_tag`;
 *   virtiofs   `-chardev socket` to the virtiofsd socket (`<lib dir>/<alias>-fs.sock`, or the
 *              `<source socket>` of an externally started daemon) and `vhost-user-fs-pci` with
 *              `chardev` and `tag`.
 *
 * Owner: storage engineer.
 */
import type { Domain } from '../../../../model/domain/domain';
import type { Filesystem } from '../../../../model/domain/devices/filesystem';
import type { QemuCommandLine } from '../command-line';
import { qemuOptEscape } from '../command-line';
import type { ArgvContext } from '../context';
import type { ArgvState } from '../build';
import { addAddressProps } from '../device-address';
import { addDeviceJson } from '../device-json';
import { virtioDeviceProps } from '../virtio-device';
import { unsupported } from '../../validate/errors';

/** `0644` for a mode written `644` or `0644`. */
/** A file mode (the model stores it as a number) in QEMU's four-digit octal form. */
function octalMode(mode: number): string {
  return mode.toString(8).padStart(4, '0');
}

/** The `-fsdev` option string of a 9p share. */
export function fsdevOptions(fs: Filesystem): string {
  const parts: string[] = [];
  const driver = fs.driver?.type ?? 'path';
  if (driver === 'path') {
    parts.push('local');
    switch (fs.accessmode ?? 'passthrough') {
      case 'mapped':
        parts.push('security_model=mapped');
        break;
      case 'passthrough':
        parts.push('security_model=passthrough');
        break;
      case 'squash':
        parts.push('security_model=none');
        break;
    }
    if (fs.multidevs && fs.multidevs !== 'default') parts.push(`multidevs=${fs.multidevs}`);
    if (fs.fmode) parts.push(`fmode=${octalMode(fs.fmode)}`);
    if (fs.dmode) parts.push(`dmode=${octalMode(fs.dmode)}`);
  } else if (driver === 'handle') {
    parts.push('handle');
  } else {
    throw unsupported(`filesystem driver type '${driver}' is not supported`);
  }
  if (fs.driver?.wrpolicy) parts.push(`writeout=${fs.driver.wrpolicy}`);
  parts.push(`id=fsdev-${fs.alias?.name ?? ''}`);
  parts.push(`path=${qemuOptEscape(fs.source?.dir ?? '')}`);
  if (fs.readonly) parts.push('readonly=on');
  return parts.join(',');
}

/** The virtiofsd socket of a virtiofs share. */
export function virtiofsSocketPath(fs: Filesystem, ctx: ArgvContext): string {
  return fs.source?.socket ?? `${ctx.paths.domainLibDir}/${fs.alias?.name ?? ''}-fs.sock`;
}

function add9p(cmd: QemuCommandLine, def: Domain, fs: Filesystem, ctx: ArgvContext): void {
  cmd.add('-fsdev', fsdevOptions(fs));
  const props = virtioDeviceProps('virtio-9p', { address: fs.address, model: fs.model }, fs.driver, ctx.caps);
  props.id = fs.alias?.name;
  props.fsdev = `fsdev-${fs.alias?.name ?? ''}`;
  props.mount_tag = fs.target?.dir;
  addDeviceJson(cmd, def, addAddressProps(props, def, fs));
}

function addVirtiofs(cmd: QemuCommandLine, def: Domain, fs: Filesystem, ctx: ArgvContext): void {
  const chardev = `chr-vu-${fs.alias?.name ?? ''}`;
  cmd.add('-chardev', `socket,id=${chardev},path=${qemuOptEscape(virtiofsSocketPath(fs, ctx))}`);
  const props = virtioDeviceProps('vhost-user-fs', { address: fs.address, model: fs.model }, fs.driver, ctx.caps);
  props.id = fs.alias?.name;
  props.chardev = chardev;
  if (fs.driver?.queue) props['queue-size'] = fs.driver.queue;
  props.tag = fs.target?.dir;
  if (fs.boot) props.bootindex = fs.boot.order;
  addDeviceJson(cmd, def, addAddressProps(props, def, fs));
}

export function buildFilesystems(cmd: QemuCommandLine, def: Domain, ctx: ArgvContext, _state: ArgvState): void {
  for (const fs of def.devices?.filesystems ?? []) {
    switch (fs.driver?.type ?? 'path') {
      case 'path':
      case 'handle':
        add9p(cmd, def, fs, ctx);
        break;
      case 'virtiofs':
        addVirtiofs(cmd, def, fs, ctx);
        break;
      default:
        throw unsupported(`Filesystem driver type '${fs.driver?.type}' is not supported`);
    }
  }
}
