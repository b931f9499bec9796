/**
 * `-blockdev` for one image of a chain, in libvirt 9.0's `-blockdev` layout: a protocol
 * ("storage") node that reaches the bytes (file, host_device, nbd, iscsi, rbd, ...), an optional
 * raw "slice" node for `<slices>`, and a format node (raw, qcow2, luks, ...) that the next image
 * up or the guest device uses; plus the `-object`s the nodes refer to (secrets, TLS credentials,
 * persistent-reservation helper) and the `-add-fd` fd sets of fd-passed images.
 *
 *   -blockdev {"driver":"file","filename":"/img","node-name":"libvirt-1-storage","auto-read-only":true,"discard":"unmap"}
 *   -blockdev {"node-name":"libvirt-1-format","read-only":false,"driver":"qcow2","file":"libvirt-1-storage"}
 *
 * Key order inside each JSON object is libvirt's (the corpus compares the text).
 * Used by the disks and hostdevs sections and by firmware (pflash nodes).
 */
import type { Auth, Encryption, NetHost, StorageSource, StorageType } from '../../../../model/domain/devices/storage-source';
import type { QemuCommandLine } from '../command-line';
import type { ArgvContext } from '../context';
import { lookupSecret, secretObjectProps } from '../secret-object';
import { unsupported, internalError } from '../../validate/errors';

/** libvirt's `<driver cache>` modes and what they mean for QEMU. */
export type CacheMode = 'default' | 'none' | 'writethrough' | 'writeback' | 'directsync' | 'unsafe';

/** `{direct, no-flush}` of a cache mode, and whether the guest sees a write-back cache. */
export function cacheModeFlags(mode: CacheMode | undefined): { direct: boolean; noFlush: boolean; writeback: boolean } | undefined {
  switch (mode) {
    case 'none':
      return { direct: true, noFlush: false, writeback: true };
    case 'writethrough':
      return { direct: false, noFlush: false, writeback: false };
    case 'writeback':
      return { direct: false, noFlush: false, writeback: true };
    case 'directsync':
      return { direct: true, noFlush: false, writeback: false };
    case 'unsafe':
      return { direct: false, noFlush: true, writeback: true };
    default:
      return undefined;
  }
}

/** One image of a chain, ready for the command line. */
export interface StorageLayer {
  /** Prefix of every node and object name of this image: `libvirt-3`, `libvirt-pflash0`. */
  readonly nodePrefix: string;
  /** Where the bytes are (never `volume`: pool volumes are resolved before). */
  readonly type: StorageType;
  readonly source: StorageSource;
  /** libvirt's image format name (`raw`, `qcow2`, `luks`, `vmdk`, `fat`...). */
  readonly format: string;
  /** The format node is read-only (backing images, read-only disks). */
  readonly readonly: boolean;
  readonly encryption?: Encryption;
  readonly auth?: Auth;
  /** qcow2 metadata cache limit, bytes. */
  readonly metadataCacheMaxSize?: number;
  /** The next image down: its format node name; `null` for "no backing image"; undefined when unknown. */
  readonly backing?: string | null;
  /** fd set the image is passed in (`<source fdgroup>`), with the fds to pass. */
  readonly fdset?: { readonly id: number; readonly fds: readonly number[] };
  /** Persistent reservations helper object the storage node uses. */
  readonly prManager?: string;
}

/** Options that come from the disk and hold for every image of its chain (some only for the top). */
export interface ChainOptions {
  readonly cache?: CacheMode;
  /** `<driver io>`: QEMU's `aio` for file and block nodes. */
  readonly io?: 'threads' | 'native' | 'io_uring';
  readonly discard?: 'unmap' | 'ignore';
  /** Top image only. */
  readonly detectZeroes?: 'off' | 'on' | 'unmap';
  /** vvfat floppy image (the disk is a floppy). */
  readonly floppy?: boolean;
  /** The top image of a CD-ROM on a host block device uses host_cdrom. */
  readonly hostCdrom?: boolean;
}

export function storageNodeName(layer: StorageLayer): string {
  return `${layer.nodePrefix}-storage`;
}
export function formatNodeName(layer: StorageLayer): string {
  return `${layer.nodePrefix}-format`;
}
function sliceNodeName(layer: StorageLayer): string {
  return `${layer.nodePrefix}-slice-sto`;
}

