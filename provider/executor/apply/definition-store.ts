/**
 * The state store as the apply layer uses it: definitions and ownership records under the
 * host's state directory (`<stateDir>/{domains,networks,pools}/NAME.xml` + `NAME.owner.json`,
 * volumes under `volumes/POOL/`; docs/state.md of the state-store branch).
 *
 * A port, not an implementation: the shapes are the subset of provider/executor/state's
 * `StateStore` that apply needs, written so that a StateStore can be passed where a
 * DefinitionStore is expected once that module is merged (cli/apply-session.ts wires it).
 */

export type StoredKind = 'domain' | 'network' | 'pool';

export type StoreRef =
  | { readonly kind: StoredKind; readonly name: string }
  | { readonly kind: 'volume'; readonly pool: string; readonly name: string };

export interface StoredOwner {
  readonly stack: string;
  readonly createdAt: string;
  readonly createdBy: { readonly user: string; readonly clientHost: string };
  /** `sha256:<hex>` of the definition last applied. */
  readonly specHash: string;
  readonly uuid?: string;
}

export interface StoredEntry {
  readonly ref: StoreRef;
  /** The definition; null when there is none (a record written by an apply that stopped). */
  readonly xml: string | null;
  /** null: virtform did not create it. */
  readonly owner: StoredOwner | null;
}

/** The host lock as writes need it (provider/executor/state HostLock has this method). */
export interface WriteLock {
  /** Throws when the lock is no longer held (released, or its process died). */
  assertHeld(what: string): void;
}

export interface StoreWriteContext {
  readonly stack: string;
  readonly lock: WriteLock;
}

export interface DefinitionStore {
  /** Creates the state directory tree. Safe to repeat. */
  init(): Promise<void>;
  get(ref: StoreRef): Promise<StoredEntry>;
  /** Entries of a kind (for volumes: of one pool), sorted by name. */
  list(kind: StoredKind): Promise<StoredEntry[]>;
  list(kind: 'volume', pool: string): Promise<StoredEntry[]>;
  /** Writes the record first, then the definition. Refuses resources of another stack or unowned ones. */
  define(ref: StoreRef, input: { readonly xml?: string; readonly uuid?: string; readonly specHash: string }, ctx: StoreWriteContext): Promise<unknown>;
  /** Removes the definition, then the record. Only the owning stack may. */
  remove(ref: StoreRef, ctx: StoreWriteContext): Promise<void>;
}

/** `<stateDir>/domains/web1.xml`, `<stateDir>/volumes/images/a.img.xml`: for messages. */
export function definitionLocation(stateDir: string, ref: StoreRef): string {
  const dir = ref.kind === 'volume' ? `volumes/${ref.pool}` : `${ref.kind}s`;
  return `${stateDir.replace(/\/+$/, '')}/${dir}/${ref.name}.xml`;
}
