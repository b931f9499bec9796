/**
 * A libvirt storage pool (`<pool>`, storagepool.rng of libvirt 9.0), including the
 * `fs:mount_opts` (fs/netfs) and `rbd:config_opts` (rbd) namespace extensions.
 *
 * Property order is libvirt's output order. `parsePoolXml` keeps what the document says;
 * `applyPoolDefaults` (defaults.ts) adds what libvirt fills in at parse time, and
 * `validatePool` (validate.ts) checks the per-type rules.
 */
import type { Static } from '@sinclair/typebox';
import * as X from '../schema';
import { parseXml } from '../xml/dom';
import { POOL_TYPES } from './pool-types';
import { PoolSource } from './source';
import { Permissions } from './permissions';
import { storagePath } from './storage-path';

/** Sizes are bytes, printed with unit='bytes'. */
const bytes = () => X.scaled({ canonical: 'bytes', defaultUnit: 'bytes' });

export const PoolTarget = X.element({
  path: X.textChild(storagePath({ absolute: true })),
  permissions: X.child(Permissions),
});
export type PoolTarget = Static<typeof PoolTarget>;

/** Btrfs copy-on-write for the pool's directory ('no' turns it off for new images). */
export const PoolFeatures = X.element({
  cow: X.child(X.element({ state: X.reqAttr(X.yesNo()) })),
});

/** rbd: how a refresh reports volume allocation ('capacity' skips the slow usage scan). */
export const PoolRefresh = X.element({
  volume: X.child(X.element({ allocation: X.attr(X.enumOf('default', 'capacity')) })),
});

/** `fs:mount_opts`: extra mount options for fs and netfs pools. */
export const FsMountOpts = X.element({
  options: X.children(X.element({ name: X.reqAttr(X.str({ minLength: 1 })) }), { xml: 'fs:option' }),
});

/** `rbd:config_opts`: librados configuration options for an rbd pool. */
export const RbdConfigOpts = X.element({
  options: X.children(X.element({ name: X.reqAttr(X.str({ minLength: 1 })), value: X.reqAttr(X.str()) }), { xml: 'rbd:option' }),
});

export const Pool = X.element(
  {
    type: X.reqAttr(X.enumOf(...POOL_TYPES)),
    /** Required except for types named after their source (logical, rbd, gluster, zfs...). */
    name: X.textChild(X.str({ pattern: '^[^/\\n]+$', describe: 'a name without / or line breaks' })),
    uuid: X.textChild(X.uuid()),
    /** Size of the pool, bytes (reported by refresh; libvirt ignores it in a definition). */
    capacity: X.childValue(bytes()),
    /** Bytes in use (reported). */
    allocation: X.childValue(bytes()),
    /** Bytes free (reported). */
    available: X.childValue(bytes()),
    features: X.child(PoolFeatures),
    source: X.child(PoolSource),
    target: X.child(PoolTarget),
    refresh: X.child(PoolRefresh),
    mountOpts: X.child(FsMountOpts, { xml: 'fs:mount_opts' }),
    configOpts: X.child(RbdConfigOpts, { xml: 'rbd:config_opts' }),
  },
  { declaresChildNamespaces: true, description: 'A libvirt storage pool' },
);
export type Pool = Static<typeof Pool>;

/**
 * Parses storage pool XML. Throws XmlSyntaxError for malformed XML and ModelError (file:line,
 * XML path, rule, fix) for unknown elements or attributes and bad values. No defaults applied.
 */
export function parsePoolXml(text: string, file = '<pool>'): Pool {
  return X.bindDocument(parseXml(text, file), Pool, 'pool');
}

/** Formats a pool in libvirt's layout (what `virsh pool-dumpxml` prints for its definition). */
export function formatPoolXml(doc: Pool): string {
  return X.formatDocument(doc, Pool, 'pool');
}
