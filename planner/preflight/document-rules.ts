/**
 * The `documents` check: every desired document against its schema and libvirt's rules
 * (model/<doc>/validate.ts), after the same defaults the comparison uses. A volume is checked
 * against its pool's type (which formats are valid there).
 */
import { validateDomain } from '../../model/domain/domain';
import { validateNetwork } from '../../model/network/validate';
import { validatePool } from '../../model/pool/validate';
import { validateVolume } from '../../model/volume/validate';
import type { ModelIssue } from '../../model/errors';
import type { PlanIssue } from '../plan-issue';
import { formatAddress } from '../resource-address';
import type { PreflightCheck } from './preflight-check';

export const documentRulesCheck: PreflightCheck = {
  name: 'documents',
  stage: 'document',
  description: "each document is valid libvirt XML: known elements and values, and libvirt's rules across elements",
  run(ctx) {
    const out: PlanIssue[] = [];
    for (const r of ctx.desired) {
      const d = r.document;
      let issues: ModelIssue[];
      switch (d.kind) {
        case 'domain':
          issues = validateDomain(d.doc, r.origin);
          break;
        case 'network':
          issues = validateNetwork(d.doc, r.origin);
          break;
        case 'pool':
          issues = validatePool(d.doc, r.origin);
          break;
        case 'volume': {
          const pool = ctx.index.pool(d.pool);
          issues = validateVolume(d.doc, r.origin, pool ? { poolType: pool.type } : {});
          break;
        }
      }
      for (const i of issues) out.push({ severity: 'error', check: 'documents', address: formatAddress(r.address), ...i, fix: i.fix ?? 'correct the document' });
    }
    return out;
  },
};
