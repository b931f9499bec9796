/**
 * Live state: what a host has, as the planner sees it. Read by the provider (LiveStateReader in
 * provider/executor/apply.ts) from the state store (`<stateDir>/{domains,networks,pools}/NAME.xml`
 * with ownership records, volumes by pool) and the runtime (status.json, reconnect). Pure data:
 * the planner never reads a host itself.
 *
 * Invariants: at most one LiveResource per address; `xml` is the stored definition text exactly
 * as it was written (the planner parses it and applies the same defaults as to desired state);
 * `owner` null means virtform did not create the resource and must never change it.
 */
import type { ResourceAddress } from './resource-address';

export interface LiveOwner {
  /** The stack that created the resource. */
  readonly stack: string;
  /** ISO 8601, for messages. */
  readonly createdAt?: string;
  /** `user@client-host`, for messages. */
  readonly createdBy?: string;
}

/** Whether a domain or network runs now, and from what. */
export interface LiveRuntime {
  /**
   * Domains: the lifecycle's state (`running`, `paused`, `pmsuspended`, `crashed`, `shutdown`,
   * `starting`, `shutoff`, `unknown`); networks: `active` or `inactive`.
   */
  readonly state: string;
  /** definitionHash() of the definition the running instance was started from, when recorded. */
  readonly definitionHash?: string;
  /** Thread affinities read back live that differ from what apply set. */
  readonly pinDrift?: readonly PinDrift[];
  /** What the domain's status record says it holds (for the hugepage and VFIO ledgers). */
  readonly holds?: LiveHoldings;
}

export interface PinDrift {
  /** `vcpu 0`, `emulator`, `iothread 1`. */
  readonly thread: string;
  /** CPU list apply set, kernel syntax (`0-1`). */
  readonly applied: string;
  /** CPU list read from /proc now. */
  readonly actual: string;
}

/** The status.json fields the host-resource ledgers read (HugepageLedger.fromStatus, HostdevLedger.fromStatus). */
export interface LiveHoldings {
  readonly phase: 'starting' | 'started' | 'exited';
  readonly hugepages: readonly { readonly sizeKiB: number; readonly node: number | null; readonly nodes?: readonly number[] | null; readonly pages: number }[];
  readonly vfio: readonly { readonly address: string }[];
}

export interface LiveResource {
  readonly address: ResourceAddress;
  /** The stored definition; null when an ownership record exists without one (an apply stopped half-way). */
  readonly xml: string | null;
  /** null: no ownership record, virtform did not create it. */
  readonly owner: LiveOwner | null;
  /** Where the host keeps it, for messages (`/var/lib/virtform/domains/web1.xml`). */
  readonly location?: string;
  /**
   * Domains and networks: what runs now. Undefined means unknown (no runtime change is planned);
   * a reader that knows nothing runs says so (`{state: 'shutoff'}`, `{state: 'inactive'}`).
   */
  readonly runtime?: LiveRuntime;
}

export interface LiveState {
  readonly resources: readonly LiveResource[];
}

/** Domain runtime states in which QEMU exists (running or not yet stopped). */
export function isActiveState(state: string): boolean {
  return state !== 'shutoff' && state !== 'inactive';
}