/** Default TCP port of each network protocol (libvirt fills it in when `<host>` has none). */
const DEFAULT_PORT: Readonly<Record<string, number>> = {
  nbd: 10809,
  iscsi: 3260,
  rbd: 6789,
  gluster: 24007,
  http: 80,
  https: 443,
  ftp: 21,
  ftps: 990,
  tftp: 69,
  ssh: 22,
  sheepdog: 7000,
  vxhs: 9999,
};

function hostPort(protocol: string, h: NetHost): string {
  return String(h.port ?? DEFAULT_PORT[protocol] ?? 0);
}

/** `host:port`, with an IPv6 literal in brackets. */
function hostPortString(protocol: string, h: NetHost): string {
  const name = h.name ?? '';
  return `${name.includes(':') ? `[${name}]` : name}:${hostPort(protocol, h)}`;
}

/** QEMU's SocketAddress of a host: unix socket or inet host/port. */
function socketAddress(protocol: string, h: NetHost): Record<string, unknown> {
  if (h.transport === 'unix') return { type: 'unix', path: h.socket };
  return { type: 'inet', host: h.name, port: hostPort(protocol, h) };
}

/**
 * The objects an image's nodes refer to, which go before its first `-blockdev`, kept by kind
 * because libvirt prints the kinds in a fixed order whatever order they are found in.
 */
interface PreObjects {
  prManager: Record<string, unknown>[];
  auth: Record<string, unknown>[];
  encryption: Record<string, unknown>[];
  cookie: Record<string, unknown>[];
  tlsKey: Record<string, unknown>[];
  tls: Record<string, unknown>[];
}

function orderedObjects(pre: PreObjects): Record<string, unknown>[] {
  return [...pre.prManager, ...pre.auth, ...pre.encryption, ...pre.cookie, ...pre.tlsKey, ...pre.tls];
}

function authSecret(ctx: ArgvContext, auth: Auth | undefined, id: string, pre: PreObjects, usageType: string): string | undefined {
  if (!auth) return undefined;
  const s = auth.secret;
  const value = lookupSecret(ctx, { uuid: s.uuid, usage: s.usage, usageType: s.type ?? usageType });
  pre.auth.push(secretObjectProps(ctx, id, value));
  return id;
}

/** The uid/gid of an NFS identity: `+N` or `N`; other names would need the host's user database. */
function nfsId(v: string | undefined, what: string): number | undefined {
  if (v === undefined) return undefined;
  const m = /^\+?(\d+)$/.exec(v);
  if (!m) throw internalError(`Failed to find ${what} record for name '${v}'`);
  return Number(m[1]);
}

/** The iSCSI target IQN and LUN of a source name `IQN/LUN` (LUN 0 when absent). */
export function iscsiTargetLun(name: string | undefined): { target: string; lun: number } {
  const n = name ?? '';
  const slash = n.lastIndexOf('/');
  if (slash < 0) return { target: n, lun: 0 };
  const lunText = n.slice(slash + 1);
  const lun = Number(lunText);
  if (!/^\d+$/.test(lunText)) throw unsupported(`invalid LUN '${lunText}' in iSCSI source name '${n}'`);
  return { target: n.slice(0, slash), lun };
}

/** iSCSI properties shared by disks and SCSI hostdevs. */
export function iscsiProps(src: StorageSource, userName?: string, passwordSecret?: string): Record<string, unknown> {
  const host = src.hosts?.[0] ?? {};
  const { target, lun } = iscsiTargetLun(src.name);
  const props: Record<string, unknown> = {
    driver: 'iscsi',
    portal: hostPortString('iscsi', host),
    target,
    lun,
    transport: host.transport === 'rdma' ? 'iser' : 'tcp',
  };
  if (userName !== undefined) {
    props.user = userName;
    props['password-secret'] = passwordSecret;
  }
  if (src.initiator) props['initiator-name'] = src.initiator.iqn.name;
  return props;
}

