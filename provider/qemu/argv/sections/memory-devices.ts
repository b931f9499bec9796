/**
 * Memory devices beyond the base RAM: for each `<memory>` device its backend object
 * (`mem<alias>`, see ../guest-memory.ts) and the device: `pc-dimm`, `nvdimm` (label size,
 * read-only as `unarmed`), `virtio-pmem-pci`, `virtio-mem-pci` (block and requested sizes),
 * with the DIMM slot/base or PCI address.
 *
 * Owner: argv-core engineer.
 */
import type { Domain } from '../../../../model/domain/domain';
import type { MemoryDevice } from '../../../../model/domain/devices/memory';
import type { QemuCommandLine } from '../command-line';
import type { ArgvContext } from '../context';
import type { ArgvState } from '../build';
import { alignedMemory, memoryBackend, memoryDevices } from '../guest-memory';
import { addAddressProps } from '../device-address';
import { addDeviceJson } from '../device-json';
import { MEM_PREALLOC_NOTE } from './numa';

const DRIVER: Readonly<Record<string, string>> = {
  dimm: 'pc-dimm',
  nvdimm: 'nvdimm',
  'virtio-pmem': 'virtio-pmem-pci',
  'virtio-mem': 'virtio-mem-pci',
};

/** The device alias libvirt gives memory device `index`: `dimm0`, `nvdimm0`, `virtiomem0`, ... */
export function memoryDeviceAlias(mem: MemoryDevice, index: number): string {
  if (mem.alias?.name) return mem.alias.name;
  const prefix = mem.model === 'virtio-pmem' ? 'virtiopmem' : mem.model === 'virtio-mem' ? 'virtiomem' : mem.model;
  const slot = mem.address?.type === 'dimm' ? mem.address.slot : undefined;
  return `${prefix}${slot ?? index}`;
}

export function buildMemoryDevices(cmd: QemuCommandLine, def: Domain, ctx: ArgvContext, state: ArgvState): void {
  const sizes = alignedMemory(def).devicesKiB;
  memoryDevices(def).forEach((mem, i) => {
    const driver = DRIVER[mem.model];
    if (!driver) return;
    const alias = memoryDeviceAlias(mem, i);
    const backend = memoryBackend(
      def,
      ctx,
      { id: `mem${alias}`, sizeKiB: sizes[i], targetNode: mem.target?.node ?? -1, device: mem, pathAlias: alias, force: true },
      state.notes.get(MEM_PREALLOC_NOTE) === true,
    );
    if (backend.threadContext) {
      cmd.addJson('-object', backend.threadContext);
      cmd.preallocThreadContexts.push(String(backend.threadContext.id));
    }
    cmd.addJson('-object', backend.props);

    const props: Record<string, unknown> = { driver };
    if (mem.target?.node !== undefined && mem.model !== 'virtio-pmem') props.node = mem.target.node;
    if (mem.model === 'nvdimm') {
      if (mem.target?.label?.size !== undefined) props['label-size'] = mem.target.label.size * 1024;
      if (mem.target?.readonly) props.unarmed = true;
    }
    if (mem.model === 'virtio-mem') {
      if (mem.target?.block !== undefined) props['block-size'] = mem.target.block * 1024;
      if (mem.target?.requested !== undefined) props['requested-size'] = mem.target.requested * 1024;
    }
    props.memdev = `mem${alias}`;
    if (backend.devicePrealloc) props.prealloc = true;
    props.id = alias;
    const a = mem.address;
    if (a?.type === 'dimm') {
      if (a.slot !== undefined) props.slot = a.slot;
      if (a.base !== undefined) props.addr = a.base;
    } else {
      addAddressProps(props, def, mem);
    }
    addDeviceJson(cmd, def, props);
  });
}
