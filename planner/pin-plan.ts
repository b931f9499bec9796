/**
 * The pin plan: which host CPUs each QEMU thread of a domain may run on, worked out from the
 * domain's `<cputune>` pins, `<vcpu cpuset>` and `<numatune>` plus the host's online CPUs and
 * NUMA nodes. Pure: the executor applies the plan (affinity + cpuset cgroup) and reads it back.
 *
 * Which set a thread gets (libvirt's precedence, learnt from its behaviour):
 * - vCPU N:      `<vcpupin vcpu='N'>`, else `<vcpu cpuset>`, else every usable host CPU.
 * - emulator:    `<emulatorpin>`, else `<vcpu cpuset>`, else every usable host CPU. "Emulator"
 *                means every QEMU thread that is neither a vCPU nor an I/O thread.
 * - I/O thread:  `<iothreadpin iothread='N'>`, else `<vcpu cpuset>`, else every usable host CPU.
 * An unpinned thread is always given an explicit set (never left as inherited), because the
 * process that starts QEMU may itself run on fewer CPUs (libvirt resets them the same way).
 *
 * "Every usable host CPU" is the online CPUs minus the isolated ones (isolcpus=): isolated CPUs
 * are reserved for threads pinned to them on purpose. When every online CPU is isolated, all
 * online CPUs are used. (libvirt uses all online CPUs; we keep unpinned work off isolated ones.)
 *
 * Memory nodes (`mems`, for the cpuset cgroup's cpuset.mems): `<numatune><memory mode='strict'
 * |'restrictive' nodeset>` restricts the domain's threads to those host nodes; preferred and
 * interleave are left to QEMU's memory policy (no cgroup restriction), as libvirt does.
 *
 * Invariants of a plan: every CPU list is non-empty, ascending, without duplicates, and a
 * subset of the host's online CPUs at planning time; vcpus are listed for indexes 0..max-1;
 * iothreads are listed by id ascending.
 */
import { formatCpuList } from '../model/cpu-list';
import type { Domain } from '../model/domain/domain';
import { parseCpuset } from '../model/domain/cpuset';
import type { HostFacts } from '../model/host-facts';

export type PinSource = 'vcpupin' | 'emulatorpin' | 'iothreadpin' | 'vcpu-cpuset' | 'host';

export interface VcpuPinPlan {
  /** vCPU index (QMP `cpu-index`), 0-based. */
  readonly index: number;
  /** Host CPU ids, ascending. */
  readonly cpus: readonly number[];
  readonly source: PinSource;
}

export interface IothreadPinPlan {
  /** The domain's I/O thread id (`<iothread id='N'>`, QEMU object `iothreadN`). */
  readonly id: number;
  readonly cpus: readonly number[];
  readonly source: PinSource;
}

export interface PinPlan {
  /** The domain's name, for messages. */
  readonly domain: string;
  readonly vcpus: readonly VcpuPinPlan[];
  readonly emulator: { readonly cpus: readonly number[]; readonly source: PinSource };
  readonly iothreads: readonly IothreadPinPlan[];
  /** Host NUMA nodes the domain's threads may allocate from (cpuset.mems); null: no restriction. */
  readonly mems: readonly number[] | null;
}

/** One reason a plan cannot be made, written for the user. */
export interface PinIssue {
  /** Where in the domain: `/domain/cputune/vcpupin[@vcpu='1']/@cpuset`. */
  readonly path: string;
  readonly problem: string;
  readonly fix: string;
}

/** The domain's pins cannot be honoured on this host. Raised before anything touches the host. */
export class PinPlanError extends Error {
  readonly issues: readonly PinIssue[];
  constructor(
    readonly host: string,
    readonly domain: string,
    issues: readonly PinIssue[],
  ) {
    super(
      `host ${host}: domain '${domain}': ` +
        (issues.length === 1 ? '' : `${issues.length} pinning problems:\n  `) +
        issues.map((i) => `${i.path}: ${i.problem} (fix: ${i.fix})`).join('\n  '),
    );
    this.name = 'PinPlanError';
    this.issues = issues;
  }
}

/** The part of HostFacts the planner reads. */
export type PinHostFacts = {
  readonly cpus: Pick<HostFacts['cpus'], 'online' | 'isolated'>;
  readonly numa: { readonly nodes: readonly { readonly id: number }[] };
};

/**
 * Plans the pinning of `domain` on a host. `hostLabel` names the host in messages.
 * Throws PinPlanError listing every problem (not just the first).
 */
