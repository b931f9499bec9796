/**
 * What an XML stack folder gives besides its libvirt documents (docs/xml-stacks.md):
 *
 * - **Volume imports.** Beside a volume document `volumes/POOL/FILE.xml`, a file
 *   `volumes/POOL/FILE.import.json` says the volume is filled from an image when it is created:
 *   `{"source": "PATH or https://URL", "sha256": "HEX", "format": "qcow2"}` (`sha256` and `format`,
 *   the source's format, are optional; a relative PATH is relative to the JSON file). libvirt's
 *   volume XML has no element for this, and virtform adds none to it.
 * - **cloud-init seeds.** A folder `cloud-init/DOMAIN/` with `user-data` (required), `meta-data`
 *   (default `instance-id: DOMAIN` and `local-hostname: DOMAIN`), and optionally `network-config`
 *   and `vendor-data` gives domain DOMAIN a NoCloud seed: an ISO volume `cidata-<16 hex>.iso`
 *   (content-addressed, provider/executor/storage/nocloud-seed.ts) in the pool of the domain's
 *   first `<disk type='volume'>`, attached as a read-only cdrom added to the domain's desired
 *   document (IDE `hdc`..., or SATA `sdX` on q35 machines, the first free name). A changed seed
 *   is a new volume: the plan restarts the domain on it and deletes the old seed.
 *
 * Both are read on the client at plan time, so a missing file fails the plan before the host is
 * touched; the bytes themselves are read when apply creates the volume. Seed contents (which may
 * hold passwords) stay in memory: plan files and messages carry only the volume name.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseDomainXml, type Domain } from '../model/domain/domain';
import { parseVolumeXml } from '../model/volume';
import type { DesiredResource, DesiredState } from '../planner/desired-state';
import { formatAddress } from '../planner/resource-address';
import type { StackInputs, VolumeImport } from '../provider/executor/apply/volume-import';
import { localFileSource, redactUrl, urlSource } from '../provider/executor/storage/image-transfer';
import { buildNoCloudSeed, type NoCloudSeed } from '../provider/executor/storage/nocloud-seed';
import { VirtformError } from './errors';

export interface StackWithInputs {
  readonly desired: DesiredState;
  readonly inputs: StackInputs;
}

const IMPORT_KEYS = new Set(['source', 'sha256', 'format']);
const SEED_FILES: Readonly<Record<string, keyof NoCloudSeed>> = {
  'user-data': 'userData',
  'meta-data': 'metaData',
  'network-config': 'networkConfig',
  'vendor-data': 'vendorData',
};

/**
 * The desired state with the cloud-init seeds added, and the volume imports, of the stack folder
 * `stackDir` (`--xml PATH` as given). A single-file stack has neither.
 */
export function readStackInputs(stackDir: string, desired: DesiredState): StackWithInputs {
  const imports = new Map<string, VolumeImport>();
  for (const r of desired.resources) {
    if (r.document.kind !== 'volume' || !r.origin.endsWith('.xml')) continue;
    const file = `${r.origin.slice(0, -'.xml'.length)}.import.json`;
    if (fs.existsSync(file)) imports.set(formatAddress(r.address), readImportFile(file));
  }
  const resources = [...desired.resources];
  const seedRoot = path.join(stackDir, 'cloud-init');
  if (fs.existsSync(seedRoot) && fs.statSync(seedRoot).isDirectory()) {
    for (const domainName of fs.readdirSync(seedRoot).sort()) {
      if (domainName.startsWith('.')) continue;
      const dir = path.join(seedRoot, domainName);
      const at = resources.findIndex((r) => r.document.kind === 'domain' && r.address.name === domainName);
      if (at < 0) {
        const declared = resources.filter((r) => r.document.kind === 'domain').map((r) => r.address.name);
        throw new VirtformError(
          `${dir}: cloud-init seeds are for domains of the stack, and the stack declares no domain '${domainName}' (it declares ${declared.length ? declared.join(', ') : 'none'}); name the folder after a domain`,
        );
      }
      const { seed, volume } = seedFor(dir, resources[at], domainName);
      resources.splice(at, 1, volume.domain);
      resources.push(volume.resource);
      imports.set(formatAddress(volume.resource.address), { kind: 'nocloud', domain: domainName, seed });
    }
  }
  return { desired: { resources }, inputs: { volumeImports: imports } };
}

