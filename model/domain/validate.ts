/**
 * libvirt's hypervisor-independent rules that span elements of a domain: names, memory and
 * NUMA consistency, vCPU/I/O thread references in `<cputune>`, firmware options, security
 * labels, SMBIOS data and the QEMU namespace values. Each issue is located at the offending
 * element (file:line via `sourceOf`) or, for objects built in code, named under `label`.
 *
 * Run it after `applyDomainDefaults`: several rules look at values the defaults fill in.
 */
import type { ModelIssue } from '../errors';
import { sourceOf } from '../schema';
import type { Domain } from './domain';
import { parseCpuset } from './cpuset';
import { hasDeviceBootOrder } from './defaults';
import { validateDisks } from './devices/disk';
import { validateControllers } from './devices/controller';
import { validateLease } from './devices/lease';
import { validateFilesystems } from './devices/filesystem';
import { validateInterfaces } from './devices/interface';
import { validateSmartcard } from './devices/smartcard';
import { validateSerial } from './devices/serial';
import { validateParallel } from './devices/parallel';
import { validateConsoles } from './devices/console';
import { validateChannel } from './devices/channel';
import { validateInput } from './devices/input';
import { validateTpm } from './devices/tpm';
import { validateGraphics } from './devices/graphics';
import { validateAudios, type AudioUser } from './devices/audio';
import { validateVideos } from './devices/video';
import { validateHostdevs } from './devices/hostdev';
import { validateRedirdevs } from './devices/redirdev';
import { validateHubs } from './devices/hub';
import { validateRng } from './devices/rng';
import { validateShmem } from './devices/shmem';
import { validateMemoryDevice } from './devices/memory';
import { validateIommu } from './devices/iommu';
import { validateVsock } from './devices/vsock';

class Issues {
  readonly list: ModelIssue[] = [];
  constructor(private readonly label: string) {}

  /**
   * An issue at `obj` (or its property `prop`), falling back to `codePath` under the label for
   * objects built in code.
   */
  at(obj: unknown, codePath: string, problem: string, opts: { prop?: string; xml?: string; fix?: string } = {}): void {
    const src = sourceOf(obj);
    let pos = src?.pos;
    if (src && opts.prop) {
      const p = src.props.get(opts.prop);
      if (p) pos = Array.isArray(p) ? p[0] ?? pos : p;
    }
    const base = src ? src.path : `${this.label}${codePath}`;
    const path = src && opts.xml ? `${base}/${opts.xml}` : base;
    this.list.push({ pos, path, problem, ...(opts.fix ? { fix: opts.fix } : {}) });
  }
}

export function validateDomainRules(domain: Domain, label = ''): ModelIssue[] {
  const v = new Issues(label);
  checkNames(domain, v);
  checkBootMenu(domain, v);
  checkMemory(domain, v);
  checkVcpus(domain, v);
  checkNuma(domain, v);
  checkCputune(domain, v);
  checkIothreads(domain, v);
  checkOs(domain, v);
  checkFeatures(domain, v);
  checkCpu(domain, v);
  checkSysinfo(domain, v);
  checkSeclabels(domain, v);
  checkQemuNamespace(domain, v);
  checkDeviceAliases(domain, v);
  v.list.push(...deviceIssues(domain, label));
  return v.list;
}

function checkNames(d: Domain, v: Issues): void {
  if (d.name.includes('/')) {
    v.at(d, '/name', `name '${d.name}' cannot contain '/'`, { prop: 'name', xml: 'name', fix: 'the name becomes a file name on the host; use letters, digits, - _ . and spaces' });
  }
  if (d.name.includes('\n')) v.at(d, '/name', 'name cannot contain a newline', { prop: 'name', xml: 'name', fix: 'write the name on one line' });
  if (d.title?.includes('\n')) v.at(d, '/title', 'title cannot contain a newline', { prop: 'title', xml: 'title', fix: 'put longer text in <description>' });
}

