/**
 * The `pins` check: every vCPU, emulator and I/O thread pin names CPUs the host has online, and
 * every NUMA nodeset names nodes it has (planner/pin-plan.ts decides; this check reports its
 * issues at the XML lines they are about).
 */
import { PinPlanError, planPins } from '../pin-plan';
import type { PlanIssue } from '../plan-issue';
import { issueOn, type PreflightCheck } from './preflight-check';

export const cpuPinsCheck: PreflightCheck = {
  name: 'pins',
  stage: 'host',
  description: 'pins and nodesets name CPUs and NUMA nodes the host has online',
  run(ctx) {
    const out: PlanIssue[] = [];
    for (const r of ctx.desired) {
      if (r.document.kind !== 'domain') continue;
      try {
        planPins(r.document.doc, ctx.facts, ctx.hostLabel);
      } catch (e) {
        if (!(e instanceof PinPlanError)) throw e;
        for (const i of e.issues) out.push(issueOn('pins', r, i.path, i.problem, i.fix));
      }
    }
    return out;
  },
};
