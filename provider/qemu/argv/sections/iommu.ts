/**
 * The emulated IOMMU (before the controllers, so devices can sit behind it):
 *
 *   {"driver":"intel-iommu","id":"iommu0","intremap":"on","caching-mode":true,"eim":"on","device-iotlb":true,"aw-bits":48}
 *   {"driver":"virtio-iommu","id":"iommu0","bus":"pcie.0","addr":"0x3"}
 *
 * The Arm SMMUv3 is a machine property (`-machine iommu=smmuv3`), not a device.
 *
 * Owner: devices engineer.
 */
import type { Domain } from '../../../../model/domain/domain';
import type { QemuCommandLine } from '../command-line';
import type { ArgvContext } from '../context';
import type { ArgvState } from '../build';
import { addAddressProps } from '../device-address';
import { addDeviceJson } from '../device-json';

export function buildIommu(cmd: QemuCommandLine, def: Domain, _ctx: ArgvContext, _state: ArgvState): void {
  const iommu = def.devices?.iommu;
  if (!iommu) return;
  const alias = iommu.alias?.name ?? 'iommu0';
  const d = iommu.driver;
  switch (iommu.model) {
    case 'intel': {
      const props: Record<string, unknown> = { driver: 'intel-iommu', id: alias };
      if (d?.intremap !== undefined) props.intremap = d.intremap;
      if (d?.cachingMode !== undefined) props['caching-mode'] = d.cachingMode === 'on';
      if (d?.eim !== undefined) props.eim = d.eim;
      if (d?.iotlb !== undefined) props['device-iotlb'] = d.iotlb === 'on';
      if (d?.awBits !== undefined) props['aw-bits'] = d.awBits;
      addDeviceJson(cmd, def, props);
      break;
    }
    case 'virtio':
      addDeviceJson(cmd, def, addAddressProps({ driver: 'virtio-iommu', id: alias }, def, iommu));
      break;
    case 'smmuv3':
      break;
  }
}