function checkMemory(d: Domain, v: Issues): void {
  const total = d.memory?.value ?? 0;
  if (total === 0) {
    v.at(d, '', 'Memory size must be specified via <memory> or in the <numa> configuration', { fix: "add <memory unit='MiB'>1024</memory>" });
    return;
  }
  if (d.maxMemory && d.maxMemory.value < total) {
    v.at(d.maxMemory, '/maxMemory', `maximum memory size (${d.maxMemory.value} KiB) must be equal or greater than the actual memory size (${total} KiB)`, {
      fix: 'raise <maxMemory> or lower <memory>',
    });
  }
  const cells = d.cpu?.numa?.cells ?? [];
  const mems = d.devices?.memories ?? [];
  const hotplug = mems.reduce((s, m) => s + (m.target?.size ?? 0), 0);
  if (!cells.length && hotplug > total) {
    v.at(d.memory, '/memory', `Total size of memory devices (${hotplug} KiB) exceeds the total memory size (${total} KiB)`, { fix: 'raise <memory> or shrink the memory devices' });
  }
  const pages = d.memoryBacking?.hugepages?.pages ?? [];
  // A guest without NUMA cells has one implicit node 0; a page size for all nodes is the default.
  const nodeCount = cells.length || 1;
  const isDefault = (nodeset: string | undefined) => nodeset === undefined || (!cells.length && nodeset === '0');
  const defaults = pages.filter((p) => isDefault(p.nodeset));
  if (defaults.length > 1) {
    v.at(defaults[1], '/memoryBacking/hugepages', `two master hugepages detected: ${defaults[1].size} and ${defaults[0].size}`, {
      fix: 'keep one <page> without nodeset; give the others a nodeset',
    });
  }
  pages.forEach((p, i) => {
    if (p.nodeset === undefined) return;
    for (const node of parseCpuset(p.nodeset)) {
      if (node >= nodeCount) {
        v.at(p, `/memoryBacking/hugepages/pages/${i}`, `hugepages: node ${node} not found`, { prop: 'nodeset', xml: '@nodeset', fix: 'nodeset names guest NUMA cells (<cpu><numa><cell id>)' });
        return;
      }
    }
  });
}

function checkVcpus(d: Domain, v: Issues): void {
  const vcpu = d.vcpu;
  if (!vcpu) return;
  if (vcpu.current !== undefined && vcpu.current > vcpu.count) {
    v.at(vcpu, '/vcpu', `current vCPU count ${vcpu.current} must not exceed the maximum ${vcpu.count}`, { prop: 'current', xml: '@current', fix: 'lower current= or raise the <vcpu> count' });
  }
}

