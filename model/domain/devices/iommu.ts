/**
 * `<iommu>`: an emulated IOMMU (Intel VT-d, Arm SMMUv3, or virtio-iommu).
 *
 *   <iommu model='intel'>
 *     <driver intremap='on' caching_mode='on' eim='on' iotlb='on' aw_bits='48'/>
 *   </iommu>
 */
import * as X from '../../schema';
import type { Static } from '@sinclair/typebox';
import type { ModelIssue } from '../../errors';
import { deviceInfo } from './device-info';
import { deviceIssue } from './device-issue';

/** intel only: interrupt remapping, caching mode, extended interrupt mode, device IOTLB, address width. */
export const IommuDriver = X.element({
  intremap: X.attr(X.onOff()),
  cachingMode: X.attr(X.onOff(), { xml: 'caching_mode' }),
  eim: X.attr(X.onOff()),
  iotlb: X.attr(X.onOff()),
  /** Guest address width in bits (39 or 48 for intel). */
  awBits: X.attr(X.uint({ max: 255 }), { xml: 'aw_bits' }),
});
export type IommuDriver = Static<typeof IommuDriver>;

const { alias, acpi, address } = deviceInfo();

export const Iommu = X.element({
  model: X.reqAttr(X.enumOf('intel', 'smmuv3', 'virtio')),
  driver: X.child(IommuDriver),
  alias,
  acpi,
  address,
});
export type Iommu = Static<typeof Iommu>;

export interface IommuRuleOpts {
  /**
   * The domain's `<features><ioapic driver=...>` (undefined when absent); intel interrupt
   * remapping needs `qemu`. Leave `features` out to skip the domain-wide rule.
   */
  readonly features?: { readonly ioapicDriver?: string };
  readonly label?: string;
}

/** libvirt's rules for every hypervisor (messages as libvirt words them). */
export function validateIommu(iommu: Iommu, opts: IommuRuleOpts = {}): ModelIssue[] {
  const { label } = opts;
  const issues: ModelIssue[] = [];
  const d = iommu.driver;
  if (iommu.model !== 'intel' && d && Object.values(d).some((v) => v !== undefined)) {
    issues.push(deviceIssue(d, `iommu model '${iommu.model}' doesn't support additional attributes`, { label, fix: "remove the <driver> attributes or use model='intel'" }));
  }
  if (iommu.model !== 'virtio' && iommu.address) {
    issues.push(deviceIssue(iommu, `iommu model '${iommu.model}' can't have address`, { prop: 'address', xmlName: 'address', label, fix: 'remove <address>' }));
  }
  if (d?.intremap === 'on' && opts.features && opts.features.ioapicDriver !== 'qemu') {
    issues.push(deviceIssue(d, "IOMMU interrupt remapping requires split I/O APIC (ioapic driver='qemu')", {
      prop: 'intremap', xmlName: '@intremap', label, fix: "add <ioapic driver='qemu'/> to <features>",
    }));
  }
  if (d?.eim === 'on' && d.intremap !== 'on') {
    issues.push(deviceIssue(d, 'IOMMU eim requires interrupt remapping to be enabled', { prop: 'eim', xmlName: '@eim', label, fix: "set intremap='on'" }));
  }
  return issues;
}
