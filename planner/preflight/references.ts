/**
 * The `references` check: what a document refers to exists when apply needs it, and nothing a
 * plan deletes is still used.
 * - a volume's pool, a volume disk's pool and an interface's network must be declared in the
 *   stack or exist on the host (any stack may provide them: using is not touching);
 * - a volume disk whose volume is neither declared nor known on the host is a warning (an image
 *   placed in the pool by hand is fine; a typo is not, and QEMU would fail at start);
 * - a resource this plan deletes must not be used by a desired document, nor by a resource that
 *   stays on the host (another stack's domain on our network).
 */
import { referencesOf } from '../dependencies';
import type { PlanIssue } from '../plan-issue';
import { formatAddress } from '../resource-address';
import { issueOn, type PreflightCheck } from './preflight-check';

const DECLARE_HINT: Readonly<Record<string, (name: string, pool?: string) => string>> = {
  network: (n) => `declare it in the stack (networks/${n}.xml), or use a network the host has`,
  pool: (n) => `declare it in the stack (pools/${n}.xml), or use a pool the host has`,
  volume: (n, p) => `declare it in the stack (volumes/${p}/${n}.xml), or check the name`,
};

export const referencesCheck: PreflightCheck = {
  name: 'references',
  stage: 'document',
  description: 'referenced pools, volumes and networks exist, and nothing deleted is still in use',
  run(ctx) {
    const out: PlanIssue[] = [];
    const desired = new Set(ctx.desired.map((r) => formatAddress(r.address)));
    const live = new Map(ctx.live.map((l) => [formatAddress(l.address), l]));
    for (const r of ctx.desired) {
      for (const ref of referencesOf(r.document, ctx.index)) {
        const a = formatAddress(ref.to);
        if (desired.has(a)) continue;
        const at = { obj: ref.obj, xmlPath: ref.xmlPath };
        if (live.has(a)) {
          if (ctx.deleting.has(a)) {
            out.push(issueOn('references', r, at, `${ref.what} uses ${a}, which this plan deletes (the stack no longer declares it)`, `keep ${a} in the stack, or stop using it`));
          }
          continue;
        }
        const what = ref.to.kind === 'volume' ? `volume ${ref.to.pool}/${ref.to.name}` : `${ref.to.kind} '${ref.to.name}'`;
        const hint = DECLARE_HINT[ref.to.kind](ref.to.name, ref.to.pool);
        if (ref.to.kind === 'volume') {
          const poolKnown = ctx.index.pool(ref.to.pool!) !== undefined;
          if (poolKnown) {
            out.push(
              issueOn('references', r, at, `${ref.what} uses ${what}, which the stack does not declare and virtform does not know on host ${ctx.hostLabel}; the domain will not start unless that image exists`, hint, 'warning'),
            );
            continue;
          }
          out.push(issueOn('references', r, at, `${ref.what} uses ${what}, but pool '${ref.to.pool}' is neither declared in the stack nor on host ${ctx.hostLabel}`, DECLARE_HINT.pool(ref.to.pool!)));
          continue;
        }
        out.push(issueOn('references', r, at, `${ref.what} uses ${what}, which the stack does not declare and host ${ctx.hostLabel} does not have`, hint));
      }
    }
    // Resources that stay on the host must not lose what they use.
    for (const l of ctx.live) {
      const a = formatAddress(l.address);
      if (!l.document || desired.has(a) || ctx.deleting.has(a)) continue;
      for (const ref of referencesOf(l.document, ctx.index)) {
        const to = formatAddress(ref.to);
        if (!ctx.deleting.has(to)) continue;
        const owner = l.owner ? `stack '${l.owner.stack}'` : 'not created by virtform';
        out.push({
          severity: 'error',
          check: 'references',
          address: to,
          path: l.location ?? a,
          problem: `${to} cannot be deleted: ${a} (${owner}) still uses it (${ref.what})`,
          fix: `remove that use from ${a} first, or keep ${to} in the stack`,
        });
      }
    }
    return out;
  },
};