function readImportFile(file: string): VolumeImport {
  let v: unknown;
  try {
    v = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new VirtformError(`${file}: cannot read the volume import: ${(e as Error).message}; write {"source": "PATH or https://URL"} with optional "sha256" and "format"`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new VirtformError(`${file}: a volume import is a JSON object such as {"source": "images/base.qcow2"}`);
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!IMPORT_KEYS.has(k)) throw new VirtformError(`${file}: unknown key "${k}"; a volume import has "source", and optionally "sha256" and "format"`);
  if (typeof o.source !== 'string' || o.source === '') throw new VirtformError(`${file}: "source" must be a file path or an http(s) URL`);
  if (o.sha256 !== undefined && (typeof o.sha256 !== 'string' || !/^[0-9a-fA-F]{64}$/.test(o.sha256))) {
    throw new VirtformError(`${file}: "sha256" must be 64 hex digits (the image's SHA-256), not ${JSON.stringify(o.sha256)}`);
  }
  if (o.format !== undefined && (typeof o.format !== 'string' || !/^[a-z0-9]+$/.test(o.format))) {
    throw new VirtformError(`${file}: "format" is the source image's format, such as "qcow2" or "raw", not ${JSON.stringify(o.format)}`);
  }
  const extra = { ...(o.sha256 !== undefined ? { sha256: (o.sha256 as string).toLowerCase() } : {}), ...(o.format !== undefined ? { sourceFormat: o.format as string } : {}) };
  const source = o.source;
  if (/^https?:\/\//i.test(source)) {
    return { kind: 'image', label: redactUrl(source), open: () => urlSource(source), ...extra };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(source)) throw new VirtformError(`${file}: "source" ${JSON.stringify(redactUrl(source))} is neither a file path nor an http(s) URL`);
  const local = path.resolve(path.dirname(file), source);
  if (!fs.existsSync(local) || !fs.statSync(local).isFile()) {
    throw new VirtformError(`${file}: the image ${local} does not exist or is not a file; fix "source" (a relative path is relative to ${path.dirname(file)})`);
  }
  return { kind: 'image', label: local, open: () => localFileSource(local), ...extra };
}

function seedFor(dir: string, domainRes: DesiredResource, name: string): { seed: NoCloudSeed; volume: { domain: DesiredResource; resource: DesiredResource } } {
  const files: Partial<Record<keyof NoCloudSeed, Buffer>> = {};
  for (const f of fs.readdirSync(dir).sort()) {
    const key = SEED_FILES[f];
    if (key === undefined) throw new VirtformError(`${path.join(dir, f)}: a cloud-init seed holds ${Object.keys(SEED_FILES).join(', ')}; rename or remove this file`);
    files[key] = fs.readFileSync(path.join(dir, f));
  }
  if (files.userData === undefined) throw new VirtformError(`${dir}: the cloud-init seed of domain '${name}' has no user-data; add ${path.join(dir, 'user-data')} (for example a #cloud-config file)`);
  const seed: NoCloudSeed = {
    userData: files.userData,
    metaData: files.metaData ?? `instance-id: ${name}\nlocal-hostname: ${name}\n`,
    ...(files.networkConfig ? { networkConfig: files.networkConfig } : {}),
    ...(files.vendorData ? { vendorData: files.vendorData } : {}),
  };
  if (domainRes.document.kind !== 'domain') throw new Error('unreachable');
  const domain = domainRes.document.doc;
  const pool = domain.devices?.disks?.find((d) => d.type === 'volume' && d.source?.pool)?.source?.pool;
  if (pool === undefined) {
    throw new VirtformError(
      `${dir}: virtform puts domain '${name}''s cloud-init seed into the pool of its first <disk type='volume'>, and ${domainRes.origin} has none; give the domain a volume disk (<disk type='volume'><source pool='POOL' volume='NAME'/>...)`,
    );
  }
  const image = buildNoCloudSeed(name, seed);
  const volumeDoc = parseVolumeXml(
    `<volume><name>${image.volumeName}</name><capacity unit='bytes'>${image.image.length}</capacity><allocation unit='bytes'>${image.image.length}</allocation><target><format type='raw'/></target></volume>`,
    dir,
  );
  domain.devices!.disks = [...(domain.devices!.disks ?? []), seedCdrom(domain, pool, image.volumeName)];
  return {
    seed,
    volume: {
      domain: domainRes,
      resource: { address: { kind: 'volume', pool, name: image.volumeName }, document: { kind: 'volume', doc: volumeDoc, pool }, origin: dir },
    },
  };
}

/** A read-only cdrom for the seed, on IDE (SATA on q35 machines), at the first free target name. */
function seedCdrom(domain: Domain, pool: string, volume: string) {
  const q35 = /q35/.test(domain.os?.type?.machine ?? '');
  const taken = new Set((domain.devices?.disks ?? []).map((d) => d.target?.dev));
  const names = q35 ? [...'abcdefghijklmnopqrstuvwxyz'].map((c) => `sd${c}`) : ['hdc', 'hdd', 'hdb', 'hda'];
  const dev = names.find((n) => !taken.has(n));
  if (dev === undefined) throw new VirtformError(`domain '${domain.name}': no free ${q35 ? 'SATA' : 'IDE'} target name is left for its cloud-init cdrom; remove a disk from that bus`);
  const bus = q35 ? 'sata' : 'ide';
  const d = parseDomainXml(
    `<domain type='qemu'><name>seed</name><memory>1024</memory><devices><disk type='volume' device='cdrom'><driver name='qemu' type='raw'/><source pool='${xmlAttr(pool)}' volume='${xmlAttr(volume)}'/><target dev='${dev}' bus='${bus}'/><readonly/></disk></devices></domain>`,
  );
  return d.devices!.disks![0];
}

function xmlAttr(v: string): string {
  return v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/'/g, '&apos;').replace(/"/g, '&quot;');
}
