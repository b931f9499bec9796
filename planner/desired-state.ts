/**
 * Desired state: the documents a stack declares (from `--xml PATH` or a TypeScript app), as
 * parsed model objects. Parsed objects keep their source positions (model/schema/source-map),
 * which is how every plan error names the XML file and line.
 *
 * Invariants: one resource per address (the duplicates check reports the others); a volume
 * names its pool (`pool`); `origin` names where the document came from (a file path or a
 * construct path) for messages.
 */
import type { Domain } from '../model/domain/domain';
import type { Network } from '../model/network/network';
import type { Pool } from '../model/pool/pool';
import type { Volume } from '../model/volume/volume';
import type { ResourceAddress } from './resource-address';

export type ResourceDocument =
  | { readonly kind: 'domain'; readonly doc: Domain }
  | { readonly kind: 'network'; readonly doc: Network }
  | { readonly kind: 'pool'; readonly doc: Pool }
  | { readonly kind: 'volume'; readonly doc: Volume; readonly pool: string };

export interface DesiredResource {
  readonly address: ResourceAddress;
  readonly document: ResourceDocument;
  /** The file (`stack/domains/web1.xml`) or construct path (`App/web1`) it came from. */
  readonly origin: string;
}

export interface DesiredState {
  readonly resources: readonly DesiredResource[];
}

/** The name a document gives its resource: pools of source-named types may name themselves by their source. */
export function documentName(d: ResourceDocument): string | undefined {
  if (d.kind === 'pool') return d.doc.name ?? d.doc.source?.name;
  return d.doc.name;
}
