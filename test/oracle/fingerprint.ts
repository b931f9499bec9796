/**
 * What a guest's hardware looks like to QEMU's monitor, gathered the same way from a QEMU that
 * libvirt started (`virsh qemu-monitor-command`) and from one virtform started (our QMP client),
 * so that the two can be compared with one `toEqual`.
 *
 * The fingerprint holds (see docs/conformance.md "Oracle"):
 * - machine: the machine type (/machine's QOM type, described by `query-machines`), `query-kvm`, and every
 *   readable scalar property of /machine (smm, acpi, hpet, memory-backend...);
 * - pci: `query-pci`, the whole tree through bridges: bus/slot/function, vendor/device and
 *   subsystem ids, class, interrupt pin, qdev id, BAR sizes (addresses are the firmware's: the
 *   guests never ran), and a bridge's bus numbers;
 * - cpus: `query-cpus-fast` (index → socket/core/thread/node ids), `query-hotpluggable-cpus`
 *   (type, slot props, whether present), the QOM type of every vCPU and every readable scalar
 *   property of vCPU 0 (model, family, CPUID feature words, Hyper-V settings...);
 * - memory: `query-memdev` without ids, `query-memory-devices`;
 * - devices: every child of /machine/peripheral (id → type and every readable scalar property:
 *   bootindex, mac, serial, drive, iothread...), the types of /machine/peripheral-anon;
 * - objects: every child of /objects (id → type and readable scalar properties);
 * - iothreads: `query-iothreads` ids;
 * - block: `query-block` and `query-named-block-nodes` (node names, drivers, files, read-only,
 *   cache modes, devices they back);
 * - balloon: `query-balloon` (the target libvirt sets before the guest runs).
 * Values that are host paths private to each manager (a domain's state folder, its UEFI
 * variable store, hugepage folder) are replaced by tokens given per side.
 */
import * as fs from 'fs';
import type { QmpReply, QmpRequest } from '../support/libvirtd';

export type QmpRunner = (requests: readonly QmpRequest[]) => Promise<QmpReply[]>;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

/** QOM properties read as values: all but children (a link reads as its target's path). */
function isScalarType(type: string): boolean {
  return !type.startsWith('child<');
}

/** Properties that only give the runtime state of a running QEMU, or are write-only commands. */
const VOLATILE_PROPS = new Set<string>([
  // Time-dependent or measured at run time.
  'guest-stats', 'rtc-time', 'tsc-frequency', 'realized',
  // The host's NUMA/thread ids differ per process.
  'thread-id',
]);

export interface Fingerprint {
  readonly machine: Json;
  readonly kvm: Json;
  readonly machineProps: Json;
  readonly pci: Json;
  readonly cpus: Json;
  readonly hotpluggableCpus: Json;
  readonly cpuTypes: Json;
  readonly cpu0Props: Json;
  readonly memdev: Json;
  readonly memoryDevices: Json;
  readonly peripherals: Json;
  readonly peripheralAnon: Json;
  readonly objects: Json;
  readonly iothreads: Json;
  readonly block: Json;
  readonly blockNodes: Json;
  readonly balloon: Json;
}

export interface FingerprintOptions {
  /** [prefix, token] pairs: a string value starting with prefix gets the token instead of it. */
  readonly pathTokens: readonly (readonly [string, string])[];
}

function value(reply: QmpReply): Json {
  if (reply.error) return { error: reply.error.class };
  return (reply.return ?? null) as Json;
}

function must(reply: QmpReply, what: string): Json {
  if (reply.error) throw new Error(`${what} failed: ${reply.error.class}: ${reply.error.desc}`);
  return (reply.return ?? null) as Json;
}

function sortByJson<T>(list: readonly T[]): T[] {
  return [...list].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : JSON.stringify(a) > JSON.stringify(b) ? 1 : 0));
}

