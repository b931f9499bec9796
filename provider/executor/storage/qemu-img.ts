/**
 * qemu-img as virtform uses it: argv builders (pure) and the parser of
 * `qemu-img info --output=json`.
 *
 * Invariants:
 * - The image format is always given with -f (and -F for a backing file): qemu-img never
 *   probes the format of an image virtform created, so a raw guest disk whose first bytes
 *   look like a qcow2 header cannot be misread. Probing happens only for imports, where the
 *   format is unknown and the result is checked (image-safety in dir-pool-storage.ts).
 * - Paths are absolute host paths, so qemu-img never reads a `protocol:` or `json:` prefix
 *   from a file name.
 * - Sizes are bytes.
 */
import { StateError } from '../state/state-error';

/** Formats virtform creates with qemu-img. */
export const CREATABLE_FORMATS = ['raw', 'qcow2'] as const;
export type CreatableFormat = (typeof CREATABLE_FORMATS)[number];

export interface CreateImageArgs {
  readonly path: string;
  readonly format: CreatableFormat;
  /** Virtual size, bytes. */
  readonly capacity: number;
  /** Bytes to allocate up front: 0 sparse, >= capacity fully; see preallocationFor. */
  readonly allocation?: number;
  readonly backing?: { readonly path: string; readonly format: string };
  /** qcow2 compat level ('0.10', '1.1'). */
  readonly compat?: string;
  /** qcow2 cluster size, bytes. */
  readonly clusterSize?: number;
  readonly lazyRefcounts?: boolean;
  readonly extendedL2?: boolean;
  /** Disable copy-on-write on btrfs. */
  readonly nocow?: boolean;
}

/**
 * qemu-img's preallocation mode for an allocation (libvirt's rule for qemu-img created
 * images): nothing for 0, all of it (falloc) when allocation covers the capacity; in between,
 * qcow2 gets its metadata allocated and raw is fallocated to `allocation` afterwards.
 */
export function preallocationFor(format: CreatableFormat, capacity: number, allocation: number | undefined): 'off' | 'metadata' | 'falloc' | 'partial' {
  if (!allocation) return 'off';
  if (allocation >= capacity) return 'falloc';
  return format === 'qcow2' ? 'metadata' : 'partial';
}

/** `qemu-img create` argv for a new image. */
export function createImageArgv(a: CreateImageArgs): string[] {
  if (!Number.isSafeInteger(a.capacity) || a.capacity < 0) throw new TypeError(`capacity ${a.capacity} must be a whole number of bytes`);
  const opts: string[] = [];
  const pre = preallocationFor(a.format, a.capacity, a.allocation);
  if (pre === 'falloc' || pre === 'metadata') opts.push(`preallocation=${pre}`);
  if (a.format === 'qcow2') {
    if (a.compat !== undefined) {
      // qemu-img splits -o on commas: only a plain version may go in.
      if (!/^[0-9]+\.[0-9]+$/.test(a.compat)) throw new TypeError(`qcow2 compat '${a.compat}' must be a version such as 1.1`);
      opts.push(`compat=${a.compat}`);
    }
    if (a.clusterSize !== undefined) opts.push(`cluster_size=${a.clusterSize}`);
    if (a.lazyRefcounts) opts.push('lazy_refcounts=on');
    if (a.extendedL2) opts.push('extended_l2=on');
  }
  if (a.nocow) opts.push('nocow=on');
  const argv = ['qemu-img', 'create', '-q', '-f', a.format];
  if (a.backing) {
    if (a.format !== 'qcow2') throw new TypeError(`a ${a.format} image cannot have a backing file; use qcow2`);
    argv.push('-b', a.backing.path, '-F', a.backing.format);
  }
  if (opts.length) argv.push('-o', opts.join(','));
  argv.push(a.path, String(a.capacity));
  return argv;
}

/** `qemu-img resize` argv; `shrink` must be set when the new size is smaller. */
export function resizeImageArgv(path: string, format: string, capacity: number, shrink: boolean): string[] {
  if (!Number.isSafeInteger(capacity) || capacity < 0) throw new TypeError(`capacity ${capacity} must be a whole number of bytes`);
  return ['qemu-img', 'resize', '-q', '-f', format, ...(shrink ? ['--shrink'] : []), path, String(capacity)];
}

/** `qemu-img info` argv. Without `format` qemu-img probes it (imports only). -U reads images in use. */
export function infoImageArgv(path: string, format?: string): string[] {
  return ['qemu-img', 'info', '-U', '--output=json', ...(format ? ['-f', format] : []), path];
}

/** `qemu-img convert` argv from one format to another. */
export function convertImageArgv(src: string, srcFormat: string, dest: string, destFormat: string): string[] {
  return ['qemu-img', 'convert', '-q', '-f', srcFormat, '-O', destFormat, src, dest];
}

/** What `qemu-img info` reports about an image. */
export interface ImageInfo {
  readonly format: string;
  /** Guest-visible size, bytes. */
  readonly virtualSize: number;
  /** Bytes allocated on the host file system. */
  readonly actualSize: number;
  readonly clusterSize?: number;
  /** The backing file as written in the image header. */
  readonly backingFilename?: string;
  /** The backing file resolved against the image's directory. */
  readonly fullBackingFilename?: string;
  readonly backingFormat?: string;
  /** qcow2 compat level. */
  readonly compat?: string;
  /** qcow2 external data file, when the image has one. */
  readonly dataFile?: string;
  readonly dirty: boolean;
}

/** Parses `qemu-img info --output=json`. `what` names the image in errors. */
export function parseImageInfo(json: string, what: string): ImageInfo {
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(json) as Record<string, unknown>;
  } catch {
    throw new StateError('COMMAND_FAILED', `qemu-img info for ${what} did not print JSON: ${JSON.stringify(json.slice(0, 120))}`);
  }
  const num = (k: string): number | undefined => (typeof v[k] === 'number' ? (v[k] as number) : undefined);
  const str = (k: string): string | undefined => (typeof v[k] === 'string' ? (v[k] as string) : undefined);
  if (typeof v.format !== 'string' || num('virtual-size') === undefined) {
    throw new StateError('COMMAND_FAILED', `qemu-img info for ${what} lacks format or virtual-size: ${json.slice(0, 200)}`);
  }
  const spec = (v['format-specific'] as { data?: Record<string, unknown> } | undefined)?.data ?? {};
  return {
    format: v.format,
    virtualSize: num('virtual-size')!,
    actualSize: num('actual-size') ?? 0,
    ...(num('cluster-size') !== undefined ? { clusterSize: num('cluster-size') } : {}),
    ...(str('backing-filename') !== undefined ? { backingFilename: str('backing-filename') } : {}),
    ...(str('full-backing-filename') !== undefined ? { fullBackingFilename: str('full-backing-filename') } : {}),
    ...(str('backing-filename-format') !== undefined ? { backingFormat: str('backing-filename-format') } : {}),
    ...(typeof spec.compat === 'string' ? { compat: spec.compat } : {}),
    ...(typeof spec['data-file'] === 'string' ? { dataFile: spec['data-file'] } : {}),
    dirty: v['dirty-flag'] === true,
  };
}
