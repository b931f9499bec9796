/**
 * The order apply walks a plan in: a topological order of the changes' "waits for" edges, with
 * ties broken so that the same plan always lists the same order (creates and updates first, by
 * kind: pools, volumes, networks, domains; then deletes, in reverse kind order; then address).
 *
 * Edges (built by plan.ts from the documents' references):
 * - a create/update/replace waits for the changes of what its desired document uses;
 * - a delete waits for the changes of what still uses the deleted resource on the host (a
 *   domain is deleted or changed before the volume it used is deleted).
 *
 * Pure. Executors may run changes in parallel as long as each waits for its `dependsOn`.
 */
import type { Action } from './action';
import { kindRank, parseAddress } from './resource-address';

export interface OrderNode {
  readonly address: string;
  readonly action: Action;
  /** Addresses of changes this one waits for (only those present in the node list count). */
  readonly after: readonly string[];
}

/** Thrown when edges form a cycle (documents that use each other); names the resources. */
export class DependencyCycleError extends Error {}

function tieKey(n: OrderNode): [number, number, string] {
  const rank = kindRank(parseAddress(n.address).kind);
  return n.action === 'delete' ? [1, -rank, n.address] : [0, rank, n.address];
}

function compareTie(a: OrderNode, b: OrderNode): number {
  const ka = tieKey(a);
  const kb = tieKey(b);
  return ka[0] - kb[0] || ka[1] - kb[1] || (ka[2] < kb[2] ? -1 : ka[2] > kb[2] ? 1 : 0);
}

/** The nodes in apply order. Throws DependencyCycleError. */
export function applyOrder(nodes: readonly OrderNode[]): OrderNode[] {
  const byAddr = new Map(nodes.map((n) => [n.address, n]));
  const waiting = new Map<string, Set<string>>();
  const dependents = new Map<string, string[]>();
  for (const n of nodes) {
    const deps = new Set(n.after.filter((a) => byAddr.has(a) && a !== n.address));
    waiting.set(n.address, deps);
    for (const d of deps) dependents.set(d, [...(dependents.get(d) ?? []), n.address]);
  }
  const out: OrderNode[] = [];
  let ready = nodes.filter((n) => waiting.get(n.address)!.size === 0);
  while (ready.length > 0) {
    ready.sort(compareTie);
    const next = ready.shift()!;
    out.push(next);
    for (const d of dependents.get(next.address) ?? []) {
      const w = waiting.get(d)!;
      w.delete(next.address);
      if (w.size === 0) ready.push(byAddr.get(d)!);
    }
  }
  if (out.length !== nodes.length) {
    const stuck = nodes.filter((n) => !out.includes(n)).map((n) => n.address);
    throw new DependencyCycleError(`these resources depend on each other in a cycle and cannot be ordered: ${stuck.join(', ')}; remove one of the references`);
  }
  return out;
}
