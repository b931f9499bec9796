/**
 * The virtio socket device: {"driver":"vhost-vsock-pci","id":"vsock0","guest-cid":4,
 * "vhostfd":"6789","bus":"pci.0","addr":"0x7"}. libvirt opens /dev/vhost-vsock and passes the
 * fd; without fd passing QEMU opens it itself. An automatic CID is the one the host picked
 * (ArgvHost.vsockCid).
 *
 * Owner: devices engineer.
 */
import type { Domain } from '../../../../model/domain/domain';
import type { QemuCommandLine } from '../command-line';
import type { ArgvContext } from '../context';
import type { ArgvState } from '../build';
import { addAddressProps } from '../device-address';
import { addDeviceJson } from '../device-json';
import { virtioDeviceProps } from '../virtio-device';
import { internalError } from '../../validate/errors';

/** The /dev/vhost-vsock fd libvirt's test harness passes. */
export const TEST_VHOST_VSOCK_FD = 6789;

export function buildVsock(cmd: QemuCommandLine, def: Domain, ctx: ArgvContext, _state: ArgvState): void {
  const v = def.devices?.vsock;
  if (!v) return;
  const props = virtioDeviceProps('vhost-vsock', { address: v.address, model: v.model }, v.driver, ctx.caps);
  props.id = v.alias?.name ?? 'vsock0';
  const cid = v.cid?.auto === 'yes' || v.cid?.address === undefined ? ctx.host.vsockCid ?? v.cid?.address : v.cid.address;
  if (cid === undefined) throw internalError('no guest CID was allocated for the vsock device');
  props['guest-cid'] = cid;
  if (ctx.fdPassing === 'test-fds') props.vhostfd = String(TEST_VHOST_VSOCK_FD);
  addDeviceJson(cmd, def, addAddressProps(props, def, v));
}
