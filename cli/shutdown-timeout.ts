/**
 * `--shutdown-timeout SECONDS` of apply and destroy: how long a guest gets to power off after the
 * ACPI power button before QEMU is stopped by force (libvirt's `virsh shutdown` then `destroy`,
 * Proxmox's `qm shutdown --timeout`). 0 stops QEMU at once without asking the guest, for guests
 * that never answer the button (firmware only, a hung OS) and for throwaway labs.
 */
import { InvalidArgumentError } from 'commander';

/** The default of DomainExecutor, in seconds (what --help says). */
export const DEFAULT_SHUTDOWN_TIMEOUT_S = 60;

/** Whole seconds, 0..86400, → milliseconds. Throws commander's InvalidArgumentError with the rule and the fix. */
export function parseShutdownTimeout(value: string): number {
  if (!/^[0-9]+$/.test(value.trim()) || Number(value) > 86400) {
    throw new InvalidArgumentError(`give whole seconds from 0 to 86400 (0 stops QEMU at once without asking the guest), for example --shutdown-timeout ${DEFAULT_SHUTDOWN_TIMEOUT_S}`);
  }
  return Number(value) * 1000;
}

export const SHUTDOWN_TIMEOUT_HELP = `seconds a guest gets to power off (ACPI power button) before QEMU is stopped by force; 0 stops it at once (default ${DEFAULT_SHUTDOWN_TIMEOUT_S})`;

/** The session options a verb's `--shutdown-timeout` (already in ms) asks for. */
export function sessionOptions(opts: { readonly shutdownTimeout?: number }): { shutdownTimeoutMs?: number } {
  return opts.shutdownTimeout !== undefined ? { shutdownTimeoutMs: opts.shutdownTimeout } : {};
}
