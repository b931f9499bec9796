/** Hypervisor-independent rules across domain elements (filled in below). */
import type { ModelIssue } from '../errors';
import type { Domain } from './domain';

export function validateDomainRules(_domain: Domain, _label = ''): ModelIssue[] {
  return [];
}
