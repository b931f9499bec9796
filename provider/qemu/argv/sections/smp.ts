/**
 * `-smp N[,maxcpus=M],sockets=S[,dies=D],cores=C,threads=T`: vCPUs online at boot, the maximum
 * when some start offline, and the topology (one core and thread per socket unless `<topology>`
 * says otherwise; dies only with a topology, when QEMU knows them).
 *
 * Owner: argv-core engineer.
 */
import type { Domain } from '../../../../model/domain/domain';
import type { QemuCommandLine } from '../command-line';
import type { ArgvContext } from '../context';
import type { ArgvState } from '../build';

/** Maximum vCPUs (`<vcpu>` count). */
export function maxVcpus(def: Domain): number {
  return def.vcpu?.count ?? 1;
}

/** vCPUs online at boot (`<vcpu current>`, or the `<vcpus>` marked enabled). */
export function onlineVcpus(def: Domain): number {
  const states = def.vcpus?.vcpus;
  if (states && states.length) return states.filter((v) => v.enabled === 'yes').length;
  return def.vcpu?.current ?? maxVcpus(def);
}

export function buildSmp(cmd: QemuCommandLine, def: Domain, ctx: ArgvContext, _state: ArgvState): void {
  const max = maxVcpus(def);
  const online = onlineVcpus(def);
  let v = String(online);
  if (online !== max) v += `,maxcpus=${max}`;
  const t = def.cpu?.topology;
  if (t) {
    v += `,sockets=${t.sockets}`;
    if (ctx.caps.flags.has('smp-dies')) v += `,dies=${t.dies ?? 1}`;
    v += `,cores=${t.cores},threads=${t.threads}`;
  } else {
    v += `,sockets=${max},cores=1,threads=1`;
  }
  cmd.add('-smp', v);
}