/** query-pci's tree, keeping what the guest can see before its firmware runs. */
function pciTree(buses: Json): Json {
  const device = (d: Obj): Json => {
    const id = d.id as Obj;
    const cls = d.class_info as Obj;
    const bridge = d.pci_bridge as Obj | undefined;
    const out: Obj = {
      addr: `${d.bus}:${String(d.slot).padStart(2, '0')}.${d.function}`,
      vendor: id.vendor,
      device: id.device,
      subsystemVendor: id['subsystem-vendor'] ?? null,
      subsystem: id.subsystem ?? null,
      class: cls.class,
      irqPin: d.irq_pin ?? null,
      qdevId: d.qdev_id,
      bars: ((d.regions as Obj[] | undefined) ?? []).map((r) => ({
        bar: r.bar,
        type: r.type,
        size: r.size,
        ...(r.prefetch !== undefined ? { prefetch: r.prefetch } : {}),
        ...(r.mem_type_64 !== undefined ? { mem64: r.mem_type_64 } : {}),
      })),
    };
    if (bridge) {
      const bus = bridge.bus as Obj;
      out.bridge = { number: bus.number, secondary: bus.secondary, subordinate: bus.subordinate };
      out.devices = ((bridge.devices as Obj[] | undefined) ?? []).map(device);
    }
    return out;
  };
  return (buses as Obj[]).map((b) => ({ bus: b.bus, devices: (b.devices as Obj[]).map(device) }));
}

/** Replaces host paths private to one manager by their tokens, everywhere in `v`. */
function tokenize(v: Json, tokens: FingerprintOptions['pathTokens']): Json {
  if (typeof v === 'string') {
    for (const [prefix, token] of tokens) if (v === prefix || v.startsWith(prefix + '/')) return token + v.slice(prefix.length);
    // The file name inside a JSON pseudo-protocol (`json:{"driver":..,"filename":"/x"}`) too.
    for (const [prefix, token] of tokens) if (v.includes(prefix)) return v.split(prefix).join(token);
    return v;
  }
  if (Array.isArray(v)) return v.map((x) => tokenize(x, tokens));
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, tokenize(x, tokens)]));
  return v;
}

interface QomProp {
  readonly name: string;
  readonly type: string;
}

