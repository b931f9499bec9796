/**
 * A disk's backing chain as its image files record it, filled into the domain before the QEMU
 * command line is built, as libvirt does when it starts a domain: libvirt reads each local
 * image's header and, for an image without a backing file, ends the chain explicitly, so that
 * QEMU gets `"backing": null` on the image's format node and never opens a backing file on its
 * own; an image with a backing file gets each layer as a `<backingStore>` (read-only, format
 * from the image header) and its own `-blockdev` nodes.
 *
 * Only what the XML leaves open is read: a disk that states its chain (`<backingStore/>` or a
 * chain) keeps it, and only local file and block sources of formats that can have a backing
 * image (qcow2, qcow, qed, vmdk) are looked at; a raw image has no backing file and the command
 * line does not depend on it. A `<disk type='volume'>` is read when the caller can say which
 * local file or block device its volume is (`DiskChainOptions.volumeSource`; libvirt, too, turns
 * the volume into its path first and then reads the chain).
 *
 * One `qemu-img info --backing-chain` per such disk (argv, no shell; `-U`: an image another
 * process holds open can still be read).
 */
import type { Domain } from '../../../model/domain/domain';
import type { Disk } from '../../../model/domain/devices/disk';
import type { BackingStore } from '../../../model/domain/devices/storage-source';
import type { Transport } from '../../host/transport';
import { StateError } from '../state/state-error';

/** Formats whose images can name a backing file (libvirt's list, as QEMU's drivers take `backing`). */
export const BACKING_CAPABLE_FORMATS: ReadonlySet<string> = new Set(['qcow2', 'qcow', 'qed', 'vmdk']);

/** One image of a chain as `qemu-img info --backing-chain --output=json` lists it (top first). */
interface ChainImage {
  readonly filename: string;
  readonly format: string;
}

/** The `qemu-img info` argv that lists `path`'s whole chain. */
export function backingChainArgv(path: string, format: string): string[] {
  return ['qemu-img', 'info', '-U', '--output=json', '--backing-chain', '-f', format, path];
}

/** Parses qemu-img's chain listing. `what` names the disk in errors. */
export function parseBackingChain(json: string, what: string): ChainImage[] {
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch {
    throw new StateError('COMMAND_FAILED', `qemu-img info --backing-chain for ${what} did not print JSON: ${JSON.stringify(json.slice(0, 120))}`);
  }
  if (!Array.isArray(v) || v.length === 0) throw new StateError('COMMAND_FAILED', `qemu-img info --backing-chain for ${what} printed no image list: ${json.slice(0, 200)}`);
  return v.map((img: Record<string, unknown>, i) => {
    if (typeof img.filename !== 'string' || typeof img.format !== 'string') {
      throw new StateError('COMMAND_FAILED', `qemu-img info --backing-chain for ${what}: image ${i} lacks filename or format`);
    }
    return { filename: img.filename, format: img.format };
  });
}

/**
 * The `<backingStore>` chain below the top image of `chain`: each backing image (a file or a
 * block device, read by QEMU read-only), ended by the empty `<backingStore/>`.
 */
export function backingStoreOf(chain: readonly ChainImage[], isBlockDevice: (path: string) => boolean = () => false): BackingStore {
  let below: BackingStore = {};
  for (let i = chain.length - 1; i >= 1; i--) {
    const img = chain[i];
    const block = isBlockDevice(img.filename);
    below = {
      type: block ? 'block' : 'file',
      format: { type: img.format } as BackingStore['format'],
      source: (block ? { dev: img.filename } : { file: img.filename }) as BackingStore['source'],
      backingStore: below,
    };
  }
  return below;
}

export interface DiskChainOptions {
  /** qemu-img to run instead of the one on PATH. */
  readonly qemuImg?: string;
  /**
   * The local image a `<disk type='volume'>` stands for (its pool's volume path), or undefined
   * when it is not a local file or block device (an iSCSI LUN reached directly) or cannot be
   * resolved (the argv builder then names the problem). Without it, volume disks are skipped.
   */
  readonly volumeSource?: (disk: Disk) => { readonly type: 'file' | 'block'; readonly path: string } | undefined;
}

/** The local image a disk's top layer is, if its chain can be read from it. */
function topImage(disk: Disk, opts: DiskChainOptions): string | undefined {
  if (disk.type === 'file') return disk.source?.file;
  if (disk.type === 'block') return disk.source?.dev;
  if (disk.type === 'volume') return opts.volumeSource?.(disk)?.path;
  return undefined;
}

/**
 * Fills in `backingStore` of every disk whose chain the XML leaves open (see the header), in
 * place, and returns the layers it added that name an image (give them to the argv builder as
 * `ArgvContext.detectedBackingStores`: libvirt numbers their nodes last). Throws StateError
 * naming the disk when an image cannot be read.
 */
export async function detectDiskChains(t: Transport, def: Domain, opts: DiskChainOptions = {}): Promise<Set<BackingStore>> {
  const detected = new Set<BackingStore>();
  for (const disk of def.devices?.disks ?? []) {
    if (disk.backingStore !== undefined) continue;
    const path = topImage(disk, opts);
    const format = disk.driver?.type;
    if (path === undefined || format === undefined || !BACKING_CAPABLE_FORMATS.has(format)) continue;
    const what = `disk '${disk.target?.dev ?? path}' (${path})`;
    const argv = backingChainArgv(path, format);
    if (opts.qemuImg) argv[0] = opts.qemuImg;
    const r = await t.exec(argv, { timeoutMs: 60000 });
    if (r.code !== 0) {
      throw new StateError(
        'COMMAND_FAILED',
        `${t.hostLabel}: cannot read the backing chain of ${what}: ${r.stderr.toString('utf8').trim() || `qemu-img exited with ${r.code}`}. Check that the image exists and is a ${format} image.`,
      );
    }
    const chain = parseBackingChain(r.stdout.toString('utf8'), what);
    disk.backingStore = backingStoreOf(chain, (p) => p.startsWith('/dev/'));
    for (let bs: BackingStore | undefined = disk.backingStore; bs?.type !== undefined; bs = bs.backingStore) detected.add(bs);
  }
  return detected;
}
