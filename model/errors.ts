/**
 * Errors in a document: where (file:line, XML path or construct path), what value, which rule,
 * and how to fix it. Everything that rejects user input in model/ throws or returns these.
 */
import type { SourcePos } from './xml/dom';

export interface ModelIssue {
  /** Where it came from: a file position for parsed XML; undefined for objects built in code. */
  readonly pos?: SourcePos;
  /** XML path (`/domain/devices/disk[2]/target/@bus`) or construct path (`App/db/Disk0`). */
  readonly path: string;
  /** The problem, naming the value and the rule: "value 'virtioo' must be one of ...". */
  readonly problem: string;
  /** What to do about it. */
  readonly fix?: string;
}

export function formatIssue(i: ModelIssue): string {
  const where = i.pos ? `${i.pos.file}:${i.pos.line}: ` : '';
  return `${where}${i.path}: ${i.problem}${i.fix ? ` (fix: ${i.fix})` : ''}`;
}

export class ModelError extends Error {
  readonly issues: readonly ModelIssue[];
  constructor(issues: ModelIssue | readonly ModelIssue[]) {
    const list = Array.isArray(issues) ? (issues as readonly ModelIssue[]) : [issues as ModelIssue];
    super(list.map(formatIssue).join('\n'));
    this.name = 'ModelError';
    this.issues = list;
  }
}
