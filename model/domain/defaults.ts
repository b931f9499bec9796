/**
 * The defaults libvirt's generic domain parser applies whatever the hypervisor driver: what
 * `virsh define` + `virsh dumpxml --inactive` add to a document before any QEMU-specific
 * post-parse step (those belong to provider/qemu). Applying them twice changes nothing.
 *
 * The pass works in place so parsed objects keep their source positions (validation after it
 * still points at file:line); it returns the same domain for chaining.
 */
import type { Domain } from './domain';
import type { Cpu, NumaCell } from './cpu';
import type { Clock } from './clock';
import type { XmlElement } from '../xml/dom';
import { libvirtDiskOrder } from './devices/disk-order';

export interface DomainDefaultsOptions {
  /**
   * Generates a UUID for a domain that has none (libvirt makes one up at define time). The
   * model is pure, so the caller supplies randomness; without it the uuid stays absent.
   */
  readonly newUuid?: () => string;
}

/** Applies libvirt's hypervisor-independent parse-time defaults to `domain` (in place). */
export function applyDomainDefaults(domain: Domain, opts: DomainDefaultsOptions = {}): Domain {
  if (domain.uuid === undefined && opts.newUuid) domain.uuid = opts.newUuid();
  if (domain.metadata) domain.metadata = sanitizeMetadata(domain.metadata);
  applyCpuDefaults(domain);
  applyMemoryDefaults(domain);
  applyPlacementDefaults(domain);
  applyIothreadDefaults(domain);
  applyOsDefaults(domain);
  applyFeatureDefaults(domain);
  domain.clock = clockDefaults(domain.clock);
  domain.onPoweroff ??= 'destroy';
  domain.onReboot ??= 'restart';
  domain.onCrash ??= 'destroy';
  applySeclabelDefaults(domain);
  applyDiskOrder(domain);
  return domain;
}

/** Disks in libvirt's order (see devices/disk-order.ts); the array is reordered in place. */
function applyDiskOrder(domain: Domain): void {
  const disks = domain.devices?.disks;
  if (!disks || disks.length < 2) return;
  disks.splice(0, disks.length, ...libvirtDiskOrder(disks));
}

/**
 * libvirt keeps one metadata element per namespace (the first one) and drops elements that
 * have no namespace at all.
 */
function sanitizeMetadata(elements: XmlElement[]): XmlElement[] {
  const seen = new Set<string>();
  const out: XmlElement[] = [];
  for (const el of elements) {
    if (!el.uri || seen.has(el.uri)) continue;
    seen.add(el.uri);
    out.push(el);
  }
  return out;
}

function applyCpuDefaults(domain: Domain): void {
  const cpu: Cpu | undefined = domain.cpu;
  if (!cpu) return;
  if (cpu.model?.name !== undefined) {
    cpu.mode ??= 'custom';
    if (cpu.mode === 'custom') {
      cpu.match ??= 'exact';
      cpu.model.fallback ??= 'allow';
    }
  }
  if (cpu.topology) cpu.topology.dies ??= 1;
  for (const f of cpu.features ?? []) f.policy ??= 'require';
  const cells = cpu.numa?.cells;
  if (cells) {
    cells.forEach((c, i) => (c.id ??= i));
    fillDistances(cells);
  }
}

/**
 * When any NUMA distance is given libvirt completes the matrix: a node is 10 from itself and
 * a missing distance mirrors the opposite direction. Siblings are printed by id.
 */
function fillDistances(cells: NumaCell[]): void {
  if (!cells.some((c) => c.distances?.siblings?.length)) return;
  const given = new Map<string, number>();
  for (const c of cells) for (const s of c.distances?.siblings ?? []) given.set(`${c.id}:${s.id}`, s.value);
  for (const c of cells) {
    const siblings: { id: number; value: number }[] = [];
    for (const other of cells) {
      const id = other.id as number;
      const v = given.get(`${c.id}:${id}`) ?? given.get(`${id}:${c.id}`) ?? (id === c.id ? 10 : undefined);
      if (v !== undefined) siblings.push({ id, value: v });
    }
    siblings.sort((a, b) => a.id - b.id);
    const prior = c.distances?.siblings ?? [];
    // Keep the parsed objects (and their source positions) where the value is unchanged.
    const merged = siblings.map((s) => prior.find((p) => p.id === s.id && p.value === s.value) ?? s);
    c.distances = c.distances ?? {};
    c.distances.siblings = merged;
  }
}

/** Sizes of hotplugged memory devices, KiB (summed into `<memory>` with NUMA cells). */
function memoryDeviceTotal(domain: Domain): number {
  const devs = (domain.devices as { memories?: { target?: { size?: number } }[] } | undefined)?.memories ?? [];
  return devs.reduce((sum, d) => sum + (d.target?.size ?? 0), 0);
}

/**
 * Without `<memory>`, the guest memory is the sum of the NUMA cells plus the memory devices
 * (an existing `<memory>` is kept: libvirt only recomputes it on an ABI update). The balloon
 * target defaults to, and is capped at, the total.
 */
