/**
 * The storage source shared by `<disk>`, its `<backingStore>` chain and its `<mirror>`: where the
 * bytes live (a file, a block device, a directory, a network export, a pool volume, an NVMe
 * namespace or a vhost-user socket), how to authenticate and decrypt, and the image format.
 *
 * One `<source>` element covers every disk type; which attributes apply depends on the owning
 * element's `type` (file → `file`, block → `dev`, network → `protocol`/`name`/`<host>`...).
 * Attribute and child order is libvirt's.
 */
import * as X from '../../schema';
import type { Static, TObject, TOptional, TUnsafe } from '@sinclair/typebox';
import { DeviceSeclabel } from './seclabel';
import { Reconnect } from './reconnect';

/** `<disk type=...>`, `<backingStore type=...>`, `<mirror type=...>`. */
export const StorageType = X.enumOf('file', 'block', 'dir', 'network', 'volume', 'nvme', 'vhostuser');
export type StorageType = Static<typeof StorageType.schema>;

/** Image formats libvirt knows (`<driver type>`, `<format type>`). `aio` is an old alias of raw. */
export const StorageFormat = X.enumOf(
  'raw', 'dir', 'bochs', 'cloop', 'dmg', 'iso', 'vpc', 'vdi', 'fat', 'vhd', 'ploop', 'luks',
  'cow', 'qcow', 'qcow2', 'qed', 'vmdk',
);
export type StorageFormat = Static<typeof StorageFormat.schema>;

/** Network protocols of `<source protocol>`. */
export const NetProtocol = X.enumOf(
  'nbd', 'rbd', 'sheepdog', 'gluster', 'iscsi', 'http', 'https', 'ftp', 'ftps', 'tftp', 'ssh', 'vxhs', 'nfs',
);
export type NetProtocol = Static<typeof NetProtocol.schema>;

/** `<secret type='passphrase' uuid=.../>` inside `<encryption>`. */
export const EncryptionSecret = X.element({
  type: X.reqAttr(X.enumOf('passphrase')),
  uuid: X.attr(X.uuid()),
  usage: X.attr(X.str()),
});

/** `<cipher name='aes' size='256' mode='xts' hash='sha256'/>` (storage volumes; rejected on disks with luks). */
export const EncryptionCipher = X.element({
  name: X.reqAttr(X.str()),
  size: X.reqAttr(X.uint()),
  mode: X.attr(X.str()),
  hash: X.attr(X.str()),
});

export const EncryptionIvgen = X.element({
  name: X.reqAttr(X.str()),
  hash: X.attr(X.str()),
});

/** `<encryption format='luks' engine='qemu'>`: how the image is encrypted and where its key is. */
export const Encryption = X.element({
  format: X.reqAttr(X.enumOf('default', 'qcow', 'luks', 'luks2')),
  engine: X.attr(X.enumOf('qemu', 'librbd')),
  secrets: X.children(EncryptionSecret, { xml: 'secret' }),
  cipher: X.child(EncryptionCipher),
  ivgen: X.child(EncryptionIvgen),
});
export type Encryption = Static<typeof Encryption>;

/**
 * `<secret type='iscsi' usage='libvirtiscsi'/>` inside `<auth>`. `type` is the libvirt secret
 * usage type; iSCSI sources need `iscsi`, RBD sources need `ceph` (checked by validateDisk).
 */
export const AuthSecret = X.element({
  type: X.attr(X.enumOf('none', 'volume', 'ceph', 'iscsi', 'tls', 'vtpm')),
  uuid: X.attr(X.uuid()),
  usage: X.attr(X.str()),
});

/** `<auth username='myname'><secret .../></auth>`: credentials of a network source. */
export const Auth = X.element({
  username: X.reqAttr(X.str()),
  secret: X.reqChild(AuthSecret),
});
export type Auth = Static<typeof Auth>;

/** One server of a network source: `name`/`port` for TCP and RDMA, `socket` for unix. */
export const NetHost = X.element({
  name: X.attr(X.str()),
  port: X.attr(X.uint({ max: 65535 })),
  transport: X.attr(X.enumOf('tcp', 'rdma', 'unix')),
  socket: X.attr(X.str()),
});
export type NetHost = Static<typeof NetHost>;

export const StorageSlice = X.element({
  type: X.reqAttr(X.enumOf('storage')),
  /** Bytes from the start of the underlying storage. */
  offset: X.reqAttr(X.uint()),
  /** Bytes. */
  size: X.reqAttr(X.uint({ min: 1 })),
});