/** TLS objects of an NBD source: optional key secret, then the x509 credentials. */
function nbdTls(ctx: ArgvContext, layer: StorageLayer, pre: PreObjects): string | undefined {
  const cfg = ctx.config ?? {};
  const tls = layer.source.tls !== undefined ? layer.source.tls === 'yes' : cfg.nbdTLS === true;
  if (!tls) return undefined;
  const alias = `obj${layer.nodePrefix}-storage_tls0`;
  const secretUuid = cfg.nbdTLSx509secretUUID;
  let passwordid: string | undefined;
  if (typeof secretUuid === 'string' && secretUuid !== '') {
    passwordid = `${alias}-secret0`;
    pre.tlsKey.push(secretObjectProps(ctx, passwordid, lookupSecret(ctx, { uuid: secretUuid, usageType: 'tls' })));
  }
  const dir = typeof cfg.nbdTLSx509certdir === 'string' ? cfg.nbdTLSx509certdir : typeof cfg.defaultTLSx509certdir === 'string' ? cfg.defaultTLSx509certdir : '/etc/pki/qemu';
  const verify = cfg.nbdTLSx509verify !== undefined ? cfg.nbdTLSx509verify === true : true;
  const creds: Record<string, unknown> = { 'qom-type': 'tls-creds-x509', id: alias, dir, endpoint: 'client', 'verify-peer': verify };
  if (passwordid) creds.passwordid = passwordid;
  pre.tls.push(creds);
  return alias;
}

/** The URL of an HTTP(S)/FTP(S) source. */
function curlUrl(protocol: string, src: StorageSource): string {
  const host = src.hosts?.[0] ?? {};
  const name = src.name ?? '';
  const path = name.startsWith('/') ? name : `/${name}`;
  return `${protocol}://${hostPortString(protocol, host)}${path}${src.query ? `?${src.query}` : ''}`;
}

/** The protocol-specific part of a network storage node. */
function networkProps(ctx: ArgvContext, layer: StorageLayer, pre: PreObjects): Record<string, unknown> {
  const src = layer.source;
  const protocol = src.protocol;
  const hosts = src.hosts ?? [];
  const authId = `${layer.nodePrefix}-storage-auth-secret0`;
  switch (protocol) {
    case 'nbd': {
      const props: Record<string, unknown> = { driver: 'nbd', server: socketAddress('nbd', hosts[0] ?? {}) };
      if (src.name) props.export = src.name;
      const tls = nbdTls(ctx, layer, pre);
      if (tls) {
        props['tls-creds'] = tls;
        if (src.tlsHostname) props['tls-hostname'] = src.tlsHostname;
      }
      return props;
    }
    case 'iscsi': {
      const secret = authSecret(ctx, layer.auth, authId, pre, 'iscsi');
      return iscsiProps(src, layer.auth?.username, secret);
    }
    case 'rbd': {
      const name = src.name ?? '';
      const slash = name.indexOf('/');
      const props: Record<string, unknown> = { driver: 'rbd', pool: slash < 0 ? name : name.slice(0, slash), image: slash < 0 ? '' : name.slice(slash + 1) };
      if (src.snapshot) props.snapshot = src.snapshot.name;
      if (src.config) props.conf = src.config.file;
      if (hosts.length) props.server = hosts.map((h) => ({ host: h.name, port: hostPort('rbd', h) }));
      if (layer.encryption?.engine === 'librbd') props.encrypt = encryptionProps(ctx, layer, pre, layer.encryption.format === 'luks2' ? 'luks2' : 'luks');
      if (layer.auth) {
        const secret = authSecret(ctx, layer.auth, authId, pre, 'ceph');
        props.user = layer.auth.username;
        props['auth-client-required'] = ['cephx', 'none'];
        props['key-secret'] = secret;
      }
      return props;
    }
    case 'gluster': {
      const name = src.name ?? '';
      const slash = name.indexOf('/');
      const debug = ctx.config?.glusterDebugLevel;
      return {
        driver: 'gluster',
        volume: name.slice(0, slash),
        path: name.slice(slash + 1),
        server: hosts.map((h) => socketAddress('gluster', h)),
        debug: typeof debug === 'number' ? debug : 4,
      };
    }
    case 'http':
    case 'https':
    case 'ftp':
    case 'ftps': {
      const props: Record<string, unknown> = { driver: protocol, url: curlUrl(protocol, src) };
      if (layer.auth) {
        const secret = authSecret(ctx, layer.auth, authId, pre, 'iscsi');
        props.username = layer.auth.username;
        props['password-secret'] = secret;
      }
      if (src.ssl && (protocol === 'https' || protocol === 'ftps')) props.sslverify = src.ssl.verify === 'yes';
      const cookies = src.cookies?.cookies ?? [];
      if (cookies.length && (protocol === 'http' || protocol === 'https')) {
        const id = `${layer.nodePrefix}-storage-httpcookie-secret0`;
        pre.cookie.push(secretObjectProps(ctx, id, cookies.map((c) => `${c.name}=${c.value}`).join('; ')));
        props['cookie-secret'] = id;
      }
      if (src.timeout) props.timeout = src.timeout.seconds;
      if (src.readahead) props.readahead = src.readahead.size;
      return props;
    }
    case 'ssh': {
      const h = hosts[0] ?? {};
      const props: Record<string, unknown> = { driver: 'ssh', path: src.name, server: { host: h.name, port: hostPort('ssh', h) } };
      const user = src.identity?.username ?? layer.auth?.username;
      if (user) props.user = user;
      return props;
    }
    case 'nfs': {
      const h = hosts[0] ?? {};
      const props: Record<string, unknown> = { driver: 'nfs', server: { host: h.name, type: 'inet' }, path: src.name };
      const user = nfsId(src.identity?.user, 'user');
      const group = nfsId(src.identity?.group, 'group');
      if (user !== undefined) props.user = user;
      if (group !== undefined) props.group = group;
      return props;
    }
    default:
      throw unsupported(`protocol '${protocol ?? ''}' is not supported by this QEMU binary`);
  }
}

