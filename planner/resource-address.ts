/**
 * Resource addresses: how a plan, `--target` and every message name one resource.
 *
 *   domain.web1                 a domain (VM)
 *   network.default             a virtual network
 *   pool.images                 a storage pool
 *   volume.images/web1.qcow2    volume web1.qcow2 of pool images
 *
 * Invariants: an address is `KIND.NAME` with KIND one of RESOURCE_KINDS; a volume's NAME is
 * `POOL/VOLUME` and neither part is empty or holds '/' (pool and volume names cannot hold '/').
 * formatAddress(parseAddress(a)) === a for every valid address. Pure.
 */

export const RESOURCE_KINDS = ['pool', 'volume', 'network', 'domain'] as const;
export type ResourceKind = (typeof RESOURCE_KINDS)[number];

export interface ResourceAddress {
  readonly kind: ResourceKind;
  /** The resource's name; for a volume, the volume's name within its pool. */
  readonly name: string;
  /** Volumes only: the pool holding the volume. */
  readonly pool?: string;
}

/** `domain.web1`, `volume.images/web1.qcow2`. */
export function formatAddress(a: ResourceAddress): string {
  return a.kind === 'volume' ? `volume.${a.pool}/${a.name}` : `${a.kind}.${a.name}`;
}

/** Thrown for text that is not an address; the message names the text, the rule and the forms. */
export class AddressError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AddressError';
  }
}

const FORMS = "domain.NAME, network.NAME, pool.NAME or volume.POOL/NAME (e.g. domain.web1, volume.images/web1.qcow2)";

/** Parses `--target` text. Throws AddressError naming the value, the rule and the accepted forms. */
export function parseAddress(text: string): ResourceAddress {
  const dot = text.indexOf('.');
  const kind = dot < 0 ? '' : text.slice(0, dot);
  const rest = dot < 0 ? '' : text.slice(dot + 1);
  if (!(RESOURCE_KINDS as readonly string[]).includes(kind)) {
    throw new AddressError(`'${text}' is not a resource address: it must start with one of ${RESOURCE_KINDS.map((k) => `${k}.`).join(', ')}; write ${FORMS}`);
  }
  if (rest === '') throw new AddressError(`'${text}' is not a resource address: the name after '${kind}.' is empty; write ${FORMS}`);
  if (kind === 'volume') {
    const slash = rest.indexOf('/');
    const pool = slash < 0 ? '' : rest.slice(0, slash);
    const name = slash < 0 ? '' : rest.slice(slash + 1);
    if (pool === '' || name === '' || name.includes('/')) {
      throw new AddressError(`'${text}' is not a volume address: write volume.POOL/NAME with one '/' between the pool and the volume name (e.g. volume.images/web1.qcow2)`);
    }
    return { kind: 'volume', pool, name };
  }
  return { kind: kind as ResourceKind, name: rest };
}

/** Where a kind sits in creation order: pools, then volumes, then networks, then domains. */
export function kindRank(kind: ResourceKind): number {
  return RESOURCE_KINDS.indexOf(kind);
}

/** Orders addresses by kind (creation order), then pool, then name (code-point order: stable across locales). */
export function compareAddresses(a: ResourceAddress, b: ResourceAddress): number {
  return kindRank(a.kind) - kindRank(b.kind) || cmp(a.pool ?? '', b.pool ?? '') || cmp(a.name, b.name);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function sameAddress(a: ResourceAddress, b: ResourceAddress): boolean {
  return a.kind === b.kind && a.name === b.name && (a.pool ?? '') === (b.pool ?? '');
}