export function planPins(domain: Domain, host: PinHostFacts, hostLabel: string): PinPlan {
  const issues: PinIssue[] = [];
  const online = [...host.cpus.online];
  const onlineSet = new Set(online);
  const isolated = new Set(host.cpus.isolated);
  const usable = online.filter((c) => !isolated.has(c));
  const hostCpus = usable.length > 0 ? usable : online;
  const onlineText = formatCpuList(online) || 'none';

  /** Parses a cpuset and checks it against the online CPUs; undefined when it is unusable. */
  const cpusOf = (text: string, path: string, what: string, fixTarget: string): number[] | undefined => {
    let ids: number[];
    try {
      ids = parseCpuset(text);
    } catch (e) {
      issues.push({ path, problem: `cpuset '${text}' is not a CPU set: ${(e as Error).message}`, fix: "write ids and ranges, e.g. '0-3,8'" });
      return undefined;
    }
    const missing = ids.filter((c) => !onlineSet.has(c));
    if (missing.length > 0) {
      const list = formatCpuList(missing);
      issues.push({
        path,
        problem:
          `${what} is pinned to cpuset '${text}', but host ${hostLabel} has no online CPU ${list} ` +
          `(it lacks ${missing.length === 1 ? 'that CPU or it is' : 'those CPUs or they are'} offline; online CPUs: ${onlineText})`,
        fix: `pin ${fixTarget} to CPUs within ${onlineText}` + (online.length ? `, or bring CPU ${list} online on the host` : ''),
      });
      return undefined;
    }
    return ids;
  };

  if (online.length === 0) {
    issues.push({ path: '/domain', problem: `host ${hostLabel} reports no online CPUs (/sys/devices/system/cpu/online is empty or unreadable)`, fix: 'check the host discovery output (virtform hosts)' });
  }

  const vcpu = domain.vcpu;
  const maxVcpus = vcpu?.count ?? 1;
  if (vcpu?.placement === 'auto') {
    issues.push({
      path: '/domain/vcpu/@placement',
      problem: "placement 'auto' asks numad for a CPU set, and virtform does not run numad",
      fix: "use placement='static' with a cpuset, or <cputune> pins",
    });
  }
  let defaultCpus: number[] = hostCpus;
  let defaultSource: PinSource = 'host';
  if (vcpu?.cpuset !== undefined) {
    const ids = cpusOf(vcpu.cpuset, '/domain/vcpu/@cpuset', "the domain's <vcpu cpuset>", 'the vCPUs');
    if (ids) {
      defaultCpus = ids;
      defaultSource = 'vcpu-cpuset';
    }
  }

  const cputune = domain.cputune;
  const vcpuPins = new Map<number, number[]>();
  for (const p of cputune?.vcpuPins ?? []) {
    const path = `/domain/cputune/vcpupin[@vcpu='${p.vcpu}']/@cpuset`;
    if (p.vcpu >= maxVcpus) {
      issues.push({
        path: `/domain/cputune/vcpupin[@vcpu='${p.vcpu}']/@vcpu`,
        problem: `vcpu ${p.vcpu} does not exist: the domain has ${maxVcpus} vCPU${maxVcpus === 1 ? '' : 's'} (indexes 0-${maxVcpus - 1})`,
        fix: `pin a vCPU from 0 to ${maxVcpus - 1}, or raise <vcpu>`,
      });
      continue;
    }
    if (vcpuPins.has(p.vcpu)) {
      issues.push({ path, problem: `vcpu ${p.vcpu} is pinned twice`, fix: 'keep one <vcpupin> per vCPU' });
      continue;
    }
    const ids = cpusOf(p.cpuset, path, `vcpu ${p.vcpu}`, `vcpu ${p.vcpu}`);
    if (ids) vcpuPins.set(p.vcpu, ids);
  }

  let emulator: { cpus: number[]; source: PinSource } = { cpus: defaultCpus, source: defaultSource };
  if (cputune?.emulatorPin) {
    const ids = cpusOf(cputune.emulatorPin.cpuset, '/domain/cputune/emulatorpin/@cpuset', 'the emulator', 'the emulator threads');
    if (ids) emulator = { cpus: ids, source: 'emulatorpin' };
  }

  const named = domain.iothreadids?.iothreads ?? [];
  const iothreadIds = named.length
    ? named.map((t) => t.id)
    : Array.from({ length: domain.iothreads ?? 0 }, (_, i) => i + 1);
  const iothreadSet = new Set(iothreadIds);
  const iothreadPins = new Map<number, number[]>();
  for (const p of cputune?.iothreadPins ?? []) {
    const path = `/domain/cputune/iothreadpin[@iothread='${p.iothread}']/@cpuset`;
    if (!iothreadSet.has(p.iothread)) {
      issues.push({
        path: `/domain/cputune/iothreadpin[@iothread='${p.iothread}']/@iothread`,
        problem: `I/O thread ${p.iothread} does not exist (the domain's I/O threads: ${iothreadIds.length ? iothreadIds.join(', ') : 'none'})`,
        fix: `pin an existing I/O thread, or add <iothreadids><iothread id='${p.iothread}'/></iothreadids>`,
      });
      continue;
    }
    if (iothreadPins.has(p.iothread)) {
      issues.push({ path, problem: `I/O thread ${p.iothread} is pinned twice`, fix: 'keep one <iothreadpin> per I/O thread' });
      continue;
    }
    const ids = cpusOf(p.cpuset, path, `I/O thread ${p.iothread}`, `I/O thread ${p.iothread}`);
    if (ids) iothreadPins.set(p.iothread, ids);
  }

  const mems = planMems(domain, host, hostLabel, issues);

  if (issues.length > 0) throw new PinPlanError(hostLabel, domain.name, issues);
  return {
    domain: domain.name,
    vcpus: Array.from({ length: maxVcpus }, (_, index) => {
      const pinned = vcpuPins.get(index);
      return pinned ? { index, cpus: pinned, source: 'vcpupin' as const } : { index, cpus: defaultCpus, source: defaultSource };
    }),
    emulator,
    iothreads: [...iothreadIds]
      .sort((a, b) => a - b)
      .map((id) => {
        const pinned = iothreadPins.get(id);
        return pinned ? { id, cpus: pinned, source: 'iothreadpin' as const } : { id, cpus: defaultCpus, source: defaultSource };
      }),
    mems,
  };
}