function checkNuma(d: Domain, v: Issues): void {
  const cells = d.cpu?.numa?.cells ?? [];
  const maxVcpus = d.vcpu?.count ?? 1;
  const owner = new Map<number, number>();
  let cpusTotal = 0;
  cells.forEach((c, i) => {
    const where = `/cpu/numa/cells/${i}`;
    if (c.id !== undefined && (c.id >= cells.length || cells.findIndex((o, j) => (o.id ?? j) === c.id) !== i)) {
      v.at(c, where, "Exactly one 'cell' element per guest NUMA cell allowed, non-contiguous ranges or ranges not starting from 0 are not allowed", {
        prop: 'id', xml: '@id', fix: `give the ${cells.length} cells the ids 0 to ${cells.length - 1}, each once`,
      });
    }
    if (c.cpus !== undefined) {
      for (const cpu of parseCpuset(c.cpus)) {
        cpusTotal++;
        const prev = owner.get(cpu);
        if (prev !== undefined) {
          v.at(c, where, `NUMA cells ${prev} and ${i} have overlapping vCPU ids`, { prop: 'cpus', xml: '@cpus', fix: `vCPU ${cpu} can belong to one cell only` });
          break;
        }
        owner.set(cpu, i);
      }
    }
    const ids = new Set<number>();
    for (const s of c.distances?.siblings ?? []) {
      if (s.id >= cells.length) {
        v.at(s, `${where}/distances/siblings`, `'sibling' id ${s.id} does not refer to an existing NUMA cell`, { prop: 'id', xml: '@id', fix: `use a cell id below ${cells.length}` });
      }
      if (s.id === (c.id ?? i) && s.value !== 10) {
        v.at(s, `${where}/distances/siblings`, `Invalid distance value '${s.value}' of a cell to itself, it must be 10`, { prop: 'value', xml: '@value' });
      }
      if (ids.has(s.id)) v.at(s, `${where}/distances/siblings`, `duplicate distance to cell ${s.id}`, { fix: 'give each sibling once' });
      ids.add(s.id);
    }
  });
  if (cells.length && cpusTotal > maxVcpus) {
    v.at(d.cpu?.numa, '/cpu/numa', `Number of CPUs in <numa> (${cpusTotal}) exceeds the <vcpu> count (${maxVcpus})`, { fix: 'assign each vCPU to one cell only, and only existing vCPUs' });
  }
  for (const [cpu] of owner) {
    if (cpu >= maxVcpus) {
      v.at(d.cpu?.numa, '/cpu/numa', `NUMA cell vCPU ${cpu} does not exist: the guest has ${maxVcpus} vCPUs`, { fix: 'list vCPU ids below the <vcpu> count' });
      break;
    }
  }

  const nt = d.numatune;
  if (!nt) return;
  const mem = nt.memory;
  if (mem && mem.placement !== 'auto' && mem.nodeset === undefined && (mem.placement === 'static' || mem.mode !== undefined)) {
    v.at(mem, '/numatune/memory', "nodeset for NUMA memory tuning must be set if 'placement' is 'static'", { fix: "add nodeset='0' or use placement='auto'" });
  }
  const seen = new Set<number>();
  (nt.memnodes ?? []).forEach((m, i) => {
    const where = `/numatune/memnodes/${i}`;
    if (!cells.length) {
      v.at(m, where, "Element 'memnode' is invalid without any guest NUMA cells", { fix: 'define guest NUMA cells in <cpu><numa>' });
      return;
    }
    if (m.cellid >= cells.length) {
      v.at(m, where, `Invalid cellid attribute in memnode element: ${m.cellid}. Max cellid value is: ${cells.length - 1}`, { prop: 'cellid', xml: '@cellid' });
    }
    if (seen.has(m.cellid)) v.at(m, where, `Multiple memnode elements with cellid ${m.cellid}`, { prop: 'cellid', xml: '@cellid', fix: 'keep one <memnode> per cell' });
    seen.add(m.cellid);
    if ((mem?.mode === 'restrictive') !== (m.mode === 'restrictive') && mem?.mode !== undefined) {
      v.at(m, where, "'restrictive' mode is required in memnode element when mode is 'restrictive' in memory element", { prop: 'mode', xml: '@mode' });
    }
    if (mem?.placement === 'auto') {
      v.at(m, where, 'Per-node binding is not compatible with automatic NUMA placement.', { fix: "give <memory> a nodeset instead of placement='auto', or drop the <memnode>" });
    }
  });
}

function checkCputune(d: Domain, v: Issues): void {
  const ct = d.cputune;
  if (!ct) return;
  const maxVcpus = d.vcpu?.count ?? 1;
  const pinned = new Set<number>();
  (ct.vcpuPins ?? []).forEach((p, i) => {
    const where = `/cputune/vcpuPins/${i}`;
    if (p.vcpu >= maxVcpus) v.at(p, where, `vcpupin for vCPU ${p.vcpu}, but the guest has ${maxVcpus} vCPUs`, { prop: 'vcpu', xml: '@vcpu', fix: `use a vcpu id below ${maxVcpus}` });
    if (pinned.has(p.vcpu)) v.at(p, where, `duplicate vcpupin for vCPU ${p.vcpu}`, { fix: 'pin each vCPU once' });
    pinned.add(p.vcpu);
  });
  const iothreadIds = iothreadIdSet(d);
  (ct.iothreadPins ?? []).forEach((p, i) => {
    if (!iothreadIds.has(p.iothread)) {
      v.at(p, `/cputune/iothreadPins/${i}`, `Cannot find 'iothread' : ${p.iothread}`, { prop: 'iothread', xml: '@iothread', fix: 'pin an existing I/O thread (see <iothreads>/<iothreadids>)' });
    }
  });
  const schedOverlap = (list: { ids?: string; obj: unknown }[], what: 'vcpusched' | 'iothreadsched', exists: (id: number) => boolean, key: string) => {
    const seen = new Set<number>();
    list.forEach(({ ids, obj }, i) => {
      if (ids === undefined) return;
      for (const id of parseCpuset(ids)) {
        if (!exists(id)) {
          v.at(obj, `/cputune/${key}/${i}`, what === 'vcpusched' ? `vcpusched refers to vCPU ${id}, but the guest has ${maxVcpus} vCPUs` : `Cannot find 'iothread' : ${id}`, { fix: 'list existing ids only' });
          return;
        }
        if (seen.has(id)) {
          v.at(obj, `/cputune/${key}/${i}`, `'${what}' attributes '${what === 'vcpusched' ? 'vcpus' : 'iothreads'}' must not overlap`, { fix: 'give each id one scheduler' });
          return;
        }
        seen.add(id);
      }
    });
  };
  schedOverlap((ct.vcpuScheds ?? []).map((s) => ({ ids: s.vcpus, obj: s })), 'vcpusched', (id) => id < maxVcpus, 'vcpuScheds');
  schedOverlap((ct.iothreadScheds ?? []).map((s) => ({ ids: s.iothreads, obj: s })), 'iothreadsched', (id) => iothreadIds.has(id), 'iothreadScheds');
}

