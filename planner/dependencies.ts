/**
 * Dependencies between resources, found in the documents themselves (references imply them):
 *
 * - a volume needs its pool, and a volume of the same pool that is its backing store;
 * - a domain needs the volume of each `<disk type='volume'>` (or its pool when the volume is
 *   not known), the volume whose path a `<disk type='file'>` names, the pool whose directory
 *   holds such a file, and the network of each `<interface type='network'>`.
 *
 * Creates and updates run dependencies first; deletes run in reverse (a domain is deleted
 * before the volume it used). Pure.
 */
import type { Domain } from '../model/domain/domain';
import type { Pool } from '../model/pool/pool';
import type { Volume } from '../model/volume/volume';
import type { ResourceDocument } from './desired-state';
import { formatAddress, type ResourceAddress } from './resource-address';

export interface Reference {
  readonly to: ResourceAddress;
  /** What refers, for messages: `disk vda`, `interface 1`, `the volume's pool`. */
  readonly what: string;
  /** The referring object inside the document (for file:line in messages). */
  readonly obj: object;
  /** XML path of the referring element: `/domain/devices/disk[1]/source`. */
  readonly xmlPath: string;
}

/** What references resolve against: the pools and volumes of the desired state and the host. */
export interface ResourceIndex {
  pool(name: string): Pool | undefined;
  /** The volume whose image is at `path`, if one is known. */
  volumeAt(path: string): ResourceAddress | undefined;
}

/** Builds a ResourceIndex from documents (desired first: their paths win over live ones). */
export function indexResources(docs: readonly { readonly address: ResourceAddress; readonly document: ResourceDocument }[]): ResourceIndex {
  const pools = new Map<string, Pool>();
  const volumes = new Map<string, ResourceAddress>();
  for (const { address, document: d } of docs) {
    if (d.kind === 'pool' && !pools.has(address.name)) pools.set(address.name, d.doc);
    if (d.kind === 'volume') {
      const p = d.doc.target?.path;
      if (p !== undefined && !volumes.has(p)) volumes.set(p, address);
    }
  }
  return { pool: (n) => pools.get(n), volumeAt: (p) => volumes.get(p) };
}

/** Every resource a document refers to, in document order (duplicates kept: each names its referrer). */
export function referencesOf(d: ResourceDocument, index: ResourceIndex): Reference[] {
  switch (d.kind) {
    case 'volume':
      return volumeReferences(d.doc, d.pool, index);
    case 'domain':
      return domainReferences(d.doc, index);
    default:
      return [];
  }
}

function volumeReferences(v: Volume, pool: string, index: ResourceIndex): Reference[] {
  const out: Reference[] = [{ to: { kind: 'pool', name: pool }, what: "the volume's pool", obj: v, xmlPath: '/volume' }];
  const backing = v.backingStore?.path;
  if (backing !== undefined) {
    const vol = index.volumeAt(backing);
    if (vol && vol.pool === pool && vol.name !== v.name) out.push({ to: vol, what: 'the backing store', obj: v.backingStore!, xmlPath: '/volume/backingStore' });
  }
  return out;
}

function domainReferences(dom: Domain, index: ResourceIndex): Reference[] {
  const out: Reference[] = [];
  (dom.devices?.disks ?? []).forEach((disk, i) => {
    const src = disk.source;
    if (!src) return;
    const what = `disk ${disk.target?.dev ?? i + 1}`;
    const xmlPath = `/domain/devices/disk[${i + 1}]/source`;
    if (disk.type === 'volume' && src.pool !== undefined) {
      if (src.volume !== undefined) out.push({ to: { kind: 'volume', pool: src.pool, name: src.volume }, what, obj: src, xmlPath });
      else out.push({ to: { kind: 'pool', name: src.pool }, what, obj: src, xmlPath });
    } else if ((disk.type === undefined || disk.type === 'file') && src.file !== undefined) {
      const vol = index.volumeAt(src.file);
      if (vol) out.push({ to: vol, what, obj: src, xmlPath });
    }
  });
  (dom.devices?.interfaces ?? []).forEach((iface, i) => {
    if (iface.type === 'network' && iface.source?.network !== undefined) {
      out.push({ to: { kind: 'network', name: iface.source.network }, what: `interface ${i + 1}`, obj: iface.source, xmlPath: `/domain/devices/interface[${i + 1}]/source` });
    }
  });
  return out;
}

/** Distinct addresses of references, in first-seen order. */
export function referencedAddresses(refs: readonly Reference[]): string[] {
  return [...new Set(refs.map((r) => formatAddress(r.to)))];
}
