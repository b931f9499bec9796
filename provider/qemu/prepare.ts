/**
 * The one QEMU domain pipeline: XML text (or an already parsed domain) → the domain exactly as
 * libvirt's QEMU driver holds it after `virsh define` (and, for a launch, after the start-time
 * preparation). Used by the xml2xml and argv conformance suites, `virtform domxml-format`,
 * `virtform domxml-to-native` and the executor, so that all of them see the same defaults.
 *
 *   parseDomainXml → applyDomainDefaults (model, hypervisor independent)
 *     → applyQemuDefaults (provider/qemu/defaults: machine, CPU, implicit controllers and
 *       devices, device defaults, PCI/drive/USB/virtio-serial addresses)
 *     → validateQemuDomain (provider/qemu/validate), when a validation context is given
 *     → [launch only] selectFirmware, assignAliases (libvirt does these when a domain starts).
 */
import { parseDomainXml, type Domain } from '../../model/domain/domain';
import { applyDomainDefaults } from '../../model/domain/defaults';
import type { QemuCaps } from './caps';
import type { ArgvContext } from './argv/context';
import { applyQemuDefaults, assignAliases, selectFirmware, type ApplyQemuDefaultsOptions } from './defaults';
import { validateQemuDomain } from './validate';

export interface PrepareOptions extends ApplyQemuDefaultsOptions {
  /** Generates the UUID of a domain that has none (and the id of `<genid/>` unless newGenid is given). */
  readonly newUuid?: () => string;
  /**
   * Also run the start-time steps libvirt does when launching (firmware autoselection and the
   * default UEFI variable store, device aliases, USB ports for every USB device). Off for
   * `define`-style uses (xml2xml, domxml-format), on for the argv builder and the executor.
   */
  readonly launch?: boolean;
  /** Runs libvirt's QEMU validation against this context (caps, host facts) after the defaults. */
  readonly validateWith?: ArgvContext;
}

/**
 * The QEMU driver's define-time pass as a hook for a pipeline that has already parsed the XML
 * and applied the generic defaults (`virtform domxml-format`): QEMU defaults for `caps`, then the
 * inactive view libvirt prints for a definition.
 */
export function qemuDefineDefaults(caps: QemuCaps, opts: ApplyQemuDefaultsOptions = {}): (def: Domain) => Domain {
  return (def) => asInactive(applyQemuDefaults(def, caps, opts));
}

/** Parses `xml` (errors name `file`:line) and prepares it; see prepareDomain. */
export function prepareDomainXml(xml: string, caps: QemuCaps, opts: PrepareOptions = {}, file = '<input>'): Domain {
  return prepareDomain(parseDomainXml(xml, file), caps, opts);
}

/**
 * Applies the generic and QEMU defaults to a parsed domain (in place; returns it), then the launch
 * steps and validation when asked. Throws ModelError / QemuConfigError for what libvirt rejects.
 */
export function prepareDomain(def: Domain, caps: QemuCaps, opts: PrepareOptions = {}): Domain {
  applyDomainDefaults(def, opts.newUuid ? { newUuid: opts.newUuid } : {});
  const newGenid = opts.newGenid ?? opts.newUuid;
  applyQemuDefaults(def, caps, { ...opts, ...(newGenid ? { newGenid } : {}), newDomain: opts.newDomain ?? !!opts.launch });
  if (opts.validateWith) validateQemuDomain(def, caps, opts.validateWith);
  if (opts.launch) {
    selectFirmware(def, caps, opts.firmware ?? [], opts.config);
    assignAliases(def);
  }
  return def;
}

/**
 * What libvirt's formatter leaves out of inactive XML (`virsh dumpxml --inactive`, a defined
 * domain): the runtime domain id, backing-chain indexes, block jobs (`<mirror>`), device labels
 * that were skipped, the network port of an interface and the connection state of channels.
 * Apply before formatDomainXml when printing a definition rather than a running domain (in
 * place; returns `def`).
 */
export function asInactive(def: Domain): Domain {
  delete def.id;
  type Src = { index?: number; seclabels?: { labelskip?: string }[] };
  const source = (s: Src | undefined): void => {
    if (!s) return;
    delete s.index;
    if (s.seclabels) {
      const kept = s.seclabels.filter((l) => l.labelskip !== 'yes');
      if (kept.length !== s.seclabels.length) {
        if (kept.length) s.seclabels = kept;
        else delete s.seclabels;
      }
    }
  };
  type Backing = { index?: number; source?: Src; backingStore?: Backing };
  const chain = (b: Backing | undefined): void => {
    for (let cur = b; cur; cur = cur.backingStore) {
      delete cur.index;
      source(cur.source);
    }
  };
  for (const disk of def.devices?.disks ?? []) {
    source(disk.source as Src | undefined);
    chain(disk.backingStore as Backing | undefined);
    delete disk.mirror;
  }
  for (const net of def.devices?.interfaces ?? []) if (net.type === 'network' && net.source) delete net.source.portid;
  for (const ch of def.devices?.channels ?? []) if (ch.target) delete ch.target.state;
  return def;
}
