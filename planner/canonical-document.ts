/**
 * Canonical documents: desired and live definitions brought to one form before they are
 * compared, so that a re-plan right after an apply shows no changes ("provider produced
 * inconsistent result" is the pain this prevents).
 *
 * Both sides go through the SAME steps:
 *   1. parse (live: the stored XML text; desired: already parsed);
 *   2. the same defaults (DocumentDefaults: libvirt's parse-time defaults from model/, plus a
 *      volume's path in its pool);
 *   3. values the host generates at create time (UUIDs, MAC addresses, a network's bridge
 *      name, a volume's key) are taken from the live side when the desired side leaves them
 *      out: the user did not ask for a particular value, so the one the host chose is no change;
 *   4. formatted in libvirt's layout: the canonical XML that is diffed, hashed and stored.
 *
 * Defaults are applied in place (they are idempotent and keep source positions for messages).
 * Pure: no I/O; hashing is a computation.
 */
import { createHash } from 'crypto';
import { applyDomainDefaults } from '../model/domain/defaults';
import { formatDomainXml, parseDomainXml, type Domain } from '../model/domain/domain';
import { applyNetworkDefaults } from '../model/network/defaults';
import { formatNetworkXml, parseNetworkXml, type Network } from '../model/network/network';
import { applyPoolDefaults } from '../model/pool/defaults';
import { formatPoolXml, parsePoolXml, type Pool } from '../model/pool/pool';
import { POOL_TYPE_INFO } from '../model/pool/pool-types';
import { applyVolumeDefaults } from '../model/volume/defaults';
import { formatVolumeXml, parseVolumeXml, type Volume } from '../model/volume/volume';
import type { ResourceDocument } from './desired-state';
import type { ResourceKind } from './resource-address';

/**
 * The defaults applied to both sides. The model's are hypervisor-independent; the QEMU driver's
 * (provider/qemu prepareDomain: machine type, controllers, addresses) can be supplied instead
 * once the caller has QEMU capabilities, as long as the same function serves both sides.
 */
export interface DocumentDefaults {
  domain(d: Domain): Domain;
  network(n: Network): Network;
  pool(p: Pool): Pool;
  /** `pool` is the volume's pool (desired or live), undefined when neither side has it. */
  volume(v: Volume, pool: Pool | undefined): Volume;
}

/** libvirt's parse-time defaults (model/), and a file-pool volume's path under its pool's directory. */
export const MODEL_DEFAULTS: DocumentDefaults = {
  domain: (d) => applyDomainDefaults(d),
  network: (n) => applyNetworkDefaults(n),
  pool: (p) => applyPoolDefaults(p),
  volume: (v, pool) => {
    if (!pool) return v;
    applyVolumeDefaults(v, pool.type);
    const path = volumePathInPool(v.name, pool);
    if (path !== undefined && v.target && v.target.path === undefined) v.target.path = path;
    return v;
  },
};

/**
 * Where a volume's image lives in a pool whose volumes are files in its directory (dir, fs,
 * netfs): `<pool target path>/<volume name>`. undefined for other pool types.
 */
export function volumePathInPool(volumeName: string, pool: Pool): string | undefined {
  const info = POOL_TYPE_INFO[pool.type];
  if (!info || info.volumeFormats !== 'file' || info.target !== 'required') return undefined;
  const dir = pool.target?.path;
  if (dir === undefined) return undefined;
  return `${dir.replace(/\/+$/, '')}/${volumeName}`;
}

/** Applies `defaults` to a document in place and returns it. */
export function applyDefaults(d: ResourceDocument, defaults: DocumentDefaults, pool: Pool | undefined): ResourceDocument {
  switch (d.kind) {
    case 'domain':
      defaults.domain(d.doc);
      break;
    case 'network':
      defaults.network(d.doc);
      break;
    case 'pool':
      defaults.pool(d.doc);
      break;
    case 'volume':
      defaults.volume(d.doc, pool);
      break;
  }
  return d;
}

/** Parses a stored definition (`file` labels it in errors). Throws XmlSyntaxError / ModelError. */
export function parseStored(kind: ResourceKind, xml: string, file: string, pool?: string): ResourceDocument {
  switch (kind) {
    case 'domain':
      return { kind, doc: parseDomainXml(xml, file) };
    case 'network':
      return { kind, doc: parseNetworkXml(xml, file) };
    case 'pool':
      return { kind, doc: parsePoolXml(xml, file) };
    case 'volume':
      return { kind, doc: parseVolumeXml(xml, file), pool: pool ?? '' };
  }
}

