/**
 * Storage pool rules beyond the element shapes: what storagepool.rng allows per pool type and
 * what libvirt 9.0's pool parser requires (messages are virtform's own). Works on a document
 * before or after applyPoolDefaults.
 */
import type { ModelIssue } from '../errors';
import * as X from '../schema';
import { Pool } from './pool';
import { POOL_TYPE_INFO, type SourcePart } from './pool-types';
import type { SourceAdapter } from './source';

const PART_XML: Readonly<Record<SourcePart, string>> = {
  hosts: 'host', devices: 'device', dir: 'dir', adapter: 'adapter', name: 'name', initiator: 'initiator',
  format: 'format', protocol: 'protocol', auth: 'auth', vendor: 'vendor', product: 'product',
};

const IQN = /^iqn\.[0-9]{4}-(0[1-9]|1[0-2])\.[a-zA-Z0-9.-]+(:.+)?$/;

function present(v: unknown): boolean {
  return Array.isArray(v) ? v.length > 0 : v !== undefined;
}

function checkAdapter(label: string, p: X.DocPointer, a: SourceAdapter, out: ModelIssue[]): void {
  const fc = [a.parent, a.parent_wwnn, a.parent_wwpn, a.parent_fabric_wwn, a.managed, a.wwnn, a.wwpn].some((v) => v !== undefined);
  if (a.type === 'fc_host') {
    if (a.wwnn === undefined || a.wwpn === undefined) {
      out.push(X.issueAt(label, p, "an fc_host adapter needs both wwnn and wwpn", { prop: a.wwnn === undefined ? 'wwnn' : 'wwpn', xml: a.wwnn === undefined ? '@wwnn' : '@wwpn', fix: "add wwnn='...' and wwpn='...' (16 hex digits each)" }));
    }
    if (a.name !== undefined || a.parentaddr) {
      out.push(X.issueAt(label, p, "name and <parentaddr> belong to scsi_host adapters, not fc_host", { prop: a.name !== undefined ? 'name' : 'parentaddr', xml: a.name !== undefined ? '@name' : 'parentaddr', fix: 'remove it' }));
    }
    if ((a.parent_wwnn === undefined) !== (a.parent_wwpn === undefined)) {
      out.push(X.issueAt(label, p, 'parent_wwnn and parent_wwpn must be given together', { prop: 'parent_wwnn', xml: '@parent_wwnn', fix: 'give both or neither' }));
    }
    return;
  }
  if (fc) {
    const what = a.type === undefined ? 'an adapter without type' : 'a scsi_host adapter';
    out.push(X.issueAt(label, p, `${what} cannot have parent, wwnn, wwpn or managed`, { prop: 'type', xml: '@type', fix: "set type='fc_host' for a vHBA" }));
  }
  if (a.name !== undefined && a.parentaddr) {
    out.push(X.issueAt(label, p, 'a scsi_host adapter is named either by name or by <parentaddr>, not both', { prop: 'parentaddr', fix: 'keep one of them' }));
  } else if (a.name === undefined && !a.parentaddr) {
    out.push(X.issueAt(label, p, 'a scsi_host adapter needs a name or a <parentaddr>', { fix: "add name='host0' or <parentaddr>" }));
  }
}

/**
 * Validates a storage pool: the JSON Schema (ajv) and the per-type rules.
 * @param label how to name the document when it was not parsed from a file.
 */
