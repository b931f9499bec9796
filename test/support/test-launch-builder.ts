/**
 * A DomainLaunchBuilder for tests while provider/qemu's argv pipeline (branch qemu) is not
 * merged: a hand-built command line for the simple domains the apply tests use (TCG, memory,
 * vCPUs, a virtio balloon, no disks, SeaBIOS with nothing to boot), the way the lifecycle
 * tests build theirs. Replace with the real builder once it is merged.
 */
import type { DomainLaunchBuilder } from '../../provider/executor/apply/domain-executor';
import { QEMU_X86_64 } from './qemu';

export const testLaunchBuilder: DomainLaunchBuilder = {
  async build(domain) {
    const kib = domain.memory?.value ?? 131072;
    const vcpus = domain.vcpu?.count ?? 1;
    return {
      argv: [
        QEMU_X86_64,
        '-machine', 'pc',
        '-accel', 'tcg',
        '-cpu', 'qemu64',
        '-m', `${Math.ceil(kib / 1024)}M`,
        '-smp', String(vcpus),
        '-nodefaults', '-no-user-config', '-display', 'none', '-no-shutdown',
        '-device', 'virtio-balloon-pci,id=balloon0',
      ],
    };
  },
};
