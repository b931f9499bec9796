/** Hypervisor-independent rules across domain elements (filled in below). */
import type { ModelIssue } from '../errors';
import type { Domain } from './domain';

/** Longest boot menu wait QEMU's firmware interface takes, ms. */
export const BOOT_MENU_TIMEOUT_MAX_MS = 65535;

export function validateDomainRules(domain: Domain, label = ''): ModelIssue[] {
  const issues: ModelIssue[] = [];
  const timeout = domain.os?.bootmenu?.timeout;
  if (timeout !== undefined && timeout > BOOT_MENU_TIMEOUT_MAX_MS) {
    issues.push({
      path: `${label}/domain/os/bootmenu/@timeout`,
      problem: `boot menu timeout ${timeout} ms is out of range [0,${BOOT_MENU_TIMEOUT_MAX_MS}]`,
      fix: `use at most ${BOOT_MENU_TIMEOUT_MAX_MS} ms`,
    });
  }
  return issues;
}