/** `{"format":...,"key-secret":...}` of an encrypted image; adds its secret objects. */
function encryptionProps(ctx: ArgvContext, layer: StorageLayer, pre: PreObjects, format: string): Record<string, unknown> {
  const enc = layer.encryption;
  const secrets = enc?.secrets ?? [];
  let keySecret: string | undefined;
  secrets.forEach((s, i) => {
    const id = `${layer.nodePrefix}-format-encryption-secret${i}`;
    pre.encryption.push(secretObjectProps(ctx, id, lookupSecret(ctx, { uuid: s.uuid, usage: s.usage, usageType: 'volume' })));
    if (i === 0) keySecret = id;
  });
  return { format, 'key-secret': keySecret };
}

function cacheProps(opts: ChainOptions): Record<string, boolean> | undefined {
  const f = cacheModeFlags(opts.cache);
  return f && { direct: f.direct, 'no-flush': f.noFlush };
}

/** PCI address of an NVMe controller as QEMU writes it: `0000:01:00.0`. */
function nvmeDevice(src: StorageSource): string {
  const a = src.address ?? {};
  const hex = (n: number | undefined, w: number) => (n ?? 0).toString(16).padStart(w, '0');
  return `${hex(a.domain, 4)}:${hex(a.bus, 2)}:${hex(a.slot, 2)}.${(a.function ?? 0).toString(16)}`;
}

/** The protocol part of a storage node (driver and where), before the common properties. */
function protocolProps(ctx: ArgvContext, layer: StorageLayer, opts: ChainOptions, isTop: boolean, pre: PreObjects): Record<string, unknown> {
  const src = layer.source;
  switch (layer.type) {
    case 'file':
    case 'block': {
      const driver = layer.type === 'file' ? 'file' : isTop && opts.hostCdrom ? 'host_cdrom' : 'host_device';
      const filename = layer.fdset ? `/dev/fdset/${layer.fdset.id}` : layer.type === 'file' ? src.file : src.dev;
      const props: Record<string, unknown> = { driver, filename };
      if (opts.io) props.aio = opts.io;
      if (layer.prManager) props['pr-manager'] = layer.prManager;
      return props;
    }
    case 'dir':
      return { driver: 'vvfat', dir: src.dir, floppy: !!opts.floppy, rw: false };
    case 'nvme':
      return { driver: 'nvme', device: nvmeDevice(src), namespace: src.namespace };
    case 'network':
      return networkProps(ctx, layer, pre);
    default:
      throw unsupported(`storage type '${layer.type}' cannot be used as a QEMU block node`);
  }
}

/** QEMU's format driver for libvirt's format name. */
function formatDriver(format: string): string {
  switch (format) {
    case 'aio':
    case 'fat':
      return 'raw';
    case 'vhd':
      return 'vpc';
    case 'ploop':
      return 'parallels';
    default:
      return format;
  }
}

/** Encryption QEMU itself handles (not librbd's). */
function qemuEncryption(layer: StorageLayer): Encryption | undefined {
  return layer.encryption && layer.encryption.engine !== 'librbd' ? layer.encryption : undefined;
}

/** The format node's driver: the format's, or `luks` for a LUKS-encrypted raw image. */
function formatNodeDriver(layer: StorageLayer): string {
  const driver = formatDriver(layer.format);
  const enc = qemuEncryption(layer);
  if (driver === 'raw' && enc && (enc.format === 'luks' || enc.format === 'luks2' || enc.format === 'default')) return 'luks';
  return driver;
}