/** The document in libvirt's layout. */
export function formatResourceDocument(d: ResourceDocument): string {
  switch (d.kind) {
    case 'domain':
      return formatDomainXml(d.doc);
    case 'network':
      return formatNetworkXml(d.doc);
    case 'pool':
      return formatPoolXml(d.doc);
    case 'volume':
      return formatVolumeXml(d.doc);
  }
}

/**
 * Copies what the host generated into `desired` where `desired` leaves it out (in place):
 * domain uuid, genid and interface MACs (by position); network uuid, bridge name and MAC;
 * pool uuid; volume key and path. Never overrides a value the desired side states.
 */
export function adoptGenerated(desired: ResourceDocument, live: ResourceDocument): void {
  if (desired.kind === 'domain' && live.kind === 'domain') {
    const d = desired.doc;
    const l = live.doc;
    if (d.uuid === undefined && l.uuid !== undefined) d.uuid = l.uuid;
    if (d.genid === '' && l.genid) d.genid = l.genid;
    const dIfs = d.devices?.interfaces ?? [];
    const lIfs = l.devices?.interfaces ?? [];
    dIfs.forEach((iface, i) => {
      const mac = lIfs[i]?.mac?.address;
      if (iface.mac?.address === undefined && mac !== undefined && lIfs[i].type === iface.type) iface.mac = { ...(iface.mac ?? {}), address: mac };
    });
  } else if (desired.kind === 'network' && live.kind === 'network') {
    const d = desired.doc;
    const l = live.doc;
    if (d.uuid === undefined && l.uuid !== undefined) d.uuid = l.uuid;
    if (d.bridge && d.bridge.name === undefined && l.bridge?.name !== undefined) d.bridge.name = l.bridge.name;
    if (d.mac === undefined && l.mac !== undefined) d.mac = { address: l.mac.address };
  } else if (desired.kind === 'pool' && live.kind === 'pool') {
    if (desired.doc.uuid === undefined && live.doc.uuid !== undefined) desired.doc.uuid = live.doc.uuid;
  } else if (desired.kind === 'volume' && live.kind === 'volume') {
    const d = desired.doc;
    const l = live.doc;
    if (d.key === undefined && l.key !== undefined) d.key = l.key;
    if (d.target && d.target.path === undefined && l.target?.path !== undefined) d.target.path = l.target.path;
  }
}

/**
 * `sha256:<hex>` of a canonical definition. The apply records it with what it starts (the
 * domain's status.json specHash), so the next plan can tell that a running domain was started
 * from another definition than the one it would have now.
 */
export function definitionHash(canonicalXml: string): string {
  return `sha256:${createHash('sha256').update(canonicalXml).digest('hex')}`;
}

/** Randomness for fillGenerated (the planner has none of its own). */
export interface Generators {
  /** A random UUID, lower-case canonical form. */
  uuid(): string;
  /** A random unicast MAC, e.g. `52:54:00:3f:1a:09` (QEMU's locally administered prefix). */
  mac(): string;
}

/**
 * What libvirt generates when a definition is created, filled into a canonical definition by the
 * executor before it stores it: a domain's, network's or pool's UUID, a domain's `<genid/>`
 * request and each interface's MAC address. Values the document states are kept. Returns the
 * canonical XML to store (and to hash with definitionHash).
 */
export function fillGenerated(kind: ResourceKind, xml: string, gen: Generators, pool?: string): string {
  const d = parseStored(kind, xml, '<definition>', pool);
  switch (d.kind) {
    case 'domain':
      d.doc.uuid ??= gen.uuid();
      if (d.doc.genid === '') d.doc.genid = gen.uuid();
      for (const iface of d.doc.devices?.interfaces ?? []) if (iface.mac?.address === undefined) iface.mac = { ...(iface.mac ?? {}), address: gen.mac() };
      break;
    case 'network':
    case 'pool':
      d.doc.uuid ??= gen.uuid();
      break;
    case 'volume':
      break;
  }
  return formatResourceDocument(d);
}
