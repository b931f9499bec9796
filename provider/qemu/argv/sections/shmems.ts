/**
 * Shared memory (ivshmem) devices, after the sandbox options (libvirt's order):
 *
 *   ivshmem-plain     -object {"qom-type":"memory-backend-file","id":"shmmem-shmem0",
 *                              "mem-path":"/dev/shm/shmem0","size":4194304,"share":true}
 *                     -device {"driver":"ivshmem-plain","id":"shmem0","memdev":"shmmem-shmem0","master":"on",...}
 *   ivshmem-doorbell  -device {"driver":"ivshmem-doorbell","id":"shmem3","chardev":"charshmem3","vectors":16,"ioeventfd":true,...}
 *                     -chardev socket,id=charshmem3,path=/var/lib/libvirt/shmem-shmem3-sock
 *                     (the chardev follows the device, as libvirt emits it)
 *
 * Sizes are MiB in the domain, bytes for QEMU; a missing size is 4 MiB.
 *
 * Owner: devices engineer.
 */
import type { Domain } from '../../../../model/domain/domain';
import type { Shmem } from '../../../../model/domain/devices/shmem';
import type { QemuCommandLine } from '../command-line';
import type { ArgvContext } from '../context';
import type { ArgvState } from '../build';
import { addChardev } from '../chardev-backend';
import { addAddressProps } from '../device-address';
import { addDeviceJson } from '../device-json';
import { unsupported } from '../../validate/errors';

const MiB = 1024 * 1024;

/** Size of a shared memory region without `<size>`, MiB. */
export const DEFAULT_SHMEM_SIZE_MIB = 4;

/** The ivshmem server socket of a doorbell device without a path. */
export function defaultShmemServerPath(name: string): string {
  return `/var/lib/libvirt/shmem-${name}-sock`;
}

function shmemModel(shmem: Shmem): string {
  return shmem.model?.type ?? 'ivshmem-plain';
}

export function buildShmems(cmd: QemuCommandLine, def: Domain, ctx: ArgvContext, state: ArgvState): void {
  (def.devices?.shmems ?? []).forEach((shmem, i) => {
    const alias = shmem.alias?.name ?? `shmem${i}`;
    const model = shmemModel(shmem);
    const sizeMiB = shmem.size ?? DEFAULT_SHMEM_SIZE_MIB;
    if (model === 'ivshmem') throw unsupported('ivshmem device is not supported with this QEMU binary');
    if (model === 'ivshmem-plain') {
      cmd.addJson('-object', {
        'qom-type': 'memory-backend-file',
        id: `shmmem-${alias}`,
        'mem-path': `/dev/shm/${shmem.name}`,
        size: sizeMiB * MiB,
        share: true,
      });
      const props: Record<string, unknown> = { driver: 'ivshmem-plain', id: alias, memdev: `shmmem-${alias}` };
      if (shmem.role) props.master = shmem.role === 'master' ? 'on' : 'off';
      addDeviceJson(cmd, def, addAddressProps(props, def, shmem));
      return;
    }
    const props: Record<string, unknown> = { driver: 'ivshmem-doorbell', id: alias, chardev: `char${alias}` };
    if (shmem.msi?.vectors) props.vectors = shmem.msi.vectors;
    props.ioeventfd = (shmem.msi?.ioeventfd ?? 'on') === 'on';
    addDeviceJson(cmd, def, addAddressProps(props, def, shmem));
    const path = shmem.server?.path ?? defaultShmemServerPath(shmem.name);
    addChardev(cmd, { type: 'unix', sources: [{ mode: 'connect', path }] }, `char${alias}`, ctx, state, { deviceAlias: alias, passFds: false });
  });
}
