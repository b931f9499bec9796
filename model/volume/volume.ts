/**
 * A libvirt storage volume (`<volume>`, storagevol.rng of libvirt 9.0): a file, block device
 * or network image in a pool, with its size, image format, permissions, encryption and
 * backing store.
 *
 * How a volume's format is read and printed depends on its pool (pool-types.ts), so the
 * defaults and the format checks take the pool type. Property order is libvirt's output order.
 */
import type { Static } from '@sinclair/typebox';
import * as X from '../schema';
import { parseXml } from '../xml/dom';
import { Permissions } from '../pool/permissions';
import { VOLUME_FORMATS } from '../pool/pool-types';
import { Encryption } from './encryption';

/** Sizes are bytes; libvirt prints them with unit='bytes'. */
const bytes = () => X.scaled({ canonical: 'bytes', defaultUnit: 'bytes' });

export const VolumeExtent = X.element({
  start: X.reqAttr(X.uint()),
  end: X.reqAttr(X.uint()),
});

/** Where a volume lies on its pool's devices (reported by refresh; not read from a definition). */
export const VolumeSourceDevice = X.element({
  path: X.reqAttr(X.str({ pattern: '^/', describe: 'an absolute path' })),
  extents: X.children(VolumeExtent, { xml: 'extent' }),
});

export const VolumeSource = X.element({
  devices: X.children(VolumeSourceDevice, { xml: 'device' }),
});

const Timestamp = X.str({ pattern: '^[0-9]+(\\.[0-9]{0,9})?$', describe: 'seconds since the epoch, e.g. 1341933637.273190990' });

/** File times as refresh reports them (never read from a definition). */
export const Timestamps = X.element({
  atime: X.textChild(Timestamp),
  mtime: X.textChild(Timestamp),
  ctime: X.textChild(Timestamp),
  btime: X.textChild(Timestamp),
});

export const VolumeFormat = X.element({ type: X.reqAttr(X.enumOf(...VOLUME_FORMATS)) });

/** qcow2 features; their presence asks for qcow2 compat 1.1 (defaults.ts). */
export const VolumeFeatures = X.element({
  lazyRefcounts: X.flag({ xml: 'lazy_refcounts' }),
  extendedL2: X.flag({ xml: 'extended_l2' }),
});

export const VolumeTarget = X.element(
  {
    /** File or device path, or a URL for network volumes; kept as written. */
    path: X.textChild(X.str({ minLength: 1 })),
    format: X.child(VolumeFormat),
    permissions: X.child(Permissions),
    timestamps: X.child(Timestamps),
    encryption: X.child(Encryption),
    /** qcow2 compatibility level, e.g. '1.1'. */
    compat: X.textChild(X.str({ pattern: '^[0-9]+\\.[0-9]+$', describe: 'a version such as 1.1' })),
    /**
     * Create the file with copy-on-write disabled (btrfs). A creation-time request: libvirt
     * reads it but never prints it back, and neither does virtform's formatter.
     */
    nocow: X.flag(),
    /** qcow2 cluster size, bytes (printed with unit='B' as libvirt does). */
    clusterSize: X.childValue(X.scaled({ canonical: 'bytes', defaultUnit: 'bytes', printedUnit: 'B' })),
    features: X.child(VolumeFeatures),
  },
  {
    write(w, name, v: { nocow?: boolean }, writeDefault) {
      writeDefault(w, name, { ...v, nocow: undefined });
    },
  },
);
export type VolumeTarget = Static<typeof VolumeTarget>;

export const BackingStore = X.element({
  path: X.reqTextChild(X.str({ pattern: '^(/|[a-zA-Z]:\\\\)', describe: 'an absolute path' })),
  format: X.child(VolumeFormat),
  permissions: X.child(Permissions),
  timestamps: X.child(Timestamps),
});
export type BackingStore = Static<typeof BackingStore>;

export const Volume = X.element(
  {
    type: X.attr(X.enumOf('file', 'block', 'dir', 'network', 'netdir')),
    /** The volume's name in its pool (a file name in directory pools). */
    name: X.reqTextChild(X.str({ pattern: '^[^/]+$', describe: 'a name without /' })),
    /** Unique key, usually the path (reported by libvirt; accepted as given). */
    key: X.textChild(X.str()),
    source: X.child(VolumeSource),
    /** Logical size, bytes. */
    capacity: X.childValue(bytes()),
    /** Bytes allocated on the host; defaults to the capacity (fully allocated). */
    allocation: X.childValue(bytes()),
    /** Bytes the image occupies on the host (reported; not read from a definition). */
    physical: X.childValue(bytes()),
    target: X.reqChild(VolumeTarget),
    backingStore: X.child(BackingStore),
  },
  { description: 'A libvirt storage volume' },
);
export type Volume = Static<typeof Volume>;

/**
 * Parses storage volume XML. Throws XmlSyntaxError for malformed XML and ModelError (file:line,
 * XML path, rule, fix) for unknown elements or attributes and bad values. No defaults applied.
 */
export function parseVolumeXml(text: string, file = '<volume>'): Volume {
  return X.bindDocument(parseXml(text, file), Volume, 'volume');
}

/** Formats a volume in libvirt's layout (what `virsh vol-dumpxml` prints for its definition). */
export function formatVolumeXml(doc: Volume): string {
  return X.formatDocument(doc, Volume, 'volume');
}