/** `<slices><slice type='storage' offset='0' size='1024'/></slices>`: use a byte range of the storage. */
export const StorageSlices = X.element({
  slice: X.reqChild(StorageSlice),
});

/** `<reservations managed='yes'>`: SCSI persistent reservations through qemu-pr-helper. */
export const Reservations = X.element({
  managed: X.attr(X.yesNo()),
  source: X.child(
    X.element({
      type: X.reqAttr(X.enumOf('unix')),
      path: X.reqAttr(X.str()),
      mode: X.reqAttr(X.enumOf('server', 'client')),
      reconnect: X.child(Reconnect),
    }),
  ),
});

/** iSCSI initiator IQN: `<initiator><iqn name='iqn.2013-07.com.example:client'/></initiator>`. */
export const Initiator = X.element({
  iqn: X.reqChild(X.element({ name: X.reqAttr(X.str()) })),
});

/** `<cookies><cookie name='x'>value</cookie></cookies>` sent with HTTP(S) requests. */
export const Cookie = X.element({
  name: X.reqAttr(X.str({ pattern: "^[!#$%&'*+\\-.0-9A-Z^_`a-z|~]+$", describe: 'an HTTP cookie name' })),
  value: X.reqText(X.str()),
});
export const Cookies = X.element({
  cookies: X.children(Cookie, { xml: 'cookie' }),
});

/** The host PCI address of an NVMe controller (`<address domain= bus= slot= function=/>`, no type). */
export const HostPciAddress = X.element(
  {
    domain: X.attr(X.uint({ anyBase: true })),
    bus: X.attr(X.uint({ anyBase: true })),
    slot: X.attr(X.uint({ anyBase: true })),
    function: X.attr(X.uint({ anyBase: true })),
  },
  {
    write(w, name, a: Record<string, number | undefined>) {
      const hex = (n: number | undefined, width: number) => (n === undefined ? undefined : '0x' + n.toString(16).padStart(width, '0'));
      w.empty(name, [
        ['domain', hex(a.domain ?? 0, 4)],
        ['bus', hex(a.bus ?? 0, 2)],
        ['slot', hex(a.slot ?? 0, 2)],
        ['function', hex(a.function ?? 0, 1)],
      ]);
    },
  },
);
export type HostPciAddress = Static<typeof HostPciAddress>;

/** `<format type='qcow2'>` of a backing store or mirror, with the qcow2 metadata cache limit. */
export const MetadataCache = X.element({
  /** Bytes. */
  maxSize: X.childValue(X.scaled({ canonical: 'bytes' }), { xml: 'max_size' }),
});

export const StorageFormatElement = X.element({
  type: X.reqAttr(StorageFormat),
  metadataCache: X.child(MetadataCache, { xml: 'metadata_cache' }),
});

/**
 * `<source>` of a disk, backing store or mirror. Key order is libvirt's print order; only the
 * attributes of the owning element's storage type are meaningful.
 */
