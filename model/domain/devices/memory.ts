/**
 * `<memory>` in `<devices>`: a memory device plugged into the guest beyond its base memory:
 * a DIMM, an NVDIMM backed by a file, virtio-pmem, resizable virtio-mem, or Intel SGX EPC.
 *
 *   <memory model='virtio-mem'>
 *     <source>
 *       <nodemask>1-3</nodemask>
 *       <pagesize unit='KiB'>2048</pagesize>
 *     </source>
 *     <target>
 *       <size unit='KiB'>2097152</size>
 *       <node>0</node>
 *       <block unit='KiB'>2048</block>
 *       <requested unit='KiB'>1048576</requested>
 *     </target>
 *   </memory>
 *
 * All sizes are KiB (any unit is accepted on input; libvirt prints KiB).
 */
import * as X from '../../schema';
import type { Static } from '@sinclair/typebox';
import type { ModelIssue } from '../../errors';
import { cpuset } from '../cpuset';
import { deviceInfo } from './device-info';
import { deviceIssue } from './device-issue';

const kib = () => X.childValue(X.scaled({ canonical: 'KiB' }));

export const MemoryModel = X.enumOf('dimm', 'nvdimm', 'virtio-pmem', 'virtio-mem', 'sgx-epc');
export type MemoryModel = Static<typeof MemoryModel.schema>;

/**
 * Host backing. dimm/virtio-mem/sgx-epc: host NUMA nodes and page size; nvdimm/virtio-pmem:
 * the backing file, with (nvdimm) its alignment and whether it is real persistent memory.
 */
export const MemorySource = X.element({
  nodemask: X.textChild(cpuset()),
  pagesize: kib(),
  path: X.textChild(X.str({ trim: true })),
  alignsize: kib(),
  pmem: X.flag(),
});
export type MemorySource = Static<typeof MemorySource>;

/** nvdimm: the label area carved out of the device. */
export const MemoryLabel = X.element({ size: X.childValue(X.scaled({ canonical: 'KiB' })) });

export const MemoryTarget = X.element({
  size: X.childValue(X.scaled({ canonical: 'KiB' })),
  /** Guest NUMA node the memory belongs to. */
  node: X.textChild(X.uint()),
  label: X.child(MemoryLabel),
  /** nvdimm: read-only to the guest. */
  readonly: X.flag(),
  /** virtio-mem: granularity of plugging. */
  block: kib(),
  /** virtio-mem: how much the guest is asked to use. */
  requested: kib(),
  /** virtio-mem: how much the guest uses now (running guests). */
  current: kib(),
});
export type MemoryTarget = Static<typeof MemoryTarget>;

const { alias, acpi, address } = deviceInfo();

export const MemoryDevice = X.element({
  model: X.reqAttr(MemoryModel),
  /** Whether the backing memory is shared with other processes (`shared`) or copy-on-write. */
  access: X.attr(X.enumOf('shared', 'private')),
  /** Discard the backing memory when the device is removed. */
  discard: X.attr(X.yesNo()),
  /** nvdimm on pSeries: the device UUID. */
  uuid: X.textChild(X.uuid()),
  source: X.child(MemorySource),
  target: X.child(MemoryTarget),
  alias,
  acpi,
  address,
});
export type MemoryDevice = Static<typeof MemoryDevice>;

/** Which models take which source/target children. */
const ONLY: ReadonlyArray<readonly [string, 'source' | 'target', string, readonly MemoryModel[]]> = [
  ['nodemask', 'source', 'nodemask', ['dimm', 'virtio-mem', 'sgx-epc']],
  ['pagesize', 'source', 'pagesize', ['dimm', 'virtio-mem', 'sgx-epc']],
  ['path', 'source', 'path', ['nvdimm', 'virtio-pmem']],
  ['alignsize', 'source', 'alignsize', ['nvdimm']],
  ['pmem', 'source', 'pmem', ['nvdimm']],
  ['label', 'target', 'label', ['nvdimm']],
  ['readonly', 'target', 'readonly', ['nvdimm']],
  ['block', 'target', 'block', ['virtio-mem']],
  ['requested', 'target', 'requested', ['virtio-mem']],
  ['current', 'target', 'current', ['virtio-mem']],
];