export function validatePool(pool: Pool, label = ''): ModelIssue[] {
  const out = X.validateShape(Pool, pool, label);
  if (out.length) return out;
  const info = POOL_TYPE_INFO[pool.type];
  const root = X.docRoot(pool);
  const src = pool.source;
  const t = pool.type;

  if (pool.name === undefined && !(info.namedSource && src?.name !== undefined)) {
    out.push(X.issueAt(label, root, `pool of type '${t}' has no <name>`, { fix: info.namedSource ? 'add <name> (or a source <name> to name it after)' : 'add <name>' }));
  }
  if (!src) {
    if (!info.sourceOptional) out.push(X.issueAt(label, root, `pool of type '${t}' has no <source>`, { fix: `add a <source> with its ${[...info.required].map((r) => `<${PART_XML[r]}>`).join(', ')}` }));
  } else {
    const sp = X.childOf(root, src, 'source');
    for (const part of Object.keys(PART_XML) as SourcePart[]) {
      const v = src[part];
      if (present(v) && !info.parts.has(part)) {
        out.push(X.issueAt(label, sp, `<${PART_XML[part]}> is not used by pool type '${t}'`, { prop: part, xml: PART_XML[part], fix: 'remove it' }));
      } else if (!present(v) && info.required.has(part) && !(part === 'name' && info.namedSource && pool.name !== undefined)) {
        out.push(X.issueAt(label, sp, `pool of type '${t}' needs a source <${PART_XML[part]}>`, { fix: `add <${PART_XML[part]}> to <source>` }));
      }
    }
    const devices = src.devices ?? [];
    if (devices.length > 1 && ['fs', 'disk', 'iscsi', 'iscsi-direct', 'zfs'].includes(t)) {
      out.push(X.issueAt(label, sp, `pool of type '${t}' takes one source <device>, not ${devices.length}`, { prop: 'devices', xml: 'device', index: 1, fix: 'keep one <device>' }));
    }
    if (t === 'iscsi-direct' && devices[0] && !IQN.test(devices[0].path)) {
      out.push(X.issueAt(label, X.childOf(sp, devices[0], 'devices', 0), `device path '${devices[0].path}' is not an iSCSI qualified name`, { prop: 'path', xml: '@path', fix: 'use the target IQN, e.g. iqn.2013-06.com.example:pool' }));
    }
    if (src.format && info.formats && !info.formats.includes(src.format.type)) {
      out.push(X.issueAt(label, X.childOf(sp, src.format, 'format'), `source format '${src.format.type}' is not a format of pool type '${t}'`, { prop: 'type', xml: '@type', fix: `use one of ${info.formats.join(', ')}` }));
    }
    if (t === 'netfs' && src.dir) {
      const relOk = src.format?.type === 'cifs' || src.format?.type === 'glusterfs';
      if (!relOk && !src.dir.path.startsWith('/')) {
        out.push(X.issueAt(label, X.childOf(sp, src.dir, 'dir'), `NFS export path '${src.dir.path}' is not absolute`, { prop: 'path', xml: '@path', fix: "write the export's absolute path, or set <format type='cifs'/> or 'glusterfs' for a share or volume name" }));
      }
      if (src.protocol && relOk) {
        out.push(X.issueAt(label, sp, `<protocol> applies to NFS, not to format '${src.format!.type}'`, { prop: 'protocol', fix: 'remove <protocol>' }));
      }
    }
    if ((t === 'gluster') && src.dir && !src.dir.path.startsWith('/')) {
      out.push(X.issueAt(label, X.childOf(sp, src.dir, 'dir'), `Gluster directory '${src.dir.path}' is not absolute`, { prop: 'path', xml: '@path', fix: 'start it with /' }));
    }
    if (src.adapter) checkAdapter(label, X.childOf(sp, src.adapter, 'adapter'), src.adapter, out);
    if (src.auth) {
      const s = src.auth.secret;
      if ((s.uuid === undefined) === (s.usage === undefined)) {
        out.push(X.issueAt(label, X.childOf(sp, src.auth, 'auth'), 'the auth <secret> needs exactly one of uuid and usage', { prop: 'secret', fix: "write <secret uuid='...'/> or <secret usage='...'/>" }));
      }
    }
  }

  if (info.target === 'none' && pool.target) {
    out.push(X.issueAt(label, root, `pool of type '${t}' has no target on the host`, { prop: 'target', fix: 'remove <target>' }));
  } else if (info.target === 'required' && pool.target?.path === undefined) {
    out.push(X.issueAt(label, pool.target ? X.childOf(root, pool.target, 'target') : root, `pool of type '${t}' needs a target <path>`, { prop: pool.target ? undefined : 'target', fix: '<target><path>/where/it/is/mounted</path></target>' }));
  }
  if (pool.refresh && t !== 'rbd') out.push(X.issueAt(label, root, `<refresh> only applies to rbd pools, not '${t}'`, { prop: 'refresh', fix: 'remove it' }));
  if (pool.mountOpts && t !== 'fs' && t !== 'netfs') out.push(X.issueAt(label, root, `fs:mount_opts only applies to fs and netfs pools, not '${t}'`, { prop: 'mountOpts', xml: 'fs:mount_opts', fix: 'remove it' }));
  if (pool.configOpts && t !== 'rbd') out.push(X.issueAt(label, root, `rbd:config_opts only applies to rbd pools, not '${t}'`, { prop: 'configOpts', xml: 'rbd:config_opts', fix: 'remove it' }));
  return out;
}
