/**
 * spapr-vio register addresses (the PAPR virtual I/O bus of pSeries guests; an ibmvscsi SCSI
 * controller gets one on any machine). Defaults follow QEMU: NICs 0x1000, SCSI 0x2000, NVRAM
 * 0x3000, serials 0x30000000; a default already taken moves up by 0x1000.
 */
import type { Domain } from '../../../model/domain/domain';
import type { Address } from '../../../model/domain/devices/device-info';
import { forEachAddressable } from './pci-addresses';

export class SpaprVioAddressError extends Error {}

interface Holder {
  address?: Address;
}

function assign(def: Domain, dev: Holder, defaultReg: number): void {
  const a = dev.address;
  if (a?.type !== 'spapr-vio') return;
  const userReg = a.reg !== undefined;
  let reg = a.reg ?? defaultReg;
  const taken = (r: number): boolean => {
    let hit = false;
    forEachAddressable(def, (o) => {
      if (o !== dev && o.address?.type === 'spapr-vio' && o.address.reg === r) hit = true;
    });
    return hit;
  };
  while (taken(reg)) {
    if (userReg) throw new SpaprVioAddressError(`spapr-vio address 0x${reg.toString(16)} already in use`);
    reg += 0x1000;
  }
  a.reg = reg;
}

export function assignSpaprVioAddresses(def: Domain, pseries: boolean): void {
  const d = def.devices;
  if (!d) return;
  for (const net of d.interfaces ?? []) {
    if (net.model?.type === 'spapr-vlan') net.address = { ...(net.address ?? {}), type: 'spapr-vio' };
    assign(def, net, 0x1000);
  }
  for (const c of d.controllers ?? []) {
    if (c.type === 'scsi' && c.model === 'ibmvscsi') c.address = { ...(c.address ?? {}), type: 'spapr-vio' };
    assign(def, c, 0x2000);
  }
  for (const s of d.serials ?? []) {
    if (pseries) s.address = { ...(s.address ?? {}), type: 'spapr-vio' };
    assign(def, s, 0x30000000);
  }
  if (d.nvram) {
    if (pseries) d.nvram.address = { ...(d.nvram.address ?? {}), type: 'spapr-vio' };
    assign(def, d.nvram, 0x3000);
  }
}