/** Collects the fingerprint over `run` (three batches of QMP commands). */
export async function takeFingerprint(run: QmpRunner, opts: FingerprintOptions): Promise<Fingerprint> {
  const first: QmpRequest[] = [
    { execute: 'query-machines' },
    { execute: 'query-kvm' },
    { execute: 'query-pci' },
    { execute: 'query-cpus-fast' },
    { execute: 'query-hotpluggable-cpus' },
    { execute: 'query-memdev' },
    { execute: 'query-memory-devices' },
    { execute: 'query-iothreads' },
    { execute: 'qom-list', arguments: { path: '/machine/peripheral' } },
    { execute: 'qom-list', arguments: { path: '/machine/peripheral-anon' } },
    { execute: 'qom-list', arguments: { path: '/objects' } },
    { execute: 'qom-list', arguments: { path: '/machine' } },
    { execute: 'query-block' },
    { execute: 'query-named-block-nodes', arguments: { flat: true } },
    { execute: 'query-balloon' },
  ];
  const r1 = await run(first);
  const [machines, kvm, pci, cpusFast, hotCpus, memdev, memDevs, iothreads, periph, anon, objects, machineList, block, nodes, balloon] = r1;

  const cpuList = must(cpusFast, 'query-cpus-fast') as Obj[];
  const children = (list: QmpReply, base: string): { path: string; name: string; type: string }[] =>
    ((must(list, `qom-list ${base}`) as unknown as QomProp[]) ?? [])
      .filter((p) => p.type.startsWith('child<'))
      .map((p) => ({ path: `${base}/${p.name}`, name: p.name, type: p.type.slice(6, -1) }));
  const periphChildren = children(periph, '/machine/peripheral');
  const anonChildren = children(anon, '/machine/peripheral-anon');
  const objectChildren = children(objects, '/objects');
  const cpu0Path = cpuList.length ? String(cpuList[0]['qom-path']) : undefined;

  // Second batch: the property lists of what gets its properties compared, and every vCPU's type.
  const listed = [...periphChildren.map((c) => c.path), ...objectChildren.map((c) => c.path), ...(cpu0Path ? [cpu0Path] : [])];
  const r2 = await run([
    ...listed.map((p) => ({ execute: 'qom-list', arguments: { path: p } })),
    ...cpuList.map((c) => ({ execute: 'qom-get', arguments: { path: String(c['qom-path']), property: 'type' } })),
  ]);
  const propLists = new Map<string, QomProp[]>();
  listed.forEach((p, i) => propLists.set(p, must(r2[i], `qom-list ${p}`) as unknown as QomProp[]));
  const cpuTypes = r2.slice(listed.length).map((r) => value(r));
  propLists.set('/machine', must(machineList, 'qom-list /machine') as unknown as QomProp[]);

  // Third batch: every readable scalar property.
  const gets: { path: string; prop: string }[] = [];
  for (const [p, props] of propLists) {
    for (const prop of props) if (isScalarType(prop.type) && !VOLATILE_PROPS.has(prop.name)) gets.push({ path: p, prop: prop.name });
  }
  const r3 = await run(gets.map((g) => ({ execute: 'qom-get', arguments: { path: g.path, property: g.prop } })));
  const props = new Map<string, Obj>();
  gets.forEach((g, i) => {
    const o = props.get(g.path) ?? {};
    o[g.prop] = value(r3[i]);
    props.set(g.path, o);
  });
  const sortedKeys = (o: Obj | undefined): Obj => Object.fromEntries(Object.entries(o ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

  // The machine type: /machine's QOM type is `<machine name>-machine`; query-machines describes it.
  const machineType = String(props.get('/machine')?.type ?? '');
  const current = (must(machines, 'query-machines') as Obj[]).find((m) => `${m.name}-machine` === machineType);
  const fp: Fingerprint = {
    machine: current
      ? { name: current.name, alias: current.alias ?? null, cpuMax: current['cpu-max'], defaultCpuType: current['default-cpu-type'] ?? null, defaultRamId: current['default-ram-id'] ?? null }
      : { type: machineType },
    kvm: value(kvm),
    machineProps: sortedKeys(props.get('/machine')),
    pci: pciTree(must(pci, 'query-pci')),
    cpus: cpuList.map((c) => ({ index: c['cpu-index'], props: c.props, target: c.target })),
    hotpluggableCpus: sortByJson(
      (must(hotCpus, 'query-hotpluggable-cpus') as Obj[]).map((c) => ({ type: c.type, vcpus: c['vcpus-count'], props: c.props, present: c['qom-path'] !== undefined })),
    ),
    cpuTypes,
    cpu0Props: cpu0Path ? sortedKeys(props.get(cpu0Path)) : null,
    memdev: sortByJson((must(memdev, 'query-memdev') as Obj[]).map(({ id: _id, ...rest }) => rest)),
    memoryDevices: value(memDevs),
    peripherals: Object.fromEntries(
      [...periphChildren].sort((a, b) => (a.name < b.name ? -1 : 1)).map((c) => [c.name, { type: c.type, props: sortedKeys(props.get(c.path)) }]),
    ),
    peripheralAnon: anonChildren.map((c) => c.type).sort(),
    objects: Object.fromEntries(
      [...objectChildren].sort((a, b) => (a.name < b.name ? -1 : 1)).map((c) => [c.name, { type: c.type, props: sortedKeys(props.get(c.path)) }]),
    ),
    iothreads: (must(iothreads, 'query-iothreads') as Obj[]).map((t) => t.id).sort(),
    block: (must(block, 'query-block') as Obj[]).map((b) => {
      const ins = b.inserted as Obj | undefined;
      return {
        qdev: b.qdev ?? null,
        removable: b.removable,
        locked: b.locked,
        tray: b.tray_open ?? null,
        inserted: ins
          ? {
              node: ins['node-name'],
              file: ins.file,
              ro: ins.ro,
              drv: ins.drv,
              cache: ins.cache,
              detectZeroes: ins.detect_zeroes,
              backingDepth: ins.backing_file_depth,
              encrypted: ins.encrypted,
              format: (ins.image as Obj | undefined)?.format ?? null,
              virtualSize: (ins.image as Obj | undefined)?.['virtual-size'] ?? null,
            }
          : null,
      };
    }),
    blockNodes: sortByJson(
      (must(nodes, 'query-named-block-nodes') as Obj[]).map((n) => ({
        node: n['node-name'],
        drv: n.drv,
        file: n.file,
        ro: n.ro,
        cache: n.cache,
        detectZeroes: n.detect_zeroes,
        backingDepth: n.backing_file_depth,
      })),
    ),
    balloon: value(balloon),
  };
  return tokenize(fp as unknown as Json, opts.pathTokens) as unknown as Fingerprint;
}

/** Per-thread CPU affinity and memory nodes of a QEMU process, by role (read from /proc). */
export interface ThreadPlacement {
  readonly emulator: { readonly cpus: string; readonly mems: string };
  readonly vcpus: readonly string[];
  readonly iothreads: Readonly<Record<string, string>>;
}

function statusField(file: string, field: string): string {
  const m = new RegExp(`^${field}:\\s*(.*)$`, 'm').exec(fs.readFileSync(file, 'utf8'));
  return m ? m[1].trim() : '';
}

/**
 * Where the QEMU `pid`'s threads may run: the main (emulator) thread's CPUs and memory nodes,
 * each vCPU thread's CPUs (by vCPU index) and each I/O thread's CPUs (by id). Pins are no part
 * of the command line: libvirt and virtform both set them after QEMU started.
 */
export async function threadPlacement(pid: number, run: QmpRunner): Promise<ThreadPlacement> {
  const [cpus, iothreads] = await run([{ execute: 'query-cpus-fast' }, { execute: 'query-iothreads' }]);
  const task = (tid: number): string => `/proc/${pid}/task/${tid}/status`;
  return {
    emulator: { cpus: statusField(task(pid), 'Cpus_allowed_list'), mems: statusField(task(pid), 'Mems_allowed_list') },
    vcpus: (must(cpus, 'query-cpus-fast') as Obj[])
      .sort((a, b) => Number(a['cpu-index']) - Number(b['cpu-index']))
      .map((c) => statusField(task(Number(c['thread-id'])), 'Cpus_allowed_list')),
    iothreads: Object.fromEntries((must(iothreads, 'query-iothreads') as Obj[]).map((t) => [String(t.id), statusField(task(Number(t['thread-id'])), 'Cpus_allowed_list')])),
  };
}

/**
 * A command line in libvirt's `.args` layout, one entry per line, with what legitimately differs
 * between the two managers made equal:
 * - host paths private to each manager (their state folders, hugepage folders, UEFI variable
 *   stores) become the same tokens (`pathTokens`, longest first);
 * - a socket chardev's endpoint (`fd=N` or `path=...`) becomes `<socket>`: libvirt opens the
 *   listening sockets itself and passes their fds, virtform lets QEMU listen on paths in the run
 *   folder;
 * - the `PATH=` environment line, which both inherit from whoever started them.
 * Everything else must be the same, option for option and in order.
 */
export function normalizeCommandLine(args: string, pathTokens: readonly (readonly [string, string])[]): string[] {
  const tokens = [...pathTokens].sort((a, b) => b[0].length - a[0].length);
  let text = args;
  for (const [prefix, token] of tokens) text = text.split(prefix).join(token);
  return text
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('PATH='))
    .map((l) => l.replace(/ \\$/, ''))
    .map((l) => (l.startsWith('-chardev socket,') ? l.replace(/,(fd=\d+|path=[^,]*)/, ',<socket>') : l));
}

/**
 * virtform's one designed difference on the command line: with no daemon to hand a pty to
 * `virtform console`, the first pty serial port (or console) becomes a unix socket QEMU listens
 * on (provider/executor/domain/console-socket.ts), where libvirt gives `-chardev pty`. This reads
 * that one chardev (`args` in the `.args` layout) as the pty it stands for; it must occur exactly
 * once, on `socketPath`, so nothing else can be hidden by it.
 */
export function consoleSocketAsPty(args: string, socketPath: string): string {
  const escaped = socketPath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const line = new RegExp(`^-chardev socket,id=([^,]+),path=${escaped},server=on,wait=off( \\\\)?$`, 'gm');
  const found = args.match(line) ?? [];
  if (found.length !== 1) throw new Error(`expected one console socket chardev on ${socketPath} in the command line, found ${found.length}`);
  return args.replace(line, '-chardev pty,id=$1$2');
}
