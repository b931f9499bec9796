/**
 * `<channel>`: a host/guest communication channel without a guest serial port: a virtio-serial
 * port (guest agent, spice vdagent), a Xen PV channel, or a QEMU user-network guest forward.
 *
 *   <channel type='unix'>
 *     <source mode='bind' path='/var/lib/libvirt/qemu/channel/target/vm.org.qemu.guest_agent.0'/>
 *     <target type='virtio' name='org.qemu.guest_agent.0' state='connected'/>
 *     <address type='virtio-serial' controller='0' bus='0' port='1'/>
 *   </channel>
 */
import * as X from '../../schema';
import type { Static } from '@sinclair/typebox';
import type { ModelIssue } from '../../errors';
import { deviceInfo } from './device-info';
import { deviceIssue } from './device-issue';
import { ChrType, chrSourceProps, validateChrSource } from './chardev';

export const ChannelTarget = X.element({
  type: X.reqAttr(X.enumOf('guestfwd', 'virtio', 'xen')),
  /** guestfwd: the guest-side IP address the forward listens on. */
  address: X.attr(X.str()),
  /** guestfwd: the guest-side TCP port. */
  port: X.attr(X.uint({ max: 65535 })),
  /** virtio/xen: the port name the guest sees (`org.qemu.guest_agent.0`). */
  name: X.attr(X.str()),
  /** virtio: whether a guest process has the port open (running guests only). */
  state: X.attr(X.enumOf('connected', 'disconnected')),
});
export type ChannelTarget = Static<typeof ChannelTarget>;

const { alias, acpi, address } = deviceInfo();

export const Channel = X.element(
  {
    type: X.attr(ChrType),
    tty: X.attr(X.str()),
    ...chrSourceProps(),
    target: X.reqChild(ChannelTarget),
    alias,
    acpi,
    address,
  },
  { neverSelfClose: true },
);
export type Channel = Static<typeof Channel>;

export function validateChannel(channel: Channel, label?: string): ModelIssue[] {
  const issues: ModelIssue[] = [];
  const t = channel.target;
  if (t?.type === 'guestfwd') {
    if (t.address === undefined) {
      issues.push(deviceIssue(t, "guestfwd channel does not define a target address", { label, fix: "add address='10.0.2.1' to <target>" }));
    }
    if (t.port === undefined) {
      issues.push(deviceIssue(t, 'guestfwd channel does not define a target port', { label, fix: "add port='4600' to <target>" }));
    }
  }
  const pathOptional = t?.type === 'virtio' || t?.type === 'xen';
  issues.push(...validateChrSource(channel, { pathOptional, label }));
  return issues;
}