/** The I/O thread ids the domain has: the listed ids, or 1..n from `<iothreads>`. */
function iothreadIdSet(d: Domain): Set<number> {
  const listed = d.iothreadids?.iothreads ?? [];
  if (listed.length) return new Set(listed.map((t) => t.id));
  return new Set(Array.from({ length: d.iothreads ?? 0 }, (_, i) => i + 1));
}

function checkIothreads(d: Domain, v: Issues): void {
  const seen = new Set<number>();
  (d.iothreadids?.iothreads ?? []).forEach((t, i) => {
    if (seen.has(t.id)) v.at(t, `/iothreadids/iothreads/${i}`, `duplicate iothread id '${t.id}' found`, { prop: 'id', xml: '@id', fix: 'give each <iothread> its own id' });
    seen.add(t.id);
    if (t.threadPoolMin !== undefined && t.threadPoolMax !== undefined && t.threadPoolMin > t.threadPoolMax) {
      v.at(t, `/iothreadids/iothreads/${i}`, `thread_pool_min ${t.threadPoolMin} must not be greater than thread_pool_max ${t.threadPoolMax}`, { prop: 'threadPoolMin' });
    }
  });
}

function checkOs(d: Domain, v: Issues): void {
  const os = d.os;
  if (os.boots?.length && hasDeviceBootOrder(d)) {
    v.at(os, '/os', 'per-device boot elements cannot be used together with os/boot elements', { prop: 'boots', xml: 'boot', fix: "use either <os><boot dev=.../></os> or <boot order='N'/> in devices" });
  }
  const features = os.firmwareInfo?.features ?? [];
  if (features.length && !os.firmware) {
    v.at(os.firmwareInfo, '/os/firmwareInfo', 'cannot use feature-based firmware autoselection when firmware autoselection is disabled', { fix: "add firmware='efi' to <os> or remove <firmware>" });
  }
  const feat = (name: string) => features.find((f) => f.name === name)?.enabled;
  if (feat('enrolled-keys') === 'yes' && feat('secure-boot') === 'no') {
    v.at(os.firmwareInfo, '/os/firmwareInfo', "firmware feature 'enrolled-keys' cannot be enabled when firmware feature 'secure-boot' is disabled", { fix: 'enable secure-boot or disable enrolled-keys' });
  }
  const loader = os.loader;
  const nvram = os.nvram;
  if (loader?.stateless === 'yes') {
    if (nvram?.template !== undefined) v.at(nvram, '/os/nvram', 'NVRAM template is not permitted when loader is stateless', { prop: 'template', xml: '@template' });
    if (nvram && (nvram.path !== undefined || nvram.source !== undefined)) v.at(nvram, '/os/nvram', 'NVRAM is not permitted when loader is stateless', { fix: "remove <nvram> or set stateless='no'" });
  }
  if (os.firmware === 'bios') {
    if (nvram) v.at(nvram, '/os/nvram', "firmware type 'bios' does not support nvram", { fix: "remove <nvram> or use firmware='efi'" });
    else if (loader?.stateless === 'no') v.at(loader, '/os/loader', 'Only EFI firmware permits NVRAM', { prop: 'stateless', xml: '@stateless' });
  }
  if (loader?.type === 'rom' && (nvram || loader.stateless === 'no')) {
    v.at(loader, '/os/loader', 'Only pflash loader type permits NVRAM', { prop: 'type', xml: '@type', fix: "use type='pflash' or drop the NVRAM" });
  }
  if (loader && !os.firmware && loader.path === undefined && loader.type === 'pflash') {
    v.at(loader, '/os/loader', 'no loader path specified and firmware auto selection disabled', { fix: "give the loader path or use <os firmware='efi'>" });
  }
}