export interface MemoryRuleOpts {
  /** Number of guest NUMA cells (`<cpu><numa>`); enables the target node checks. */
  readonly numaNodes?: number;
  /** Guest architecture; nvdimm label rules differ on ppc64. */
  readonly arch?: string;
  readonly label?: string;
}

/** libvirt's rules for every hypervisor on one memory device (messages as libvirt words them). */
export function validateMemoryDevice(mem: MemoryDevice, opts: MemoryRuleOpts = {}): ModelIssue[] {
  const { label } = opts;
  const issues: ModelIssue[] = [];
  const at = (obj: unknown, problem: string, fix: string, prop?: string, xmlName?: string) =>
    issues.push(deviceIssue(obj, problem, { prop, xmlName, fix, label }));
  const t = mem.target;
  if (!t || t.size === undefined) {
    at(mem, 'missing memory device size', "add <target><size unit='KiB'>...</size></target>", 'target', 'target');
  }
  for (const [key, where, xml, models] of ONLY) {
    const holder = mem[where] as Record<string, unknown> | undefined;
    if (holder?.[key] !== undefined && !models.includes(mem.model)) {
      at(holder, `<${xml}> is not supported for memory model '${mem.model}'`, `remove <${xml}>`, key, xml);
    }
  }
  const node = t?.node;
  if (node !== undefined && opts.numaNodes !== undefined) {
    if (opts.numaNodes === 0) {
      at(t, "can't add memory backend as guest has no NUMA nodes configured", 'add <numa> cells to <cpu> or remove <node>', 'node', 'node');
    } else if (node >= opts.numaNodes) {
      at(t, `can't add memory backend for guest node '${node}' as the guest has only '${opts.numaNodes}' NUMA nodes configured`, `use a node below ${opts.numaNodes}`, 'node', 'node');
    }
  }
  const path = mem.source?.path;
  switch (mem.model) {
    case 'nvdimm':
      if (!path) at(mem, "path is required for model 'nvdimm'", "add <source><path>/path/to/file</path></source>", 'source', 'source');
      if (mem.discard === 'yes') at(mem, 'discard is not supported for nvdimms', 'remove discard', 'discard', '@discard');
      if (opts.arch !== undefined && /^ppc64/.test(opts.arch)) {
        if (!t?.label?.size) at(mem, 'label size is required for NVDIMM device', "add <label><size unit='KiB'>128</size></label> to <target>", 'target', 'target');
      } else if (opts.arch !== undefined && mem.uuid !== undefined) {
        at(mem, 'UUID is not supported for NVDIMM device', 'remove <uuid>', 'uuid', 'uuid');
      }
      break;
    case 'virtio-pmem':
      if (!path) at(mem, "path is required for model 'virtio-pmem'", "add <source><path>/path/to/file</path></source>", 'source', 'source');
      if (mem.discard === 'yes') at(mem, "discard is not supported for model 'virtio-pmem'", 'remove discard', 'discard', '@discard');
      if (mem.access !== 'shared') at(mem, 'shared access mode required for virtio-pmem device', "set access='shared'", 'access', '@access');
      if (node !== undefined) at(t, 'virtio-pmem does not support NUMA nodes', 'remove <node>', 'node', 'node');
      break;
    case 'virtio-mem': {
      const size = t?.size ?? 0;
      const block = t?.block;
      const requested = t?.requested ?? 0;
      if (requested > size) at(t, `requested size must be smaller than or equal to @size (${size}KiB)`, 'lower <requested> or raise <size>', 'requested', 'requested');
      if (block === undefined) {
        at(t, "missing block size for model 'virtio-mem'", "add <block unit='KiB'>2048</block>", 'target', 'target');
      } else if (block === 0 || (block & (block - 1)) !== 0) {
        at(t, 'block size must be a power of two', 'use a power-of-two block size such as 2048 KiB', 'block', 'block');
      } else if (requested % block !== 0) {
        at(t, 'requested size must be an integer multiple of block size', `use a multiple of ${block} KiB`, 'requested', 'requested');
      }
      break;
    }
    case 'sgx-epc':
      if (mem.address) at(mem, "memory device address is not supported for model 'sgx-epc'", 'remove <address>', 'address', 'address');
      break;
    case 'dimm':
      break;
  }
  return issues;
}
