/**
 * What a stack gives apply besides its documents: the bytes of volumes that are imported rather
 * than created empty. libvirt's volume XML has no place for "fill me from this image", so these
 * travel beside the plan (cli/stack-inputs.ts reads them from the stack folder; docs/xml-stacks.md):
 *
 * - `image`: a local file or an HTTP(S) URL, imported with DirPoolStorage.importImage (digest
 *   checked on both ends, backing files refused, converted to the volume's format, grown to its
 *   capacity);
 * - `nocloud`: a cloud-init NoCloud seed of a domain, written with writeNoCloudSeed (the volume
 *   name is content-addressed, so a changed seed is a new volume).
 *
 * Invariants: imports only matter when a volume is created; an existing volume is never
 * refilled. Seed contents can hold secrets: they live in memory only and never reach a plan
 * file, a record, the journal or a message.
 */
import type { ImageSource } from '../storage/image-transfer';
import type { NoCloudSeed } from '../storage/nocloud-seed';

export type VolumeImport =
  | {
      readonly kind: 'image';
      /** How messages name the source: the file's path, or the URL without credentials. */
      readonly label: string;
      /** Opens the source when the import runs (not at plan time). */
      open(): Promise<ImageSource>;
      /** Expected hex SHA-256 of the source bytes. */
      readonly sha256?: string;
      /** The source's image format; probed by qemu-img when absent. */
      readonly sourceFormat?: string;
    }
  | {
      readonly kind: 'nocloud';
      /** The domain the seed belongs to (its ownership record names it as parent). */
      readonly domain: string;
      readonly seed: NoCloudSeed;
    };

export interface StackInputs {
  /** By volume address (`volume.images/base.qcow2`). */
  readonly volumeImports: ReadonlyMap<string, VolumeImport>;
}

export const NO_STACK_INPUTS: StackInputs = { volumeImports: new Map() };
