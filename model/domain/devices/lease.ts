/**
 * `<lease>`: a lock-manager lease the domain must hold while running (sanlock), identified by
 * lockspace and key and stored at `target path` + `offset` bytes.
 *
 *   <lease>
 *     <lockspace>somearea</lockspace>
 *     <key>thequickbrownfoxjumpsoverthelazydog</key>
 *     <target path='/some/lease/path' offset='1024'/>
 *   </lease>
 */
import * as X from '../../schema';
import type { Static } from '@sinclair/typebox';
import type { ModelIssue } from '../../errors';
import { deviceIssue } from './device-issue';

export const LeaseTarget = X.element({
  path: X.attr(X.str()),
  /** Byte offset of the lease within the file. */
  offset: X.attr(X.uint()),
});

export const Lease = X.element({
  lockspace: X.textChild(X.str({ trim: true })),
  key: X.textChild(X.str({ trim: true })),
  target: X.child(LeaseTarget),
});
export type Lease = Static<typeof Lease>;

/** Rules libvirt enforces when it parses a lease (messages as libvirt words them). */
export function validateLease(lease: Lease, label?: string): ModelIssue[] {
  const issues: ModelIssue[] = [];
  if (lease.key === undefined) {
    issues.push(deviceIssue(lease, 'Missing \'key\' element for lease', { label, fix: 'add <key>NAME</key>' }));
  } else if (lease.target?.path === undefined) {
    issues.push(deviceIssue(lease, 'Missing \'target\' element for lease', { label, fix: "add <target path='/path/to/lease'/>" }));
  }
  return issues;
}
