/**
 * The `duplicates` check: one document per resource, one resource per UUID, one volume per
 * image path.
 * - two documents declaring the same address (both named, with file:line);
 * - two desired resources of a kind with the same UUID;
 * - a desired UUID that the host already uses for another resource of that kind (any stack);
 * - two desired volumes whose images would be the same file.
 */
import type { DesiredResource } from '../desired-state';
import type { PlanIssue } from '../plan-issue';
import { formatAddress } from '../resource-address';
import { sourceOf } from '../../model/schema/source-map';
import { issueOn, type PreflightCheck } from './preflight-check';

function uuidOf(r: DesiredResource): string | undefined {
  const d = r.document;
  return d.kind === 'volume' ? undefined : d.doc.uuid?.toLowerCase();
}

function where(r: DesiredResource): string {
  const src = sourceOf(r.document.doc);
  return src ? `${src.pos.file}:${src.pos.line}` : r.origin;
}

export const duplicatesCheck: PreflightCheck = {
  name: 'duplicates',
  stage: 'document',
  description: 'no address, UUID or volume image path is declared twice or taken on the host',
  run(ctx) {
    const out: PlanIssue[] = [];
    const first = new Map<string, DesiredResource>();
    const uuids = new Map<string, DesiredResource>();
    const paths = new Map<string, DesiredResource>();
    for (const r of ctx.desired) {
      const addr = formatAddress(r.address);
      const prev = first.get(addr);
      if (prev) {
        out.push(issueOn('duplicates', r, `/${r.document.kind}/name`, `${addr} is declared twice: here and at ${where(prev)}`, 'keep one document per resource, or rename one of them'));
        continue;
      }
      first.set(addr, r);
      const uuid = uuidOf(r);
      if (uuid !== undefined) {
        const key = `${r.address.kind}:${uuid}`;
        const other = uuids.get(key);
        if (other) {
          out.push(issueOn('duplicates', r, `/${r.document.kind}/uuid`, `uuid ${uuid} is also the UUID of ${formatAddress(other.address)} (${where(other)})`, 'give each resource its own UUID, or leave <uuid> out to have one generated'));
        } else {
          uuids.set(key, r);
          const taken = ctx.live.find((l) => l.address.kind === r.address.kind && l.address.name !== r.address.name && l.document && l.document.kind !== 'volume' && l.document.doc.uuid?.toLowerCase() === uuid);
          if (taken) {
            out.push(
              issueOn(
                'duplicates',
                r,
                `/${r.document.kind}/uuid`,
                `uuid ${uuid} is already used on host ${ctx.hostLabel} by ${formatAddress(taken.address)}${taken.owner ? ` (stack '${taken.owner.stack}')` : ' (not created by virtform)'}`,
                'give this resource another UUID, or leave <uuid> out to have one generated',
              ),
            );
          }
        }
      }
      if (r.document.kind === 'volume') {
        const p = r.document.doc.target?.path;
        if (p !== undefined) {
          const other = paths.get(p);
          if (other) out.push(issueOn('duplicates', r, '/volume/target/path', `image path ${p} is also the image of ${formatAddress(other.address)} (${where(other)})`, 'give each volume its own name or path'));
          else paths.set(p, r);
        }
      }
    }
    return out;
  },
};