/** Formats that can have a backing image (and so take the `backing` property). */
const BACKING_FORMATS = new Set(['qcow2', 'qcow', 'qed', 'vmdk', 'cow']);

/** The format node of `layer`, whose data comes from node `file`. */
function formatProps(ctx: ArgvContext, layer: StorageLayer, opts: ChainOptions, isTop: boolean, file: string, pre: PreObjects): Record<string, unknown> {
  const props: Record<string, unknown> = { 'node-name': formatNodeName(layer), 'read-only': layer.readonly };
  const cache = cacheProps(opts);
  if (cache) props.cache = cache;
  if (opts.discard) props.discard = opts.discard;
  if (isTop && opts.detectZeroes) props['detect-zeroes'] = opts.detectZeroes === 'unmap' && opts.discard !== 'unmap' ? 'on' : opts.detectZeroes;
  const encQemu = qemuEncryption(layer);
  const slice = layer.source.slices?.slice;
  const driver = formatNodeDriver(layer);
  props.driver = driver;
  switch (driver) {
    case 'luks':
      props['key-secret'] = encQemu ? encryptionProps(ctx, layer, pre, 'luks')['key-secret'] : undefined;
      break;
    case 'qcow2':
    case 'qcow':
      if (encQemu) props.encrypt = encryptionProps(ctx, layer, pre, encQemu.format === 'qcow' ? 'aes' : 'luks');
      if (driver === 'qcow2' && layer.metadataCacheMaxSize !== undefined) props['cache-size'] = layer.metadataCacheMaxSize;
      break;
    case 'raw':
      if (slice) {
        props.offset = slice.offset;
        props.size = slice.size;
      }
      break;
  }
  props.file = file;
  if (BACKING_FORMATS.has(driver) && layer.backing !== undefined) props.backing = layer.backing;
  return props;
}

/**
 * The command-line items of one image, in order: `-add-fd` of its fd set, the `-object`s its
 * nodes name, the storage node, the slice node (non-raw formats with `<slices>`), the format
 * node. Appends them to `cmd`.
 */
export function addStorageLayer(cmd: QemuCommandLine, ctx: ArgvContext, layer: StorageLayer, opts: ChainOptions, isTop: boolean): void {
  const pre: PreObjects = { prManager: [], auth: [], encryption: [], cookie: [], tlsKey: [], tls: [] };
  if (layer.prManager && layer.source.reservations?.managed !== 'yes' && layer.source.reservations?.source) {
    pre.prManager.push({ 'qom-type': 'pr-manager-helper', id: layer.prManager, path: layer.source.reservations.source.path });
  }
  const storage = protocolProps(ctx, layer, opts, isTop, pre);
  storage['node-name'] = storageNodeName(layer);
  const cache = cacheProps(opts);
  if (cache) storage.cache = cache;
  // A single passed fd is opened in the image's final mode and cannot be reopened, so QEMU
  // must not switch the node between read-only and read-write itself.
  if (layer.fdset && layer.fdset.fds.length === 1) storage['read-only'] = layer.readonly;
  else storage['auto-read-only'] = true;
  storage.discard = 'unmap';

  // The format node may add secrets (encryption); all objects go before the first -blockdev.
  const slice = layer.source.slices?.slice;
  const needsSliceNode = slice !== undefined && formatNodeDriver(layer) !== 'raw';
  const formatFile = needsSliceNode ? sliceNodeName(layer) : storageNodeName(layer);
  const format = formatProps(ctx, layer, opts, isTop, formatFile, pre);

  for (const o of orderedObjects(pre)) cmd.addJson('-object', o);
  cmd.addJson('-blockdev', storage);
  if (needsSliceNode && slice) {
    const sliceProps: Record<string, unknown> = {
      driver: 'raw',
      'node-name': sliceNodeName(layer),
      offset: slice.offset,
      size: slice.size,
      file: storageNodeName(layer),
      'auto-read-only': true,
      discard: 'unmap',
    };
    if (cache) sliceProps.cache = cache;
    cmd.addJson('-blockdev', sliceProps);
  }
  cmd.addJson('-blockdev', format);
}

/** `-add-fd set=N,fd=F,opaque=libvirt-N-storage<i>` for each fd of an fd-passed image. */
export function addFdSet(cmd: QemuCommandLine, layer: StorageLayer): void {
  if (!layer.fdset) return;
  layer.fdset.fds.forEach((fd, i) => cmd.add('-add-fd', `set=${layer.fdset!.id},fd=${fd},opaque=${storageNodeName(layer)}${i}`));
}