const storageSourceProps = {
  /** type='file': the image path. */
  file: X.attr(X.str()),
  /** type='file': FD group passed in by the management application instead of a path. */
  fdgroup: X.attr(X.str()),
  /** type='block': the block device. */
  dev: X.attr(X.str()),
  /** type='dir': a host directory exposed as a FAT image. */
  dir: X.attr(X.str()),
  /** type='network'. */
  protocol: X.attr(NetProtocol),
  /** type='network': export, image (`pool/image` for rbd), volume/path or IQN/LUN. */
  name: X.attr(X.str()),
  /** type='network' http(s): URL query string. */
  query: X.attr(X.str()),
  tls: X.attr(X.yesNo()),
  tlsHostname: X.attr(X.str()),
  /** type='volume'. */
  pool: X.attr(X.str()),
  volume: X.attr(X.str()),
  mode: X.attr(X.enumOf('host', 'direct')),
  /** type='nvme': 'pci'; type='vhostuser': 'unix'. */
  type: X.attr(X.enumOf('pci', 'unix')),
  /** type='nvme': detach the controller from its host driver automatically. */
  managed: X.attr(X.yesNo()),
  /** type='nvme': namespace id, from 1. */
  namespace: X.attr(X.uint()),
  /** type='vhostuser': the socket path. */
  path: X.attr(X.str()),
  /** What to do when the source is missing at start (cdrom/floppy may also be `requisite`). */
  startupPolicy: X.attr(X.enumOf('mandatory', 'requisite', 'optional')),
  /** Position in the backing chain as libvirt numbers it (running domains). */
  index: X.attr(X.uint({ min: 1 })),
  hosts: X.children(NetHost, { xml: 'host' }),
  /** rbd: snapshot to use. */
  snapshot: X.child(X.element({ name: X.reqAttr(X.str()) })),
  /** rbd: ceph configuration file. */
  config: X.child(X.element({ file: X.reqAttr(X.str()) })),
  initiator: X.child(Initiator),
  /** https/ftps: verify the server certificate. */
  ssl: X.child(X.element({ verify: X.reqAttr(X.yesNo()) })),
  cookies: X.child(Cookies),
  /** http(s)/ftp(s): read-ahead size in bytes. */
  readahead: X.child(X.element({ size: X.reqAttr(X.uint({ min: 1 })) })),
  /** http(s)/ftp(s): connection timeout in seconds. */
  timeout: X.child(X.element({ seconds: X.reqAttr(X.uint({ min: 1 })) })),
  /** nfs: `user`/`group` to access the export as; ssh: `username`, `keyfile`, `agentsock`. */
  identity: X.child(
    X.element({
      user: X.attr(X.str()),
      group: X.attr(X.str()),
      username: X.attr(X.str()),
      keyfile: X.attr(X.str()),
      agentsock: X.attr(X.str()),
    }),
  ),
  /** ssh: known_hosts file. */
  knownHosts: X.child(X.element({ path: X.reqAttr(X.str()) })),
  /** vhostuser: reconnect to the backend after it goes away. */
  reconnect: X.child(Reconnect),
  /** nvme: the host PCI address of the controller. */
  address: X.child(HostPciAddress),
  slices: X.child(StorageSlices),
  seclabels: X.children(DeviceSeclabel, { xml: 'seclabel' }),
  auth: X.child(Auth),
  encryption: X.child(Encryption),
  reservations: X.child(Reservations),
};

/**
 * The schema type of a recursive element: its own properties `P` plus the recursive ones, whose
 * TypeScript type comes from the interface `T` (interfaces resolve lazily, so the type checker
 * does not expand the recursion). The JSON Schema of a recursive child is open (`{}`).
 */
export type RecursiveElement<P extends object, T> = TObject<
  P & { [K in Exclude<keyof T, keyof P>]: TOptional<TUnsafe<T[K]>> }
>;

export interface StorageSource extends Static<TObject<typeof storageSourceProps>> {
  /** qcow2 external data file. */
  dataStore?: DataStore;
}
export const StorageSource: RecursiveElement<typeof storageSourceProps, StorageSource> = X.element({
  ...storageSourceProps,
  dataStore: X.child(() => DataStore),
}) as never;

const dataStoreProps = {
  type: X.reqAttr(StorageType),
  format: X.child(StorageFormatElement),
};

/** `<dataStore type='file'><format type='raw'/><source file=.../></dataStore>`: qcow2 external data file. */
export interface DataStore extends Static<TObject<typeof dataStoreProps>> {
  source?: StorageSource;
}
export const DataStore: RecursiveElement<typeof dataStoreProps, DataStore> = X.element({
  ...dataStoreProps,
  source: X.child(StorageSource),
}) as never;

const backingStoreProps = {
  type: X.attr(StorageType),
  index: X.attr(X.uint({ min: 1 })),
  format: X.child(StorageFormatElement),
};

/**
 * One layer of the backing chain. `<backingStore/>` (no type) marks the end of the chain: the
 * image has no backing file. A nested `<backingStore>` continues the chain.
 */
export interface BackingStore extends Static<TObject<typeof backingStoreProps>> {
  source?: StorageSource;
  backingStore?: BackingStore;
}
export const BackingStore: RecursiveElement<typeof backingStoreProps, BackingStore> = X.element({
  ...backingStoreProps,
  source: X.child(StorageSource),
  backingStore: X.child(() => BackingStore),
}) as never;

/** Where a source lives, for messages: path, device, directory, network name or pool/volume. */
export function storageSourceLabel(type: StorageType | undefined, src: StorageSource | undefined): string | undefined {
  if (!src) return undefined;
  switch (type ?? 'file') {
    case 'file':
      return src.file;
    case 'block':
      return src.dev;
    case 'dir':
      return src.dir;
    case 'network':
      return src.name;
    case 'vhostuser':
      return src.path;
    default:
      return undefined;
  }
}
