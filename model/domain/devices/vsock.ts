/**
 * `<vsock>`: a virtio socket (AF_VSOCK) between host and guest, addressed by the guest's
 * context id (CID).
 *
 *   <vsock model='virtio'>
 *     <cid auto='no' address='4'/>
 *   </vsock>
 */
import * as X from '../../schema';
import type { Static } from '@sinclair/typebox';
import type { ModelIssue } from '../../errors';
import { deviceInfo } from './device-info';
import { deviceIssue } from './device-issue';
import { virtioOptions } from './virtio-options';

export const VsockCid = X.element({
  /** `yes`: the host picks a free CID when the guest starts. */
  auto: X.attr(X.yesNo()),
  /** The guest CID; 0-2 are reserved (hypervisor, local, host). */
  address: X.attr(X.uint({ max: 0xffffffff })),
});

export const VsockDriver = X.element({ ...virtioOptions() });

const { alias, acpi, address } = deviceInfo();

export const Vsock = X.element({
  model: X.attr(X.enumOf('virtio', 'virtio-transitional', 'virtio-non-transitional')),
  cid: X.child(VsockCid),
  alias,
  acpi,
  address,
  driver: X.child(VsockDriver),
});
export type Vsock = Static<typeof Vsock>;

/** libvirt's rules for every hypervisor. */
export function validateVsock(v: Vsock, label?: string): ModelIssue[] {
  const issues: ModelIssue[] = [];
  const cid = v.cid?.address;
  if (cid !== undefined && cid > 0 && cid <= 2) {
    issues.push(deviceIssue(v.cid, 'guest CIDs must be >= 3', { prop: 'address', xmlName: '@address', label, fix: "use a CID of 3 or more, or <cid auto='yes'/>" }));
  }
  return issues;
}
