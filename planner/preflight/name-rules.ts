/**
 * The `names` check: names become file names on the host (`<stateDir>/domains/NAME.xml`,
 * `<runDir>/NAME/`), so every name must be one usable path component, whatever libvirt allows:
 * not empty, not `.` or `..`, no `/`, no control characters, not starting with `.` (the state
 * store's temporary files do), at most 200 bytes in UTF-8.
 */
import { sourceOf } from '../../model/schema/source-map';
import type { PlanIssue } from '../plan-issue';
import { issueOn, type PreflightCheck } from './preflight-check';

/** Longest name in UTF-8 bytes (file names hold 255; room is left for suffixes like `.owner.json`). */
export const MAX_NAME_BYTES = 200;

/** Why `name` cannot name a resource, or undefined when it can. */
export function nameProblem(name: string): string | undefined {
  if (name === '') return 'the name is empty';
  if (name === '.' || name === '..') return `'${name}' is not a usable file name`;
  if (name.includes('/')) return "it contains '/'";
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'it contains a control character (newline, tab...)';
  if (name.startsWith('.')) return "it starts with '.', which marks the state store's temporary files";
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes > MAX_NAME_BYTES) return `it is ${bytes} bytes long in UTF-8, more than ${MAX_NAME_BYTES}`;
  return undefined;
}

export const nameRulesCheck: PreflightCheck = {
  name: 'names',
  stage: 'document',
  description: 'names are usable as one file name on the host',
  run(ctx) {
    const out: PlanIssue[] = [];
    for (const r of ctx.desired) {
      const problem = nameProblem(r.address.name);
      if (!problem) continue;
      const doc = r.document.doc as object;
      const src = sourceOf(doc);
      out.push(
        issueOn(
          'names',
          r,
          { obj: doc, prop: src?.props.has('name') ? 'name' : undefined, xmlPath: `/${r.document.kind}/name` },
          `${r.document.kind} name ${JSON.stringify(r.address.name)} cannot be used: ${problem}`,
          'choose a name of letters, digits, dashes, dots and underscores that does not start with a dot',
        ),
      );
    }
    return out;
  },
};
