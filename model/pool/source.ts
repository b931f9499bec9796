/**
 * A storage pool's `<source>`: where the storage comes from (hosts, devices, a directory, a
 * SCSI adapter, a volume group or image pool name, iSCSI initiator and CHAP/Ceph auth).
 * Which parts a pool type uses is in pool-types.ts; property order is libvirt's output order.
 */
import type { Static } from '@sinclair/typebox';
import * as X from '../schema';
import { storagePath } from './storage-path';
import { POOL_SOURCE_FORMATS } from './pool-types';

export const SourceHost = X.element({
  /** Host name or IP address, kept as written. */
  name: X.reqAttr(X.str({ minLength: 1 })),
  /** TCP port; -1 and 0 are accepted as "default". */
  port: X.attr(X.int({ min: -1, max: 65535 })),
});
export type SourceHost = Static<typeof SourceHost>;

/** Free space on a disk-pool device as refresh reports it (bytes). Never read from a definition. */
export const FreeExtent = X.element({
  start: X.reqAttr(X.uint()),
  end: X.reqAttr(X.uint()),
});

export const SourceDevice = X.element({
  /** A device path, a multipath name or, for iSCSI, the target IQN. */
  path: X.reqAttr(X.str({ minLength: 1 })),
  /** Disk pools: whether partition names get a 'p' before the number (`/dev/mapper/xp1`). */
  part_separator: X.attr(X.yesNo()),
  freeExtents: X.children(FreeExtent, { xml: 'freeExtent' }),
});
export type SourceDevice = Static<typeof SourceDevice>;

export const SourceDir = X.element({
  /** Absolute for NFS; relative share or volume names are allowed for CIFS and GlusterFS. */
  path: X.reqAttr(storagePath()),
});

/** A PCI address inside `<parentaddr>`; libvirt prints all four fields in fixed-width hex. */
export const PciAddress = X.element(
  {
    domain: X.attr(X.hex(4, { max: 0xffffffff })),
    bus: X.attr(X.hex(2, { max: 0xff })),
    slot: X.attr(X.hex(2, { max: 0x1f })),
    function: X.attr(X.hex(1, { max: 7 })),
    multifunction: X.attr(X.onOff()),
  },
  {
    write(w, name, a: { domain?: number; bus?: number; slot?: number; function?: number }, writeDefault) {
      writeDefault(w, name, { domain: a.domain ?? 0, bus: a.bus ?? 0, slot: a.slot ?? 0, function: a.function ?? 0 });
    },
  },
);

/** Names a SCSI host by the PCI address of its HBA, stable across reboots. */
export const ParentAddr = X.element({
  unique_id: X.attr(X.uint({ min: 1 })),
  address: X.reqChild(PciAddress),
});

const Wwn = X.str({ pattern: '^(0x)?[0-9a-fA-F]{16}$', describe: 'a WWN (16 hex digits)' });

/**
 * The SCSI host of a scsi pool: a scsi_host by name or parent PCI address, or an fc_host
 * (a vHBA) by its WWNN/WWPN. The type defaults to scsi_host (defaults.ts).
 */
export const SourceAdapter = X.element({
  type: X.attr(X.enumOf('scsi_host', 'fc_host')),
  name: X.attr(X.str({ minLength: 1 })),
  parent: X.attr(X.str({ minLength: 1 })),
  parent_wwnn: X.attr(Wwn),
  parent_wwpn: X.attr(Wwn),
  parent_fabric_wwn: X.attr(Wwn),
  managed: X.attr(X.yesNo()),
  wwnn: X.attr(Wwn),
  wwpn: X.attr(Wwn),
  parentaddr: X.child(ParentAddr),
});
export type SourceAdapter = Static<typeof SourceAdapter>;

export const Iqn = X.element({ name: X.reqAttr(X.str({ minLength: 1 })) });
export const Initiator = X.element({ iqn: X.reqChild(Iqn) });

export const SourceFormat = X.element({ type: X.reqAttr(X.enumOf(...POOL_SOURCE_FORMATS)) });

export const Protocol = X.element({ ver: X.reqAttr(X.str({ minLength: 1 })) });

/** The libvirt secret holding the CHAP password or Ceph key: by UUID or by usage name. */
export const AuthSecret = X.element({
  uuid: X.attr(X.uuid()),
  usage: X.attr(X.str({ minLength: 1 })),
});

export const SourceAuth = X.element({
  type: X.reqAttr(X.enumOf('chap', 'ceph')),
  username: X.reqAttr(X.str({ minLength: 1 })),
  secret: X.reqChild(AuthSecret),
});
export type SourceAuth = Static<typeof SourceAuth>;

export const NamedValue = X.element({ name: X.reqAttr(X.str()) });

/** libvirt always prints `<source>` with an opening and a closing tag, even when empty. */
export const PoolSource = X.element(
  {
    hosts: X.children(SourceHost, { xml: 'host' }),
    devices: X.children(SourceDevice, { xml: 'device' }),
    dir: X.child(SourceDir),
    adapter: X.child(SourceAdapter),
    /** Volume group, Ceph pool, Gluster volume, ZFS pool or Vstorage cluster name. */
    name: X.textChild(X.str({ minLength: 1 })),
    initiator: X.child(Initiator),
    format: X.child(SourceFormat),
    auth: X.child(SourceAuth),
    /** NFS protocol version for mount (`4.1`). */
    protocol: X.child(Protocol),
    vendor: X.child(NamedValue),
    product: X.child(NamedValue),
  },
  { neverSelfClose: true },
);
export type PoolSource = Static<typeof PoolSource>;
