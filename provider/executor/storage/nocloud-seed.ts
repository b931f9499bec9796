/**
 * cloud-init NoCloud seed images, made in-process (no genisoimage or xorriso on the host or
 * the client): an ISO 9660 image labelled `cidata` holding `meta-data`, `user-data` and,
 * when given, `network-config` and `vendor-data` under those exact lower-case names (Joliet).
 *
 * Invariants:
 * - Content-addressed: the volume is named `cidata-<16 hex>.iso`, the first 16 hex digits of
 *   SHA-256 over the domain name, a NUL and the image bytes. Same domain and same content give
 *   the same name, so re-applying an unchanged seed does nothing; any change gives a new
 *   volume, and the old one is removed only when the caller says it is no longer attached
 *   (pruneNoCloudSeeds).
 * - Owned by its domain: the volume's ownership record names the domain as its parent, so
 *   removing the domain finds its seeds (StateStore.listChildren).
 * - The seed's content (which may hold passwords or keys) never appears in messages, records
 *   or journals; only its digest does.
 */
import { createHash } from 'crypto';
import { StateError } from '../state/state-error';
import type { DirPoolStorage, VolumeResult } from './dir-pool-storage';
import { bufferSource } from './image-transfer';
import { buildIsoImage, type IsoFile } from './iso9660-image';

/** The volume label cloud-init's NoCloud datasource looks for. */
export const NOCLOUD_LABEL = 'cidata';

export interface NoCloudSeed {
  /** `meta-data` (YAML: instance-id, local-hostname). Required by NoCloud, may be empty. */
  readonly metaData: string | Buffer;
  /** `user-data` (#cloud-config YAML, a script, or MIME multipart). */
  readonly userData: string | Buffer;
  /** `network-config` (network config v1 or v2 YAML). */
  readonly networkConfig?: string | Buffer;
  /** `vendor-data`. */
  readonly vendorData?: string | Buffer;
}

export interface SeedImage {
  readonly image: Buffer;
  /** Hex SHA-256 of the image. */
  readonly sha256: string;
  /** The volume name for `domain`. */
  readonly volumeName: string;
}

const SEED_NAME = /^cidata-[0-9a-f]{16}\.iso$/;

/** Builds the seed image for a domain. Pure. */
export function buildNoCloudSeed(domain: string, seed: NoCloudSeed): SeedImage {
  const buf = (v: string | Buffer): Buffer => (typeof v === 'string' ? Buffer.from(v, 'utf8') : v);
  const files: IsoFile[] = [
    { name: 'meta-data', data: buf(seed.metaData) },
    { name: 'user-data', data: buf(seed.userData) },
    ...(seed.networkConfig !== undefined ? [{ name: 'network-config', data: buf(seed.networkConfig) }] : []),
    ...(seed.vendorData !== undefined ? [{ name: 'vendor-data', data: buf(seed.vendorData) }] : []),
  ];
  const image = buildIsoImage({ volumeId: NOCLOUD_LABEL, files, application: 'VIRTFORM NOCLOUD SEED' });
  const sha256 = createHash('sha256').update(image).digest('hex');
  const key = createHash('sha256').update(domain, 'utf8').update(Buffer.from([0])).update(image).digest('hex');
  return { image, sha256, volumeName: `cidata-${key.slice(0, 16)}.iso` };
}

/**
 * Puts a domain's seed into `pool` (a raw volume owned by the domain) unless the same seed is
 * already there. Returns the volume; `created` is false when it was already there.
 */
export async function writeNoCloudSeed(pool: DirPoolStorage, domain: string, seed: NoCloudSeed): Promise<VolumeResult> {
  const s = buildNoCloudSeed(domain, seed);
  const parent = { kind: 'domain', name: domain } as const;
  const at = await pool.volumePath(s.volumeName);
  if (at.exists) {
    const info = await pool.volumeInfo(s.volumeName, 'raw');
    if (at.size !== s.image.length) {
      throw new StateError('EXISTS', `seed volume '${s.volumeName}' of domain '${domain}' in pool '${pool.name}' exists with ${at.size} bytes, not ${s.image.length}; it was changed outside virtform. Delete it and apply again.`);
    }
    return { name: s.volumeName, path: at.path, created: false, info };
  }
  return pool.importImage(s.volumeName, bufferSource(`the cloud-init seed of domain '${domain}'`, s.image), {
    sourceFormat: 'raw',
    sha256: s.sha256,
    parent,
    specHash: `sha256:${s.sha256}`,
  });
}

/**
 * Deletes the domain's seed volumes in `pool` other than `keep` (call it once the domain no
 * longer uses them). Returns the names deleted.
 */
export async function pruneNoCloudSeeds(pool: DirPoolStorage, domain: string, keep?: string): Promise<string[]> {
  const gone: string[] = [];
  for (const e of await pool.recordedVolumes()) {
    const p = e.owner?.parent;
    if (!p || p.kind !== 'domain' || p.name !== domain || !SEED_NAME.test(e.ref.name) || e.ref.name === keep) continue;
    await pool.deleteVolume(e.ref.name);
    gone.push(e.ref.name);
  }
  return gone;
}