function checkFeatures(d: Domain, v: Issues): void {
  const spin = d.features?.hyperv?.spinlocks;
  if (spin?.state === 'on' && spin.retries !== undefined && spin.retries < 4095) {
    v.at(spin, '/features/hyperv/spinlocks', `HyperV spinlock retry count must be at least 4095, not ${spin.retries}`, { prop: 'retries', xml: '@retries' });
  }
}

function checkCpu(d: Domain, v: Issues): void {
  const seen = new Set<string>();
  (d.cpu?.features ?? []).forEach((f, i) => {
    if (seen.has(f.name)) v.at(f, `/cpu/features/${i}`, `CPU feature '${f.name}' specified more than once`, { prop: 'name', xml: '@name', fix: 'keep one <feature> per name' });
    seen.add(f.name);
  });
}

/** mm/dd/yy or mm/dd/yyyy with a year of 1900 or later, as SMBIOS wants. */
function isSmbiosDate(s: string): boolean {
  const m = s.match(/^(\d{2})\/(\d{2})\/(\d{2}|\d{4})$/);
  if (!m) return false;
  const month = Number(m[1]);
  const day = Number(m[2]);
  return month >= 1 && month <= 12 && day >= 1 && day <= 31 && (m[3].length === 2 || Number(m[3]) >= 1900);
}

function checkSysinfo(d: Domain, v: Issues): void {
  (d.sysinfos ?? []).forEach((s, i) => {
    const date = s.bios?.date;
    if (date !== undefined && !isSmbiosDate(date)) {
      v.at(s, `/sysinfos/${i}/bios`, `Invalid BIOS 'date' format: '${date}'`, { prop: 'bios', xml: 'bios', fix: 'write mm/dd/yy or mm/dd/yyyy' });
    }
    const uuid = s.system?.uuid;
    if (uuid !== undefined && d.uuid !== undefined && uuid.replace(/-/g, '').toLowerCase() !== d.uuid.replace(/-/g, '')) {
      v.at(s, `/sysinfos/${i}/system`, 'UUID mismatch between <uuid> and <sysinfo>', { prop: 'system', xml: 'system', fix: `use the domain uuid ${d.uuid}` });
    }
  });
}

function checkSeclabels(d: Domain, v: Issues): void {
  const labels = d.seclabels ?? [];
  const models = new Set<string>();
  labels.forEach((l, i) => {
    if (l.model === undefined) return;
    if (models.has(l.model)) v.at(l, `/seclabels/${i}`, `seclabel for model ${l.model} is already provided`, { prop: 'model', xml: '@model', fix: 'keep one <seclabel> per model' });
    models.add(l.model);
  });
  if (labels.length > 1) {
    labels.forEach((l, i) => {
      if (l.model === undefined) v.at(l, `/seclabels/${i}`, 'missing security model when using multiple labels', { fix: "add model='selinux' (or dac, apparmor, none)" });
    });
  }
}

function checkQemuNamespace(d: Domain, v: Issues): void {
  (d.qemuOverride?.devices ?? []).forEach((dev, i) => {
    (dev.frontend?.properties ?? []).forEach((p, j) => {
      const where = `/qemuOverride/devices/${i}/frontend/properties/${j}`;
      const bad = (rule: string) => v.at(p, where, `property '${p.name}' of type '${p.type}' ${rule}`, { prop: 'value', xml: '@value' });
      if (p.type === 'remove') {
        if (p.value !== undefined) bad('takes no value');
        return;
      }
      if (p.value === undefined) return bad('needs a value');
      if (p.type === 'bool' && p.value !== 'true' && p.value !== 'false') bad(`needs 'true' or 'false', not '${p.value}'`);
      if (p.type === 'signed' && !/^[+-]?\d+$/.test(p.value)) bad(`needs an integer, not '${p.value}'`);
      if (p.type === 'unsigned' && !/^\+?\d+$/.test(p.value)) bad(`needs an unsigned integer, not '${p.value}'`);
    });
  });
}

/** Every device alias (`<alias name=...>`) must be unique across the domain. */
function checkDeviceAliases(d: Domain, v: Issues): void {
  const devices = d.devices as Record<string, unknown> | undefined;
  if (!devices) return;
  const seen = new Set<string>();
  for (const [kind, val] of Object.entries(devices)) {
    const list = Array.isArray(val) ? val : val && typeof val === 'object' ? [val] : [];
    list.forEach((dev, i) => {
      const alias = (dev as { alias?: { name?: string } } | undefined)?.alias;
      if (!alias?.name) return;
      if (seen.has(alias.name)) v.at(alias, `/devices/${kind}/${i}/alias`, `non unique alias detected: ${alias.name}`, { fix: 'give every device its own alias' });
      seen.add(alias.name);
    });
  }
}

