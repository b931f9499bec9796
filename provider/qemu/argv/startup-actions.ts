/**
 * What the executor tells QEMU over QMP between starting it (frozen by `-S`) and `cont`.
 *
 * Lifecycle actions: QEMU runs with `-no-shutdown`, so a guest poweroff or crash stops the guest
 * but keeps QEMU, and the executor applies `<on_poweroff>`/`<on_crash>` itself. Only
 * `<on_reboot>destroy</on_reboot>` needs QEMU's help: a guest reboot must become a shutdown
 * (`set-action reboot=shutdown`), which QEMUs without `set-action` get as `-no-reboot` instead.
 */
import type { Domain } from '../../../model/domain/domain';
import type { QemuCaps } from '../caps';
import { diskThrottleCommands } from './storage/disk-throttle';

/** The `set-action` arguments to send before `cont`, or undefined when none is needed. */
export function startupSetAction(def: Domain, caps: QemuCaps): { readonly reboot: 'shutdown' } | undefined {
  if (!caps.flags.has('set-action')) return undefined;
  return def.onReboot === 'destroy' ? { reboot: 'shutdown' } : undefined;
}

/** One QMP command (structurally the lifecycle's QmpCommand, `LaunchSpec.beforeCont`). */
export interface StartupQmpCommand {
  readonly execute: string;
  readonly arguments?: Record<string, unknown>;
}

/**
 * The memory balloon's setup, which libvirt does on every start of a domain with a balloon: the
 * statistics polling period when `<stats period>` is set (seconds; a QOM property of the balloon
 * device, not a command-line option), then the balloon target, which is the domain's current
 * memory (`<currentMemory>`, else `<memory>`; QMP takes bytes).
 */
export function balloonStartupCommands(def: Domain): StartupQmpCommand[] {
  const out: StartupQmpCommand[] = [];
  const balloon = def.devices?.memballoon;
  if (!balloon || balloon.model === 'none' || balloon.model === 'xen') return out;
  const alias = balloon.alias?.name;
  if (balloon.stats?.period !== undefined && alias !== undefined) {
    out.push({ execute: 'qom-set', arguments: { path: `/machine/peripheral/${alias}`, property: 'guest-stats-polling-interval', value: balloon.stats.period } });
  }
  const kib = def.currentMemory ?? def.memory?.value;
  if (kib !== undefined) out.push({ execute: 'balloon', arguments: { value: kib * 1024 } });
  return out;
}

/**
 * `set_link up=false` for every NIC whose `<link state='down'/>`: QEMU has no command-line
 * option for a NIC's link state, so libvirt takes the link down over QMP at every start, naming
 * the NIC by its device id (the interface's alias, `net0`). Interfaces of type `hostdev` are PCI
 * devices, not QEMU NICs, and are skipped. Throws when a NIC to take down has no alias (the
 * domain was not prepared).
 */
export function linkStateCommands(def: Domain): StartupQmpCommand[] {
  const out: StartupQmpCommand[] = [];
  (def.devices?.interfaces ?? []).forEach((iface, i) => {
    if (iface.type === 'hostdev' || iface.link?.state !== 'down') return;
    const alias = iface.alias?.name;
    if (alias === undefined) {
      throw new Error(
        `the interface at /domain/devices/interface[${i + 1}] has <link state='down'/> but no device alias; prepare the domain (prepareDomain) before building its start-time commands`,
      );
    }
    out.push({ execute: 'set_link', arguments: { name: alias, up: false } });
  });
  return out;
}

export interface StartupQmpInputs {
  /**
   * Ids of the thread contexts the command line created only to preallocate memory
   * (`QemuCommandLine.preallocThreadContexts`): their threads have no work left once QEMU runs.
   */
  readonly preallocThreadContexts?: readonly string[];
  /**
   * The display password commands (`set_password`/`expire_password`, built by the executor from
   * the prepared domain's `<graphics>`; they carry secrets and must never be logged).
   */
  readonly displayPasswords?: readonly StartupQmpCommand[];
}

/**
 * Everything libvirt 9.0 tells a freshly started QEMU before `cont`, in the order its start path
 * sends them once the monitor is up and the threads are placed (qemuProcessLaunch; the `cont`
 * itself comes later, from qemuProcessFinishStartup, unless the domain starts paused):
 *
 *   1. display passwords (`displayPasswords`);
 *   2. network link states (`set_link` for `<link state='down'/>`, linkStateCommands);
 *   3. the balloon: statistics period, then target (balloonStartupCommands);
 *   4. disk I/O limits, one `block_set_io_throttle` per disk with `<iotune>` (disk-throttle.ts);
 *   5. the lifecycle action (`set-action`, startupSetAction);
 *   6. last, deleting the preallocation thread contexts (`object-del`).
 *
 * libvirt also reads state in between (vCPU and IOThread ids, `query-balloon`), which changes
 * nothing in QEMU; the executor reads what it needs itself.
 */
export function startupQmpCommands(def: Domain, caps: QemuCaps, inputs: StartupQmpInputs = {}): StartupQmpCommand[] {
  const out: StartupQmpCommand[] = [...(inputs.displayPasswords ?? [])];
  out.push(...linkStateCommands(def));
  out.push(...balloonStartupCommands(def));
  out.push(...diskThrottleCommands(def));
  const action = startupSetAction(def, caps);
  if (action) out.push({ execute: 'set-action', arguments: { ...action } });
  for (const id of inputs.preallocThreadContexts ?? []) out.push({ execute: 'object-del', arguments: { id } });
  return out;
}
