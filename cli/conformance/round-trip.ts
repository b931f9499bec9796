/**
 * The shared shape of the XML round-trip suites: parse (which rejects malformed XML, unknown
 * elements and bad values), validate, apply libvirt's parse-time defaults, format.
 */
import type { ModelIssue } from '../../model/errors';
import { ModelError } from '../../model/errors';
import type { CaseRun } from './suite';

/** Runs `steps`; a thrown error or returned issues become the case's error message. */
export function roundTrip(steps: () => { issues: readonly ModelIssue[]; format: () => string }): CaseRun {
  try {
    const { issues, format } = steps();
    if (issues.length) return { error: new ModelError(issues).message };
    return { output: format() };
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
}

/** `dir/NAME.xml` → `dir/NAME.err`: where an error for an input goes when libvirt has no .err. */
export function errPathFor(input: string): string {
  return input.replace(/\.xml$/, '') + '.err';
}
