/**
 * Builds the ModelIssue for a rule broken by one parsed (or code-built) device object, located at
 * the object's XML element or at one of its attributes/children when known.
 */
import { sourceOf } from '../../schema';
import type { ModelIssue } from '../../errors';

export interface IssueOpts {
  /** The property at fault (`model`, `source`); its XML name is appended to the path. */
  readonly prop?: string;
  /** The XML name of that property when it differs from the key (`@page_per_vq`, `source`). */
  readonly xmlName?: string;
  readonly fix?: string;
  /** Path to use when the object was built in code (`Devices/video[0]`). */
  readonly label?: string;
}

export function deviceIssue(obj: unknown, problem: string, opts: IssueOpts = {}): ModelIssue {
  const src = sourceOf(obj);
  let pos = src?.pos;
  if (src && opts.prop) {
    const p = src.props.get(opts.prop);
    if (p) pos = Array.isArray(p) ? p[0] ?? pos : p;
  }
  const base = src?.path ?? opts.label ?? '';
  const path = opts.xmlName ? `${base}/${opts.xmlName}` : base;
  return { pos, path, problem, ...(opts.fix ? { fix: opts.fix } : {}) };
}