function applyMemoryDefaults(domain: Domain): void {
  const cells = domain.cpu?.numa?.cells ?? [];
  if (cells.length && (domain.memory === undefined || domain.memory.value === 0)) {
    const total = cells.reduce((s, c) => s + c.memory, 0) + memoryDeviceTotal(domain);
    if (domain.memory) domain.memory.value = total;
    else domain.memory = { unit: 'KiB', value: total };
  }
  const total = domain.memory?.value;
  if (total !== undefined && (domain.currentMemory === undefined || domain.currentMemory === 0 || domain.currentMemory > total)) {
    domain.currentMemory = total;
  }
}

/**
 * vCPU and NUMA memory placement follow each other: automatic (numad) memory placement makes
 * vCPU placement automatic unless something is pinned (a vCPU cpuset, vcpupin, emulatorpin or
 * iothreadpin), and automatic vCPU placement without a memory policy creates
 * `<memory mode='strict' placement='auto'/>`.
 */
function applyPlacementDefaults(domain: Domain): void {
  domain.vcpu ??= { count: 1 };
  const vcpu = domain.vcpu;
  const mem = domain.numatune?.memory;
  if (mem) {
    mem.mode ??= 'strict';
    if (mem.nodeset !== undefined) {
      if (mem.placement === undefined) mem.placement = 'static';
    } else if (mem.placement === undefined) {
      mem.placement = vcpu.placement === 'auto' ? 'auto' : 'static';
    }
  }
  if (vcpu.placement === 'auto' && !mem) {
    domain.numatune ??= {};
    domain.numatune.memory = { mode: 'strict', placement: 'auto' };
  }
  const ct = domain.cputune;
  const pinned = vcpu.cpuset !== undefined || !!ct?.vcpuPins?.length || ct?.emulatorPin !== undefined || !!ct?.iothreadPins?.length;
  if (domain.numatune?.memory?.placement === 'auto' && !pinned) vcpu.placement = 'auto';
  vcpu.placement ??= 'static';
  if (vcpu.placement === 'auto') delete vcpu.cpuset;
  if (vcpu.current !== undefined && vcpu.current === vcpu.count) delete vcpu.current;
}

/**
 * `<iothreads>` and `<iothreadids>` agree: the count is at least the number of listed ids, and
 * listed ids are completed up to the count with the lowest unused ids (appended).
 */
function applyIothreadDefaults(domain: Domain): void {
  const list = domain.iothreadids?.iothreads;
  if (!list?.length) return;
  if (domain.iothreads === undefined || domain.iothreads < list.length) domain.iothreads = list.length;
  const used = new Set(list.map((t) => t.id));
  for (let id = 1; list.length < domain.iothreads; id++) {
    if (!used.has(id)) list.push({ id });
  }
}

/** Whether any device asks to be booted from (`<boot order='N'/>`). */
export function hasDeviceBootOrder(domain: Domain): boolean {
  const devices = domain.devices as Record<string, unknown> | undefined;
  if (!devices) return false;
  for (const v of Object.values(devices)) {
    const list = Array.isArray(v) ? v : v && typeof v === 'object' ? [v] : [];
    for (const d of list) if (d && typeof d === 'object' && (d as { boot?: unknown }).boot !== undefined) return true;
  }
  return false;
}

function applyOsDefaults(domain: Domain): void {
  const os = domain.os;
  if (!os) return;
  // The boot menu timeout only counts when the menu is enabled.
  if (os.bootmenu && os.bootmenu.enable !== 'yes') delete os.bootmenu.timeout;
  // An HVM guest with no boot device and no per-device boot order boots from the first disk.
  if (os.type.type === 'hvm' && !domain.bootloader && !os.boots?.length && !hasDeviceBootOrder(domain)) {
    os.boots = [{ dev: 'hd' }];
  }
}

function applyFeatureDefaults(domain: Domain): void {
  const f = domain.features;
  if (!f) return;
  if (f.smm) f.smm.state ??= 'on';
  if (f.hyperv) f.hyperv.mode ??= 'custom';
}

/**
 * `<clock>` defaults to utc. A numeric adjustment on a utc/localtime clock makes it a variable
 * clock with that basis; a variable clock always states its adjustment and basis.
 */
function clockDefaults(clock: Clock | undefined): Clock {
  const c: Clock = clock ?? { offset: 'utc' };
  if ((c.offset === 'utc' || c.offset === 'localtime') && c.adjustment !== undefined && c.adjustment !== 'reset') {
    c.basis = c.offset;
    c.offset = 'variable';
  }
  if (c.offset === 'variable') {
    c.adjustment = String(Number(c.adjustment ?? '0'));
    c.basis ??= 'utc';
  }
  return c;
}

function applySeclabelDefaults(domain: Domain): void {
  const labels = domain.seclabels ?? [];
  for (const l of labels) {
    l.type ??= 'dynamic';
    if (l.type === 'dynamic') l.relabel ??= 'yes';
    else if (l.type === 'static') l.relabel ??= 'no';
  }
  if (labels.length === 1 && labels[0].type === 'none' && labels[0].model === undefined) labels[0].model = 'none';
}
