/**
 * Finds the file:line of an XML path inside a parsed document, for checks that speak XML paths
 * (`/domain/cputune/vcpupin[@vcpu='1']/@cpuset`, `/domain/devices/disk[2]/source`) rather than
 * holding the model object. Uses the source map the parser recorded (model/schema/source-map).
 *
 * Predicates: `[n]` is the n-th element of that name (1-based); `[@attr='v']` the element whose
 * attribute has that value. The deepest element found gives the position; a trailing `@attr`
 * gives the attribute's own line when it was written. undefined for documents built in code.
 */
import { sourceOf, type ObjectSource } from '../model/schema/source-map';
import type { SourcePos } from '../model/xml/dom';

interface Step {
  readonly name: string;
  readonly index?: number;
  readonly attr?: { readonly name: string; readonly value: string };
}

interface Entry {
  readonly obj: Record<string, unknown>;
  readonly src: ObjectSource;
  readonly steps: readonly Step[];
}

function parseSteps(path: string): { steps: Step[]; attr?: string } {
  const parts = path.split('/').filter((p) => p !== '');
  let attr: string | undefined;
  if (parts.length && parts[parts.length - 1].startsWith('@')) attr = parts.pop()!.slice(1);
  const steps = parts.map((p): Step => {
    const m = /^([^[]+)(?:\[(\d+)\]|\[@([^=\]]+)='([^']*)'\])?$/.exec(p);
    if (!m) return { name: p.replace(/\[.*$/, '') };
    if (m[2] !== undefined) return { name: m[1], index: Number(m[2]) };
    if (m[3] !== undefined) return { name: m[1], attr: { name: m[3], value: m[4] } };
    return { name: m[1] };
  });
  return { steps, attr };
}

function collect(v: unknown, out: Entry[], seen: Set<object>): void {
  if (v === null || typeof v !== 'object' || seen.has(v as object)) return;
  seen.add(v as object);
  if (Array.isArray(v)) {
    for (const x of v) collect(x, out, seen);
    return;
  }
  const src = sourceOf(v);
  if (src) out.push({ obj: v as Record<string, unknown>, src, steps: parseSteps(src.path).steps });
  for (const x of Object.values(v as Record<string, unknown>)) collect(x, out, seen);
}

const camel = (xml: string): string => xml.replace(/[-_:]([a-z])/g, (_, c: string) => c.toUpperCase());

function stepMatches(want: Step, have: Step, obj: Record<string, unknown>, last: boolean): boolean {
  if (want.name !== have.name) return false;
  if (want.index !== undefined) return (have.index ?? 1) === want.index;
  if (want.attr && last) {
    const v = obj[camel(want.attr.name)] ?? obj[want.attr.name];
    return v !== undefined && String(v) === want.attr.value;
  }
  return true;
}

/** The position of `xmlPath` in `doc` (a parsed model object), or undefined. */
export function locateXmlPath(doc: object, xmlPath: string): SourcePos | undefined {
  const entries: Entry[] = [];
  collect(doc, entries, new Set());
  const { steps, attr } = parseSteps(xmlPath);
  let best: Entry | undefined;
  for (const e of entries) {
    if (e.steps.length > steps.length || (best && e.steps.length <= best.steps.length)) continue;
    const ok = e.steps.every((have, i) => stepMatches(steps[i], have, e.obj, i === e.steps.length - 1));
    if (ok) best = e;
  }
  if (!best) return undefined;
  // A step below the deepest object is a text child or attribute recorded as its property.
  const rest = steps.slice(best.steps.length);
  const prop = rest.length === 0 ? attr : rest.length === 1 && attr === undefined ? rest[0].name : undefined;
  if (prop !== undefined) {
    const p = best.src.props.get(camel(prop)) ?? best.src.props.get(prop);
    const one = Array.isArray(p) ? p[(rest[0]?.index ?? 1) - 1] ?? p[0] : p;
    if (one) return one;
  }
  return best.src.pos;
}