/** Each device kind's own rules (they live with the device schemas), given the domain context they need. */
function deviceIssues(d: Domain, label: string): ModelIssue[] {
  const dev = d.devices;
  if (!dev) return [];
  const at = (kind: string) => (label ? `${label}/devices/${kind}` : undefined);
  const osType = d.os.type.type;
  const controllers = dev.controllers ?? [];
  const disks = dev.disks ?? [];
  const hostdevs = dev.hostdevs ?? [];
  const out: ModelIssue[] = [
    ...validateControllers(controllers, at('controllers')),
    ...validateDisks(disks, { hostdevs, label: at('disks') }),
    ...(dev.leases ?? []).flatMap((l, i) => validateLease(l, label && `${at('leases')}/${i}`)),
    ...validateFilesystems(dev.filesystems ?? [], at('filesystems')),
    ...validateInterfaces(dev.interfaces ?? [], at('interfaces')),
    ...(dev.smartcards ?? []).flatMap((c, i) => validateSmartcard(c, label && `${at('smartcards')}/${i}`)),
    ...(dev.serials ?? []).flatMap((c, i) => validateSerial(c, label && `${at('serials')}/${i}`)),
    ...(dev.parallels ?? []).flatMap((c, i) => validateParallel(c, label && `${at('parallels')}/${i}`)),
    ...validateConsoles(dev.consoles ?? [], at('consoles')),
    ...(dev.channels ?? []).flatMap((c, i) => validateChannel(c, label && `${at('channels')}/${i}`)),
    ...(dev.inputs ?? []).flatMap((x, i) => validateInput(x, { osType, label: label && `${at('inputs')}/${i}` })),
    ...(dev.tpms ?? []).flatMap((x, i) => validateTpm(x, label && `${at('tpms')}/${i}`)),
    ...(dev.graphics ?? []).flatMap((x, i) => validateGraphics(x, label && `${at('graphics')}/${i}`)),
    ...validateVideos(dev.videos ?? [], at('videos')),
    ...validateAudios(dev.audios ?? [], [...(dev.sounds ?? []), ...(dev.graphics ?? [])] as AudioUser[], at('audios')),
    ...validateHostdevs(hostdevs, { disks, label: at('hostdevs') }),
    ...validateRedirdevs(dev.redirdevs ?? [], controllers, at('redirdevs')),
    ...validateHubs(dev.hubs ?? [], controllers, at('hubs')),
    ...(dev.rngs ?? []).flatMap((x, i) => validateRng(x, label && `${at('rngs')}/${i}`)),
    ...(dev.shmems ?? []).flatMap((x, i) => validateShmem(x, label && `${at('shmems')}/${i}`)),
    ...(dev.memories ?? []).flatMap((m, i) =>
      validateMemoryDevice(m, { numaNodes: d.cpu?.numa?.cells?.length ?? 0, arch: d.os.type.arch, label: label && `${at('memories')}/${i}` }),
    ),
  ];
  if (dev.iommu) out.push(...validateIommu(dev.iommu, { features: { ioapicDriver: d.features?.ioapic?.driver }, label: at('iommu') }));
  if (dev.vsock) out.push(...validateVsock(dev.vsock, at('vsock')));
  return out;
}

/** Longest boot menu wait QEMU's firmware interface takes, ms. */
export const BOOT_MENU_TIMEOUT_MAX_MS = 65535;

/** The boot menu timeout range is checked here rather than at parse so the driver can word it as libvirt does. */
function checkBootMenu(d: Domain, v: Issues): void {
  const menu = d.os?.bootmenu;
  if (menu?.timeout !== undefined && menu.timeout > BOOT_MENU_TIMEOUT_MAX_MS) {
    v.at(menu, '/os/bootmenu/timeout', `boot menu timeout ${menu.timeout} ms is out of range [0,${BOOT_MENU_TIMEOUT_MAX_MS}]`, {
      prop: 'timeout',
      xml: '@timeout',
      fix: `use at most ${BOOT_MENU_TIMEOUT_MAX_MS} ms`,
    });
  }
}
