/**
 * The libvirt domain document (`<domain>`): one virtual machine definition. Sections are listed
 * in libvirt 9.0's output order, so formatting prints them as libvirt does whatever order they
 * were written in.
 *
 * Pipeline: `parseDomainXml` (syntax and per-element rules) → `applyDomainDefaults` (libvirt's
 * hypervisor-independent parse-time defaults, see defaults.ts) → `validateDomain` (shape and
 * cross-element rules) → `formatDomainXml`.
 */
import type { Static } from '@sinclair/typebox';
import * as X from '../schema';
import { parseXml } from '../xml/dom';
import type { ModelIssue } from '../errors';
import { genidCodec } from './genid';
import { MaxMemory, Memory, MemoryBacking, Blkiotune, Memtune } from './memory';
import { Vcpu, Vcpus, IothreadIds, DefaultIothread } from './vcpu';
import { Cputune } from './cputune';
import { Numatune } from './numatune';
import { Resource } from './resource';
import { Sysinfo } from './sysinfo';
import { Os } from './os';
import { Idmap } from './idmap';
import { Features } from './features';
import { Cpu } from './cpu';
import { Clock } from './clock';
import { LifecycleAction, CrashAction, LockFailureAction, Pm, Perf } from './lifecycle';
import { Devices } from './devices';
import { Seclabel } from './seclabel';
import { Keywrap } from './keywrap';
import { LaunchSecurity } from './launch-security';
import { QemuCommandline, QemuCapabilities, QemuOverride, QemuDeprecation } from './qemu-namespace';
import { validateDomainRules } from './validate';

/** Hypervisor types of `<domain type>`. */
export const DomainType = X.enumOf('qemu', 'kqemu', 'kvm', 'xen', 'lxc', 'uml', 'openvz', 'test', 'vmware', 'hyperv', 'vbox', 'phyp', 'vz', 'bhyve', 'hvf');
export type DomainType = Static<typeof DomainType.schema>;

export const Domain = X.element(
  {
    type: X.reqAttr(DomainType),
    /** Runtime id of a running domain (live XML only). */
    id: X.attr(X.int({ min: -1 })),
    name: X.reqTextChild(X.str({ minLength: 1, describe: 'a non-empty name' })),
    uuid: X.textChild(X.uuid()),
    genid: X.childValue(genidCodec()),
    title: X.textChild(X.str()),
    description: X.textChild(X.str()),
    /** Application metadata: foreign-namespace elements kept verbatim. */
    metadata: X.childValue(X.opaqueChildren()),
    maxMemory: X.child(MaxMemory),
    memory: X.child(Memory),
    /** Balloon target at boot, KiB. */
    currentMemory: X.childValue(X.scaled({ canonical: 'KiB' })),
    blkiotune: X.child(Blkiotune),
    memtune: X.child(Memtune),
    memoryBacking: X.child(MemoryBacking),
    vcpu: X.child(Vcpu),
    vcpus: X.child(Vcpus),
    /** Number of I/O threads (ids 1..n unless `iothreadids` names them). */
    iothreads: X.textChild(X.uint()),
    iothreadids: X.child(IothreadIds),
    defaultiothread: X.child(DefaultIothread),
    cputune: X.child(Cputune),
    numatune: X.child(Numatune),
    resource: X.child(Resource),
    sysinfos: X.children(Sysinfo, { xml: 'sysinfo' }),
    /** Host-side boot loader (Xen pygrub) and its arguments. */
    bootloader: X.textChild(X.str({ trim: true })),
    bootloaderArgs: X.textChild(X.str(), { xml: 'bootloader_args' }),
    os: X.reqChild(Os),
    idmap: X.child(Idmap),
    features: X.child(Features),
    cpu: X.child(Cpu),
    clock: X.child(Clock),
    onPoweroff: X.textChild(LifecycleAction, { xml: 'on_poweroff' }),
    onReboot: X.textChild(LifecycleAction, { xml: 'on_reboot' }),
    onCrash: X.textChild(CrashAction, { xml: 'on_crash' }),
    onLockfailure: X.textChild(LockFailureAction, { xml: 'on_lockfailure' }),
    pm: X.child(Pm),
    perf: X.child(Perf),
    devices: X.child(Devices),
    seclabels: X.children(Seclabel, { xml: 'seclabel' }),
    keywrap: X.child(Keywrap),
    launchSecurity: X.child(LaunchSecurity),
    qemuCommandline: X.child(QemuCommandline, { xml: 'qemu:commandline' }),
    qemuCapabilities: X.child(QemuCapabilities, { xml: 'qemu:capabilities' }),
    qemuOverride: X.child(QemuOverride, { xml: 'qemu:override' }),
    qemuDeprecation: X.child(QemuDeprecation, { xml: 'qemu:deprecation' }),
  },
  { declaresChildNamespaces: true, description: 'A libvirt domain (virtual machine) definition.' },
);
export type Domain = Static<typeof Domain>;

/**
 * Parses domain XML. Throws XmlSyntaxError for malformed XML and ModelError (file:line, XML
 * path, value, rule, fix) for anything libvirt's schema would reject.
 */
export function parseDomainXml(text: string, file = '<input>'): Domain {
  return X.bindDocument(parseXml(text, file), Domain, 'domain');
}

/** Formats a domain the way libvirt prints it (`virsh dumpxml --inactive` layout), ending with a newline. */
export function formatDomainXml(domain: Domain): string {
  return X.formatDocument(domain, Domain, 'domain');
}

/**
 * Everything wrong with a domain: its shape against the schema and the hypervisor-independent
 * rules of validate.ts. Issues from parsed XML carry file:line; objects built in code are
 * named under `label` (`App/web`).
 */
export function validateDomain(domain: Domain, label = ''): ModelIssue[] {
  const shape = X.validateShape(Domain, domain, label);
  if (shape.length) return shape;
  return validateDomainRules(domain, label);
}