function planMems(domain: Domain, host: PinHostFacts, hostLabel: string, issues: PinIssue[]): number[] | null {
  const memory = domain.numatune?.memory;
  const nodeIds = new Set(host.numa.nodes.map((n) => n.id));
  const nodesText = formatCpuList([...nodeIds]) || 'none';
  const checkNodes = (text: string, path: string): number[] | undefined => {
    const ids = parseCpuset(text);
    const missing = ids.filter((n) => !nodeIds.has(n));
    if (missing.length === 0) return ids;
    issues.push({
      path,
      problem: `nodeset '${text}' names host NUMA node ${formatCpuList(missing)}, which host ${hostLabel} does not have (its nodes: ${nodesText})`,
      fix: `use nodes within ${nodesText}`,
    });
    return undefined;
  };
  let mems: number[] | null = null;
  if (memory && memory.placement !== 'auto' && memory.nodeset !== undefined) {
    const ids = checkNodes(memory.nodeset, '/domain/numatune/memory/@nodeset');
    const mode = memory.mode ?? 'strict';
    if (ids && (mode === 'strict' || mode === 'restrictive')) mems = ids;
  }
  for (const m of domain.numatune?.memnodes ?? []) checkNodes(m.nodeset, `/domain/numatune/memnode[@cellid='${m.cellid}']/@nodeset`);
  return mems;
}

/**
 * Checks a plan made earlier against the CPUs online now (the executor calls this right before
 * starting QEMU: CPUs can go offline between plan and apply). Returns the problems, [] when fine.
 */
export function checkPinPlanOnline(plan: PinPlan, online: readonly number[], hostLabel: string): PinIssue[] {
  const onlineSet = new Set(online);
  const onlineText = formatCpuList(online) || 'none';
  const issues: PinIssue[] = [];
  const check = (cpus: readonly number[], what: string, path: string): void => {
    const missing = cpus.filter((c) => !onlineSet.has(c));
    if (missing.length === 0) return;
    issues.push({
      path,
      problem: `${what} is planned on CPUs ${formatCpuList(cpus)}, but host ${hostLabel} has no online CPU ${formatCpuList(missing)} now (online CPUs: ${onlineText})`,
      fix: `bring CPU ${formatCpuList(missing)} online, or re-plan so ${what} uses CPUs within ${onlineText}`,
    });
  };
  const where = (source: PinSource, own: string): string =>
    source === 'vcpu-cpuset' ? '/domain/vcpu/@cpuset' : source === 'host' ? '/sys/devices/system/cpu/online' : own;
  for (const v of plan.vcpus) check(v.cpus, `vcpu ${v.index}`, where(v.source, `/domain/cputune/vcpupin[@vcpu='${v.index}']/@cpuset`));
  check(plan.emulator.cpus, 'the emulator', where(plan.emulator.source, '/domain/cputune/emulatorpin/@cpuset'));
  for (const t of plan.iothreads) check(t.cpus, `I/O thread ${t.id}`, where(t.source, `/domain/cputune/iothreadpin[@iothread='${t.id}']/@cpuset`));
  return issues;
}
